"""Pure: records -> papers.csv and its Table Schema. STUB (issue #6 replaces it)."""
from __future__ import annotations

import csv
import io

from pipeline.model import Record

COLUMNS = ["key", "citekey", "title", "year", "venue_label", "doi", "url", "summary"]


def render_csv(records: list[Record], citekeys: dict[str, str], section_names: dict[str, str] | None = None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in sorted(records, key=lambda r: r.key):
        w.writerow([r.key, citekeys[r.key], r.title, r.year or "", r.venue_label, r.doi, r.url, r.summary])
    return buf.getvalue()


def datapackage(csv_name: str) -> dict:
    return {"name": "papers", "resources": [{"name": "papers", "path": csv_name}]}
