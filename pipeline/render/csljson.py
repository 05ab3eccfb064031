"""Pure: records -> CSL-JSON. STUB (issue #6 replaces it)."""
from __future__ import annotations

import json

from pipeline.model import Record


def render(records: list[Record], citekeys: dict[str, str]) -> str:
    items = [{"id": citekeys[r.key], "title": r.title} for r in sorted(records, key=lambda r: citekeys[r.key])]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
