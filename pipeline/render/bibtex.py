"""Pure: records -> a .bib file. STUB (issue #6 replaces it)."""
from __future__ import annotations

from pipeline.model import Record


def render(records: list[Record], citekeys: dict[str, str]) -> str:
    out = []
    for r in sorted(records, key=lambda r: citekeys[r.key]):
        out.append(f"@misc{{{citekeys[r.key]},\n  title = {{{r.title}}},\n  year = {{{r.year or ''}}}\n}}\n")
    return "\n".join(out)
