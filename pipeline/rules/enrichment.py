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

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

from rapidfuzz import fuzz

from pipeline.rules.venues import VenueTable

from pipeline.convert import crossref as cr
from pipeline.convert import dblp
from pipeline.rules import match, venues
from pipeline.model import (
    CROSSREF,
    CURATOR,
    DBLP,
    ENRICH_DBLP,
    ENRICH_DOI,
    ENRICH_NO_DOI,
    ENRICH_NOT_FOUND,
    ENRICH_SEARCH,
    ENRICH_SKIPPED,
    ENRICH_UNAVAILABLE,
    REVIEW,
    CorruptCacheEntry,
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


class Lookup(Protocol):
    """What `apply` reads: the Crossref and DBLP caches and the venue table (machinery/inputs.Lookups)."""

    venues: VenueTable

    def work(self, doi: str) -> dict | None:
        """The cached Crossref work, a not-found marker (`convert.crossref.is_not_found`), or None."""

    def search(self, params: Mapping) -> dict | None:
        """The cached Crossref search response message for `convert.crossref.search_params(record)`."""

    def dblp(self, params: Mapping) -> list | None:
        """The cached DBLP hits for `convert.dblp.search_params(record)`, None when not cached."""

    # Optional: `verdict(source, params, record, decide)` gives decide()'s verdict on the record and
    # the hits of the search `params`, remembered (see `judged`).


def judged(lookup, source: str, params: Mapping, record: Record, decide: Callable[[], Any]):
    """decide(): the verdict on `record` and the hits of the search `params`, from `lookup`'s memory
    when it keeps one (a sync verifies a hit in enrich, to know what to fetch next, and merge then
    takes that verdict instead of working it out again)."""
    remember = getattr(lookup, "verdict", None)
    return remember(source, params, record, decide) if remember is not None else decide()


@dataclass(frozen=True)
class Enriched:
    """What `apply` found for one record: the record, the problems, and the fields of the works it
    was matched with (merge checks a review file's overrides against them)."""

    record: Record
    problems: list[Problem]
    matched: dict | None = None      # Crossref's (else DBLP's) field values for the matched work

    def __iter__(self):              # `record, problems = apply(...)` keeps working
        return iter((self.record, self.problems))

    def __getitem__(self, index: int):
        return (self.record, self.problems)[index]


def table_of(lookup) -> VenueTable:
    return as_table(getattr(lookup, "venues", None))


def as_table(table) -> VenueTable:
    if isinstance(table, VenueTable):
        return table
    if isinstance(table, Mapping) and table:   # a plain {name: label} mapping (tests, old callers)
        return venues.parse_table("\n".join(f'"{k}",{v}' for k, v in table.items()))[0]
    return venues.EMPTY


def wants_dblp(record: Record) -> bool:
    """Whom DBLP is asked about (issue 9.4): papers with no DOI, a DOI Crossref does not know (arXiv's
    DataCite DOIs), and preprints, to find their published version. Blog posts and the like never."""
    if record.item_type in ("blogPost", "forumPost", "podcast", "videoRecording", "audioRecording",
                            "computerProgram", "email", "instantMessage", "film", "artwork"):
        return False
    return (not record.lookup_doi or record.enrichment == ENRICH_NOT_FOUND or match.is_preprint_record(record)
            or record.doi.lower().startswith("10.48550/"))


def apply(record: Record, lookup: Lookup) -> Enriched:
    """The record with what Crossref and DBLP know merged in by `PRECEDENCE`, its label decided by the
    precedence of issue 9.6, and what `make check` should say."""
    table = table_of(lookup)
    problems: list[Problem] = []

    def fetch(getter, arg, source="Crossref"):
        try:
            return getter(arg)
        except CorruptCacheEntry as exc:
            problems.append(exc.problem("enrich refetches it", key=record.key, source=source))
            return None

    matched = None
    for rule in getattr(lookup, "rules", RULES):     # the sources, in the registry's order
        record, found = rule(record, lookup, table, fetch, problems)
        matched = matched or found
    if not record.doi and record.item_type not in NOT_PAPERS:
        problems.append(_problem(record, "no-doi", "no DOI" + ("" if matched else ": no source matched it")))
    return Enriched(record, problems, matched)


def from_crossref(record: Record, lookup: Lookup, table: VenueTable, fetch, problems) -> tuple[Record, dict | None]:
    """Crossref's rule: the work of the record's DOI, else of a verified search, merged by `PRECEDENCE`."""
    if record.lookup_doi:
        entry = fetch(lookup.work, record.doi)
        if entry is None:
            problems.append(_problem(record, "not-enriched", f"not enriched: DOI {record.doi} is not in the "
                                     "Crossref cache (offline, or Crossref was unavailable)"))
            return record.evolve(enrichment=ENRICH_UNAVAILABLE), None
        if cr.is_not_found(entry):
            if not record.doi.lower().startswith("10.48550/"):     # arXiv's DOIs live at DataCite: expected
                problems.append(_problem(record, "doi-unknown", f"Crossref does not know DOI {record.doi} "
                                         "(mistyped, or registered elsewhere, e.g. DataCite for arXiv)"))
            return record.evolve(enrichment=ENRICH_NOT_FOUND), None
        fields = cr.work_fields(entry, table)
        merged, more = merge_work(record, entry, table, ENRICH_DOI, fields)
        problems += more
        return merged, fields

    if record.item_type in NOT_PAPERS:
        return record.evolve(enrichment=ENRICH_SKIPPED), None
    params = cr.search_params(record)
    if params is None:
        problems.append(_problem(record, "no-doi", "no DOI, and no title to search Crossref by"))
        return record.evolve(enrichment=ENRICH_NO_DOI), None
    message = fetch(lookup.search, params)
    if message is None:
        problems.append(_problem(record, "not-enriched", "not enriched: its Crossref search is not in the "
                                 "cache (offline, or Crossref was unavailable)"))
        return record.evolve(enrichment=ENRICH_UNAVAILABLE), None
    verdict = judged(lookup, "crossref", params, record, lambda: cr.verify(record, message))
    if verdict.verified:
        fields = cr.work_fields(verdict.work, table)
        merged, more = merge_work(record, verdict.work, table, ENRICH_SEARCH, fields)
        problems += more
        return merged, fields
    if verdict.work is not None:
        problems.append(_problem(record, "candidate", candidate_message(verdict)))
    return record.evolve(enrichment=ENRICH_NO_DOI), None


def from_dblp(record: Record, lookup: Lookup, table: VenueTable, fetch, problems) -> tuple[Record, dict | None]:
    """DBLP's rule, for a record Crossref could not place (`wants_dblp`): a verified hit fills what
    Crossref would have, and a preprint's published version gives the label the field writes
    (`*OSDI 2025*`, not `*arXiv 2025*`)."""
    if getattr(lookup, "dblp", None) is None or not wants_dblp(record):
        return record, None
    params = dblp.search_params(record)
    if params is None:
        return record, None
    hits = fetch(lookup.dblp, params, "DBLP")
    if hits is None:
        if record.enrichment in (ENRICH_NO_DOI, ENRICH_NOT_FOUND):
            problems.append(_problem(record, "not-enriched", "not looked up on DBLP yet (offline, or DBLP was "
                                     "unavailable): `make sync` with network asks it"))
        return record, None
    candidates = dblp.candidates(hits)
    verdict = judged(lookup, "dblp", params, record, lambda: match.verify(record, candidates))
    fields = None
    if verdict.verified and record.enrichment not in (ENRICH_DOI, ENRICH_SEARCH):
        fields = dblp.hit_fields(hits[verdict.index])
        fields["venue_label"] = venues.label(fields.get("venue", ""), table) or fields.get("venue", "")
        if fields.get("doi") and record.doi and fields["doi"].lower() != record.doi.lower():
            fields.pop("doi")          # the record's own DOI (an arXiv one) stays; DBLP's is the version's
        if not (verdict.candidate and verdict.candidate.is_preprint):
            # A preprint's year is its posting's, not a slip: its published version is compared below.
            problems += disagreements(record, fields, table, "DBLP")
        values = {}
        for name, value in fields.items():
            rule = PRECEDENCE.get(name)
            if name in ("doi", "published_doi", "citations", "notices"):
                continue
            if rule == CROSSREF_WINS or (rule == FILL and getattr(record, name) in ("", (), None)) or name == "dblp":
                values[name] = value
        if not record.doi and fields.get("doi") and not fields.get("arxiv"):
            values["doi"] = fields["doi"]
        values = {k: v for k, v in values.items() if record.source_of(k) not in (REVIEW, CURATOR)}
        record = record.with_fields(DBLP, **values)
        if record.enrichment != ENRICH_DOI:
            record = record.evolve(enrichment=ENRICH_DBLP)
        # A DOI DBLP found may be in the Crossref cache too (enrich asks Crossref for it).
        work = fetch(lookup.work, values["doi"]) if values.get("doi") else None
        if work and not cr.is_not_found(work):
            record, more = merge_work(record, work, table, ENRICH_DBLP, cr.work_fields(work, table))
            problems += more
    elif verdict.candidate is not None and record.enrichment in (ENRICH_NO_DOI, ENRICH_NOT_FOUND):
        c = verdict.candidate
        problems.append(_problem(record, "candidate", f"DBLP candidate {c.key} \"{c.title}\" ({c.venue} "
                                 f"{c.year or ''}), not accepted: {'; '.join(verdict.reasons)}. If it is the paper, "
                                 "pin it in the review file (`venue:` and `year:`, or `doi:`)"))
    if match.is_preprint_record(record) or record.item_type == "preprint":
        published = match.published_version(record, candidates)
        if published is not None:
            record = _published(record, published, table, problems)
    return record, fields


RULES = (from_crossref, from_dblp)   # when the lookup names none (machinery/registry.py names them)


def _published(record: Record, published: match.Candidate, table: VenueTable, problems) -> Record:
    label = venues.label(published.venue, table) or published.venue
    if record.source_of("venue_label") in (CURATOR, REVIEW):
        # The curator named the published venue: a year or venue that differs from it is a slip to list.
        problems += disagreements(record, {"year": published.year, "venue_label": label, "venue": published.venue},
                                  table, "DBLP")
    values = {"venue_label": label, "venue": published.venue}
    if published.year:
        values["year"] = published.year
        values["date"] = str(published.year)
    if published.doi:
        values["published_doi"] = published.doi
    values = {k: v for k, v in values.items() if record.source_of(k) not in (REVIEW, CURATOR)}
    problems.append(_problem(record, "published-version",
                             f"preprint now published at {label} {published.year or ''}".rstrip()
                             + (f" (doi: {published.doi})" if published.doi else "")
                             + "; the list shows the published venue, the CSV keeps the arXiv id"))
    return record.with_fields(DBLP, **values)


def candidate_message(verdict: cr.Verdict) -> str:
    work = verdict.work or {}
    year, _ = cr.work_year(work)
    where = " ".join(x for x in (cr.work_venue(work), str(year or "")) if x)
    return (f"Crossref candidate doi: {verdict.doi} \"{cr.work_title(work)}\""
            f"{f' ({where})' if where else ''}, not accepted: {'; '.join(verdict.reasons)}. "
            f"If it is the paper, pin it in the review file with `doi: {verdict.doi}`")


def merge_work(record: Record, work: Mapping, table, status: str,
               fields: dict | None = None) -> tuple[Record, list[Problem]]:
    """Merge one matched Crossref work into the record (by `PRECEDENCE`) and report what to check."""
    table = as_table(table)
    fields = fields if fields is not None else cr.work_fields(work, table)
    problems = disagreements(record, fields, table)
    values = {}
    for name, value in fields.items():
        rule = PRECEDENCE.get(name)
        if rule == CROSSREF_WINS or (rule == FILL and getattr(record, name) in ("", (), None)):
            values[name] = value
    # The DOI as the registrant wrote it stays: Crossref answers in lower case.
    if values.get("doi") and record.doi and values["doi"].lower() == record.doi.lower():
        values.pop("doi")
    label = _label(record, fields, table)
    values.pop("venue_label", None)
    if label:
        values["venue_label"] = label
    # What the curator pinned (a review file, a `Venue:` line in Zotero) stays the curator's.
    values = {k: v for k, v in values.items() if record.source_of(k) not in (REVIEW, CURATOR)}
    merged = record.with_fields(CROSSREF, **values).evolve(enrichment=status)
    problems += notice_problems(merged, work)
    return merged, problems


def _label(record: Record, fields: Mapping, table: VenueTable) -> str:
    """Crossref's label; without one, Zotero's stays if it names the same venue, else Crossref's venue."""
    if fields.get("venue_label"):
        return fields["venue_label"]
    if not fields.get("venue") or (record.venue_label and _same_venue(record, fields, table)):
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
    """The field values of the work `apply` matches `record` with (None: no match)."""
    return apply(record, lookup).matched


# --- disagreements ----------------------------------------------------------------------------------

def disagreements(before: Record, fields: Mapping, table=None, source: str = "Crossref") -> list[Problem]:
    """Where `before` (Zotero, or a review file: its provenance says) and a source's `fields` differ on
    year, venue or title. The source wins year and venue, Zotero the title; the curator pins what is right.
    """
    table = as_table(table)
    problems = []
    if before.year and fields.get("year") and before.year != fields["year"]:
        problems.append(_disagree(before, "year", str(before.year), str(fields["year"]), source))
    if (before.venue or before.venue_label) and (fields.get("venue") or fields.get("venue_label")):
        if not _same_venue(before, fields, table):
            problems.append(_disagree(before, "venue", before.venue_label or before.venue,
                                      fields.get("venue_label") or fields.get("venue", ""), source))
    if before.title and fields.get("title") and not same_title(before.title, fields["title"]):
        problems.append(_disagree(before, "title", before.title, fields["title"], source))
    return problems


def same_title(a: str, b: str) -> bool:
    na, nb = cr.normalise_title(a), cr.normalise_title(b)
    if not na or not nb:
        return True
    # "Title" against "Title: Subtitle" is the same paper.
    if na.startswith(nb) or nb.startswith(na):
        return True
    return fuzz.ratio(na, nb) >= cr.TITLE_SIMILARITY


def _same_venue(before: Record, fields: Mapping, table: VenueTable) -> bool:
    """Whether the record and a source name one venue. Labels decide when both sides have one (so
    'IEEE Software' and '... Symposium on Software Reliability Engineering (ISSRE)' differ, though
    every word of the one is in the other); otherwise the full names are compared loosely:
    'Proceedings of the 43rd International Conference on Software Engineering' and '2021 IEEE/ACM 43rd
    International Conference on Software Engineering (ICSE)' name one venue."""
    ours = {v for v in (before.venue_label, before.venue) if v}
    theirs = {v for v in (fields.get("venue_label"), fields.get("venue")) if v}
    ours_labels = {venues.label(v, table) or "" for v in ours} - {""}
    theirs_labels = {venues.label(v, table) or "" for v in theirs} - {""}
    if ours_labels and theirs_labels:
        return bool({v.casefold() for v in ours_labels} & {v.casefold() for v in theirs_labels})
    folded_ours = {venues.venue_key(v) for v in ours} - {""}
    folded_theirs = {venues.venue_key(v) for v in theirs} - {""}
    if folded_ours & folded_theirs:
        return True
    return any(fuzz.token_set_ratio(a, b) >= 90 for a in folded_ours for b in folded_theirs
               if min(len(a), len(b)) > 12)


def _disagree(before: Record, name: str, ours: str, theirs: str, source: str = "Crossref") -> Problem:
    field = "venue_label" if name == "venue" else name
    kept = before.source_of(field) in (REVIEW, CURATOR)
    whose = {REVIEW: "the review file", CURATOR: "the curator's Venue: in Zotero"}.get(before.source_of(field), "Zotero")
    shown = f"{whose}'s" if kept or name == "title" else f"{source}'s"
    return _problem(before, f"{name}-disagrees",
                    f"{name}: {whose} says {ours!r}, {source} says {theirs!r}; the list shows {shown} "
                    f"unless the review file pins `{name}:`")


def _problem(record: Record, code: str, message: str) -> Problem:
    return Problem(record.key, message, "warning", code)
