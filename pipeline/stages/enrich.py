"""enrich: look the snapshot's items up on Crossref; every answer cached in data/raw/crossref (committed).

It reads the Zotero snapshot, works out which DOIs and searches the cache lacks (all of them with
`--refresh`; unreadable cache files are reported and fetched again), fetches those through
`pipeline.sources.crossref`, and writes one cache file per answer as it arrives, so an interrupted run
keeps what it fetched. It writes nothing else: merge turns the cache into records.

Items with a DOI are looked up by DOI, 50 per request. Items without one, if they are papers, get a
bibliographic search; a hit that passes `convert.crossref.verify` (the rule merge applies too) is also
cached as a work under its DOI. With `--offline`, or when Crossref is down, the run still finishes and
says in one line how many items could not be looked up; those keep their Zotero metadata.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from pipeline import curate
from pipeline.config import Settings
from pipeline.convert import crossref as cr
from pipeline.enrichment import NOT_PAPERS
from pipeline.model import Problem, Record
from pipeline.report import Reporter
from pipeline.stages import Options
from pipeline.stages.crossref_cache import QUERIES, WORKS, CrossrefCache


@dataclass
class Plan:
    """What the cache lacks: DOIs and search parameters to fetch, and the records that want them."""

    dois: list[str] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    searchers: dict[str, list[Record]] = field(default_factory=dict)   # query id -> records

    @property
    def items(self) -> int:
        return len(self.dois) + sum(len(v) for v in self.searchers.values())


@dataclass
class Summary:
    records: int = 0
    dois: int = 0
    queries: int = 0
    found: int = 0
    not_found: int = 0
    verified: int = 0
    failed: int = 0
    requests: int = 0
    problems: list[Problem] = field(default_factory=list)


def load_records(settings: Settings) -> tuple[list[Record], list[Problem]]:
    """The snapshot's list entries as Records (merge's reader), and the unreadable item files."""
    from pipeline.stages.merge import snapshot_records

    reporter = Reporter(0, io.StringIO())
    return snapshot_records(settings, reporter), reporter.problems


def plan(records: list[Record], cache: CrossrefCache, refresh: bool = False) -> tuple[Plan, list[Problem]]:
    """What to fetch for `records`, and a Problem per unreadable cache file (those are fetched again)."""
    todo, problems = Plan(), []
    wanted_dois: set[str] = set()

    def needed(where: str, kind: str, key, record: Record) -> bool:
        state = cache.state(kind, key)
        if state == "corrupt":
            path = cache.work_path(key) if kind == WORKS else cache.query_path(key)
            problems.append(Problem(record.key, f"unreadable Crossref cache file {cache.relative(path)}; "
                                    "fetching it again", "warning", "cache-corrupt"))
            return True
        return state != "cached" or refresh

    for record in records:
        if record.doi:
            if record.doi.lower() not in wanted_dois and needed(record.key, WORKS, record.doi, record):
                wanted_dois.add(record.doi.lower())
                todo.dois.append(record.doi)
            continue
        if record.item_type in NOT_PAPERS:
            continue
        params = cr.search_params(record)
        if params is None:
            continue
        qid = cr.query_id(params)
        if qid in todo.searchers:
            todo.searchers[qid].append(record)
        elif needed(record.key, QUERIES, params, record):
            todo.searchers[qid] = [record]
            todo.queries.append(params)
    return todo, problems


def run(settings: Settings, options: Options, reporter: Reporter, *, client=None) -> Summary:
    """Fetch what the cache lacks. `client` (a CrossrefClient) is for tests; by default one is made."""
    from pipeline.stages.merge import matched_reviews

    records, problems = load_records(settings)
    # DOIs the curator pinned in review files are looked up too (merge reports the review files).
    reviews = matched_reviews(settings, Reporter(0, io.StringIO()), records)
    records = [curate.pin_doi(r, reviews.get(r.key)) for r in records]
    cache = CrossrefCache.for_settings(settings)
    todo, corrupt = plan(records, cache, options.refresh)
    summary = Summary(records=len(records), dois=len(todo.dois), queries=len(todo.queries))
    for problem in problems + corrupt + cache.problems:
        reporter.problem(problem)
    summary.problems = problems + corrupt + list(cache.problems)
    if not todo.dois and not todo.queries:
        reporter.info(f"enrich: {len(records)} items, nothing to look up: the Crossref cache has them all")
        return summary
    wanted = f"{len(todo.dois)} DOIs and {len(todo.queries)} searches"
    if options.offline:
        reporter.info(f"enrich: --offline: {todo.items} items could not be looked up ({wanted} not in the "
                      "Crossref cache); they keep their Zotero metadata")
        return summary
    if options.dry_run:
        reporter.info(f"enrich: would look up {wanted} on Crossref ({settings.crossref_api_url})")
        return summary
    if not settings.crossref_mailto:
        reporter.detail("enrich: no CROSSREF_MAILTO: using Crossref's public pool (slower limits)")

    own_client = client is None
    if own_client:
        from pipeline.sources.crossref import CrossrefClient

        client = CrossrefClient(settings.crossref_api_url, settings.crossref_mailto)
    failed_items = 0
    reasons: set[str] = set()
    try:
        with reporter.progress("Crossref", total=len(todo.dois) + len(todo.queries)) as bar:
            for outcome in client.fetch_works(todo.dois):
                bar.advance()
                if outcome.kind == "failed":
                    summary.failed += 1
                    failed_items += 1
                    reasons.add(outcome.reason)
                elif outcome.kind == "not-found":
                    summary.not_found += 1
                    cache.write_work(outcome.key, None)
                else:
                    summary.found += 1
                    cache.write_work(outcome.key, outcome.value)
            for outcome in client.fetch_searches(todo.queries):
                bar.advance()
                searchers = todo.searchers[cr.query_id(outcome.key)]
                if outcome.kind == "failed":
                    summary.failed += 1
                    failed_items += len(searchers)
                    reasons.add(outcome.reason)
                    continue
                cache.write_search(outcome.key, outcome.value)
                verdict = cr.verify(searchers[0], outcome.value)
                if verdict.verified:
                    summary.verified += 1
                    cache.write_work(verdict.doi, verdict.work)
    finally:
        summary.requests = client.requests
        if own_client:
            client.close()

    line = (f"enrich: {summary.found} works and {summary.not_found} unknown DOIs of {summary.dois}; "
            f"{summary.queries} searches, {summary.verified} verified; {summary.requests} requests")
    reporter.info(line)
    if failed_items:
        why = client.down or "; ".join(sorted(reasons))[:200]
        reporter.info(f"enrich: {why}: {failed_items} items not looked up; they keep their Zotero metadata "
                      "and `make check` lists them")
    return summary
