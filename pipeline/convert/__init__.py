"""Pure conversions of outside JSON (Zotero items, Crossref works, DBLP hits) into Record fields."""
from __future__ import annotations

import calendar
import hashlib
import json
import re
from datetime import datetime
from typing import Mapping

# A timestamp as the CSV's schema declares date_added and date_modified (render/table.py).
ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
_TIMESTAMP_RE = re.compile(ISO_DATETIME)


def query_id(params: Mapping) -> str:
    """The cache file name of a search, for every source: sha1 of its parameters' canonical JSON."""
    canonical = json.dumps(dict(params), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()


def iso_date(year: int, month: int = 0, day: int = 0) -> str | None:
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (a 0 is a part not given); None when no calendar has the
    date (`2024-13-45`, `2023-02-29`): such a date must never become a year or a CSL `issued`."""
    if not 1 <= year <= 9999 or not 0 <= month <= 12 or day < 0 or (day and not month):
        return None
    if day and day > calendar.monthrange(year, month)[1]:
        return None
    return "-".join([f"{year:04d}"] + [f"{n:02d}" for n in (month, day) if n])


def is_timestamp(value: str) -> bool:
    """Is `value` a timestamp the CSV's schema accepts, and one a calendar and a clock have?"""
    if not _TIMESTAMP_RE.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
