"""enrich: look the snapshot's items up on every lookup source (machinery/registry.py), each answer cached in
data/raw/<source>/ (committed).

It reads the Zotero snapshot and asks each source what its cache lacks (all of it with `--refresh`;
unreadable cache files are reported and fetched again); fetches that through the source's client and
writes one cache file per answer as it arrives, so an interrupted run keeps what it fetched. The sources
ask at the same time, each in its own thread at its own pace, a source starting on a record as soon as
those it reads have settled it (machinery/overlap.py), and a DOI one source matches is asked of the
others at once (a DOI DBLP found is looked up on Crossref); what they print comes after, in the
registry's order. It writes nothing else: merge turns the caches into records.

Crossref: items with a DOI by DOI, 50 per request, papers without one by a bibliographic search whose
verified hit is cached as a work too. DBLP: the papers Crossref could not place. With `--offline`, or
when a source is down, the run still finishes and says in one line how many items could not be looked
up; those keep their Zotero metadata.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.config import Settings
from pipeline.machinery import files
from pipeline.machinery import inputs as inputs_
from pipeline.machinery.overlap import Overlap
from pipeline.machinery.registry import SOURCES
from pipeline.machinery.seam import Plan, Source, Tally
from pipeline.model import Problem, Record
from pipeline.report import Reporter
from pipeline.stages import Options


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
    openalex_works: int = 0        # DOIs OpenAlex knows, of those asked
    openalex_not_found: int = 0
    openalex_searches: int = 0
    openalex_verified: int = 0
    openalex_failed: int = 0
    problems: list[Problem] = field(default_factory=list)
    complete: bool = False   # nothing left to look up: every wanted answer is in the cache


def load_records(settings: Settings) -> tuple[list[Record], list[Problem]]:
    """The snapshot's list entries as Records, and the problems of reading them (the shared reader)."""
    problems: list[Problem] = []
    return inputs_.read_records(settings, problems), problems


def run(settings: Settings, options: Options, reporter: Reporter, *, client=None, dblp_client=None,
        clients: dict | None = None, inputs: inputs_.Inputs | None = None) -> Summary:
    """Fetch what the caches lack, every source at once, and what the sources' matches point to.
    `clients` (source name -> client; `client`/`dblp_client` for Crossref's and DBLP's) are for tests;
    by default each source makes its own. `inputs` is the run's one reading of the inputs (sync hands
    it on to merge)."""
    inputs = inputs if inputs is not None else inputs_.read(settings, sections=False)
    clients = {"crossref": client, "dblp": dblp_client} | (clients or {})
    # DOIs the curator pinned in review files are looked up too (merge reports the review files).
    records = [inputs.pinned(r) for r in inputs.records]
    summary = Summary(records=len(records))
    # The problems of reading the inputs are merge's to report; enrich adds what only it finds.
    summary.problems = list(inputs.problems)
    # The caches' files are written without an fsync each (machinery/cache.py): pushed to disk once.
    try:
        done = rounds(settings, options, reporter, inputs, records, summary, clients)
    except BaseException:
        if not (options.offline or options.dry_run):
            files.flush()
        raise
    if summary.requests:
        files.flush()
    summary.complete = done and summary.failed == 0
    return summary


def rounds(settings, options, reporter, inputs, records: list[Record], summary, clients: dict) -> bool:
    """Every source's first round, then what the sources' matches point to; True when nothing was
    left to look up."""
    if not (options.offline or options.dry_run):
        return overlapped(settings, options, reporter, inputs, records, summary, clients)
    done = True           # nothing is fetched: each source says what it would ask, in the registry's order
    for source in SOURCES:
        todo, corrupt = source.plan(records, inputs.lookups, options.refresh)
        for problem in corrupt:
            reporter.problem(problem)
        summary.problems += corrupt
        said = source.lines(settings, len(records), todo)
        if not todo.lookups:
            if said.nothing:
                reporter.info(said.nothing)
            continue
        reporter.info(said.offline if options.offline else said.dry_run)
        done = False
    return done


def said_done(source: Source, settings, reporter, records: int, todo: Plan, tally: Tally, client, summary) -> bool:
    """The source's closing lines (its failed lookups a notice kept in `summary`); True when none failed."""
    said = source.lines(settings, records, todo, tally)
    reporter.info(said.done)
    if tally.failed_items:
        # Failed lookups are a notice, not an error: the items keep what they had, and the next run asks again.
        why = getattr(client, "down", "") or "; ".join(sorted(tally.reasons))[:200]
        problem = Problem("enrich", said.failed.format(why=why).removeprefix("enrich: "), "notice", "lookup-failed")
        reporter.problem(problem)
        summary.problems.append(problem)
    return tally.failed == 0


def overlapped(settings, options, reporter, inputs, records: list[Record], summary, clients: dict) -> bool:
    """Every source's first round at once, each in its own thread (machinery/overlap.py); then each
    source's lines, in the registry's order. True when nothing is left to look up."""
    own = []

    def client_of(source: Source):
        client = clients.get(source.name)
        if client is None:
            client = source.client(settings, announce(reporter))
            own.append(client)
        return client

    def on_start(source: Source) -> None:
        said = source.lines(settings, len(records), Plan())
        if said.before:
            reporter.detail(said.before)

    try:
        with reporter.progress(", ".join(s.label for s in SOURCES), total=0) as bar:
            rounds = Overlap(SOURCES, records, inputs.lookups, options.refresh, client_of, bar, on_start).run()
    finally:
        for client in own:
            client.close()
    done = True
    for source in SOURCES:
        rnd = rounds[source.name]
        for problem in rnd.found_problems():
            reporter.problem(problem)
            summary.problems.append(problem)
        source.account(rnd.tally, rnd.todo, summary, True)
        if not rnd.todo.lookups:
            said = source.lines(settings, len(records), rnd.todo)
            if said.nothing:
                reporter.info(said.nothing)
            continue
        done = said_done(source, settings, reporter, len(records), rnd.todo, rnd.tally, rnd.client, summary) and done
    for source in SOURCES:       # what the sources' matches pointed to (a DOI DBLP found, asked of Crossref)
        rnd = rounds[source.name]
        if rnd.follow.lookups:
            source.account(rnd.follow_tally, rnd.follow, summary, False)
            said_done(source, settings, reporter, 0, rnd.follow, rnd.follow_tally, rnd.client, summary)
    return done


def announce(reporter: Reporter):
    """A long wait said in one line, so an unattended run never sits silent (issue 13.3)."""
    def on_wait(seconds: float, why: str) -> None:
        reporter.info(f"enrich: {why}; waiting {seconds:.0f} s")
    return on_wait
