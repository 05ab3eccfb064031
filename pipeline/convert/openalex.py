"""Pure: one OpenAlex work (an element of `/works?...`'s `results`, or `/works/doi:...` itself) -> record
field values, a `pipeline.rules.match.Candidate`, and the title search a record asks OpenAlex.

What OpenAlex adds to a record is what no other source gives: the citation count (`cited_by_count`)
with the day it was counted, an open-access copy (`best_oa_location`) with its licence, and a venue for
papers outside computer science, where DBLP is silent and the venue table has no row. It also knows
the DOI, title, year and retraction flag, which the other sources usually give first.

OpenAlex's works are assembled from many sources, so every reader here tolerates `null` where an
object is expected (`primary_location`, `source`, `best_oa_location`, `open_access`), missing keys,
and HTML markup in titles. Keys named here are the Record fields the seam fills: `oa_url`,
`oa_license` and `citations_date` are new fields beside the existing ones.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from pipeline import identifiers
from pipeline.convert import query_id  # noqa: F401 (the one naming rule, for callers of this module)
from pipeline.convert.crossref import clean_text
from pipeline.convert.zotero import clean_doi, text
from pipeline.model import ENRICH_NO_DOI, ENRICH_UNAVAILABLE, Notice, Problem, Record
from pipeline.render.urls import safe_url
from pipeline.rules import match, venues

# The root-level fields read here: the client asks for these alone (`select=`, which takes root-level
# fields only), so an answer of 50 works stays small.
SELECT = ("id", "doi", "title", "display_name", "publication_year", "publication_date", "type",
          "cited_by_count", "updated_date", "is_retracted", "open_access", "best_oa_location",
          "primary_location", "locations", "authorships")

SEARCH_HITS = 10   # hits per title search: the paper, its preprint and the few that share its words

# OpenAlex `type` -> Zotero item type. An "article" is decided by where it appeared (`article_type`).
ITEM_TYPES = {
    "preprint": "preprint",
    "book-chapter": "bookSection",
    "book": "book",
    "dissertation": "thesis",
    "dataset": "dataset",
    "report": "report",
    "standard": "standard",
}
# Source types whose name is a venue a list shows. A repository (arXiv, Zenodo, a university's) hosts
# a copy: its name is kept as `venue` but never becomes a label.
VENUE_SOURCES = frozenset({"journal", "conference", "repository"})
LABELLED_SOURCES = frozenset({"journal", "conference"})
NOTICE_TYPES = frozenset({"erratum", "retraction"})

_WORD_RE = re.compile(r"\w+")


# --- small readers ----------------------------------------------------------------------------------

def _object(value: object) -> Mapping:
    """`value` when it is an object; {} for the `null`s OpenAlex puts where a location is unknown."""
    return value if isinstance(value, Mapping) else {}


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _year(value: object) -> int | None:
    count = _count(value)
    return count if count is not None and 1000 <= count <= 2999 else None


def doi(work: Mapping) -> str:
    """The DOI without its `https://doi.org/` prefix, lower case as OpenAlex gives it."""
    return clean_doi(text(work.get("doi"))).lower()


def title(work: Mapping) -> str:
    return clean_text(work.get("title")) or clean_text(work.get("display_name"))


def source(location: object) -> Mapping:
    return _object(_object(location).get("source"))


def locations(work: Mapping) -> list[Mapping]:
    """Every location of the work, the primary and best OA ones first (they may repeat)."""
    found = [_object(work.get("primary_location")), _object(work.get("best_oa_location"))]
    found += [_object(loc) for loc in work.get("locations") or () if isinstance(loc, Mapping)]
    return [loc for loc in found if loc]


def arxiv_id(work: Mapping) -> str:
    """The arXiv identifier from a location at arxiv.org, or from arXiv's DataCite DOI."""
    candidates = [text(loc.get(k)) for loc in locations(work) for k in ("landing_page_url", "pdf_url")]
    candidates.append(doi(work))
    for value in candidates:
        if not value:
            continue
        try:
            found = identifiers.parse(value)
        except identifiers.NotAnIdentifier:
            continue
        if found.kind == identifiers.ARXIV:
            return found.value
    return ""


def authors(work: Mapping) -> list[str]:
    """The authors' display names, in order ("Kexin Pei")."""
    names = []
    for authorship in work.get("authorships") or ():
        author = _object(_object(authorship).get("author"))
        name = text(author.get("display_name")) or text(_object(authorship).get("raw_author_name"))
        if name:
            names.append(name)
    return names


def family(name: str) -> str:
    """The family name in a display name: its last word ("Kexin Pei" -> "Pei")."""
    words = name.replace(",", " ").split()
    if "," in name:          # "Pei, Kexin": the family name comes first
        return words[0] if words else ""
    return words[-1] if words else ""


def is_preprint(work: Mapping) -> bool:
    return text(work.get("type")) == "preprint" or (
        source(work.get("primary_location")).get("type") == "repository" and bool(arxiv_id(work)))


def item_type(work: Mapping) -> str:
    kind = text(work.get("type"))
    if kind == "article":
        where = text(source(work.get("primary_location")).get("type"))
        return {"journal": "journalArticle", "conference": "conferencePaper"}.get(where, "")
    return ITEM_TYPES.get(kind, "")


# --- what OpenAlex adds -----------------------------------------------------------------------------

def citation_fields(work: Mapping, asked: str = "") -> dict:
    """`citations` and `citations_date`: the count on the day it was read.

    The date is the day we asked (`asked`, an ISO date the caller keeps with the cached answer), not
    `updated_date`: OpenAlex bumps `updated_date` whenever anything about the work changes (a new
    location, an author's name), so it says nothing about when the count was true, while the day of
    the answer is exactly "as of". Only an answer with no day kept falls back to `updated_date`'s day.
    """
    count = _count(work.get("cited_by_count"))
    if count is None:
        return {}
    day = text(asked)[:10] or text(work.get("updated_date"))[:10]
    return {"citations": count, "citations_date": day} if day else {"citations": count}


def oa_fields(work: Mapping) -> dict:
    """`oa_url` (the open copy's PDF, else its landing page) and `oa_license`, for an open work only.

    `is_oa` is read from `open_access`: a `best_oa_location` on a closed work (OpenAlex has shown
    both) is not a free copy. Only http(s) links pass, as for every link a reader follows.
    """
    if _object(work.get("open_access")).get("is_oa") is not True:
        return {}
    best = _object(work.get("best_oa_location"))
    url = safe_url(text(best.get("pdf_url"))) or safe_url(text(best.get("landing_page_url")))
    if not url:
        url = safe_url(text(_object(work.get("open_access")).get("oa_url")))
    if not url:
        return {}
    license_ = text(best.get("license"))
    return {"oa_url": url, "oa_license": license_} if license_ else {"oa_url": url}


def venue_fields(work: Mapping, table: venues.VenueTable | None = None) -> dict:
    """`venue` from the primary location's source (a journal, a conference, a repository) and, for a
    journal or a conference, the label the one venue normaliser gives it."""
    where = source(work.get("primary_location"))
    kind, name = text(where.get("type")), clean_text(where.get("display_name"))
    if kind not in VENUE_SOURCES or not name:
        return {}
    label = venues.best_label([name], table or venues.EMPTY) if kind in LABELLED_SOURCES else ""
    return {"venue": name, "venue_label": label} if label else {"venue": name}


def work_fields(work: Mapping, *, asked: str = "", table: venues.VenueTable | None = None) -> dict:
    """Record field values from one OpenAlex work. Empty values are left out: they fill nothing.

    A retracted work carries a retraction `Notice` (source "openalex", no notice DOI: OpenAlex flags
    the work but does not name the notice), which is how a Record knows it is retracted.
    """
    values = dict(
        doi=doi(work),
        title=title(work),
        year=_year(work.get("publication_year")),
        date=text(work.get("publication_date")),
        arxiv=arxiv_id(work),
        item_type=item_type(work),
        notices=(Notice(kind="retraction", doi="", source="openalex"),) if work.get("is_retracted") is True else (),
    )
    values.update(citation_fields(work, asked))
    values.update(oa_fields(work))
    values.update(venue_fields(work, table))
    return {k: v for k, v in values.items() if v not in ("", (), None)}


# --- searching --------------------------------------------------------------------------------------

def search_params(record: Record) -> dict | None:
    """The OpenAlex title search for a record, or None when it has no title to search by.

    OpenAlex's docs call `search=` the best general search, but it reads abstracts and full texts too,
    where the papers citing this one name it; `title.search` looks at titles alone, which is all a
    record's title can be compared with. The title goes in as its lower-case words: in a filter a comma
    ends the filter and `|` means OR, and upper-case AND/OR/NOT would turn on boolean search.
    """
    words = " ".join(_WORD_RE.findall(record.title.casefold().replace("_", " ")))
    if not words:
        return None
    return {"filter": f"title.search:{words}", "per-page": SEARCH_HITS}


def candidate(work: Mapping) -> match.Candidate:
    """A work as `pipeline.rules.match` compares it. OpenAlex's `relevance_score` is not used: its scale is
    undocumented, so the rule rests on titles, authors and years, as for DBLP."""
    names = authors(work)
    full = title(work)
    return match.Candidate(
        key=text(work.get("id")),
        title=full,
        main_title=full.split(": ", 1)[0] if ": " in full else "",
        year=_year(work.get("publication_year")),
        first_author=family(names[0]) if names else "",
        authors=len(names),
        doi=doi(work),
        venue=clean_text(source(work.get("primary_location")).get("display_name")),
        retracted=work.get("is_retracted") is True,
        notice=text(work.get("type")) in NOTICE_TYPES,
        is_preprint=is_preprint(work),
    )


def results_of(body: object) -> list[dict]:
    """The works of a list answer (`{"meta", "results", "group_by"}`); [] when there are none.

    Raises ValueError when the body is no list answer at all, so a client can tell an empty answer
    from a wrong one."""
    results = body.get("results") if isinstance(body, Mapping) else None
    if not isinstance(results, list):
        raise ValueError("not an OpenAlex list answer (no results)")
    return [w for w in results if isinstance(w, dict)]


@dataclass(frozen=True)
class Verdict:
    """What a title search says about one record: the accepted work (verified), or the closest work
    worth showing the curator, and why it was not accepted."""

    verified: bool
    work: dict | None = None
    similarity: float = 0.0
    reasons: tuple[str, ...] = ()


def verify(record: Record, works: list) -> Verdict:
    """Accept a search hit only when `pipeline.rules.match.verify`, the rule every source shares, does."""
    works = [w for w in works if isinstance(w, Mapping)]
    result = match.verify(record, [candidate(w) for w in works])
    work = dict(works[result.index]) if result.index is not None else None
    return Verdict(result.verified, work, result.similarity, result.reasons)


# --- the rule merge applies (the source seam's `rule`) ----------------------------------------------
#
# Precedence, for a record whose DOI (or verified title search) OpenAlex answers:
#   citations, citations_date: OpenAlex's count wins Crossref's (it is dated, and counts more sources);
#   oa_url, oa_license: OpenAlex alone; the curator's `url` is never touched: the README adds [PDF];
#   notices: a retraction OpenAlex flags is added when no source has one yet;
#   venue, venue_label, doi: only fill a record that has none (works outside DBLP's and the table's reach).
# The review file and the curator's `Venue:` line still win everything (their provenance is kept).
OPENALEX_WINS = ("citations", "citations_date", "oa_url", "oa_license")
FILLS = ("venue", "venue_label", "doi")
PINNED = ("review", "curator")      # model.REVIEW, model.CURATOR: what no source overrides
# A record with no DOI is searched by title only when the sources before found nothing for a paper.
SEARCHED = (ENRICH_NO_DOI, ENRICH_UNAVAILABLE)


def rule(record: Record, lookup, table, fetch, problems: list) -> tuple[Record, dict | None]:
    """OpenAlex's fields merged into `record` from its cache (`lookup.caches["openalex"]`); the fields
    of the matched work, or None. Pure: the cache is read through `fetch`, which reports a bad file."""
    cache = getattr(lookup, "caches", {}).get("openalex")
    if cache is None:
        return record, None
    entry = None
    if record.lookup_doi:
        entry = fetch(cache.work, record.doi, "OpenAlex")
    elif record.enrichment in SEARCHED:
        params = search_params(record)
        hits = fetch(cache.search, params, "OpenAlex") if params else None
        if hits:
            verdict = verify(record, hits["results"])
            entry = {"asked": hits.get("asked", ""), "work": verdict.work} if verdict.verified else None
    if not entry or not isinstance(entry.get("work"), Mapping):
        return record, None
    fields = work_fields(entry["work"], asked=entry.get("asked", ""), table=table)
    values = {k: fields[k] for k in OPENALEX_WINS if k in fields}
    values.update({k: fields[k] for k in FILLS if k in fields and not getattr(record, k)
                   and not (k.startswith("venue") and (record.venue or record.venue_label))})
    if fields.get("notices") and not record.retracted:
        values["notices"] = record.notices + fields["notices"]
        problems.append(Problem(record.key, "retracted: OpenAlex flags this work as retracted", "error", "retracted"))
    values = {k: v for k, v in values.items() if record.source_of(k) not in PINNED}
    return (record.with_fields("openalex", **values) if values else record), fields

