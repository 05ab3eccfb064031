"""The source seam: what every lookup source (Crossref, DBLP, ...) implements, so that enrich, the shared
reader, merge and sync's fingerprint handle them all alike. The sources themselves are listed in
`machinery/registry.py`; adding one means a client (pipeline/sources/), a converter (pipeline/convert/), a
module implementing `Source` beside its cache, a registry entry and its settings.

A source says:
- what to ask for the records (`plan`: DOIs and searches its cache lacks, and the unreadable cache files);
- how to ask it (`client`, then `fetch`: batched, through the shared HTTP policy of sources/http.py, one
  `Outcome` per DOI or search);
- how an answer is kept (`store`, on its `machinery.cache.JsonCache` under data/raw/<name>/);
- which sources' answers its planner reads (`after`): enrich (machinery/overlap.py) starts it on a
  record as soon as those have settled it, each source asking in a thread of its own;
- how its cached answers become a record's fields (`rule`, a pure function of `pipeline.rules.enrichment`
  shape: it decides by the precedence the source names) for merge;
- how it speaks in the run's log (`lines`), and which settings shape what it answers (`settings`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Protocol

from pipeline.config import Settings
from pipeline.model import Problem, Record
from pipeline.rules import enrichment

if TYPE_CHECKING:     # a build, or a sync with nothing to do, never imports the HTTP machinery
    from pipeline.sources.http import Outcome


@dataclass
class Plan:
    """What a source's cache lacks: DOIs and search parameters to fetch, and the records that want them."""

    dois: list[str] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    searchers: dict[str, list[Record]] = field(default_factory=dict)   # query id -> records

    @property
    def items(self) -> int:
        return len(self.dois) + sum(len(v) for v in self.searchers.values())

    @property
    def lookups(self) -> int:
        return len(self.dois) + len(self.queries)


@dataclass
class Tally:
    """What one round of a source found."""

    found: int = 0
    not_found: int = 0
    verified: int = 0
    failed: int = 0          # lookups that failed
    failed_items: int = 0    # records those lookups were for
    requests: int = 0
    reasons: set[str] = field(default_factory=set)


class Source(Protocol):
    name: str                      # "crossref": its cache in data/raw/<name>/, its key in inputs.Lookups
    label: str                     # "Crossref": how progress and messages name it
    settings: tuple[str, ...]      # the Settings fields that shape what it answers (sync's fingerprint)
    rule: Callable                 # enrichment-shaped: (record, lookup, table, fetch, problems) -> (record, fields)
    after: tuple[str, ...]         # the sources whose answers its planner reads (listed before it in the registry)
    batch: int                     # DOIs one request carries: planned DOIs wait for that many, or for the end
    query_id: Callable[[dict], str]   # how it names a search (its cache file's name): one search is asked once

    def folder(self, settings: Settings) -> Path:
        """Its cache folder (data/raw/<name>)."""

    def cache(self, settings: Settings):
        """Its cache, a `machinery.cache.JsonCache`."""

    def plan(self, records: list[Record], lookups, refresh: bool) -> tuple[Plan, list[Problem]]:
        """What to fetch for `records`, run after the sources before it in the registry."""

    def follow_up(self, records: list[Record], lookups, found: set[str]) -> Plan | None:
        """What to fetch for the DOIs the other sources matched for `records` (`found`), asked as soon as
        they are matched."""

    def found_dois(self, records: list[Record], lookups) -> set[str]:
        """DOIs this source matched for records that had none (for the others' `follow_up`)."""

    def client(self, settings: Settings, on_wait: Callable[[float, str], None]):
        """A client with `requests` (a count), `down` (why it gave up, or "") and `close()`."""

    def fetch(self, client, plan: Plan) -> Iterator[Outcome]:
        """An Outcome per DOI and search of `plan`."""

    def failed_items(self, outcome: Outcome, plan: Plan) -> int:
        """How many records a failed lookup leaves unlooked-up."""

    def store(self, outcome: Outcome, plan: Plan, lookups, tally: Tally) -> None:
        """Cache a `found` or `not-found` answer, and count it."""

    def account(self, tally: Tally, plan: Plan, summary, first: bool) -> None:
        """Add the round's counts to enrich's Summary (`first`: the round, not a follow-up)."""

    def lines(self, settings: Settings, records: int, plan: Plan, tally: Tally | None):
        """The run's messages about this source (see `Lines`)."""


@dataclass(frozen=True)
class Lines:
    """What enrich says about a source's round; "" says nothing."""

    nothing: str = ""        # nothing to look up
    offline: str = ""        # --offline, with things to look up
    dry_run: str = ""        # --dry-run
    before: str = ""         # a detail before asking (e.g. no contact address)
    done: str = ""           # after the round
    failed: str = ""         # after a round with failures: "{why}" is the client's reason


def settled(record: Record, lookups, until: Callable) -> Record:
    """The record as merge hands it to the rule `until`: after the rules of the sources before it in the
    registry, from their caches (their problems are merge's to report). A source's planner asks about
    this record, so it asks only what the sources before it could not settle."""
    table = enrichment.table_of(lookups)

    def fetch(getter, arg, source=""):
        try:
            return getter(arg)
        except enrichment.CorruptCacheEntry:
            return None

    for rule in getattr(lookups, "rules", enrichment.RULES):
        if rule is until:
            break
        record, _ = rule(record, lookups, table, fetch, [])
    return record


def needs(cache, label: str, refresh: bool, problems: list[Problem]) -> Callable[[str, object, Record], bool]:
    """needed(kind, key, record): whether a planner fetches `key` (a DOI in works/, a search's parameters
    in queries/): not cached, or `--refresh`; an unreadable cache file is reported and fetched again."""
    def needed(kind: str, key, record: Record) -> bool:
        state = cache.state(kind, key)
        if state == "corrupt":
            path = cache.work_path(key) if kind == "works" else cache.query_path(key)
            problems.append(Problem(record.key, f"unreadable {label} cache file {cache.relative(path)}; "
                                    "fetching it again", "warning", "cache-corrupt"))
            return True
        return state != "cached" or refresh
    return needed


def add_search(todo: Plan, record: Record, params: dict, qid: str, needed) -> None:
    """Plan the search `params` (named `qid`) for `record`: once, however many records share it."""
    if qid in todo.searchers:
        todo.searchers[qid].append(record)
    elif needed("queries", params, record):
        todo.searchers[qid] = [record]
        todo.queries.append(params)


class WorksAndSearches:
    """What a source asked by DOI (in batches) and by searches shares: its round fetches the DOIs first,
    then the searches, and a failed search leaves every record that shares it unlooked-up."""

    query_id: Callable[[dict], str]      # how the source names a search (its cache file's name)

    def fetch(self, client, todo: Plan) -> Iterator[Outcome]:
        yield from client.fetch_works(todo.dois)
        yield from client.fetch_searches(todo.queries)

    def failed_items(self, outcome: Outcome, todo: Plan) -> int:
        return 1 if isinstance(outcome.key, str) else len(todo.searchers[self.query_id(outcome.key)])
