"""Pure: records -> papers.bib, for authors who cite the list from LaTeX with pdflatex + bibtex.

Every field compiles under the plain preamble authors use (utf8 inputenc, T1 fontenc, no declarations;
see latex.py): text is LaTeX in ASCII, names are split for BibTeX (names.py), `url` and `doi` stay raw
(verbatim fields, the DOI in its registrant's case). The curator's overrides from Zotero's `extra`
(Better BibTeX's `tex.entrytype:` and `tex.<field>:`) win over what the record says. Entries are
sorted by key and fields come in a fixed order, so the same records always give the same bytes.
papers.biblatex.bib (biblatex.py) holds the same entries in UTF-8 for biber.
"""
from __future__ import annotations

import re

from pipeline import fieldmap
from pipeline.config import BibSettings
from pipeline.model import Problem, Record
from pipeline.render import latex
from pipeline.render import names as _names
from pipeline.render.urls import safe_url

HEADER = ("% Generated from the Zotero collection by `make sync`; edit Zotero, not this file.\n"
          "% For pdflatex + bibtex; scripts the default fonts lack are transliterated (biber: papers.biblatex.bib).\n")

# Entry types and venue fields come from the one table, pipeline/fieldmap.py (Zotero type -> BibTeX type).

# The order fields are written in, whatever the entry type.
FIELD_ORDER = ("ids", "author", "editor", "title", "booktitle", "journal", "howpublished", "school",
               "institution", "year", "month", "volume", "number", "series", "pages", "publisher",
               "address", "note", "doi", "url", "eprint", "archivePrefix")
# BibTeX's entry types: what `tex.entrytype:` may name (a biblatex type is mapped to its nearest).
TYPES = frozenset("article book booklet inbook incollection inproceedings conference manual mastersthesis "
                  "misc phdthesis proceedings techreport unpublished".split())
FROM_BIBLATEX = {"online": "misc", "report": "techreport", "thesis": "phdthesis", "software": "misc",
                 "dataset": "misc", "collection": "book", "mvbook": "book", "bookinbook": "inbook",
                 "suppbook": "inbook", "reference": "book", "inreference": "incollection",
                 "patent": "misc", "periodical": "misc", "standard": "techreport", "electronic": "misc",
                 "www": "misc"}
# Raw fields: written as they are (only what would break the .bib's syntax is percent-encoded).
RAW = frozenset({"doi", "url", "eprint"})
_FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_\-]*$")

# Fields biblatex's data model rejects for a type (biber --validate-datamodel): written nowhere rather
# than ignored with a warning. The CSV and CSL-JSON keep them.
NOT_IN_TYPE = {"article": {"publisher"}, "misc": {"volume", "number", "pages"},
               "unpublished": {"volume", "number", "pages", "publisher"}}

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_RANGE_RE = re.compile(r"(?<=\w)\s*[-‐‑–—]+\s*(?=\w)")
_URL_UNSAFE = {ord("{"): "%7B", ord("}"): "%7D", ord("\\"): "%5C", ord(" "): "%20", ord("\t"): "%09",
               ord("\n"): "%0A", ord("\r"): "%0D"}


def entry_type(record: Record) -> tuple[str, str]:
    """(entry type, field that takes the venue): the curator's `tex.entrytype:` if it names a
    type, else by item type."""
    kind, venue_field = fieldmap.types(record.item_type)[:2]
    if kind == "phdthesis":
        # "Master's thesis", "MA thesis": what Zotero's thesis type says decides the entry type.
        kind = (fieldmap.thesis_kind(dict(record.fields).get("type", "")) or (kind,))[0] or kind
    elif kind == "incollection" and fieldmap.has_book_author(record.item_type, [c.role for c in record.creators]):
        kind = "inbook"
    forced = record.bib_type.strip().lower()
    forced = forced if forced in TYPES else FROM_BIBLATEX.get(forced, "")
    if forced and forced != kind:
        venue_field = next((row[1] for row in fieldmap.TYPES.values() if row[0] == forced),
                           "school" if forced.endswith("thesis") else "")
        kind = forced
    return kind, venue_field


# Fields that name other entries by key: a key of the curator's own library, which the list's files need
# not hold. Each file writes them as typed (`keys`), as Better BibTeX does, but those it leaves out: bibtex
# counts a `crossref` to a missing key as an error (biber only warns), and biber would look for the entry
# an `xdata` or `entryset` names to build this one from it.
KEY_FIELDS = frozenset({"crossref", "xref", "xdata", "related", "entryset"})
KEY_FIELDS_LEFT_OUT = {"bibtex": frozenset({"crossref"}), "biblatex": frozenset({"xdata", "entryset"})}
# Fields biblatex reads as a list of names joined by "and": one that holds the word is braced whole
# (`{Simon and Schuster}`), as Better BibTeX writes them in papers.bib too.
LITERAL_LISTS = ("publisher", "institution", "organization")
_KEYS_RE = re.compile(r"^[^\s,{}%#\"'=()\\~]+(?:\s*,\s*[^\s,{}%#\"'=()\\~]+)*$")
_AND_RE = re.compile(r"(?:^| )and(?: |$)")


def keys(value: str) -> str:
    """A key field's value as typed (`key_2`, `a, b` -> `a,b`), no LaTeX escapes; "" when it is not a
    list of citation keys (`a}, title={x`)."""
    value = value.strip()
    return re.sub(r"\s*,\s*", ",", value) if _KEYS_RE.match(value) else ""


def overrides(record: Record, target: str) -> dict[str, str]:
    """{field: plain value} the curator set in `extra` for `target` ("bibtex" or "biblatex"):
    `tex.field:` for both, `bibtex.field:` / `biblatex.field:` for one. The first line wins."""
    out: dict[str, str] = {}
    for name, value in record.bib_fields:
        prefix, _, field_name = name.rpartition(".")
        if prefix not in ("", "tex", target) or not _FIELD_NAME_RE.match(field_name) \
                or field_name in KEY_FIELDS_LEFT_OUT[target]:
            continue
        out.setdefault(field_name, value)     # the first line wins, as in Zotero's own reading
    return out


def names(creators) -> str:
    return _names.name_list(creators) if creators else ""


def raw(value: str) -> str:
    """A verbatim field (url, doi): left as it is, except what would break the .bib's syntax."""
    return value.strip().translate(_URL_UNSAFE)


def url_command(link: str) -> str:
    """`\\url{...}` of a link already made `raw`: only `#` and `%` escaped (hyperref reads them back)."""
    return "\\url{" + link.replace("#", "\\#").replace("%", "\\%") + "}"


_ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
             "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth").split()
_TENS = "twent thirt fort fift sixt sevent eight ninet".split()
_UNITS = "one two three four five six seven eight nine".split()


def edition_ordinal(edition: str, language: str = "") -> str:
    """`[bib] edition_ordinal` (Better BibTeX's `bibtexEditionOrdinal`): an English item's numeric
    edition as an ordinal, in words up to 99 (`2` -> `Second`, `21st` -> `Twenty-first`), with a suffix
    above (`1989` -> `1989th`); any other edition, or an item in another language, as typed."""
    lang = language.strip().lower().replace("_", "-")
    if lang and lang not in ("en", "eng", "english") and not lang.startswith(("en-", "english")):
        return edition
    number = re.sub(r"(?:st|nd|th)$", "", edition.strip())
    if not number.isascii() or not number.isdigit() or int(number) == 0:
        return edition
    n = int(number)
    if len(number) <= 2:
        if n < 20:
            word = _ORDINALS[n - 1]
        elif n % 10 == 0:
            word = _TENS[n // 10 - 2] + "ieth"
        else:
            word = _TENS[n // 10 - 2] + "y-" + _ORDINALS[n % 10 - 1]
        return word[0].upper() + word[1:]
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{number}{suffix}"


def month(date: str) -> str:
    parts = date.split("-")
    if len(parts) >= 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        return _MONTHS[int(parts[1]) - 1]
    return ""


DEFAULT_SETTINGS = BibSettings()


def link_and_doi(record: Record, settings: BibSettings) -> tuple[str, str]:
    """(the link, the DOI) a .bib entry carries under `[bib] doi_and_url`: with both, "doi" keeps the
    DOI alone and "url" the link alone (Better BibTeX's `DOIandURL`); with one, that one."""
    link, doi = raw(safe_url(record.url)), raw(record.doi)   # only http(s): no javascript: or file: link
    if link and doi and settings.doi_and_url != "both":
        return (link, "") if settings.doi_and_url == "url" else ("", doi)
    return link, doi


def fields(record: Record, aliases: tuple[str, ...] = (), settings: BibSettings = DEFAULT_SETTINGS) -> dict[str, str]:
    """{field: value as written between braces} for one record; month is a bare macro name.
    `settings` is `[bib]` of pipeline.toml (where the link goes)."""
    kind, venue_field = entry_type(record)
    authors, editors = record.people
    out: dict[str, str] = {}
    if aliases:
        out["ids"] = ", ".join(aliases)
    out["author"] = names(authors)
    # BibTeX's @inbook takes an author or an editor: the chapter's author is the one (Better BibTeX #1541).
    out["editor"] = names(editors) if kind != "inbook" or not authors else ""
    # The other creators in the fields Better BibTeX gives them (BibTeX styles leave both unprinted).
    if len(authors) + len(editors) < len(record.creators):      # most papers have authors and editors only
        named = {id(c) for c in authors} | {id(c) for c in editors}
        out["translator"] = names([c for c in record.creators if c.role == "translator"])
        out["collaborator"] = names([c for c in record.creators if id(c) not in named
                                     and c.role not in ("editor", "seriesEditor", "translator")])
    # An item with no title gets none (as Better BibTeX writes it): a style prints the entry without one
    # and bibtex warns of it, where an invented "Untitled" would be cited as the work's title. (Only an
    # entry with no field at all is given one, `with_a_field`: readers skip an entry with none.)
    out["title"] = latex.title(record.title)
    venue = record.venue or ("arXiv" if record.item_type == "preprint" and record.arxiv else "")
    # A book's "venue" is its publisher or series: it has no venue field of its own.
    if venue_field and venue and kind != "book":
        out[venue_field] = latex.rich(venue)
    out["year"] = latex.year(record.year, record.edtf, dict(record.fields).get("originalDate", ""))
    out["volume"] = latex.encode(record.volume)
    # `number` is the issue of a journal, the report's number, or the number within a series.
    out["number"] = latex.encode(record.issue if kind == "article" else record.number or record.issue)
    out["series"] = latex.encode(record.series)
    out["pages"] = latex.encode(_RANGE_RE.sub("--", record.pages))
    # What kind of thesis, report, web page... as Zotero holds it (a style prints it in place of its own
    # "Technical Report"), unless the entry type says it already (Master's thesis: @mastersthesis).
    written = dict(record.fields).get("type", "")
    if not (kind in ("phdthesis", "mastersthesis") and (fieldmap.thesis_kind(written) or ("",))[0]):
        out["type"] = latex.encode(written)
    publisher = latex.encode(record.publisher)
    if publisher != out.get(venue_field):
        out["publisher"] = publisher
    if kind == "unpublished":
        # unpublished requires a note; the venue is the best we have.
        out["note"] = latex.encode(record.venue) or "Manuscript"
    link, doi = link_and_doi(record, settings)
    if settings.url == "off" and link:
        # No link in papers.bib at all: the DOI stays, even where the curator chose the link alone.
        link, doi = "", raw(record.doi)
    out["doi"] = doi
    if settings.url in ("note", "note-url") and link:
        # For styles that print no url field: the link in howpublished where a @misc has none, else in
        # note; as text ("note": the plain preamble has no `\url`), or as `\url{...}` for an author who
        # loads hyperref or url ("note-url", Better BibTeX's `note`; `#` and `%` escaped, which hyperref
        # reads back, so the link survives a style that passes it on inside another command's argument).
        where = "howpublished" if kind in ("misc", "booklet") and not out.get("howpublished") else "note"
        shown = url_command(link) if settings.url == "note-url" else latex.encode(link)
        out[where] = ", ".join(v for v in (out.get(where), shown) if v)
    else:
        out["url"] = link
    if record.arxiv:
        out["eprint"] = raw(record.arxiv)
        out["archivePrefix"] = "arXiv"
    else:
        # An archive's id read from the item's link (PubMed, JSTOR, a handle, Google Books), named as
        # biblatex names it, as Better BibTeX writes it (BibTeX styles ignore both fields); one typed
        # in extra keeps its own field (`pmid`).
        archive, kind_ = fieldmap.archive_eprint(dict(record.fields))
        if archive and archive in record.url:
            out["eprint"], out["eprinttype"] = raw(archive), kind_
    for name_, value in record.fields:      # the rest of Zotero's fields, by the one table
        target = fieldmap.FIELDS.get(name_, ("",))[0]
        if target and not out.get(target) and (target != "primaryClass" or record.arxiv) \
                and value != out.get("eprint"):        # (an id written as the eprint already)
            out[target] = latex.encode(value)
    if settings.edition_ordinal and out.get("edition"):
        out["edition"] = latex.encode(edition_ordinal(dict(record.fields).get("edition", ""), record.language))
    dropped = NOT_IN_TYPE.get(kind, ())
    out = {k: v for k, v in out.items() if v and k not in dropped}
    for name_, value in overrides(record, "bibtex").items():
        if name_ == "ids":
            continue        # older keys come from the key map
        if name_ in ("author", "editor"):
            # Better BibTeX's `tex.author=Family, Given and ...`: the curator's name list, as typed.
            out[name_] = latex.encode(value)
            continue
        if name_ == "title":
            out[name_] = latex.title(value)
        elif name_ in KEY_FIELDS:
            out[name_] = keys(value) or latex.encode(value)     # (bibtex reads none of them but crossref)
        else:
            out[name_] = raw(value) if name_ in RAW else latex.encode(value)
        if not out[name_]:
            del out[name_]
    for name_ in LITERAL_LISTS:
        if _AND_RE.search(out.get(name_, "")):
            out[name_] = "{" + out[name_] + "}"
    return with_a_field(out)


def with_a_field(out: dict[str, str]) -> dict[str, str]:
    """`out`, or a title "Untitled" when it holds no field at all: bibtexparser and other readers skip
    an entry with none, so a paper with nothing but its key would vanish from the file."""
    return out or {"title": "Untitled"}


def entry(record: Record, key: str, aliases: tuple[str, ...] = (), settings: BibSettings = DEFAULT_SETTINGS) -> str:
    kind, _ = entry_type(record)
    values = fields(record, aliases, settings)
    mon = month(record.date)
    lines = [f"@{kind}{{{key},"]
    extra = sorted(k for k in values if k not in FIELD_ORDER)
    for name_ in FIELD_ORDER + tuple(extra):
        if name_ == "month" and "month" not in values:
            if mon:
                lines.append(f"  month = {mon},")
        elif name_ in values:
            lines.append(f"  {name_} = {{{values[name_]}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def unique(records: list[Record], citekeys: dict[str, str]) -> list[Record]:
    """Each record once (an item filed in two sections arrives twice), sorted by citation key."""
    seen: set[str] = set()
    chosen = []
    for record in records:
        if record.key in seen:
            continue
        seen.add(record.key)
        chosen.append(record)
    chosen.sort(key=lambda r: (citekeys[r.key].casefold(), citekeys[r.key]))
    return chosen


def entries(records: list[Record], citekeys: dict[str, str],
            aliases: dict[str, tuple[str, ...]] | None = None,
            settings: BibSettings = DEFAULT_SETTINGS) -> dict[str, str]:
    """{item key: its entry}, in the .bib's order. `aliases` is {item key: older keys}
    (citekeys.aliases(keymap)); without it, each record's own `citation_key_aliases` are used.
    Rendered once: the page's "copy BibTeX" shows the very same text."""
    out = {}
    for record in unique(records, citekeys):
        olds = aliases.get(record.key, ()) if aliases is not None else record.citation_key_aliases
        out[record.key] = entry(record, citekeys[record.key], tuple(olds), settings)
    return out


def render(records: list[Record], citekeys: dict[str, str],
           aliases: dict[str, tuple[str, ...]] | None = None, *, rendered: dict[str, str] | None = None,
           settings: BibSettings = DEFAULT_SETTINGS) -> str:
    """The .bib text (`rendered`: the `entries` already made, so they are not made twice)."""
    rendered = rendered if rendered is not None else entries(records, citekeys, aliases, settings)
    return HEADER + "".join("\n" + text for text in rendered.values())


def transliterations(records: list[Record], citekeys: dict[str, str]) -> list[Problem]:
    """A warning per item whose title, names or venue the .bib spells in other letters (CJK,
    Cyrillic, emoji... that pdflatex's default fonts lack): for `make check` to name."""
    out = []
    for record in unique(records, citekeys):
        texts = {"title": latex.plain_text(record.title), "venue": record.venue,
                 "names": " ".join(f"{c.family} {c.given} {c.name}" for c in record.creators)}
        which = [name_ for name_, text in texts.items() if latex.transliterated(text)]
        if which:
            out.append(Problem(record.key, f"papers.bib:{citekeys[record.key]}: {' and '.join(which)} transliterated "
                               "for pdflatex (anyascii); papers.biblatex.bib keeps the original for biber",
                               "warning", "bib-transliterated"))
    return out
