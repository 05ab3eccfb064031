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

from dataclasses import dataclass, field

from pipeline import enrichment, match
from pipeline.config import Settings
from pipeline.convert import crossref as cr
from pipeline.convert import dblp
from pipeline.enrichment import NOT_PAPERS
from pipeline.model import ENRICH_NOT_FOUND, Problem, Record
from pipeline.report import Reporter
from pipeline.stages import Options
from pipeline.stages import inputs as inputs_
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
    dblp_searches: int = 0
    dblp_failed: int = 0
    problems: list[Problem] = field(default_factory=list)
    complete: bool = False   # nothing left to look up: every wanted answer is in the cache


def load_records(settings: Settings) -> tuple[list[Record], list[Problem]]:
    """The snapshot's list entries as Records, and the problems of reading them (the shared reader)."""
    problems: list[Problem] = []
    return inputs_.read_records(settings, problems), problems


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


def plan_dblp(records: list[Record], lookups, refresh: bool = False) -> tuple[list[dict], list[Problem]]:
    """The DBLP searches the cache lacks, for the records `enrichment.wants_dblp` names. Run after the
    Crossref round: a DOI Crossref has just said it does not know is one DBLP is asked about."""
    wanted: dict[str, dict] = {}
    problems = []
    for record in records:
        if record.doi:
            try:
                entry = lookups.work(record.doi)
            except enrichment.CorruptCacheEntry:
                entry = None
            if cr.is_not_found(entry):
                record = record.evolve(enrichment=ENRICH_NOT_FOUND)
        if not enrichment.wants_dblp(record) or (record.item_type in NOT_PAPERS and record.doi):
            continue
        params = dblp.search_params(record)
        if params is None:
            continue
        qid = dblp.query_id(params)
        if qid in wanted:
            continue
        state = lookups.dblp_cache.state(params)
        if state == "corrupt":
            problems.append(Problem(record.key, f"unreadable DBLP cache file "
                                    f"{lookups.dblp_cache.relative(lookups.dblp_cache.query_path(params))}; "
                                    "fetching it again", "warning", "cache-corrupt"))
        if state != "cached" or refresh:
            wanted[qid] = params
    return list(wanted.values()), problems


def found_dois(records: list[Record], lookups) -> list[str]:
    """DOIs of works DBLP matched (not arXiv's) that the Crossref cache does not hold yet."""
    out = set()
    for record in records:
        if record.doi:
            continue
        params = dblp.search_params(record)
        try:
            hits = lookups.dblp(params) if params else None
        except enrichment.CorruptCacheEntry:
            hits = None
        if not hits:
            continue
        verdict = enrichment.judged(lookups, "dblp", params, record,
                                    lambda: match.verify(record, dblp.candidates(hits)))
        doi = verdict.candidate.doi if verdict.verified and verdict.candidate else ""
        if doi and not doi.lower().startswith("10.48550/") and lookups.crossref.state(WORKS, doi) != "cached":
            out.add(doi)
    return sorted(out)


def run(settings: Settings, options: Options, reporter: Reporter, *, client=None, dblp_client=None,
        inputs: inputs_.Inputs | None = None) -> Summary:
    """Fetch what the caches lack: Crossref first (DOIs, then searches), then DBLP for what Crossref
    cannot place, then Crossref again for DOIs DBLP found. `client`/`dblp_client` are for tests; by
    default they are made. `inputs` is the run's one reading of the inputs (sync hands it on to merge)."""
    inputs = inputs if inputs is not None else inputs_.read(settings, sections=False)
    # DOIs the curator pinned in review files are looked up too (merge reports the review files).
    records = [inputs.pinned(r) for r in inputs.records]
    summary = Summary(records=len(records))
    # The problems of reading the inputs are merge's to report; enrich adds what only it finds.
    summary.problems = list(inputs.problems)
    crossref_done = crossref_round(settings, options, reporter, inputs, records, summary, client)
    dblp_done = dblp_round(settings, options, reporter, inputs, records, summary, dblp_client)
    more = found_dois(records, inputs.lookups) if not (options.offline or options.dry_run) else []
    if more:
        extra = Summary()
        crossref_round(settings, options, reporter, inputs, [], extra, client, dois=more)
        summary.found += extra.found
        summary.failed += extra.failed
    summary.complete = crossref_done and dblp_done and summary.failed == 0
    return summary


def crossref_round(settings, options, reporter, inputs, records, summary, client, dois=None) -> bool:
    """One Crossref round; True when nothing is left to look up on Crossref."""
    cache = inputs.crossref
    if dois is None:
        todo, corrupt = plan(records, cache, options.refresh)
        for problem in corrupt:
            reporter.problem(problem)
        summary.problems += corrupt
    else:
        todo = Plan(dois=list(dois))
    summary.dois, summary.queries = summary.dois + len(todo.dois), summary.queries + len(todo.queries)
    if not todo.dois and not todo.queries:
        reporter.info(f"enrich: {len(records)} items, nothing to look up: the Crossref cache has them all")
        return True
    wanted = f"{len(todo.dois)} DOIs and {len(todo.queries)} searches"
    if options.offline:
        reporter.info(f"enrich: --offline: {todo.items} items could not be looked up ({wanted} not in the "
                      "Crossref cache); they keep their Zotero metadata")
        return False
    if options.dry_run:
        reporter.info(f"enrich: would look up {wanted} on Crossref ({settings.crossref_api_url})")
        return False
    if not settings.crossref_mailto:
        reporter.detail("enrich: no CROSSREF_MAILTO: using Crossref's public pool (slower limits)")

    own_client = client is None
    if own_client:
        from pipeline.sources.crossref import CrossrefClient

        client = CrossrefClient(settings.crossref_api_url, settings.crossref_mailto, on_wait=announce(reporter))
    failed_items, failed = 0, 0
    reasons: set[str] = set()
    found = not_found = verified = 0
    before = client.requests
    try:
        with reporter.progress("Crossref", total=len(todo.dois) + len(todo.queries)) as bar:
            for outcome in client.fetch_works(todo.dois):
                bar.advance()
                if outcome.kind == "failed":
                    failed += 1
                    failed_items += 1
                    reasons.add(outcome.reason)
                elif outcome.kind == "not-found":
                    not_found += 1
                    cache.write_work(outcome.key, None)
                else:
                    found += 1
                    cache.write_work(outcome.key, outcome.value)
            for outcome in client.fetch_searches(todo.queries):
                bar.advance()
                searchers = todo.searchers[cr.query_id(outcome.key)]
                if outcome.kind == "failed":
                    failed += 1
                    failed_items += len(searchers)
                    reasons.add(outcome.reason)
                    continue
                cache.write_search(outcome.key, outcome.value)
                verdict = enrichment.judged(inputs.lookups, "crossref", outcome.key, searchers[0],
                                            lambda: cr.verify(searchers[0], outcome.value))
                if verdict.verified:
                    verified += 1
                    cache.write_work(verdict.doi, verdict.work)
    finally:
        summary.requests += client.requests - before
        if own_client:
            client.close()
    summary.found += found
    summary.not_found += not_found
    summary.verified += verified
    summary.failed += failed
    reporter.info(f"enrich: {found} works and {not_found} unknown DOIs of {len(todo.dois)}; "
                  f"{len(todo.queries)} searches, {verified} verified; {client.requests - before} requests")
    if failed_items:
        why = client.down or "; ".join(sorted(reasons))[:200]
        reporter.info(f"enrich: {why}: {failed_items} items not looked up; they keep their Zotero metadata "
                      "and `make check` lists them")
    return failed == 0


def dblp_round(settings, options, reporter, inputs, records, summary, client) -> bool:
    """The DBLP searches the cache lacks; True when nothing is left to ask DBLP."""
    queries, corrupt = plan_dblp(records, inputs.lookups, options.refresh)
    for problem in corrupt:
        reporter.problem(problem)
    summary.problems += corrupt
    if not queries:
        return True
    if options.offline:
        reporter.info(f"enrich: --offline: {len(queries)} DBLP searches not in the DBLP cache")
        return False
    if options.dry_run:
        reporter.info(f"enrich: would search DBLP {len(queries)} times ({settings.dblp_api_url}, one a second)")
        return False
    own_client = client is None
    if own_client:
        from pipeline.sources.dblp import DblpClient

        client = DblpClient(settings.dblp_api_url, on_wait=announce(reporter))
    cache = inputs.dblp
    found = failed = 0
    reasons: set[str] = set()
    before = client.requests
    try:
        with reporter.progress("DBLP", total=len(queries)) as bar:
            for outcome in client.fetch_searches(queries):
                bar.advance()
                if outcome.kind == "failed":
                    failed += 1
                    reasons.add(outcome.reason)
                else:
                    found += 1
                    cache.write_search(outcome.key, outcome.value)
    finally:
        requests = client.requests - before
        summary.requests += requests
        if own_client:
            client.close()
    summary.dblp_searches += found
    summary.dblp_failed += failed
    summary.failed += failed
    reporter.info(f"enrich: DBLP: {found} of {len(queries)} searches answered; {requests} requests")
    if failed:
        why = client.down or "; ".join(sorted(reasons))[:200]
        reporter.info(f"enrich: {why}: {failed} DBLP searches not made; `make check` lists the items")
    return failed == 0


def announce(reporter: Reporter):
    """A long wait said in one line, so an unattended run never sits silent (issue 13.3)."""
    def on_wait(seconds: float, why: str) -> None:
        reporter.info(f"enrich: {why}; waiting {seconds:.0f} s")
    return on_wait
