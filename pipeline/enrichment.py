"""Pure: apply cached Crossref metadata to a record, by the precedence rules, and say what to check.

merge calls `apply(record, lookup)` for every record. `lookup` is the Crossref cache (or anything with
the same three members); nothing here touches the network or a file, so the same cache always gives the
same records. The review file's overrides are applied by merge *after* this, which is how they win.

What comes back besides the record is a list of `Problem`s for `make check`: items still without a
DOI, search candidates too weak to accept (with the DOI to pin), retractions (errors) and corrections,
preprints with a published version, DOIs Crossref does not know, items not looked up, and fields where
Zotero and Crossref disagree.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Protocol

from rapidfuzz import fuzz

from pipeline.convert import crossref as cr
from pipeline.model import (
    CROSSREF,
    ENRICH_DOI,
    ENRICH_NO_DOI,
    ENRICH_NOT_FOUND,
    ENRICH_SEARCH,
    ENRICH_SKIPPED,
    ENRICH_UNAVAILABLE,
    REVIEW,
    Problem,
    Record,
)

# --- precedence: the one place that says who wins each field --------------------------------------
#
#   review file  >  Crossref (for a record matched by DOI or by a verified search)  >  Zotero
#
# The review file is applied by merge after `apply`, so it wins everything. Between Crossref and
# Zotero, each field follows one rule:
CROSSREF_WINS = "crossref-wins"   # a Crossref value replaces Zotero's
FILL = "fill"                     # a Crossref value only fills a field Zotero left empty

PRECEDENCE: dict[str, str] = {
    "doi": CROSSREF_WINS,           # Crossref answers with the canonical DOI (aliases resolved)
    "year": CROSSREF_WINS,          # from `issued`; curators mistype years (ICSE 2022 for ICSE 2021)
    "date": CROSSREF_WINS,
    "venue": CROSSREF_WINS,
    "venue_label": CROSSREF_WINS,   # see `_label`: an empty Crossref label does not erase Zotero's
    "item_type": CROSSREF_WINS,     # a proceedings-article is a conferencePaper, whatever was filed
    "pages": CROSSREF_WINS,
    "volume": CROSSREF_WINS,
    "issue": CROSSREF_WINS,
    "publisher": CROSSREF_WINS,
    "citations": CROSSREF_WINS,     # only Crossref has them
    "notices": CROSSREF_WINS,       # only Crossref has them
    "published_doi": CROSSREF_WINS,  # only Crossref has it
    "creators": FILL,               # the curator's author list is kept (Crossref's may be ALL CAPS)
    "title": FILL,                  # Crossref titles carry <i>, <scp>, MathML and odd capitals
}

# Item types that are not papers: no DOI search for them (a DOI they carry is still looked up).
NOT_PAPERS = frozenset({
    "webpage", "blogPost", "forumPost", "computerProgram", "videoRecording", "audioRecording",
    "podcast", "presentation", "film", "artwork", "email", "instantMessage", "interview", "map",
    "tvBroadcast", "radioBroadcast", "note", "attachment", "annotation",
})


class CorruptCacheEntry(Exception):
    """A cache file that cannot be read. `path` names it; merge treats it as absent, enrich refetches."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class Lookup(Protocol):
    venues: Mapping[str, str]   # venue_key(name) -> label, from data/curated/venues.csv

    def work(self, doi: str) -> dict | None:
        """The cached work, a not-found marker (`convert.crossref.is_not_found`), or None."""

    def search(self, params: Mapping) -> dict | None:
        """The cached search response message for `convert.crossref.search_params(record)`."""


def apply(record: Record, lookup: Lookup) -> tuple[Record, list[Problem]]:
    """The record with Crossref's fields merged in by `PRECEDENCE`, and what `make check` should say."""
    venues = getattr(lookup, "venues", None) or {}
    problems: list[Problem] = []

    def fetch(getter, arg):
        try:
            return getter(arg)
        except CorruptCacheEntry as exc:
            problems.append(Problem(record.key, f"unreadable Crossref cache file {exc.path} ({exc.reason}); "
                                    "enrich refetches it", "warning", "cache-corrupt"))
            return None

    if record.doi:
        entry = fetch(lookup.work, record.doi)
        if entry is None:
            problems.append(_problem(record, "not-enriched", f"not enriched: DOI {record.doi} is not in the "
                                     "Crossref cache (offline, or Crossref was unavailable)"))
            return replace(record, enrichment=ENRICH_UNAVAILABLE), problems
        if cr.is_not_found(entry):
            problems.append(_problem(record, "doi-unknown", f"Crossref does not know DOI {record.doi} "
                                     "(mistyped, or registered elsewhere, e.g. DataCite for arXiv)"))
            return replace(record, enrichment=ENRICH_NOT_FOUND), problems
        merged, more = merge_work(record, entry, venues, ENRICH_DOI)
        return merged, problems + more

    if record.item_type in NOT_PAPERS:
        return replace(record, enrichment=ENRICH_SKIPPED), problems
    params = cr.search_params(record)
    if params is None:
        problems.append(_problem(record, "no-doi", "no DOI, and no title to search Crossref by"))
        return replace(record, enrichment=ENRICH_NO_DOI), problems
    message = fetch(lookup.search, params)
    if message is None:
        problems.append(_problem(record, "no-doi", "no DOI"))
        problems.append(_problem(record, "not-enriched", "not enriched: its Crossref search is not in the "
                                 "cache (offline, or Crossref was unavailable)"))
        return replace(record, enrichment=ENRICH_UNAVAILABLE), problems
    verdict = cr.verify(record, message)
    if verdict.verified:
        merged, more = merge_work(record, verdict.work, venues, ENRICH_SEARCH)
        return merged, problems + more
    if verdict.work is None:
        problems.append(_problem(record, "no-doi", "no DOI; Crossref search found no match"))
    else:
        problems.append(_problem(record, "no-doi", "no DOI; Crossref has an unverified candidate"))
        problems.append(_problem(record, "candidate", candidate_message(verdict)))
    return replace(record, enrichment=ENRICH_NO_DOI), problems


def candidate_message(verdict: cr.Verdict) -> str:
    work = verdict.work or {}
    year, _ = cr.work_year(work)
    where = " ".join(x for x in (cr.work_venue(work), str(year or "")) if x)
    return (f"Crossref candidate doi: {verdict.doi} \"{cr.work_title(work)}\""
            f"{f' ({where})' if where else ''}, not accepted: {'; '.join(verdict.reasons)}. "
            f"If it is the paper, pin it in the review file with `doi: {verdict.doi}`")


def merge_work(record: Record, work: Mapping, venues: Mapping[str, str],
               status: str) -> tuple[Record, list[Problem]]:
    """Merge one matched work into the record (by `PRECEDENCE`) and report what to check."""
    fields = cr.work_fields(work, venues)
    problems = disagreements(record, fields, venues)
    values = {}
    for name, value in fields.items():
        rule = PRECEDENCE.get(name)
        if rule == CROSSREF_WINS or (rule == FILL and getattr(record, name) in ("", (), None)):
            values[name] = value
    label = _label(record, fields, venues)
    if label:
        values["venue_label"] = label
    # What a review file already pinned (a DOI, before enrichment) stays the curator's.
    values = {k: v for k, v in values.items() if record.source_of(k) != REVIEW}
    # Crossref's DOI is lower case; the same DOI as Zotero has it keeps its registrant's case.
    if values.get("doi", "").lower() == record.doi.lower() != "":
        values["doi"] = record.doi
    merged = replace(record.with_fields(CROSSREF, **values), enrichment=status)
    problems += notice_problems(merged, work)
    return merged, problems


def _label(record: Record, fields: Mapping, venues: Mapping[str, str]) -> str:
    """Crossref's label; without one, Zotero's stays if it names the same venue, else Crossref's venue."""
    if fields.get("venue_label"):
        return fields["venue_label"]
    if not fields.get("venue") or (record.venue_label and _same_venue(record, fields, venues)):
        return ""
    return fields["venue"]


def notice_problems(record: Record, work: Mapping) -> list[Problem]:
    problems = []
    for n in record.notices:
        when = f" ({n.date})" if n.date else ""
        if n.kind in cr.RETRACTION_KINDS:
            problems.append(Problem(record.key, f"retracted: Crossref lists {n.kind} notice {n.doi}{when}",
                                    "error", "retracted"))
        elif n.kind in cr.CORRECTION_KINDS:
            problems.append(_problem(record, "corrected",
                                     f"corrected: Crossref lists {n.kind.replace('_', ' ')} notice {n.doi}{when}"))
    for n in cr.updates_to(work):
        problems.append(_problem(record, "is-notice", f"DOI {record.doi} is itself a {n.kind} notice for "
                                 f"{n.doi or 'another work'}, not the paper"))
    if record.published_doi and record.published_doi.lower() != record.doi.lower():
        problems.append(_problem(record, "published-version", f"preprint; its published version is doi: "
                                 f"{record.published_doi} (pin it in the review file to list that one)"))
    return problems


def matched_fields(record: Record, lookup: Lookup) -> dict | None:
    """Crossref's field values for the work `apply` would match `record` with (None: no match).

    For merge, to check a review file's overrides against Crossref with `disagreements`.
    """
    venues = getattr(lookup, "venues", None) or {}
    try:
        if record.doi:
            entry = lookup.work(record.doi)
            return cr.work_fields(entry, venues) if entry and not cr.is_not_found(entry) else None
        params = cr.search_params(record)
        verdict = cr.verify(record, lookup.search(params)) if params else None
    except CorruptCacheEntry:
        return None
    return cr.work_fields(verdict.work, venues) if verdict and verdict.verified else None


# --- disagreements ----------------------------------------------------------------------------------

def disagreements(before: Record, fields: Mapping, venues: Mapping[str, str] | None = None) -> list[Problem]:
    """Where `before` (Zotero, or a review file: its provenance says) and Crossref's `fields` differ on
    year, venue or title. Crossref wins year and venue, Zotero the title; the curator pins what is right.
    """
    venues = venues or {}
    problems = []
    if before.year and fields.get("year") and before.year != fields["year"]:
        problems.append(_disagree(before, "year", str(before.year), str(fields["year"])))
    if (before.venue or before.venue_label) and (fields.get("venue") or fields.get("venue_label")):
        if not _same_venue(before, fields, venues):
            problems.append(_disagree(before, "venue", before.venue_label or before.venue,
                                      fields.get("venue_label") or fields.get("venue", "")))
    if before.title and fields.get("title") and not same_title(before.title, fields["title"]):
        problems.append(_disagree(before, "title", before.title, fields["title"]))
    return problems


def same_title(a: str, b: str) -> bool:
    na, nb = cr.normalise_title(a), cr.normalise_title(b)
    if not na or not nb:
        return True
    # "Title" against "Title: Subtitle" is the same paper.
    if na.startswith(nb) or nb.startswith(na):
        return True
    return fuzz.ratio(na, nb) >= cr.TITLE_SIMILARITY


def _same_venue(before: Record, fields: Mapping, venues: Mapping[str, str]) -> bool:
    ours = {v for v in (before.venue_label, before.venue) if v}
    ours |= {venues[cr.venue_key(v)] for v in list(ours) if cr.venue_key(v) in venues}
    theirs = {v for v in (fields.get("venue_label"), fields.get("venue")) if v}
    folded_ours = {cr.venue_key(v) for v in ours}
    folded_theirs = {cr.venue_key(v) for v in theirs}
    if folded_ours & folded_theirs:
        return True
    # 'Proceedings of the 43rd International Conference on Software Engineering' and
    # '2021 IEEE/ACM 43rd International Conference on Software Engineering (ICSE)' name one venue.
    return any(fuzz.token_set_ratio(a, b) >= 90 for a in folded_ours for b in folded_theirs
               if min(len(a), len(b)) > 12)


def _disagree(before: Record, name: str, ours: str, theirs: str) -> Problem:
    from_review = before.source_of(name) == REVIEW
    source = "the review file" if from_review else "Zotero"
    shown = "the review file's" if from_review else "Zotero's" if name == "title" else "Crossref's"
    return _problem(before, f"{name}-disagrees",
                    f"{name}: {source} says {ours!r}, Crossref says {theirs!r}; the list shows {shown} "
                    f"unless the review file pins `{name}:`")


def _problem(record: Record, code: str, message: str) -> Problem:
    return Problem(record.key, message, "warning", code)
