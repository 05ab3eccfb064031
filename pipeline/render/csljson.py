"""Pure: records -> CSL-JSON (papers.json), for Pandoc, Zotero and other CSL processors.

CSL's rich text is Zotero's (`<i>`, `<b>`, `<sub>`, `<sup>`, `<span class="nocase">`), so titles pass
through unchanged. Each item's `id` is its citation key, as Pandoc's `@key` expects, and the items are
sorted by it. Only http(s) URLs are kept (render/urls.py): a CSL processor makes them live links. Older keys a record was published under live only in the .bib (biblatex `ids`): CSL
has no alias field.
"""
from __future__ import annotations

import json

import orjson

from pipeline.model import Creator, Record, unique
from pipeline.render.urls import safe_url

# Zotero item types, then Crossref types, -> CSL types (the Zotero schema's own CSL mapping).
CSL_TYPES = {
    "journalArticle": "article-journal", "magazineArticle": "article-magazine",
    "newspaperArticle": "article-newspaper", "conferencePaper": "paper-conference",
    "bookSection": "chapter", "book": "book", "thesis": "thesis", "report": "report",
    "preprint": "article", "webpage": "webpage", "blogPost": "post-weblog", "forumPost": "post",
    "manuscript": "manuscript", "dataset": "dataset", "computerProgram": "software",
    "encyclopediaArticle": "entry-encyclopedia", "dictionaryEntry": "entry-dictionary",
    "patent": "patent", "case": "legal_case", "statute": "legislation", "bill": "bill",
    "presentation": "speech", "standard": "standard", "document": "document",
    "journal-article": "article-journal", "proceedings-article": "paper-conference",
    "book-chapter": "chapter", "posted-content": "article", "dissertation": "thesis",
    "monograph": "book", "edited-book": "book",
}
# The CSL variable that holds the venue, by CSL type.
_CONTAINER = {"thesis": "publisher", "report": "publisher"}


def _name(creator: Creator) -> dict:
    if creator.name or not creator.family:
        return {"literal": creator.name or creator.given}
    out = {"family": creator.family}
    if creator.given:
        out["given"] = creator.given
    return out


def _date_parts(date: str, year: int | None) -> dict | None:
    if year is None:         # a date no calendar has (2024-13-45) stays out of `issued`
        return None
    parts = []
    for piece in date.split("-")[:3]:
        if not piece.isdigit():
            break
        parts.append(int(piece))
    if not parts and year:
        parts = [year]
    return {"date-parts": [parts]} if parts else None


def item(record: Record, key: str) -> dict:
    kind = CSL_TYPES.get(record.item_type, "document")
    out: dict = {"id": key, "citation-key": key, "type": kind}
    if record.title:
        out["title"] = record.title
    people, editing = record.people
    authors, editors = [_name(c) for c in people], [_name(c) for c in editing]
    if authors:
        out["author"] = authors
    if editors:
        out["editor"] = editors
    issued = _date_parts(record.date, record.year)
    if issued:
        out["issued"] = issued
    venue = record.venue
    if venue and venue != record.publisher:
        out[_CONTAINER.get(kind, "container-title")] = venue
    if record.venue_label and record.venue_label != venue:
        out["container-title-short"] = record.venue_label
    for name, value in (("volume", record.volume), ("issue", record.issue), ("page", record.pages),
                        ("publisher", record.publisher), ("DOI", record.doi), ("URL", safe_url(record.url)),
                        ("language", record.language), ("abstract", record.abstract)):
        if value and name not in out:
            out[name] = value
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
