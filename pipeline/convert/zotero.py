"""Pure: one Zotero item (the Web API's JSON object) -> a Record, and the helpers that read its fields.

Zotero fields are free text typed by people (and, in group libraries, by anyone in the group), so
every reader here tolerates missing, empty and oddly typed values. A DOI can live in three places:
the `DOI` field (every regular type since schema 33, only a few before), a `DOI:` line in `extra`
(how Zotero kept it for books and reports before schema 33), or inside the URL.
"""
from __future__ import annotations

import re
import urllib.parse

from pipeline.model import DERIVED, ENRICH_NONE, ZOTERO, Creator, Record

# Types that are never list entries: they hang under a paper or are not bibliographic.
CHILD_TYPES = frozenset({"note", "attachment", "annotation"})

_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_EXTRA_LINE_RE = re.compile(r"^\s*([A-Za-z][A-Za-z \-]*?)\s*:\s*(.*?)\s*$")
_ARXIV_URL_RE = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?", re.I)
_ARXIV_ID_RE = re.compile(r"^(?:arxiv:\s*)?(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.I)
_YEAR_RE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|2100)(?!\d)")
_ISO_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
# A venue acronym in parentheses, as proceedings titles carry it: "(ICSE)", "(ESEC/FSE '21)".
ACRONYM_IN_PARENS_RE = re.compile(r"\(([A-Z][A-Za-z0-9&/+\-]*[A-Z0-9+](?:[ '’]\d{2,4})?)\)")


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
    if isinstance(value, (list, tuple)):
        value = " ".join(text(v) for v in value)
    value = str(value)
    if not value.isascii():
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return " ".join(value.translate(_CONTROL_TABLE).split())


def clean_doi(value: str) -> str:
    """'https://doi.org/10.1145/X.' -> '10.1145/x' style: prefix and trailing punctuation removed.

    DOIs are case-insensitive; Crossref answers in lower case, so we keep them lower case too.
    """
    value = urllib.parse.unquote(text(value))
    match = _DOI_RE.search(value)
    if not match:
        return ""
    doi = match.group(1).rstrip(".,;:)]}>'\"")
    # A DOI in a path may be followed by a viewer's own path parts.
    for tail in ("/abstract", "/full", "/pdf", "/epdf", "/fulltext"):
        if doi.lower().endswith(tail):
            doi = doi[: -len(tail)]
    return doi.lower()


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


def find_doi(data: dict) -> str:
    """The item's DOI from its DOI field, else a `DOI:` line in extra, else its URL; '' if none."""
    doi = clean_doi(data.get("DOI", ""))
    if doi:
        return doi
    doi = clean_doi(extra_fields(data.get("extra", "")).get("doi", ""))
    if doi:
        return doi
    return doi_from_url(data.get("url", ""))


def find_arxiv(data: dict) -> str:
    """An arXiv identifier from archiveID ('arXiv:1904.03257'), extra or the URL."""
    for candidate in (data.get("archiveID", ""), extra_fields(data.get("extra", "")).get("arxiv", "")):
        match = _ARXIV_ID_RE.match(text(candidate))
        if match:
            return match.group(1)
    match = _ARXIV_URL_RE.search(text(data.get("url", "")))
    if match:
        return match.group(1)
    doi = find_doi(data)
    if doi.startswith("10.48550/arxiv."):
        return doi.split("arxiv.", 1)[1]
    return ""


def parse_date(value: str, parsed: str = "") -> tuple[int | None, str]:
    """(year, ISO date as precise as known) from Zotero's free-text date or meta.parsedDate.

    Zotero dates are typed by people: '2015', 'March 2012', '2020-07-05T10:00:00Z', '1993-00-00'.
    """
    for candidate in (text(parsed), text(value)):
        match = _ISO_DATE_RE.match(candidate)
        if match:
            year, month, day = match.groups()
            parts = [year]
            if month and month != "00":
                parts.append(month)
                if day and day != "00":
                    parts.append(day)
            return int(year), "-".join(parts)
    match = _YEAR_RE.search(text(value))
    if match:
        return int(match.group(1)), match.group(1)
    return None, ""


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
    """The full venue name Zotero holds for the item's type."""
    for name in ("publicationTitle", "proceedingsTitle", "bookTitle", "websiteTitle", "blogTitle",
                 "conferenceName", "repository", "university", "institution", "publisher"):
        value = text(data.get(name))
        if value:
            return value
    return ""


def venue_label(data: dict) -> str:
    """The short label the list shows: an abbreviation, an acronym, else the venue itself.

    Order: the journal abbreviation the curator typed; an acronym in parentheses in the proceedings
    title ('Proceedings of ... (ICSE)'); the conference name; the venue name.
    """
    abbreviation = text(data.get("journalAbbreviation"))
    if abbreviation:
        return abbreviation
    match = ACRONYM_IN_PARENS_RE.search(text(data.get("proceedingsTitle")))
    if match:
        return strip_edition_year(match.group(1))
    conference = text(data.get("conferenceName"))
    if conference:
        return strip_edition_year(conference)
    if data.get("itemType") == "preprint":
        return text(data.get("repository"))
    if data.get("itemType") in ("webpage", "blogPost", "forumPost"):
        return ""
    return venue(data)


def strip_edition_year(label: str) -> str:
    """'SOSP '17' -> 'SOSP', 'ICSE 2021' -> 'ICSE': the list shows the year separately."""
    return re.sub(r"\s*(?:['’]\d{2}|\d{4})$", "", label).strip()


def tags(data: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(manual tags, all tags), each sorted case-insensitively and without duplicates."""
    manual, every = set(), set()
    for t in data.get("tags") or ():
        name = text(t.get("tag") if isinstance(t, dict) else t)
        if not name:
            continue
        every.add(name)
        if not (isinstance(t, dict) and t.get("type") == 1):
            manual.add(name)
    key = lambda s: (s.casefold(), s)  # noqa: E731
    return tuple(sorted(manual, key=key)), tuple(sorted(every, key=key))


def is_entry(item: dict) -> bool:
    """A top-level, untrashed, bibliographic item: what the list shows."""
    data = item.get("data", item)
    return (
        isinstance(data, dict)
        and data.get("itemType") not in CHILD_TYPES
        and not data.get("parentItem")
        and not data.get("deleted")
    )


def to_record(item: dict) -> Record:
    """A Record from one Zotero API item. Raises ValueError when the item has no usable key."""
    data = item.get("data", item)
    if not isinstance(data, dict):
        raise ValueError("item has no data object")
    key = text(item.get("key") or data.get("key"))
    if not key:
        raise ValueError("item has no key")
    meta = item.get("meta") or {}
    year, date = parse_date(data.get("date", ""), meta.get("parsedDate", ""))
    manual, every = tags(data)
    extra = extra_fields(data.get("extra", ""))
    pinned = text(data.get("citationKey")) or text(extra.get("citation key"))
    values = dict(
        item_type=text(data.get("itemType")) or "document",
        title=text(data.get("title")),
        creators=creators(data),
        year=year,
        date=date,
        venue=venue(data),
        venue_label=venue_label(data),
        url=text(data.get("url")),
        doi=find_doi(data),
        arxiv=find_arxiv(data),
        pages=text(data.get("pages")),
        volume=text(data.get("volume")),
        issue=text(data.get("issue")),
        publisher=text(data.get("publisher")),
        abstract=text(data.get("abstractNote")),
        language=text(data.get("language")),
        citation_key=pinned,
        tags=manual,
        all_tags=every,
        sections=tuple(sorted({text(c) for c in data.get("collections") or () if text(c)})),
        date_added=text(data.get("dateAdded")),
        date_modified=text(data.get("dateModified")),
    )
    provenance = {k: ZOTERO for k, v in values.items() if v not in ("", (), None)}
    if values["venue_label"] and values["venue_label"] != text(data.get("journalAbbreviation")):
        provenance["venue_label"] = DERIVED
    return Record(key=key, enrichment=ENRICH_NONE, imported=bool(meta.get("imported")),
                  provenance=tuple(sorted(provenance.items())), **values)
