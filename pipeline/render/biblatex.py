"""Pure: records -> papers.biblatex.bib, the same entries as papers.bib for biblatex + biber.

biber reads UTF-8, so every character is kept as Zotero has it (only LaTeX's specials are escaped,
see latex.encode_utf8), and the entries use biblatex's own types and fields: `journaltitle`, `date`
(ISO 8601, as precise as known), `eprint` + `eprinttype`, `location`, `ids` for older keys. Keys and
order are those of papers.bib. `make check` runs `biber --tool --validate-datamodel` on it.
"""
from __future__ import annotations

import re

from pipeline import fieldmap
from pipeline.config import BibSettings
from pipeline.model import Creator, Record
from pipeline.render import bibtex, latex, names

HEADER = ("% Generated from the Zotero collection by `make sync`; edit Zotero, not this file.\n"
          "% For biblatex + biber (UTF-8). papers.bib holds the same entries for bibtex.\n")

# Entry types and venue fields come from the one table, pipeline/fieldmap.py; `type` and `entrysubtype`
# from what the item says of itself (a thesis's or report's type; a newspaper or magazine article).
SUBTYPES = {"newspaperArticle": "newspaper", "magazineArticle": "magazine"}
# biblatex's entry types a curator's `tex.entrytype:` may name (BibTeX names are mapped).
TYPES = frozenset("article book mvbook inbook bookinbook suppbook booklet collection mvcollection "
                  "incollection suppcollection dataset manual misc online patent periodical "
                  "suppperiodical proceedings mvproceedings inproceedings reference mvreference "
                  "inreference report set software thesis unpublished".split()) | fieldmap.UNSUPPORTED
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
pagetotal pagination part publisher pubstate relatedstring relatedtype reprinttitle school series shortauthor shorteditor
shorthand shorthandintro shortjournal shortseries shorttitle subtitle title titleaddon translator type
url urldate venue version volume volumes year
""".split()) | bibtex.KEY_FIELDS - bibtex.KEY_FIELDS_LEFT_OUT["biblatex"]
FIELD_ORDER = ("ids", "author", "editor", "title", "journaltitle", "booktitle", "eventtitle", "howpublished",
               "organization", "institution", "type", "date", "origdate", "volume", "number", "series",
               "pages", "publisher", "location", "note", "pubstate", "doi", "url", "eprint", "eprinttype")
# Fields biber's data model rejects for a type: left out rather than reported.
NOT_IN_TYPE = {
    # Measured: each field the writers may emit, under each type they may emit, through biber 2.18's
    # `--validate-datamodel` (biblatex's default data model); plus what earlier checks found.
    "article": {"publisher", "location", "edition", "eventtitle", "howpublished", "institution", "isbn",
                "organization", "pagetotal", "type", "volumes"},
    "book": {"eventtitle", "howpublished", "institution", "issn", "organization", "type", "version"},
    "mvbook": {"eventtitle", "howpublished", "institution", "issn", "organization", "pages", "type", "version"},
    "inbook": {"eventtitle", "howpublished", "institution", "issn", "organization", "pagetotal", "type", "version"},
    "incollection": {"bookauthor", "eventtitle", "howpublished", "institution", "issn", "organization", "pagetotal",
                     "type", "version"},
    "inproceedings": {"edition", "howpublished", "institution", "issn", "pagetotal", "translator", "type", "version"},
    "inreference": {"eventtitle", "howpublished", "institution", "issn", "organization", "pagetotal", "type",
                    "version"},
    "thesis": {"volume", "number", "series", "publisher", "edition", "editortype", "eventtitle", "howpublished",
               "isbn", "issn", "organization", "translator", "version", "volumes"},
    "report": {"volume", "series", "publisher", "edition", "editortype", "eventtitle", "howpublished", "isbn",
               "issn", "organization", "translator", "volumes"},
    "online": {"volume", "number", "pages", "series", "publisher", "howpublished", "location", "issn", "edition",
               "eventtitle", "institution", "isbn", "pagetotal", "translator", "type", "volumes"},
    "unpublished": {"volume", "number", "pages", "publisher", "series", "edition", "editortype", "institution",
                    "isbn", "issn", "organization", "pagetotal", "translator", "version", "volumes"},
    "misc": {"volume", "number", "pages", "series", "publisher", "translator", "edition", "eventtitle",
             "institution", "isbn", "issn", "pagetotal", "volumes"},
    "software": {"volume", "number", "pages", "series", "howpublished", "publisher", "edition", "eventtitle",
                 "institution", "isbn", "issn", "pagetotal", "translator", "volumes"},
    "dataset": {"volume", "pages", "howpublished", "translator", "eventtitle", "institution", "isbn", "issn",
                "pagetotal", "volumes"},
    "booklet": {"publisher", "edition", "eventtitle", "institution", "isbn", "issn", "number", "organization",
                "series", "translator", "version", "volume", "volumes"},
    "patent": {"edition", "editortype", "eventtitle", "howpublished", "institution", "isbn", "issn", "organization",
               "pages", "pagetotal", "publisher", "series", "translator", "volume", "volumes"},
    "periodical": {"author", "edition", "eventtitle", "howpublished", "institution", "isbn", "location",
                   "organization", "pages", "pagetotal", "publisher", "translator", "type", "version", "volumes"},
    "collection": {"author", "eventtitle", "howpublished", "institution", "issn", "organization", "type", "version"},
}
# Fields biber's data model takes under a few types only (measured likewise): left out of every other.
ONLY_IN = {
    "editora": {"article", "book", "mvbook", "inbook", "incollection", "inreference", "periodical", "collection"},
    "holder": {"patent"}, "bookauthor": {"inbook"}, "venue": {"inproceedings", "unpublished"},
}
ONLY_IN["editoratype"] = ONLY_IN["editora"]
_DATE_RE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
_RANGE_RE = re.compile(r"(?<=\w)\s*[-‐‑–—]+\s*(?=\w)")
_ORDINAL_RE = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
# biblatex's literal lists among the fields written here.
LISTS = ("publisher", "institution", "location", "organization", "origpublisher", "origlocation")
_AND_RE = re.compile(r"\sand\s", re.I)


def entry_type(record: Record) -> tuple[str, str, str]:
    kind, venue_field = fieldmap.types(record.item_type)[2:4]
    subtype = ""
    if kind == "article" and record.arxiv and (not record.venue or fieldmap.arxiv_with_class(record.venue)[0]):
        # An arXiv paper with no journal, or a journal field holding "arXiv:1305.4904 [quant-ph]", which
        # names none: an unpublished preprint (its id and class are the eprint fields), as BBT reads it.
        kind, venue_field = "unpublished", ""
    written = dict(record.fields).get("type", "")
    # A thesis or report says what kind it is only when Zotero does: an untyped thesis is not claimed
    # to be a PhD's (Better BibTeX's reading too).
    if kind == "thesis" and written:
        subtype = (fieldmap.thesis_kind(written) or ("", written))[1]
    elif kind == "report" and written:
        subtype = fieldmap.REPORT_KINDS.get(written.lower(), written)
    elif kind == "book" and dict(record.fields).get("numberOfVolumes", "1") not in ("", "1") and not record.volume:
        kind = "mvbook"         # a work in several volumes, cited whole
    elif kind == "incollection" and fieldmap.has_book_author(record.item_type, [c.role for c in record.creators]):
        kind = "inbook"
    elif kind == "letter":
        subtype = written or ("E-mail" if record.item_type == "email" else "Letter")    # Better BibTeX's
    elif kind in fieldmap.UNSUPPORTED:
        subtype = written       # a standard's, a film's genre: what the item says it is
    forced = (dict(record.bib_fields).get("biblatex.entrytype") or record.bib_type).strip().lower()
    if forced in TYPES and forced != kind:
        # A type named in extra (`type: review-book`, `tex.entrytype: jurisdiction`); one of biblatex's
        # unsupported types keeps its venue where Better BibTeX writes it.
        return forced, fieldmap.UNSUPPORTED_VENUE.get(forced, ""), ""
    if forced in FROM_BIBTEX:
        kind, subtype = FROM_BIBTEX[forced]
        return kind, ("institution" if kind in ("thesis", "report") else ""), subtype
    return kind, venue_field, subtype


def date(record: Record) -> str:
    """biblatex's `date`: the ISO date when it is one biber reads, else the year."""
    if record.edtf:
        return record.edtf
    if record.date and record.year is not None and _DATE_RE.match(record.date):
        return record.date
    return str(record.year) if record.year else ""


def fields(record: Record, aliases: tuple[str, ...] = (),
           settings: BibSettings = bibtex.DEFAULT_SETTINGS) -> dict[str, str]:
    kind, venue_field, subtype = entry_type(record)
    authors, editors = record.people
    # `[bib]`: names in biblatex's extended format, letters as LaTeX commands (see names.py, latex.py).
    ascii_, extended = settings.biblatex_ascii, settings.biblatex_names == "extended"
    enc = latex.encode_ascii if ascii_ else latex.encode_utf8

    def name_list(creators) -> str:
        return names.name_list(creators, utf8=True, extended=extended, ascii=ascii_)
    out: dict[str, str] = {}
    if aliases:
        out["ids"] = ", ".join(aliases)
    # A director (fieldmap.ROLES) is biblatex's editor of type director, as Better BibTeX writes a film.
    typed = [c for c in authors if fieldmap.ROLES.get(c.role, ("",))[0] == "editor"]
    if typed and not editors:
        authors, editors = [c for c in authors if c not in typed], typed
        out["editortype"] = fieldmap.ROLES[typed[0].role][1]
    elif editors and all(c.role == "seriesEditor" for c in editors):
        out["editortype"] = fieldmap.ROLES["seriesEditor"][1]     # the series' editor stands in
    out["author"] = name_list(authors)
    out["editor"] = name_list(editors)
    others: dict[str, list] = {}          # the other roles' fields (fieldmap.ROLES), in the item's order
    for creator in record.creators:
        target, role_type, _ = fieldmap.ROLES.get(creator.role, ("", "", ""))
        if target not in ("", "author", "editor") and creator not in authors and creator not in editors:
            others.setdefault(target, []).append(creator)
            out[f"{target}type"] = role_type
    for target, people in others.items():
        out[target] = name_list(people)
    out["title"] = latex.title(record.title, utf8=True, ascii=ascii_)     # none invented (bibtex.py)
    if venue_field == "pubstate":
        # A preprint's repository is its eprint type, not a venue.
        venue_field = "" if record.arxiv else "howpublished"
        kind = kind if record.arxiv or record.venue else "misc"
    found = dict(record.fields)
    if kind == "inproceedings" and not found.get("proceedingsTitle") and record.venue == found.get("conferenceName"):
        # The conference's name is no proceedings title: it is the eventtitle alone, which biblatex's
        # styles print in its place (Better BibTeX's reading); papers.bib, with no eventtitle, keeps it.
        venue_field = ""
    elif kind == "misc" and venue_field == "howpublished" and record.venue == record.publisher:
        venue_field = "organization"      # a publisher is who published it: biblatex's misc takes no publisher
    elif kind in fieldmap.UNSUPPORTED and record.venue == record.publisher:
        venue_field = ""                  # a standard's or a record label's publisher is its publisher
    if venue_field and record.venue and kind != "book":
        out[venue_field] = latex.rich(record.venue, utf8=True, ascii=ascii_)
    elif venue_field == "journaltitle" and found.get("journalAbbreviation"):
        out[venue_field] = enc(found["journalAbbreviation"])     # the journal as the curator abbreviated it
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
    out["url"], out["doi"] = bibtex.link_and_doi(record, settings)
    if record.arxiv:
        out["eprint"] = bibtex.raw(record.arxiv)
        out["eprinttype"] = "arXiv"     # biblatex's alias of `arxiv`, as Better BibTeX writes it
    elif record.item_type == "preprint" and record.venue:
        # Another repository than arXiv is the eprint type, as Better BibTeX writes it (and the
        # section of it the curator named in extra, its class): @online takes no howpublished.
        out["eprinttype"] = enc(record.venue)
        out["eprintclass"] = enc(dict(record.bib_fields).get("csl.section", ""))
    else:
        # Another archive's id (PubMed, JSTOR, a handle, Google Books), the first the item has.
        archive, out["eprinttype"] = fieldmap.archive_eprint(found)
        out["eprint"] = bibtex.raw(archive)
    if kind == "jurisdiction":
        out["institution"] = enc(found.get("authority", ""))     # the court
    if kind == "patent":
        for name, value in fieldmap.patent(found, record.number).items():
            out[name] = name_list([Creator(name=value)]) if name == "holder" else enc(value)
    if record.item_type == "preprint":
        out["pubstate"] = "prepublished"
    if record.item_type in SUBTYPES and kind == "article":
        out["entrysubtype"] = SUBTYPES[record.item_type]
    for name, value in record.fields:      # the rest of Zotero's fields, by the one table
        target = fieldmap.FIELDS.get(name, ("", ""))[1]
        if target and not out.get(target) and (target != "eprintclass" or record.arxiv):
            out[target] = value if target == "origdate" else enc(value)
    if _ORDINAL_RE.match(out.get("edition", "")):
        out["edition"] = _ORDINAL_RE.match(out["edition"]).group(1)    # biblatex prints "2nd ed." of a number
    out = {k: v for k, v in out.items() if v}
    for name, value in bibtex.overrides(record, "biblatex").items():
        name = {"address": "location", "journal": "journaltitle", "school": "institution"}.get(name, name)
        if name in ("ids", "entrytype") or name not in KNOWN_FIELDS:
            continue
        if name in ("author", "editor"):
            out[name] = enc(value)      # Better BibTeX's `tex.author=`: the curator's name list
            continue
        if name == "title":
            out[name] = latex.title(value, utf8=True, ascii=ascii_)
        elif name in bibtex.KEY_FIELDS:
            out[name] = bibtex.keys(value)      # biber only warns of a key the file lacks
        elif name in ("origdate", "date"):
            if _DATE_RE.match(value):
                out[name] = value
        else:
            out[name] = bibtex.raw(value) if name in bibtex.RAW else enc(value)
        if not out.get(name):
            out.pop(name, None)
    for name in LISTS:
        # biblatex splits a literal list at " and ": "Miller, Smith and Jones" is one publisher, "Trinidad
        # and Tobago" one place; places joined by "and" twice or more ("Basel and Boston and Berlin") are
        # the curator's list, as Better BibTeX reads it.
        if name == "location" and len(_AND_RE.findall(out.get(name, ""))) >= 2:
            continue
        if name in out and _AND_RE.search(out[name]) and not out[name].startswith("{"):
            out[name] = "{" + out[name] + "}"
    dropped = NOT_IN_TYPE.get(kind, ())
    return bibtex.with_a_field({k: v for k, v in out.items() if k not in dropped
                                and (kind in ONLY_IN.get(k, (kind,)) or kind in fieldmap.UNSUPPORTED)})


def entry(record: Record, key: str, aliases: tuple[str, ...] = (),
          settings: BibSettings = bibtex.DEFAULT_SETTINGS) -> str:
    kind, _, _ = entry_type(record)
    values = fields(record, aliases, settings)
    lines = [f"@{kind}{{{key},"]
    for name in FIELD_ORDER + tuple(sorted(k for k in values if k not in FIELD_ORDER)):
        if name in values:
            lines.append(f"  {name} = {{{values[name]}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(records: list[Record], citekeys: dict[str, str],
           aliases: dict[str, tuple[str, ...]] | None = None, settings: BibSettings = bibtex.DEFAULT_SETTINGS) -> str:
    """The biblatex .bib text; same keys, aliases and order as `bibtex.render`."""
    parts = [HEADER]
    for record in bibtex.unique(records, citekeys):
        olds = aliases.get(record.key, ()) if aliases is not None else record.citation_key_aliases
        parts.append("\n" + entry(record, citekeys[record.key], tuple(olds), settings))
    return "".join(parts)
