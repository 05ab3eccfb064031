"""Pure: one Crossref work (the REST API's `message` object) -> Record field values, and the matching
rules that decide whether a bibliographic search found the curator's paper.

Crossref metadata is deposited by thousands of publishers, so every reader here tolerates missing keys,
empty arrays, `[[null]]` dates, HTML entities (`Big Data &amp; Society`) and JATS/MathML markup in
titles. Nothing here does I/O: the venue table is handed in as a plain mapping.

Whether a search hit is the curator's paper is decided by `pipeline.rules.match`, the rule every source
shares; `verify` here only turns Crossref's hits into its `Candidate`s. Two rooms ask it: `enrich`
decides with it which search hits to cache as works, and `merge` (through `pipeline.rules.enrichment`)
which hits may change a record. One function, so the two can never disagree.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Mapping

from pipeline.convert import iso_date
from pipeline.convert import query_id  # noqa: F401 (the one naming rule, for callers of this module)
from pipeline.convert.zotero import clean_doi as _clean_doi
from pipeline.convert.zotero import text
from pipeline.rules import match, venues


def clean_doi(value: str) -> str:
    # Crossref answers in lower case; the registrant's case comes from Zotero or the curator.
    return _clean_doi(value).lower()
from pipeline.model import Creator, Notice, Record

# Crossref `type` -> Zotero item type, for the types a paper list holds. Anything else keeps Zotero's.
ITEM_TYPES = {
    "journal-article": "journalArticle",
    "proceedings-article": "conferencePaper",
    "posted-content": "preprint",
    "book-chapter": "bookSection",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "report": "report",
    "dissertation": "thesis",
    "dataset": "dataset",
    "standard": "standard",
}

# Editorial updates a reader must know about. `updated-by` on a work lists the notices about it.
RETRACTION_KINDS = frozenset({"retraction", "withdrawal", "removal", "partial_retraction"})
CORRECTION_KINDS = frozenset({"correction", "erratum", "corrigendum", "addendum", "clarification",
                              "expression_of_concern"})

# Search verification lives in pipeline.rules.match (one rule for every source); its thresholds are
# re-exported here for the readers that compare titles the same way (pipeline.rules.enrichment).
TITLE_SIMILARITY = match.TITLE_SIMILARITY
CANDIDATE_SIMILARITY = match.CANDIDATE_SIMILARITY
SCORE_LEAD = match.SCORE_LEAD
SEARCH_ROWS = 5               # enough to see the runner-up and a better-titled hit further down

_TAG_RE = re.compile(r"<[^>]+>")

NOT_FOUND_STATUS = 404


# --- the shape the pipeline relies on ----------------------------------------------------------------

# Fields the converters walk as arrays or read as objects. A work whose fields have another type (a
# server, proxy or cache file that answers `"author": 5`) is refused whole, before any converter
# sees it, and the item keeps its Zotero metadata (issue 22).
LIST_FIELDS = ("author", "editor", "title", "subtitle", "container-title", "short-container-title",
               "update-to", "updated-by", "link", "ISSN", "ISBN")
OBJECT_FIELDS = ("relation", "issued", "published", "published-print", "published-online", "posted", "event")


def shape_problem(work: object) -> str:
    """Why `work` is not a Crossref work the converters can read; "" when it is one."""
    if not isinstance(work, Mapping):
        return f"not a work but {type(work).__name__}"
    if not isinstance(work.get("DOI"), str):
        return "a work without a DOI"
    for name in LIST_FIELDS:
        if work.get(name) is not None and not isinstance(work[name], list):
            return f"its {name!r} is {type(work[name]).__name__}, not a list"
    for name in OBJECT_FIELDS:
        if work.get(name) is not None and not isinstance(work[name], Mapping):
            return f"its {name!r} is {type(work[name]).__name__}, not an object"
    return ""


def message_problem(body: object) -> str:
    """Why `body` is not a Crossref list answer (`{"message": {"items": [...]}}`); "" when it is one."""
    message = body.get("message") if isinstance(body, Mapping) else None
    if not isinstance(message, Mapping):
        return f"its message is {type(message).__name__}, not an object"
    if not isinstance(message.get("items"), list):
        return "its message has no list of items"
    return ""


# --- small readers ----------------------------------------------------------------------------------

def clean_text(value: object) -> str:
    """Crossref text without markup: tags dropped, entities decoded, whitespace collapsed."""
    value = text(value)
    if "<" not in value and "&" not in value:
        return value            # no tag and no entity: nothing more to do
    return text(html.unescape(_TAG_RE.sub("", value)))


def first(value: object) -> str:
    """The first non-empty string of a Crossref array field (title, container-title...)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, (list, tuple)):
        for v in value:
            cleaned = clean_text(v)
            if cleaned:
                return cleaned
    return ""


def date_parts(value: object) -> tuple[int | None, str]:
    """(year, ISO date) from a Crossref date object; (None, '') for `[[null]]` and other gaps."""
    if not isinstance(value, dict):
        return None, ""
    parts = value.get("date-parts")
    if not (isinstance(parts, list) and parts and isinstance(parts[0], list)):
        return None, ""
    numbers = []
    for p in parts[0][:3]:
        try:
            numbers.append(int(p))
        except (TypeError, ValueError):
            break
    if not numbers or not 1000 <= numbers[0] <= 2999:
        return None, ""
    month, day = (numbers[1:] + [0, 0])[:2]
    iso = iso_date(numbers[0], month, day if month else 0) or iso_date(numbers[0])   # month 13: the year
    return numbers[0], iso


def work_year(work: Mapping) -> tuple[int | None, str]:
    """`issued` is Crossref's earliest known publication date; the others stand in when it is empty."""
    for name in ("issued", "published", "published-print", "published-online", "posted"):
        year, iso = date_parts(work.get(name))
        if year:
            return year, iso
    return None, ""


def authors(work: Mapping) -> tuple[Creator, ...]:
    out = []
    for a in work.get("author") or ():
        if not isinstance(a, dict):
            continue
        if a.get("family"):
            out.append(Creator(family=clean_text(a["family"]), given=clean_text(a.get("given"))))
        elif a.get("name"):
            out.append(Creator(name=clean_text(a["name"])))
    return tuple(out)


def work_title(work: Mapping) -> str:
    title = first(work.get("title"))
    subtitle = first(work.get("subtitle"))
    if title and subtitle and subtitle.casefold() not in title.casefold():
        return f"{title}: {subtitle}"
    return title


def is_not_found(entry: Mapping | None) -> bool:
    """True for the cache's marker of a DOI Crossref answered 404 for."""
    return isinstance(entry, Mapping) and entry.get("status") == NOT_FOUND_STATUS


def not_found_marker(doi: str) -> dict:
    return {"DOI": doi, "message": "Resource not found.", "status": NOT_FOUND_STATUS}


# --- venue labels -----------------------------------------------------------------------------------

def venue_names(work: Mapping) -> list[str]:
    """Every name Crossref gives the work's venue, most telling first: the event's acronym, the
    container title, the event's name, the short container title."""
    event = work.get("event") if isinstance(work.get("event"), dict) else {}
    return [n for n in (clean_text(event.get("acronym")), first(work.get("container-title")),
                        clean_text(event.get("name")), first(work.get("short-container-title"))) if n]


def venue_label(work: Mapping, table: venues.VenueTable | None = None) -> str:
    """The label the list shows for the work's venue, '' when Crossref gives none worth showing.

    Every name goes through the one normaliser (`pipeline.rules.venues`), which prefers a workshop's own
    label over its host's: Crossref's event acronym for a DEEM paper is "SIGMOD/PODS '19".
    """
    return venues.best_label(venue_names(work), table or venues.EMPTY, issue=text(work.get("issue")))


def work_venue(work: Mapping) -> str:
    """The full venue name: the journal or proceedings title; for a preprint, its server."""
    container = first(work.get("container-title"))
    if container:
        return container
    for inst in work.get("institution") or ():
        if isinstance(inst, dict) and clean_text(inst.get("name")):
            return clean_text(inst["name"])
    if isinstance(work.get("event"), dict) and clean_text(work["event"].get("name")):
        return clean_text(work["event"]["name"])
    return clean_text(work.get("group-title"))


# --- notices and relations --------------------------------------------------------------------------

def notices(work: Mapping) -> tuple[Notice, ...]:
    """Editorial updates *about* this work (`updated-by`): its retractions, corrections..."""
    seen: dict[tuple[str, str], Notice] = {}
    for u in work.get("updated-by") or ():
        if not isinstance(u, dict):
            continue
        kind = text(u.get("type")).lower()
        doi = clean_doi(text(u.get("DOI"))) or text(u.get("DOI")).lower()
        if not kind or kind == "new_version":
            continue
        _, date = date_parts(u.get("updated"))
        key = (kind, doi)
        # Since 2024 Retraction Watch entries repeat the publisher's; keep one, the publisher's.
        if key not in seen or text(u.get("source")) == "publisher":
            seen[key] = Notice(kind=kind, doi=doi, date=date, source=text(u.get("source")))
    return tuple(sorted(seen.values(), key=lambda n: (n.date, n.kind, n.doi)))


def updates_to(work: Mapping) -> tuple[Notice, ...]:
    """When this work *is* a notice (`update-to`): the works it retracts or corrects."""
    out = []
    for u in work.get("update-to") or ():
        if isinstance(u, dict) and text(u.get("type")):
            _, date = date_parts(u.get("updated"))
            out.append(Notice(kind=text(u["type"]).lower(), doi=clean_doi(text(u.get("DOI"))),
                              date=date, source=text(u.get("source"))))
    return tuple(sorted(set(out), key=lambda n: (n.date, n.kind, n.doi)))


def published_version(work: Mapping) -> str:
    """The DOI of the published version of a preprint (`relation.is-preprint-of`), '' if none."""
    relation = work.get("relation") if isinstance(work.get("relation"), dict) else {}
    dois = sorted(
        clean_doi(text(r.get("id")))
        for r in relation.get("is-preprint-of") or ()
        if isinstance(r, dict) and text(r.get("id-type")).lower() == "doi" and clean_doi(text(r.get("id")))
    )
    return dois[0] if dois else ""


# --- the fields a work gives a record ---------------------------------------------------------------

def work_fields(work: Mapping, table: venues.VenueTable | None = None) -> dict:
    """Record field values from one Crossref work. Empty values are left out: they fill nothing."""
    year, date = work_year(work)
    citations = work.get("is-referenced-by-count")
    values = dict(
        doi=clean_doi(text(work.get("DOI"))),
        title=work_title(work),
        creators=authors(work),
        year=year,
        date=date,
        venue=work_venue(work),
        venue_label=venue_label(work, table),
        item_type=ITEM_TYPES.get(text(work.get("type")), ""),
        pages=text(work.get("page")) or text(work.get("article-number")),
        volume=text(work.get("volume")),
        issue=text(work.get("issue")),
        publisher=clean_text(work.get("publisher")),
        citations=citations if isinstance(citations, int) and not isinstance(citations, bool) else None,
        notices=notices(work),
        published_doi=published_version(work),
    )
    return {k: v for k, v in values.items() if v not in ("", (), None)}


# --- searching --------------------------------------------------------------------------------------

# How titles and names are compared: one definition, pipeline.rules.match's, for every source.
fold = match.fold
normalise_title = match.normalise_title
title_similarity = match.title_similarity
first_author_family = match.first_author_family


def search_params(record: Record) -> dict | None:
    """The Crossref query for a record without a DOI, or None when it has nothing to search by."""
    if not record.title.strip():
        return None
    words = [record.title]
    family = next((c.family or c.name for c in record.creators if c.role == "author"), "")
    if family:
        words.append(family)
    if record.year:
        words.append(str(record.year))
    return {"query.bibliographic": " ".join(" ".join(words).split()), "rows": SEARCH_ROWS}


@dataclass(frozen=True)
class Verdict:
    """What a search response says about one record.

    `work` is the accepted hit (verified) or the best-titled hit worth showing the curator (candidate),
    None when nothing is plausible. `reasons` says why a candidate was not accepted.
    """

    verified: bool
    work: dict | None = None
    similarity: float = 0.0
    reasons: tuple[str, ...] = ()

    @property
    def doi(self) -> str:
        return clean_doi(text(self.work.get("DOI"))) if self.work else ""


def candidate(work: Mapping) -> match.Candidate:
    """A Crossref work as `pipeline.rules.match` compares it."""
    year, _ = work_year(work)
    people = authors(work)
    kinds = {n.kind for n in notices(work)}
    return match.Candidate(
        key=clean_doi(text(work.get("DOI"))),
        title=work_title(work),
        main_title=first(work.get("title")),
        year=year,
        first_author=(people[0].family or people[0].name) if people else "",
        authors=len(people),
        doi=clean_doi(text(work.get("DOI"))),
        venue=work_venue(work),
        score=_score(work),
        retracted=bool(kinds & RETRACTION_KINDS),
        notice=bool(updates_to(work)),
        is_preprint=text(work.get("type")) == "posted-content",
    )


def _score(work: Mapping) -> float:
    try:
        return float(work.get("score") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def verify(record: Record, message: Mapping | None) -> Verdict:
    """Accept a hit of a search only if it is surely the curator's paper, by `pipeline.rules.match.verify`:
    titles nearly equal (the same, for an item without authors), years within one, the same first
    author where the item has one, not retracted, and no other hit close to it (with Crossref's score
    clearly ahead of any other's, since two hits that score alike, a paper and its extended version,
    are a question for the curator, not for us).
    """
    items = [w for w in (message or {}).get("items") or () if isinstance(w, dict)]
    result = match.verify(record, [candidate(w) for w in items])
    work = dict(items[result.index]) if result.index is not None else None
    return Verdict(result.verified, work, result.similarity, result.reasons)
