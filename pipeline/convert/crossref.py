"""Pure: one Crossref work (the REST API's `message` object) -> Record field values, and the matching
rules that decide whether a bibliographic search found the curator's paper.

Crossref metadata is deposited by thousands of publishers, so every reader here tolerates missing keys,
empty arrays, `[[null]]` dates, HTML entities (`Big Data &amp; Society`) and JATS/MathML markup in
titles. Nothing here does I/O: the venue table is handed in as a plain mapping.

The matching rules live here, not in the stage, because two rooms use them: `enrich` decides with them
which search hits to cache as works, and `merge` (through `pipeline.enrichment`) decides with them which
hits may change a record. One function, so the two can never disagree.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping

from rapidfuzz import fuzz

from pipeline.convert.zotero import ACRONYM_IN_PARENS_RE, strip_edition_year, text
from pipeline.convert.zotero import clean_doi as _clean_doi


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

# Search verification thresholds. Crossref's `score` has no fixed scale (it changed once, moving an
# OpenCitations cut-off from 2.7 to 75: essepuntato/opencitations#6), so it is only ever compared with
# the runner-up's: betterbib accepts a top hit whose score is more than 1.5x the second's.
TITLE_SIMILARITY = 93.0       # rapidfuzz ratio (0-100) of the normalised titles: "nearly equal"
CANDIDATE_SIMILARITY = 70.0   # below this a hit is unrelated and not worth showing the curator
SCORE_LEAD = 1.5              # top score / runner-up score
SEARCH_ROWS = 5               # enough to see the runner-up and a better-titled hit further down

_TAG_RE = re.compile(r"<[^>]+>")
_NON_WORD_RE = re.compile(r"[^\w]+")
# 'Proceedings of the 43rd International Conference on Software Engineering (ICSE)'
# ACM proceedings titles end with the acronym: '... Data-Intensive Scalable Computing Systems - DISCS '15'
_DASH_ACRONYM_RE = re.compile(r"\s[-–]\s([A-Z][A-Za-z0-9&/+\-]*[A-Z0-9+](?:\s?['’]\d{2})?)$")

NOT_FOUND_STATUS = 404


# --- small readers ----------------------------------------------------------------------------------

def clean_text(value: object) -> str:
    """Crossref text without markup: tags dropped, entities decoded, whitespace collapsed."""
    return text(html.unescape(_TAG_RE.sub("", text(value))))


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
    iso = [f"{numbers[0]:04d}"] + [f"{n:02d}" for n in numbers[1:] if 1 <= n <= 31]
    return numbers[0], "-".join(iso)


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

_ORDINAL_RE = re.compile(r"\b(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|"
                         r"ninth|tenth|(?:19|20)\d\d)\b")


def venue_key(name: str) -> str:
    """How the venue table matches names: case, accents, punctuation, a leading 'Proceedings of the',
    years and ordinals ignored, so one row matches every edition of a conference."""
    folded = fold(clean_text(name))
    folded = re.sub(r"^(?:proceedings of )?(?:the )?", "", folded)
    return " ".join(_ORDINAL_RE.sub(" ", folded).split())


def venue_label(work: Mapping, venues: Mapping[str, str]) -> str:
    """The short label the list shows, or '' when Crossref gives none worth showing.

    Order: the event's acronym ('SOSP '17' -> 'SOSP'); an acronym in the proceedings title, in
    parentheses or after a dash; the curator's venue table (by container title, event name or short
    title); Crossref's short container title. Each candidate goes through the table too, so a curator
    can rename an acronym ('ESEC/FSE' -> 'FSE').

    The table comes before `short-container-title` although the issue lists it last: journal short
    titles are ISO abbreviations ('ACM Trans. Softw. Eng. Methodol.'), never the label a list shows
    ('TOSEM'), so a table consulted after them could never be heard for a journal.
    """
    def mapped(name: str) -> str:
        return venues.get(venue_key(name), "") if name else ""

    event = work.get("event") if isinstance(work.get("event"), dict) else {}
    container = first(work.get("container-title"))
    acronym = strip_edition_year(clean_text(event.get("acronym")))
    if acronym:
        return mapped(acronym) or acronym
    for pattern in (ACRONYM_IN_PARENS_RE, _DASH_ACRONYM_RE):
        match = pattern.search(container)
        if match:
            found = strip_edition_year(match.group(1))
            return mapped(found) or found
    for name in (container, clean_text(event.get("name")), first(work.get("short-container-title"))):
        label = mapped(name)
        if label:
            return label
    short = strip_edition_year(first(work.get("short-container-title")))
    if short and short.casefold() != container.casefold():
        return short
    return ""


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

def work_fields(work: Mapping, venues: Mapping[str, str] | None = None) -> dict:
    """Record field values from one Crossref work. Empty values are left out: they fill nothing."""
    venues = venues or {}
    year, date = work_year(work)
    citations = work.get("is-referenced-by-count")
    values = dict(
        doi=clean_doi(text(work.get("DOI"))),
        title=work_title(work),
        creators=authors(work),
        year=year,
        date=date,
        venue=work_venue(work),
        venue_label=venue_label(work, venues),
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

def fold(value: str) -> str:
    """Lower case, accents dropped, punctuation to spaces: how titles and names are compared."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD_RE.sub(" ", stripped.casefold()).replace("_", " ").split())


def normalise_title(title: str) -> str:
    return fold(clean_text(title))


def first_author_family(creators: tuple[Creator, ...]) -> str:
    people = [c for c in creators if c.role in ("author", "")] or list(creators)
    if not people:
        return ""
    return fold(people[0].family or people[0].name)


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


def query_id(params: Mapping) -> str:
    """The cache file name of a query: sha1 of its canonical JSON."""
    canonical = json.dumps(dict(params), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()


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


def title_similarity(a: str, b: str) -> float:
    na, nb = normalise_title(a), normalise_title(b)
    if not na or not nb:
        return 0.0
    return float(fuzz.ratio(na, nb))


def _hit_similarity(record: Record, work: Mapping) -> float:
    # A curator may have typed "Title: Subtitle" or only "Title"; try both against Crossref's.
    main = first(work.get("title"))
    return max(title_similarity(record.title, main), title_similarity(record.title, work_title(work)))


def _score(work: Mapping) -> float:
    try:
        return float(work.get("score") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _mismatches(record: Record, work: Mapping) -> list[str]:
    """Why `work` may not be the record's paper, by title, year and first author; [] if it may be."""
    reasons = []
    similarity = _hit_similarity(record, work)
    if similarity < TITLE_SIMILARITY:
        reasons.append(f"title {similarity:.0f}% similar")
    year, _ = work_year(work)
    if record.year is None or year is None:
        reasons.append("no year to compare")
    elif abs(record.year - year) > 1:
        reasons.append(f"year {year}")
    ours, theirs = first_author_family(record.creators), first_author_family(authors(work))
    if not ours or ours != theirs:
        reasons.append(f"first author {theirs or 'unknown'}")
    return reasons


def verify(record: Record, message: Mapping | None) -> Verdict:
    """Accept the top hit of a search only if it is surely the curator's paper.

    All four must hold: normalised titles nearly equal; years within one (preprint vs proceedings);
    the same first-author family name; and a score clearly ahead of the runner-up, since two hits
    that score alike (a paper and its extended version) are a question for the curator, not for us.
    """
    items = [w for w in (message or {}).get("items") or () if isinstance(w, dict)]
    if not items:
        return Verdict(False)
    top = items[0]
    reasons = _mismatches(record, top)
    if len(items) > 1 and _score(top) < SCORE_LEAD * _score(items[1]):
        reasons.append(f"score {_score(top):g} not clearly ahead of {_score(items[1]):g}")
    similarity = _hit_similarity(record, top)
    if not reasons:
        return Verdict(True, dict(top), similarity)
    # Not accepted: offer the curator the hit whose title is closest, if any is plausible.
    best, best_similarity = top, similarity
    for w in items[1:]:
        s = _hit_similarity(record, w)
        if s > best_similarity:
            best, best_similarity = w, s
    if best_similarity < CANDIDATE_SIMILARITY:
        return Verdict(False, None, best_similarity, tuple(reasons))
    if best is not top:
        reasons = ["not the top hit"] + _mismatches(record, best)
    return Verdict(False, dict(best), best_similarity, tuple(reasons))
