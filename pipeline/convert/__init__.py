"""Pure conversions of outside JSON (Zotero items, Crossref works, DBLP hits) into Record fields."""
from __future__ import annotations

import hashlib
import json
from typing import Mapping


def query_id(params: Mapping) -> str:
    """The cache file name of a search, for every source: sha1 of its parameters' canonical JSON."""
    canonical = json.dumps(dict(params), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()
