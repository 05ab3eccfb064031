"""Pure: one Zotero item (the Web API's JSON object) -> a Record, and the helpers that read its fields.

Zotero fields are free text typed by people (and, in group libraries, by anyone in the group), so
every reader here tolerates missing, empty and oddly typed values. A DOI can live in three places:
the `DOI` field (every regular type since schema 33, only a few before), a `DOI:` line in `extra`
(how Zotero kept it for books and reports before schema 33), or inside the URL.
"""
from __future__ import annotations

import re
import urllib.parse

from pipeline import fieldmap, identifiers
from pipeline.convert import dates, iso_date
from pipeline.model import CURATOR, DERIVED, ENRICH_NONE, ZOTERO, Creator, Record
from pipeline.render import richtext
from pipeline.rules import venues

# Types that are never list entries: they hang under a paper or are not bibliographic.
CHILD_TYPES = frozenset({"note", "attachment", "annotation"})

_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_WHOLE_DOI_RE = re.compile(r"^\s*(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/[^\s\"]+|10/[a-z0-9]+)\s*$",
                           re.IGNORECASE)     # (`10/ggd754`: a shortDOI, which doi.org resolves, as a whole field only)
_EXTRA_LINE_RE = re.compile(r"^\s*([A-Za-z][A-Za-z \-]*?)\s*:\s*(.*?)\s*$")
_ARXIV_URL_RE = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?", re.I)
_ARXIV_ID_RE = re.compile(r"^(?:arxiv:\s*)?(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.I)
_YEAR_RE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|2100)(?!\d)")
_ISO_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?!\d)")     # not the "1897-19" of "1897-1913"
# A venue acronym in parentheses, as proceedings titles carry it: "(ICSE)", "(ESEC/FSE '21)".
ACRONYM_IN_PARENS_RE = re.compile(r"\(([A-Z][A-Za-z0-9&/+\-]*[A-Z0-9+](?:[ '’]\d{2,4})?)\)")


_SPACE_RUN_RE = re.compile(r"[^\S\u00a0\u2009\u202f]+")
# C0 and C1 controls (NUL, BEL, ESC...) and the bidi overrides: never part of a title or a name, and
# trouble in every output (a NUL ends a C string, ESC drives terminals, U+202E reverses a line).
_CONTROL_TABLE = {c: None for c in (*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0),
                                    *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def text(value: object) -> str:
    """A field as a clean one-line string; None, numbers and lists are tolerated.

    Text is cleaned here, at the edge, for every reader after it: control characters dropped, a lone
    surrogate (which no UTF-8 file can hold) replaced by U+FFFD, whitespace runs collapsed.
    """
    if value is None or value is False:
        return ""
    if type(value) is str and value.isascii() and value.isprintable() and "  " not in value \
            and value == value.strip():
        return value            # the common case, already clean: no copy, no scan in Python
    if isinstance(value, (list, tuple)):
        value = " ".join(text(v) for v in value)
    value = str(value)
    if not value.isascii():
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        if "\u00a0" in value or "\u2009" in value or "\u202f" in value:
            # A no-break or thin space is the curator's typography ("5.2 nm"): kept, not collapsed.
            return _SPACE_RUN_RE.sub(" ", value.translate(_CONTROL_TABLE)).strip()
    return " ".join(value.translate(_CONTROL_TABLE).split())


# Fields read as they are: the title is rich text (the writers read its markup), links and ids are verbatim.
_RICH_OR_RAW = frozenset({"title", "url", "DOI", "extra", "abstractNote"})


def plain(value) -> str:
    """A plain field (a place, a publisher) without the HTML elements pasted along with it:
    `<pre>Basel and Boston</pre>` is `Basel and Boston`, as in a title (richtext.FORMATTING)."""
    return _untagged(text(value))


def _untagged(value: str) -> str:
    return richtext.without_unknown_tags(value) if "</" in value else value


def clean_doi(value: str) -> str:
    """'https://doi.org/10.1145/X.' -> '10.1145/X': prefix and trailing punctuation removed.

    DOIs are case-insensitive, but the registrant's form ('10.1109/ICSE.2019.00001') is what
    Better BibTeX and readers show: the case is kept here, and DOIs are compared with `doi_key`.
    """
    value = urllib.parse.unquote(text(value))
    whole = _WHOLE_DOI_RE.match(value)
    if whole:
        # A field holding one DOI and nothing else keeps all of it: SICI DOIs carry < > ; and
        # parentheses ("10.1175/1520-0493(1987)115<1606:GARSPP>2.0.CO;2").
        doi = whole.group(1).rstrip(".,")
    else:
        match = _DOI_RE.search(value)
        if not match:
            return ""
        doi = match.group(1).rstrip(".,;:)]}>'\"")
    # A DOI in a path may be followed by a viewer's own path parts.
    for tail in ("/abstract", "/full", "/pdf", "/epdf", "/fulltext"):
        if doi.lower().endswith(tail):
            doi = doi[: -len(tail)]
    return doi


def doi_key(doi: str) -> str:
    """The form to compare DOIs by (and to name cache files by): DOIs ignore case."""
    return doi.strip().lower()


def extra_fields(extra: str) -> dict[str, str]:
    """'Key: value' lines of Zotero's `extra` field, keys lower-cased. The first of a key wins."""
    fields: dict[str, str] = {}
    for line in str(extra or "").splitlines():
        match = _EXTRA_LINE_RE.match(line)
        if match:
            fields.setdefault(match.group(1).strip().lower(), match.group(2))
    return fields


def doi_from_url(url: str) -> str:
    """The DOI a landing-page URL carries: doi.org/..., dl.acm.org/doi/(abs|pdf|full)/..., etc."""
    url = text(url)
    if not url:
        return ""
    try:
        parsed = urllib.parse.urlsplit(url)
    except ValueError:    # "http://[::1": not a URL at all, so it carries no DOI
        return ""
    host = parsed.netloc.lower()
    path = urllib.parse.unquote(parsed.path)
    if host.endswith("doi.org"):
        return clean_doi(path.lstrip("/"))
    if "/doi/" in path:
        after = path.split("/doi/", 1)[1]
        after = re.sub(r"^(?:abs|full|pdf|epdf|fullHtml|book)/", "", after)
        return clean_doi(after)
    query = urllib.parse.parse_qs(parsed.query)
    for name in ("doi", "DOI"):
        if name in query:
            return clean_doi(query[name][0])
    return ""


def find_doi(data: dict, extra: dict[str, str] | None = None) -> str:
    """The item's DOI from its DOI field, else a `DOI:` line in extra, else its URL; '' if none.
    `extra` is `extra_fields` of the item, when the caller has it already."""
    doi = clean_doi(data.get("DOI", ""))
    if doi:
        return doi
    extra = extra if extra is not None else extra_fields(data.get("extra", ""))
    doi = clean_doi(extra.get("doi", ""))
    if doi:
        return doi
    return doi_from_url(data.get("url", ""))


arxiv_with_class = fieldmap.arxiv_with_class


def find_arxiv(data: dict, extra: dict[str, str] | None = None, doi: str | None = None) -> str:
    """An arXiv identifier from archiveID ('arXiv:1904.03257'), extra or the URL. `extra` and `doi`
    are `extra_fields` and `find_doi` of the item, when the caller has them already."""
    extra = extra if extra is not None else extra_fields(data.get("extra", ""))
    for candidate in (data.get("archiveID", ""), extra.get("arxiv", ""), arxiv_with_class(
            data.get("publicationTitle"), "arXiv:" + text(extra.get("arxiv")))[0]):
        match = _ARXIV_ID_RE.match(text(candidate))
        if match:
            return match.group(1)
    match = _ARXIV_URL_RE.search(text(data.get("url", "")))
    if match:
        return match.group(1)
    doi = doi if doi is not None else find_doi(data, extra)
    if doi_key(doi).startswith("10.48550/arxiv."):
        return doi[len("10.48550/arxiv."):]
    return ""


def impossible_date(value: str) -> str:
    """The ISO date as typed when no calendar has it ('2024-13-45', '2023-02-29'), else "". What the
    curator typed decides: Zotero's parsedDate of `2024-13-45` may well read `2024`."""
    typed = _ISO_DATE_RE.match(text(value))
    if typed and typed.group(2):
        month = int(typed.group(2))
        if month in dates.SEASONS and not typed.group(3):
            return ""           # a season or quarter (`2004-22`, summer 2004: EDTF, see convert/dates.py)
        if iso_date(int(typed.group(1)), month, int(typed.group(3) or 0) if month else 0) is None:
            return typed.group(0)
    return ""


def parse_date(value: str, parsed: str = "") -> tuple[int | None, str]:
    """(year, ISO date as precise as known) from Zotero's free-text date or meta.parsedDate
    ('2015', 'March 2012', '2020-07-05T10:00:00Z', '1993-00-00', 'June 29, 2007'; see convert/dates.py);
    for an ISO date no calendar has, (None, the date as typed: inputs warns)."""
    bad = impossible_date(value)
    if bad:
        return None, bad
    found = dates.parse(text(value), text(parsed))
    return found.year, found.iso


def creators(data: dict) -> tuple[Creator, ...]:
    out = []
    for c in data.get("creators") or ():
        if not isinstance(c, dict):
            continue
        role = text(c.get("creatorType")) or "author"
        if c.get("name"):
            out.append(Creator(name=text(c["name"]), role=role))
        elif c.get("lastName") or c.get("firstName"):
            out.append(Creator(family=text(c.get("lastName")), given=text(c.get("firstName")), role=role))
    return tuple(out)


def venue(data: dict) -> str:
    """The full venue name Zotero holds for the item's type. The publisher is the venue only of a type
    whose venue it is (a thesis's university, a report's institution): a chapter without its book's
    title has no venue, not its publisher as one. A case's reporter and a statute's or bill's code are
    their venue."""
    for name in ("publicationTitle", "reporter", "code", "proceedingsTitle", "bookTitle", "encyclopediaTitle",
                 "dictionaryTitle", "websiteTitle", "blogTitle", "forumTitle", "programTitle", "conferenceName", "repository",
                 "university", "institution"):
        value = text(data.get(name))
        if value:
            return value
    if fieldmap.types(text(data.get("itemType")))[1] not in ("booktitle", "journal"):
        return text(data.get("publisher"))
    return ""


# Zotero's fields that name a venue, most telling first (a journal abbreviation the curator typed).
VENUE_FIELDS = ("journalAbbreviation", "proceedingsTitle", "conferenceName", "publicationTitle", "bookTitle",
                "series", "repository")


def venue_label(data: dict, table: venues.VenueTable | None = None, *, dated: bool = False,
                arxiv: str = "", extra: dict[str, str] | None = None, full: str | None = None) -> tuple[str, str]:
    """(the label the list shows, where it came from), from what Zotero holds.

    Order (issue 9): the curator's own `Venue:` line in `extra` (CURATOR, which no source overrides);
    a label the one venue normaliser finds in Zotero's venue fields; the label the item type decides
    ('Blog', 'arXiv', 'PhD thesis', or none for a dated report or web page); the abbreviation as typed;
    an acronym in the proceedings title; the raw venue name. `extra` and `full` are `extra_fields` and
    `venue` of the item, when the caller has them already.
    """
    extra = extra if extra is not None else extra_fields(data.get("extra", ""))
    full = full if full is not None else venue(data)
    curator = text(extra.get("venue"))
    if curator:
        # The curator's word stands, in the field's spelling: "NeurIps" or "Arxiv" as typed is the
        # table's "NeurIPS" or "arXiv"; a label the table reads as another venue is kept as written.
        known = venues.best_label([curator], table or venues.EMPTY)
        return (known if known.casefold() == curator.casefold() else curator), CURATOR
    names = [text(data.get(name)) for name in VENUE_FIELDS]
    found = venues.best_label([n for n in names if n], table or venues.EMPTY, issue=text(data.get("issue")))
    if found:
        return found, DERIVED
    by_type = venues.type_label(text(data.get("itemType")), thesis_type=text(data.get("thesisType")),
                                venue=full, url=text(data.get("url")), arxiv_id=arxiv, dated=dated)
    if by_type is not None:
        return by_type, DERIVED
    abbreviation = text(data.get("journalAbbreviation"))
    if abbreviation:
        return abbreviation, ZOTERO
    match = ACRONYM_IN_PARENS_RE.search(text(data.get("proceedingsTitle")))
    if match:
        return strip_edition_year(match.group(1)), DERIVED
    conference = text(data.get("conferenceName"))
    if conference:
        return strip_edition_year(conference), DERIVED
    if data.get("itemType") in ("webpage", "blogPost", "forumPost"):
        return "", DERIVED
    return full, DERIVED


def strip_edition_year(label: str) -> str:
    """'SOSP '17' -> 'SOSP', 'ICSE 2021' -> 'ICSE': the list shows the year separately."""
    return re.sub(r"\s*(?:['’]\d{2}|\d{4})$", "", label).strip()


def tags(data: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(manual tags, all tags), each in the order Zotero keeps them (the order a curator wrote them,
    for a list imported from Markdown), without duplicates."""
    manual, every = {}, {}
    for t in data.get("tags") or ():
        name = text(t.get("tag") if isinstance(t, dict) else t)
        if not name:
            continue
        every.setdefault(name, None)
        if not (isinstance(t, dict) and t.get("type") == 1):
            manual.setdefault(name, None)
    return tuple(manual), tuple(every)


# CSL item types (Better BibTeX's `Type: article-journal` in extra) -> Zotero item types.
CSL_TYPES = {
    "article": "preprint", "article-journal": "journalArticle", "article-magazine": "magazineArticle",
    "article-newspaper": "newspaperArticle", "book": "book", "chapter": "bookSection",
    "paper-conference": "conferencePaper", "report": "report", "thesis": "thesis", "webpage": "webpage",
    "post-weblog": "blogPost", "post": "forumPost", "manuscript": "manuscript", "standard": "standard",
    "dataset": "dataset", "software": "computerProgram", "entry-encyclopedia": "encyclopediaArticle",
    "entry-dictionary": "dictionaryEntry", "speech": "presentation", "patent": "patent",
    "motion_picture": "film", "broadcast": "tvBroadcast", "graphic": "artwork", "song": "audioRecording",
    "legal_case": "case", "legislation": "statute", "bill": "bill", "personal_communication": "letter",
    "map": "map", "interview": "interview", "document": "document",
}
# CSL types no Zotero type stands for -> (BibTeX type, biblatex type), as Better BibTeX exports them
# (biblatex's @review and @audio are among the types no standard style supports: fieldmap.UNSUPPORTED).
CSL_ONLY_TYPES = {"pamphlet": ("booklet", "booklet"), "review": ("article", "review"),
                  "review-book": ("article", "review"), "musical_score": ("misc", "audio"),
                  "periodical": ("misc", "periodical"), "collection": ("book", "collection"),
                  "event": ("misc", "misc"), "performance": ("misc", "misc")}
# CSL name variables in extra (`editor: Darwin || Charles`) -> Zotero creator types.
CSL_NAMES = {"author": "author", "editor": "editor", "translator": "translator", "director": "director",
             "container-author": "bookAuthor", "collection-editor": "seriesEditor", "contributor": "contributor",
             "reviewed-author": "reviewedAuthor", "composer": "composer", "interviewer": "interviewer",
             "recipient": "recipient", "illustrator": "illustrator", "script-writer": "scriptwriter"}
# Better BibTeX's own lines in extra: `tex.field: value` (both outputs), `bibtex.field:` or
# `biblatex.field:` (one), with `=` as another delimiter; `tex.entrytype` (or `referencetype`)
# names the entry type.
_TEX_LINE_RE = re.compile(r"^\s*(tex|bibtex|biblatex)\.([A-Za-z][A-Za-z0-9_\-]*)\s*[:=]\s*(.*?)\s*$", re.I)
_OLD_CSL_LINE_RE = re.compile(r"^\s*\{:([A-Za-z][A-Za-z\-_]*):\s*(.*?)\}\s*$")
_CSL_LINE_RE = re.compile(r"^\s*(?:csl\.)?([A-Za-z][A-Za-z \-_]*?)\s*:\s*(.+?)\s*$", re.I)
# CSL variables Zotero has no field for, kept from extra for the CSL-JSON (`available-date: 1965/1993`).
CSL_EXTRA = frozenset("""available-date event-date submitted volume-title part part-title reviewed-title
reviewed-genre division chapter-number collection-number number-of-volumes number-of-pages
original-title original-publisher original-publisher-place event-place event-title dimensions scale
medium status version genre archive archive_location authority section""".lower().split())


# CSL variable -> the base field whose row of the one table writes it (dates are read apart).
_BY_CSL = {row[2]: name for name, row in fieldmap.FIELDS.items() if row[2] and not row[2].endswith("date")}


def extra_overrides(extra: str) -> dict:
    """What the curator set in `extra`, Better BibTeX's way, as Record field values.

    `tex.entrytype: misc` -> bib_type; `tex.howpublished: ...` -> bib_fields; `Type: article-journal`
    -> item_type; CSL variables (`container-title`, `publisher-place`, `original-date`, `number`,
    `issued`...) -> the field they name. Labels are matched as Zotero does: case and the space/hyphen
    spelling ignored ("Original Date" is `original-date`).
    """
    out: dict = {}
    fields: list[tuple[str, str]] = []
    for line in str(extra or "").splitlines():
        tex = _TEX_LINE_RE.match(line)
        if tex:
            target, name, value = tex.group(1).lower(), tex.group(2).lower(), text(tex.group(3))
            if name in ("entrytype", "referencetype") and target != "biblatex":
                out.setdefault("bib_type", value.lower())
            elif name in ("entrytype", "referencetype"):
                fields.append(("biblatex.entrytype", value.lower()))
            elif value:
                fields.append((name if target == "tex" else f"{target}.{name}", value))
            continue
        # Better BibTeX's older syntax, `{:issued: 2014-12-31/2015-01-01}`, is the same line.
        line = _OLD_CSL_LINE_RE.sub(r"\1: \2", line)
        csl = _CSL_LINE_RE.match(line)
        if not csl:
            continue
        label = re.sub(r"[\s_]+", "-", csl.group(1).strip().lower())
        value = text(csl.group(2))
        if label == "type" and value.lower() in CSL_TYPES:
            out.setdefault("item_type", CSL_TYPES[value.lower()])
        elif label == "type" and value.lower() in CSL_ONLY_TYPES:
            bib, biblatex_type = CSL_ONLY_TYPES[value.lower()]
            out.setdefault("bib_type", bib)
            fields += [("biblatex.entrytype", biblatex_type), ("csl.type", value.lower())]
        elif label in CSL_NAMES:
            # CSL's way of a creator in extra: `editor: Family || Given`, or one literal name.
            family, _, given = value.partition("||")
            creator = Creator(family=text(family), given=text(given), role=CSL_NAMES[label]) if given \
                else Creator(name=value, role=CSL_NAMES[label])
            out["creators"] = out.get("creators", ()) + (creator,)
        elif label == "container-title":
            out.setdefault("venue", value)
        elif label == "publisher":
            out.setdefault("publisher", value)
        elif label == "publisher-place":
            fields.append(("address", value))
        elif label == "original-date":
            out.setdefault("original_date", dates.parse(value).iso)
        elif label in CSL_EXTRA or label == "part-number":
            # (CSL-JSON's schema names the part number `part`; only its own variables are kept)
            fields.append((f"csl.{'part' if label == 'part-number' else label}", value))
        elif label in ("number", "report-number"):
            out.setdefault("number", value)
        elif label == "collection-title":
            out.setdefault("series", value)
        elif label == "collection-number":
            out.setdefault("series_number", value)
        elif label == "issued":
            found = dates.parse(value)
            if found.year:
                out.setdefault("year", found.year)
                out.setdefault("date", found.iso)
                out.setdefault("edtf", found.edtf)
    if fields:
        out["bib_fields"] = tuple(fields)
    return out


_ARCHIVE_URLS = (
    ("JSTOR", re.compile(r"^https?://(?:www\.)?jstor\.org/stable/(\d+)/?$")),
    ("HDL", re.compile(r"^https?://hdl\.handle\.net/(\d+(?:\.\d+)*/[^\s?#]+)$")),
    ("googlebooks", re.compile(r"^https?://books\.google\.[a-z.]+/books\?id=([\w-]+)$")),
    ("PMID", re.compile(r"^https?://(?:www\.ncbi\.nlm\.nih\.gov/pubmed|pubmed\.ncbi\.nlm\.nih\.gov)/(\d+)/?$")),
)
# Lines of extra that name an archive's id, as Better BibTeX reads them (`Google-Books-ID:` is how
# Zotero's Google Books translator writes it), by the pseudo-field each goes to; an id that does not
# look like one of its archive's is not one.
_ARCHIVE_LINES = (
    ("PMID", ("pmid",), re.compile(r"^\d+$")),
    ("JSTOR", ("jstor",), re.compile(r"^\d+$")),
    ("HDL", ("hdl",), re.compile(r"^\d+(?:\.\d+)*/\S+$")),
    ("googlebooks", ("google-books-id", "googlebooksid", "google books id"), re.compile(r"^[\w-]{6,}$")),
)


def archive_ids(url: str, extra: dict[str, str]) -> dict[str, str]:
    """Ids of archives biblatex links (`eprinttype`): PubMed, JSTOR, handle and Google Books ids from
    their lines in extra, else from a link to the archive's page."""
    out = {}
    for name, pattern in _ARCHIVE_URLS:
        match = pattern.match(url)
        if match:
            out[name] = match.group(1)
    for name, labels, pattern in _ARCHIVE_LINES:
        value = next((text(extra[label]) for label in labels if extra.get(label)), "")
        if pattern.match(value):
            out[name] = value
    return out


def is_entry(item: dict) -> bool:
    """A top-level, untrashed, bibliographic item: what the list shows."""
    data = item.get("data", item)
    return (
        isinstance(data, dict)
        and data.get("itemType") not in CHILD_TYPES
        and not data.get("parentItem")
        and not data.get("deleted")
    )


# Zotero's `number` and the fields whose base field it is (fieldmap.BASE; an item type has one of them),
# but a preprint's `archiveID` (its arXiv id); then `seriesNumber`.
NUMBER_FIELDS = ("number", *(n for n, b in fieldmap.BASE.items() if b == "number" and n != "archiveID"),
                 "seriesNumber")


def to_record(item: dict, table: venues.VenueTable | None = None) -> Record:
    """A Record from one Zotero API item, its label found with the venue `table`. Raises ValueError
    when the item has no usable key."""
    data = item.get("data", item)
    if not isinstance(data, dict):
        raise ValueError("item has no data object")
    key = text(item.get("key") or data.get("key"))
    if not key:
        raise ValueError("item has no key")
    meta = item.get("meta") or {}
    # Each type-specific field under its base name ("network" is a publisher, "encyclopediaTitle" a
    # publicationTitle, a case's "caseName" its title): the table in pipeline/fieldmap.py speaks of base
    # fields.
    base: dict[str, str] = {}
    for name, value in data.items():
        if isinstance(value, (str, int, float)) and (value := text(value)):
            field = fieldmap.BASE.get(name, name)
            if field not in base:
                base[field] = value if field in _RICH_OR_RAW else _untagged(value)
    when = dates.parse(base.get("date", ""), text(meta.get("parsedDate")))
    year, date, edtf = when.year, when.iso, when.edtf
    bad = impossible_date(base.get("date"))
    if bad:
        year, date, edtf = None, bad, ""      # kept as typed, no year (inputs warns)
    manual, every = tags(data)
    extra = extra_fields(data.get("extra", ""))
    pinned = text(data.get("citationKey")) or text(extra.get("citation key"))
    doi = find_doi(data, extra)
    arxiv = find_arxiv(data, extra, doi)
    if year is None and arxiv:
        year = venues.arxiv_year(arxiv)       # an arXiv item saved without a date
        date = str(year) if year else date
    full_venue = held_venue = venue(data)
    item_type = text(data.get("itemType")) or "document"
    _, arxiv_class = arxiv_with_class(base.get("publicationTitle", ""), data.get("archiveID"),
                                             "arXiv:" + text(extra.get("arxiv")))
    label, label_source = venue_label(data, table, dated=year is not None, arxiv=arxiv, extra=extra,
                                       full=full_venue)
    full_venue = venues.full_name(full_venue, label, table or venues.EMPTY)
    values = dict(
        item_type=item_type,
        title=base.get("title", ""),          # an email's subject, a case's name, an act's name
        creators=creators(data),
        year=year,
        date=date,
        venue=full_venue,
        venue_label=label,
        url=text(data.get("url")),
        doi=doi,
        arxiv=arxiv,
        pages=base.get("pages", ""),            # a case's first page, a bill's code pages
        volume=base.get("volume", ""),          # a case's reporter volume, a bill's code volume
        issue=text(data.get("issue")),
        publisher=base.get("publisher", ""),
        # A report's, standard's or patent's number, a case's docket, a law's, hearing's or episode's
        # number, a dataset's identifier, else the number within a series (an arXiv id is no number).
        number=next((text(data.get(n)) for n in NUMBER_FIELDS if text(data.get(n))), ""),
        series=text(data.get("series")) or text(data.get("seriesTitle")),
        abstract=text(data.get("abstractNote")),
        language=text(data.get("language")),
        citation_key=pinned,
        tags=manual,
        all_tags=every,
        sections=tuple(sorted({t for t in map(text, data.get("collections") or ()) if t})),
        date_added=text(data.get("dateAdded")),
        date_modified=text(data.get("dateModified")),
    )
    found = {name: base[name] for name in fieldmap.FIELDS if base.get(name)}
    if found.get("ISBN"):
        found["ISBN"] = identifiers.hyphenated_isbns(found["ISBN"])
    if found.get("conferenceName") and full_venue != held_venue and held_venue == found["conferenceName"]:
        found["conferenceName"] = full_venue      # the label typed as the conference's name, named in full
    if item_type == "conferencePaper" and base.get("publicationTitle"):
        # Told apart from the conference's name, which stands in as the venue of a paper without it.
        found["proceedingsTitle"] = base["publicationTitle"]
    original = when.original or ""
    if arxiv_class:
        found["eprintclass"] = arxiv_class
    found.update(archive_ids(text(data.get("url")), extra))
    values["edtf"] = edtf
    overrides = extra_overrides(data.get("extra", ""))
    for name, value in overrides.get("bib_fields", ()):
        # A CSL variable typed in extra (`status: forthcoming`, `original-publisher: ...`) is the Zotero
        # field the one table maps to it, where the item has none of its own.
        base_name = _BY_CSL.get(name[4:]) if name.startswith("csl.") else None
        if base_name:
            found.setdefault(base_name, value)
    original = overrides.pop("original_date", "") or original
    if found.get("originalDate"):
        typed = dates.parse(found.pop("originalDate"))
        original = original or typed.edtf or typed.iso
    if original:
        found["originalDate"] = original
    if found:
        values["fields"] = tuple(sorted(found.items()))
    if overrides.get("creators"):
        overrides["creators"] = values["creators"] + overrides["creators"]
    series_number = overrides.pop("series_number", "")
    if series_number and not values["number"]:
        values["number"] = series_number
    place = plain(data.get("place"))
    if place and not any(n == "address" for n, _ in overrides.get("bib_fields", ())):
        overrides["bib_fields"] = (("address", place),) + tuple(overrides.get("bib_fields", ()))
    values.update(overrides)
    # `fields` and `edtf` are further readings of Zotero's fields, not fields of the list: no source column.
    provenance = {k: ZOTERO for k, v in values.items() if v not in ("", (), None) and k not in ("fields", "edtf")}
    if label:
        provenance["venue_label"] = label_source
    return Record(key=key, enrichment=ENRICH_NONE, imported=bool(meta.get("imported")),
                  provenance=tuple(sorted(provenance.items())), **values)
