"""Pure: the list's order. Sections from pipeline.toml, else a numeric name prefix, else by name;
entries sorted as pipeline.toml says; the tags the list shows.

Everything here is deterministic: every ordering ends with a tie-break on a key, so the same
library gives the same README bytes whatever order the API listed things in.
"""
from __future__ import annotations

import re
from typing import Iterable

from pipeline.config import nearest
from pipeline.model import Record, Section

# An ordering prefix: "01 Background", "2. Testing", "3) Tools", "04-Data", "1.2 Fuzzing".
# At most three digits per part, so a year that starts a name ("2021 Highlights") is not mistaken
# for one, and the separator must be followed by the name, so "3D Vision" and "1.5x Faster" keep
# their numbers.
_PREFIX_RE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})*)(?:\s*[._\-)]\s*(?=[^\s\d])|\s+(?=\S))")

# `sort` field names that mean something other than the Record attribute of the same name.
_SORT_ALIASES = {"added": "date_added", "modified": "date_modified", "venue": "venue_label"}
_SORTABLE = frozenset(Record.__dataclass_fields__) - {
    "creators", "notices", "provenance", "sections", "tags", "all_tags", "citation_key_aliases"}


def display_name(name: str) -> str:
    """'01 Background' -> 'Background': the ordering prefix is not shown."""
    return _PREFIX_RE.sub("", name, count=1).strip() or name.strip()


def name_prefix(name: str) -> tuple[int, ...] | None:
    """'01 Background' -> (1,), '1.2 Fuzzing' -> (1, 2), 'Background' -> None."""
    match = _PREFIX_RE.match(name)
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def order_sections(sections: list[Section], configured: tuple[str, ...] = (),
                   raw_names: dict[str, str] | None = None) -> list[Section]:
    """Depth-first: each section followed by its sub-sections; siblings in this order:

    1. the ones pipeline.toml's `[sections] order` names, in its order (a name there may be the
       display name, the Zotero name with its prefix, or a path "Testing > Fuzzing");
    2. then those with a numeric prefix ("01 Background"), by number;
    3. then the rest alphabetically (case-insensitive), the collection key breaking ties.

    `raw_names` are the collection names as in Zotero ("01 Background"), for the numeric prefix;
    without them `Section.name` is read. A section whose parent is not in the list is placed at the
    top level rather than lost.
    """
    raw_names = raw_names or {}
    rank: dict[str, int] = {}
    for i, name in enumerate(configured):
        rank.setdefault(_folded(name), i)
    unranked = len(rank) + 1

    def position(s: Section) -> int:
        return min((rank.get(n, unranked) for n in _order_names(s, raw_names)), default=unranked)

    def sibling_key(s: Section):
        raw = raw_names.get(s.key, s.name)
        prefix = name_prefix(raw)
        return (position(s), prefix is None, prefix or (), s.name.casefold(), s.name, s.key)

    keys = {s.key for s in sections}
    children: dict[str | None, list[Section]] = {}
    for s in sections:
        parent = s.parent if s.parent in keys and s.parent != s.key else None
        children.setdefault(parent, []).append(s)
    out: list[Section] = []
    placed: set[str] = set()

    def walk(parent: str | None) -> None:
        for s in sorted(children.get(parent, []), key=sibling_key):
            if s.key in placed:
                continue
            placed.add(s.key)
            out.append(s)
            walk(s.key)

    walk(None)
    # Sections caught in a parent cycle are never reached from the top: keep them, at the end.
    for s in sorted((s for s in sections if s.key not in placed), key=sibling_key):
        placed.add(s.key)
        out.append(s)
    return out


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def _order_names(s: Section, raw_names: dict[str, str]) -> set[str]:
    """The names `[sections] order` may call a section by, folded: its name, its Zotero name with the
    prefix, that name without it, and its path "Testing > Fuzzing"."""
    raw = raw_names.get(s.key, s.name)
    return {_folded(n) for n in (s.name, raw, display_name(raw), " > ".join(s.path)) if n}


def unknown_order_names(sections: list[Section], configured: tuple[str, ...],
                        raw_names: dict[str, str] | None = None) -> list[tuple[int, str, str]]:
    """[(position in `configured`, name, the nearest section's name or "")] for every name in
    pipeline.toml's `[sections] order` that calls no section of the list (a typo would otherwise
    only move that section to the end)."""
    raw_names = raw_names or {}
    known = set().union(*(_order_names(s, raw_names) for s in sections)) if sections else set()
    shown = sorted({s.name for s in sections} | {" > ".join(s.path) for s in sections if s.path})
    return [(i, name, nearest(" ".join(name.split()), shown))
            for i, name in enumerate(configured) if _folded(name) not in known]


def unknown_sort_fields(spec: Iterable[str]) -> list[str]:
    """The names in a `sort` setting that are not sortable fields (for a config message)."""
    return [f for f in spec if _field_name(f) not in _SORTABLE]


def nearest_sort_field(field: str) -> str:
    """The sortable name closest to a `sort` field that is not one ("" if none is close)."""
    names = sorted((_SORTABLE - set(_SORT_ALIASES.values())) | set(_SORT_ALIASES))
    name = field.strip().lstrip("-+")
    near = nearest(name, names)
    return field.strip()[: len(field.strip()) - len(name)] + near if near else ""


def _field_name(field: str) -> str:
    name = field.strip().lstrip("-+")
    return _SORT_ALIASES.get(name, name)


def sort_records(records: list[Record], spec: tuple[str, ...]) -> list[Record]:
    """Sort by the fields named in `spec`: "-year" descending, "title" ascending, "added" by date
    added, and so on. Text compares case-insensitively; an empty value sorts last whichever the
    direction; the Zotero key breaks the remaining ties. Unknown field names are skipped
    (`unknown_sort_fields` names them)."""
    out = sorted(records, key=lambda r: r.key)
    for field in reversed(tuple(spec)):
        name = _field_name(field)
        if name not in _SORTABLE:
            continue
        descending = field.strip().startswith("-")

        def value(r: Record, name: str = name):
            v = getattr(r, name)
            return v.casefold() if isinstance(v, str) else v

        present = [r for r in out if getattr(r, name) not in (None, "")]
        absent = [r for r in out if getattr(r, name) in (None, "")]
        # A stable sort per field, last field first, gives a lexicographic sort over the spec.
        present.sort(key=value, reverse=descending)
        out = present + absent
    return out


def shown_tags(record: Record, policy) -> tuple[str, ...]:
    """The tags the list shows for `record`, from pipeline.toml's `[entries] tags`:
    "manual" (tags the curator typed, the default), "all" (automatic ones too), "none", or a list of
    tag names, matched case-insensitively and shown in the list's order."""
    if policy == "none":
        return ()
    if policy == "all":
        return _unique(record.all_tags)
    if policy == "manual" or isinstance(policy, str):
        return _unique(record.tags)
    available = {}
    for tag in (*record.all_tags, *record.tags):
        available.setdefault(tag.casefold(), tag)
    return _unique(available[w.casefold()] for w in policy if w.casefold() in available)


def _unique(tags: Iterable[str]) -> tuple[str, ...]:
    seen, out = set(), []
    for tag in tags:
        folded = tag.strip().casefold()
        if folded and folded not in seen:
            seen.add(folded)
            out.append(tag.strip())
    return tuple(out)
