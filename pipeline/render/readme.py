"""Pure: Catalog -> README.md text (the awesome list), keeping the hand-written parts of the old one.

STUB (issue #5 replaces it): minimal entries, no escaping.
"""
from __future__ import annotations

from pipeline.model import Catalog

BEGIN = "<!-- BEGIN GENERATED LIST: edit Zotero and reviews/, not this block; `make sync` rewrites it -->"
END = "<!-- END GENERATED LIST -->"


def render(catalog: Catalog, existing: str = "") -> str:
    lines = [BEGIN, "", "## Contents", ""]
    for s in catalog.sections:
        lines.append(f"{'  ' * (s.depth - 1)}- [{s.name}](#{s.name.lower().replace('&', '').replace(' ', '-')})")
    for s in catalog.sections:
        lines += ["", "#" * (s.depth + 1) + " " + s.name, ""]
        for r in catalog.in_section(s.key):
            label = f", *{r.venue_label} {r.year or ''}*".rstrip() if r.venue_label else ""
            note = f" ({r.note})" if r.note else ""
            lines.append(f"- [{r.title}]({r.url}){label}{note}" + (f" - {r.summary}" if r.summary else ""))
    lines += ["", END]
    block = "\n".join(lines)
    if BEGIN in existing and END in existing:
        head, _, rest = existing.partition(BEGIN)
        _, _, tail = rest.partition(END)
        return head + block + tail
    return f"# {catalog.title}\n\n{block}\n"
