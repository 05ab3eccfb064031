"""Pure: records -> papers.biblatex.bib, the same entries as papers.bib for biblatex + biber.

biber reads UTF-8, so every character is kept as Zotero has it (only LaTeX's specials are escaped,
see latex.encode_utf8), and the entries use biblatex's own types and fields: `journaltitle`, `date`
(ISO 8601, as precise as known), `eprint` + `eprinttype`, `location`, `ids` for older keys. Keys and
order are those of papers.bib. `make check` runs `biber --tool --validate-datamodel` on it.
"""
from __future__ import annotations

import re

from pipeline.model import Record
from pipeline.render import bibtex, latex, names
from pipeline.render.urls import safe_url

HEADER = ("% Generated from the Zotero collection by `make sync`; edit Zotero, not this file.\n"
          "% For biblatex + biber (UTF-8). papers.bib holds the same entries for bibtex.\n")

# Zotero item types, then Crossref types -> (entry type, field that takes the venue, `type` field).
ENTRY_TYPES = {
    "journalArticle": ("article", "journaltitle", ""),
    "magazineArticle": ("article", "journaltitle", ""),
    "newspaperArticle": ("article", "journaltitle", ""),
    "conferencePaper": ("inproceedings", "booktitle", ""),
    "bookSection": ("incollection", "booktitle", ""),
    "encyclopediaArticle": ("inreference", "booktitle", ""),
    "dictionaryEntry": ("inreference", "booktitle", ""),
    "book": ("book", "", ""),
    "thesis": ("thesis", "institution", "phdthesis"),
    "report": ("report", "institution", "techreport"),
    "standard": ("report", "institution", ""),
    "preprint": ("online", "pubstate", ""),
    "webpage": ("online", "organization", ""),
    "blogPost": ("online", "organization", ""),
    "forumPost": ("online", "organization", ""),
    "manuscript": ("unpublished", "howpublished", ""),
    "computerProgram": ("software", "organization", ""),
    "dataset": ("dataset", "organization", ""),
    "journal-article": ("article", "journaltitle", ""),
    "proceedings-article": ("inproceedings", "booktitle", ""),
    "book-chapter": ("incollection", "booktitle", ""),
    "book-part": ("incollection", "booktitle", ""),
    "reference-entry": ("inreference", "booktitle", ""),
    "monograph": ("book", "", ""),
    "edited-book": ("book", "", ""),
    "reference-book": ("book", "", ""),
    "dissertation": ("thesis", "institution", "phdthesis"),
    "posted-content": ("online", "pubstate", ""),
}
DEFAULT_TYPE = ("misc", "howpublished", "")
# biblatex's entry types a curator's `tex.entrytype:` may name (BibTeX names are mapped).
TYPES = frozenset("article book mvbook inbook bookinbook suppbook booklet collection mvcollection "
                  "incollection suppcollection dataset manual misc online patent periodical "
                  "suppperiodical proceedings mvproceedings inproceedings reference mvreference "
                  "inreference report set software thesis unpublished".split())
FROM_BIBTEX = {"phdthesis": ("thesis", "phdthesis"), "mastersthesis": ("thesis", "mathesis"),
               "techreport": ("report", "techreport"), "conference": ("inproceedings", ""),
               "electronic": ("online", ""), "www": ("online", "")}
# Fields of biblatex's default data model that a curator's `tex.<field>:` may set; anything else
# would fail biber's data-model check, and stays in papers.bib only.
KNOWN_FIELDS = frozenset("""
abstract addendum address annotation annotator author bookauthor booksubtitle booktitle booktitleaddon
chapter commentator date doi edition editor editora editorb editorc editortype eid entrysubtype eprint
eprintclass eprinttype eventdate eventtitle eventtitleaddon file foreword howpublished indextitle
institution introduction isan isbn ismn isrn issn issue issuesubtitle issuetitle iswc journalsubtitle
journaltitle journal keywords label language library location mainsubtitle maintitle maintitleaddon month
nameaddon note number organization origdate origlanguage origlocation origpublisher origtitle pages
pagetotal pagination part publisher pubstate reprinttitle school series shortauthor shorteditor
shorthand shorthandintro shortjournal shortseries shorttitle subtitle title titleaddon translator type
url urldate venue version volume volumes year
""".split())
FIELD_ORDER = ("ids", "author", "editor", "title", "journaltitle", "booktitle", "eventtitle", "howpublished",
               "organization", "institution", "type", "date", "origdate", "volume", "number", "series",
               "pages", "publisher", "location", "note", "pubstate", "doi", "url", "eprint", "eprinttype")
# Fields biber's data model rejects for a type: left out rather than reported.
NOT_IN_TYPE = {
    "article": {"publisher", "location"},
    "misc": {"volume", "number", "pages", "series", "publisher"},
    "thesis": {"volume", "number", "series", "publisher"},
    "report": {"volume", "series", "publisher"},
    "online": {"volume", "number", "pages", "series", "publisher", "howpublished", "location"},
    "unpublished": {"volume", "number", "pages", "publisher", "series"},
    "software": {"volume", "number", "pages", "series", "howpublished", "publisher"},
    "dataset": {"volume", "pages", "howpublished"},
}
_DATE_RE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
_RANGE_RE = re.compile(r"(?<=\w)\s*[-‐‑–—]+\s*(?=\w)")


def entry_type(record: Record) -> tuple[str, str, str]:
    kind, venue_field, subtype = ENTRY_TYPES.get(record.item_type, DEFAULT_TYPE)
    forced = (dict(record.bib_fields).get("biblatex.entrytype") or record.bib_type).strip().lower()
    if forced in TYPES and forced != kind:
        return forced, "", ""
    if forced in FROM_BIBTEX:
        kind, subtype = FROM_BIBTEX[forced]
        return kind, ("institution" if kind in ("thesis", "report") else ""), subtype
    return kind, venue_field, subtype


def date(record: Record) -> str:
    """biblatex's `date`: the ISO date when it is one biber reads, else the year."""
    if record.date and record.year is not None and _DATE_RE.match(record.date):
        return record.date
    return str(record.year) if record.year else ""


def fields(record: Record, aliases: tuple[str, ...] = ()) -> dict[str, str]:
    kind, venue_field, subtype = entry_type(record)
    authors, editors = bibtex.creators_by_role(record)
    enc = latex.encode_utf8
    out: dict[str, str] = {}
    if aliases:
        out["ids"] = ", ".join(aliases)
    out["author"] = names.name_list(authors, utf8=True)
    out["editor"] = names.name_list(editors, utf8=True)
    out["title"] = latex.title(record.title, utf8=True) or "Untitled"
    if venue_field == "pubstate":
        # A preprint's repository is its eprint type, not a venue.
        venue_field = "" if record.arxiv else "howpublished"
        kind = kind if record.arxiv or record.venue else "misc"
    if venue_field and record.venue and kind != "book":
        out[venue_field] = enc(record.venue)
    out["type"] = subtype
    out["date"] = date(record)
    out["volume"] = enc(record.volume)
    out["number"] = enc(record.issue if kind == "article" else record.number or record.issue)
    out["series"] = enc(record.series)
    out["pages"] = enc(_RANGE_RE.sub("--", record.pages))
    if record.publisher and enc(record.publisher) != out.get(venue_field):
        out["publisher"] = enc(record.publisher)
    if kind == "unpublished" and "howpublished" not in out:
        out["note"] = "Manuscript"
    out["doi"] = bibtex.raw(record.doi)
    out["url"] = bibtex.raw(safe_url(record.url))
    if record.arxiv:
        out["eprint"] = bibtex.raw(record.arxiv)
        out["eprinttype"] = "arxiv"
    out = {k: v for k, v in out.items() if v}
    for name, value in bibtex.overrides(record, "biblatex").items():
        name = {"address": "location", "journal": "journaltitle", "school": "institution"}.get(name, name)
        if name in ("author", "editor", "ids", "entrytype") or name not in KNOWN_FIELDS:
            continue
        if name == "title":
            out[name] = latex.title(value, utf8=True)
        elif name in ("origdate", "date"):
            if _DATE_RE.match(value):
                out[name] = value
        else:
            out[name] = bibtex.raw(value) if name in bibtex.RAW else enc(value)
        if not out.get(name):
            out.pop(name, None)
    dropped = NOT_IN_TYPE.get(kind, ())
    return {k: v for k, v in out.items() if k not in dropped}


def entry(record: Record, key: str, aliases: tuple[str, ...] = ()) -> str:
    kind, _, _ = entry_type(record)
    values = fields(record, aliases)
    lines = [f"@{kind}{{{key},"]
    for name in FIELD_ORDER + tuple(sorted(k for k in values if k not in FIELD_ORDER)):
        if name in values:
            lines.append(f"  {name} = {{{values[name]}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(records: list[Record], citekeys: dict[str, str],
           aliases: dict[str, tuple[str, ...]] | None = None) -> str:
    """The biblatex .bib text; same keys, aliases and order as `bibtex.render`."""
    parts = [HEADER]
    for record in bibtex.unique(records, citekeys):
        olds = aliases.get(record.key, ()) if aliases is not None else record.citation_key_aliases
        parts.append("\n" + entry(record, citekeys[record.key], tuple(olds)))
    return "".join(parts)
