"""Pure: records -> papers.bib, for authors who cite the list from LaTeX.

The file targets classic BibTeX (pdflatex + bibtex with any standard style) and stays readable by
biber: standard entry types only, text fields as LaTeX (see latex.py), `url` and `doi` raw, biblatex's
`ids` for keys a record was published under before. Entries are sorted by key and fields come in a
fixed order, so the same records always give the same bytes.
"""
from __future__ import annotations

import re

from pipeline.model import Creator, Record
from pipeline.render import latex
from pipeline.render.citekeys import AUTHOR_ROLES

HEADER = ("% Generated from the Zotero collection by `make sync`; edit Zotero, not this file.\n"
          "% Text fields are LaTeX; non-Latin scripts stay UTF-8 (use xelatex/lualatex or biber for them).\n")

# Zotero item types, then Crossref types, -> (entry type, field that takes the venue).
ENTRY_TYPES = {
    "journalArticle": ("article", "journal"),
    "magazineArticle": ("article", "journal"),
    "newspaperArticle": ("article", "journal"),
    "conferencePaper": ("inproceedings", "booktitle"),
    "bookSection": ("incollection", "booktitle"),
    "encyclopediaArticle": ("incollection", "booktitle"),
    "dictionaryEntry": ("incollection", "booktitle"),
    "book": ("book", ""),
    "thesis": ("phdthesis", "school"),
    "report": ("techreport", "institution"),
    "standard": ("techreport", "institution"),
    "preprint": ("misc", "howpublished"),
    "webpage": ("misc", "howpublished"),
    "blogPost": ("misc", "howpublished"),
    "forumPost": ("misc", "howpublished"),
    "manuscript": ("unpublished", ""),
    "journal-article": ("article", "journal"),
    "proceedings-article": ("inproceedings", "booktitle"),
    "book-chapter": ("incollection", "booktitle"),
    "book-part": ("incollection", "booktitle"),
    "reference-entry": ("incollection", "booktitle"),
    "monograph": ("book", ""),
    "edited-book": ("book", ""),
    "reference-book": ("book", ""),
    "dissertation": ("phdthesis", "school"),
    "posted-content": ("misc", "howpublished"),
}
DEFAULT_TYPE = ("misc", "howpublished")

# The order fields are written in, whatever the entry type.
FIELD_ORDER = ("ids", "author", "editor", "title", "booktitle", "journal", "howpublished", "school",
               "institution", "year", "month", "volume", "number", "pages", "publisher", "note",
               "doi", "url", "eprint", "archivePrefix")

# Fields biblatex's data model rejects for a type (biber --validate-datamodel): written nowhere rather
# than ignored with a warning. The CSV and CSL-JSON keep them.
NOT_IN_TYPE = {"article": {"publisher"}, "misc": {"volume", "number", "pages"},
               "unpublished": {"volume", "number", "pages", "publisher"}}

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_RANGE_RE = re.compile(r"(?<=\w)\s*[-‐‑–—]+\s*(?=\w)")
_AND_RE = re.compile(r"(?:^|\s)and(?:\s|$)", re.IGNORECASE)
_URL_UNSAFE = {ord("{"): "%7B", ord("}"): "%7D", ord("\\"): "%5C", ord(" "): "%20", ord("\t"): "%09",
               ord("\n"): "%0A", ord("\r"): "%0D"}


def entry_type(record: Record) -> tuple[str, str]:
    return ENTRY_TYPES.get(record.item_type, DEFAULT_TYPE)


def _name_part(text: str) -> str:
    value = latex.encode(text)
    # A comma or a free-standing "and" would split the name list: keep such a part whole.
    if "," in text or _AND_RE.search(text) or text.strip().lower() == "others":
        return "{" + value + "}"
    return value


def name(creator: Creator) -> str:
    """'Family, Given'; an institution in braces so BibTeX does not split it into names."""
    if creator.name or not creator.family:
        full = creator.name or creator.given
        return "{" + latex.encode(full) + "}" if full.strip() else ""
    family = _name_part(creator.family)
    return f"{family}, {_name_part(creator.given)}" if creator.given.strip() else family


def names(creators) -> str:
    return " and ".join(n for n in (name(c) for c in creators) if n)


def raw(value: str) -> str:
    """A verbatim field (url, doi): left as it is, except what would break the .bib's syntax."""
    return value.strip().translate(_URL_UNSAFE)


def month(date: str) -> str:
    parts = date.split("-")
    if len(parts) >= 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        return _MONTHS[int(parts[1]) - 1]
    return ""


def fields(record: Record, aliases: tuple[str, ...] = ()) -> dict[str, str]:
    """{field: value as written between braces} for one record; month is a bare macro name."""
    kind, venue_field = entry_type(record)
    authors = [c for c in record.creators if c.role in AUTHOR_ROLES]
    editors = [c for c in record.creators if c.role == "editor"]
    if not authors and not editors:
        authors = list(record.creators)
    out: dict[str, str] = {}
    if aliases:
        out["ids"] = ", ".join(aliases)
    out["author"] = names(authors)
    out["editor"] = names(editors)
    out["title"] = latex.title(record.title)
    venue = record.venue or ("arXiv" if record.item_type == "preprint" and record.arxiv else "")
    # A book's "venue" is its publisher or series: it has no venue field of its own.
    if venue_field and venue and kind != "book":
        out[venue_field] = latex.encode(venue)
    out["year"] = str(record.year) if record.year else ""
    out["volume"] = latex.encode(record.volume)
    out["number"] = latex.encode(record.issue)
    out["pages"] = latex.encode(_RANGE_RE.sub("--", record.pages))
    publisher = latex.encode(record.publisher)
    if publisher != out.get(venue_field):
        out["publisher"] = publisher
    if kind == "unpublished":
        # unpublished requires a note; the venue is the best we have.
        out["note"] = latex.encode(record.venue) or "Manuscript"
    out["doi"] = raw(record.doi)
    out["url"] = raw(record.url)
    if record.arxiv:
        out["eprint"] = raw(record.arxiv)
        out["archivePrefix"] = "arXiv"
    dropped = NOT_IN_TYPE.get(kind, ())
    return {k: v for k, v in out.items() if v and k not in dropped}


def entry(record: Record, key: str, aliases: tuple[str, ...] = ()) -> str:
    kind, _ = entry_type(record)
    values = fields(record, aliases)
    mon = month(record.date)
    lines = [f"@{kind}{{{key},"]
    for name_ in FIELD_ORDER:
        if name_ == "month":
            if mon:
                lines.append(f"  month = {mon},")
        elif name_ in values:
            lines.append(f"  {name_} = {{{values[name_]}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(records: list[Record], citekeys: dict[str, str],
           aliases: dict[str, tuple[str, ...]] | None = None) -> str:
    """The .bib text. `aliases` is {item key: older keys} (citekeys.aliases(keymap)); without it,
    each record's own `citation_key_aliases` are used."""
    seen: set[str] = set()
    chosen = []
    for record in records:
        if record.key in seen:   # an item filed in two sections arrives twice
            continue
        seen.add(record.key)
        chosen.append(record)
    chosen.sort(key=lambda r: (citekeys[r.key].casefold(), citekeys[r.key]))
    parts = [HEADER]
    for record in chosen:
        olds = aliases.get(record.key, ()) if aliases is not None else record.citation_key_aliases
        parts.append("\n" + entry(record, citekeys[record.key], tuple(olds)))
    return "".join(parts)
