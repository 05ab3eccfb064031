"""Pure: records -> CSL-JSON (papers.json), for Pandoc, Zotero and other CSL processors.

CSL's rich text is Zotero's (`<i>`, `<b>`, `<sub>`, `<sup>`, `<span class="nocase">`), so titles pass
through with only other HTML elements' tags dropped (render/richtext.py); inline maths stays as typed. Each item's `id` is its citation key, as Pandoc's `@key` expects, and the items are
sorted by it. Only http(s) URLs are kept (render/urls.py): a CSL processor makes them live links. Older keys a record was published under live only in the .bib (biblatex `ids`): CSL
has no alias field.
"""
from __future__ import annotations

import json
import re

import orjson

from pipeline import fieldmap
from pipeline.model import AUTHOR_ROLES, Creator, Record, unique
from pipeline.render.richtext import without_unknown_tags
from pipeline.render.urls import safe_url

# Zotero item types -> CSL types: the schema's own mapping, in the one table (pipeline/fieldmap.py).
# The CSL variable that holds the venue, by CSL type.
_CONTAINER = {"thesis": "publisher", "report": "publisher"}


def _name(creator: Creator) -> dict:
    if creator.name or not creator.family:
        return {"literal": creator.name or creator.given}
    out = {"family": creator.family}
    if creator.given:
        out["given"] = creator.given
    return out


_NUMBER_RANGE_RE = re.compile(r"^(\d+)\s*[-‐‑–—]+\s*(\d+)$")


def _ranged(value: str) -> str:
    """'7-8' -> '7–8': an issue or volume range with CSL's en dash (Better BibTeX #3327). Pages stay as
    typed: a CSL style formats their ranges itself (`page-range-format`)."""
    return _NUMBER_RANGE_RE.sub("\\1\u2013\\2", value) if value else value


_SEASON_RE = re.compile(r"^-?\d{4}-(2[1-4])(?!\d)")


def _parts(date: str) -> list[int]:
    parts = []
    negative = date.startswith("-")
    for piece in date.lstrip("-").split("T")[0].rstrip("?~%").split("-")[:3]:
        if not piece.isdigit() or (len(parts) == 1 and int(piece) > 12):
            break           # an unknown digit, or a season in the month's place (`2004-22`)
        parts.append(int(piece))
    if parts and negative:
        parts[0] = -parts[0]
    return parts


def _date_parts(date: str, year: int | None, edtf: str = "") -> dict | None:
    """CSL's date: `date-parts` (two for a range), `circa` for an uncertain or approximate one."""
    if edtf:
        spans = [_parts(p) for p in edtf.split("/")]
        spans = [p for p in spans if p]
        if spans:
            out: dict = {"date-parts": spans}
            if edtf[-1:] in "?~%" or "?/" in edtf or "~/" in edtf:
                out["circa"] = True
            season = _SEASON_RE.match(edtf)
            if season and "/" not in edtf:
                out["season"] = int(season.group(1)) - 20    # CSL's 1-4: spring, summer, autumn, winter
            return out
    parts = _parts(date)
    if not parts and year:
        parts = [year]
    return {"date-parts": [parts]} if parts else None


def item(record: Record, key: str) -> dict:
    kind = dict(record.bib_fields).get("csl.type") or fieldmap.types(record.item_type)[4]
    out: dict = {"id": key, "citation-key": key, "type": kind}
    if record.title:
        out["title"] = without_unknown_tags(record.title)
    # Each creator in the CSL name variable its role maps to (a director is `director`); a role the
    # table does not name is an author's, as every writer counts it.
    for creator in record.creators:
        role = fieldmap.ROLES.get(creator.role, ("", "", ""))[2] or (
            "author" if creator.role in AUTHOR_ROLES or creator.role not in fieldmap.ROLES else "")
        if role:
            out.setdefault(role, []).append(_name(creator))
    # A date no calendar has (2024-13-45) has no year, and stays out of `issued`.
    issued = _date_parts(record.date, record.year, record.edtf) if record.year is not None or record.edtf else None
    if issued:
        out["issued"] = issued
    venue = record.venue
    if venue and venue != record.publisher:
        out[_CONTAINER.get(kind, "container-title")] = venue
    if record.venue_label and record.venue_label != venue:
        out["container-title-short"] = record.venue_label
    for name, value in record.bib_fields:       # CSL variables the curator set in extra
        if name.startswith("csl.") and name != "csl.type":
            variable = name[4:]
            parts = _date_parts("", None, value) if variable.endswith("date") or variable == "submitted" else None
            out.setdefault(variable, parts or value)
    if record.series:
        out.setdefault("collection-title", record.series)
    if record.number and not record.arxiv and kind not in ("article-journal", "article-magazine", "article-newspaper") \
            and dict(record.fields).get("seriesNumber") != record.number:     # (that one is collection-number)
        out.setdefault("number", record.number)
    for name, value in (("volume", _ranged(record.volume)), ("issue", _ranged(record.issue)),
                        ("page", record.pages),
                        ("publisher", record.publisher), ("DOI", record.doi), ("URL", safe_url(record.url)),
                        ("language", record.language), ("abstract", record.abstract)):
        if value and name not in out:
            out[name] = value
    for name, value in record.fields:      # the rest of Zotero's fields, by the one table
        target = fieldmap.FIELDS.get(name, ("", "", ""))[2]
        if target == "original-date":
            parts = _date_parts(value, None)
            if parts:
                out[target] = parts
        elif target and target not in out and not (target == "event-title" and value == out.get("container-title")):
            out[target] = value     # (a conference's name that is the container already, not twice)
    # What OpenAlex adds has no CSL variable: it rides in `custom`, the schema's place for such data.
    custom = {name: value for name, value in (
        ("citations", record.citations if record.citations_date else None), ("citations-date", record.citations_date),
        ("oa-url", safe_url(record.oa_url)), ("oa-license", record.oa_license if record.oa_url else ""))
        if value not in ("", None)}
    if custom:
        out["custom"] = custom
    if record.arxiv:
        # Zotero's own CSL export writes an arXiv preprint this way: the repository and its number.
        out.setdefault("publisher", "arXiv")
        out["number"] = f"arXiv:{record.arxiv}"
    return out


def render(records: list[Record], citekeys: dict[str, str]) -> str:
    """papers.json: a JSON array of CSL items, sorted by citation key, one item per record."""
    items = [item(record, citekeys[record.key]) for record in unique(records)]
    items.sort(key=lambda i: (i["id"].casefold(), i["id"]))
    try:   # orjson writes the bytes json.dumps would, ~20x faster (tests/test_files.py holds it to that)
        return orjson.dumps(items, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"
    except TypeError:   # what orjson refuses (a lone surrogate, an integer past 64 bits), json writes
        return json.dumps(items, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
