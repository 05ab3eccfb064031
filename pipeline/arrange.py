"""Pure: the list's order. Sections from pipeline.toml, else a numeric name prefix, else by name;
entries sorted as pipeline.toml says; the tags the list shows.

STUB (issue #5 deepens it).
"""
from __future__ import annotations

import re

from pipeline.model import Record, Section

_PREFIX_RE = re.compile(r"^\s*(\d+)[\s._\-)]+(?=\S)")


def display_name(name: str) -> str:
    """'01 Background' -> 'Background': the ordering prefix is not shown."""
    return _PREFIX_RE.sub("", name, count=1).strip() or name.strip()


def order_sections(sections: list[Section], configured: tuple[str, ...] = (),
                   raw_names: dict[str, str] | None = None) -> list[Section]:
    """Depth-first: each section followed by its sub-sections, siblings in the configured order.

    `raw_names` are the collection names as in Zotero ("01 Background"), for the numeric prefix.
    """
    rank = {name: i for i, name in enumerate(configured)}
    raw_names = raw_names or {}

    def sibling_key(s: Section, raw: str):
        m = _PREFIX_RE.match(raw)
        return (rank.get(s.name, len(rank)), int(m.group(1)) if m else 10**9, s.name.casefold(), s.key)

    children: dict[str | None, list[Section]] = {}
    for s in sections:
        children.setdefault(s.parent, []).append(s)
    out: list[Section] = []

    def walk(parent):
        for s in sorted(children.get(parent, []), key=lambda s: sibling_key(s, raw_names.get(s.key, s.name))):
            out.append(s)
            walk(s.key)

    walk(None)
    return out


def sort_records(records: list[Record], spec: tuple[str, ...]) -> list[Record]:
    """Sort by fields named in `spec` ("-year" = descending; "added" = date added)."""
    out = sorted(records, key=lambda r: r.key)
    for field in reversed(spec):
        desc = field.startswith("-")
        name = field.lstrip("-+")
        name = {"added": "date_added", "modified": "date_modified"}.get(name, name)

        def key(r, name=name):
            v = getattr(r, name, "")
            missing = v in (None, "")
            if isinstance(v, str):
                v = v.casefold()
            return (missing, v if not missing else "")

        present = [r for r in out if getattr(r, name, "") not in (None, "")]
        absent = [r for r in out if getattr(r, name, "") in (None, "")]
        present.sort(key=key, reverse=desc)
        out = present + absent
    return out


def shown_tags(record: Record, policy) -> tuple[str, ...]:
    if policy == "none":
        return ()
    if policy == "all":
        return record.all_tags
    if policy == "manual":
        return record.tags
    wanted = {t.casefold() for t in policy}
    return tuple(t for t in record.all_tags if t.casefold() in wanted)
