"""The lookup sources' first rounds, overlapped: each source asks in a thread of its own, with its own
client and so its own pacing, rate limits, `Retry-After` and `Backoff` (one client per host), and starts
on a record as soon as the sources it reads (`Source.after`) have settled it or failed to.

A first sync is bound by politeness (issue 19): DBLP at one request a second is the slowest source, and
it is asked only about what the batched sources before it could not settle. Run one after another,
the sources' times add up; here DBLP starts on the first record Crossref could not place while Crossref
is still asking about the others, and OpenAlex works on what both have settled, so the run takes about
as long as its slowest source needs.

What each source asks and caches is decided per record, by its own planner, from the caches of the
sources it reads, which hold that record's answers by the time it is planned: the cache files written,
and so the outputs, do not depend on which thread ran first. A search several records share is asked
once; a DOI waits for a whole batch (`Source.batch`) unless nothing more can come.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Callable

from pipeline.machinery.seam import Plan, Source, Tally
from pipeline.model import Problem, Record


@dataclass
class Round:
    """One source's first round, over the whole run: everything it asked, what came of it."""

    source: Source
    todo: Plan = field(default_factory=Plan)
    tally: Tally = field(default_factory=Tally)
    problems: list[tuple[int, Problem]] = field(default_factory=list)   # (record's index, unreadable cache file)
    client: object = None           # made when the source first has something to ask
    error: BaseException | None = None

    def found_problems(self) -> list[Problem]:
        """The unreadable cache files, each once, in the records' order (not the threads')."""
        seen, out = set(), []
        for _, problem in sorted(self.problems, key=lambda p: p[0]):
            if problem.message not in seen:
                seen.add(problem.message)
                out.append(problem)
        return out


class Overlap:
    """The rounds of `sources` over `records`; `client_of(source)` makes a source's client, `progress`
    (a report.Progress) counts the lookups, `on_start(source)` runs before a source's first request."""

    def __init__(self, sources: tuple[Source, ...], records: list[Record], lookups, refresh: bool,
                 client_of: Callable[[Source], object], progress, on_start: Callable[[Source], None]):
        names = [s.name for s in sources]
        for i, source in enumerate(sources):
            later = [n for n in source.after if n not in names[:i]]
            if later:     # a source may read only those asked before it, or no thread would ever start it
                raise ValueError(f"source {source.name} reads {', '.join(later)}, which the registry lists after it")
        self.sources, self.records, self.lookups, self.refresh = sources, records, lookups, refresh
        self.client_of, self.progress, self.on_start = client_of, progress, on_start
        self.rounds = {s.name: Round(s) for s in sources}
        self.inbox = {s.name: queue.SimpleQueue() for s in sources}
        self.downstream = {s.name: [t for t in sources if s.name in t.after] for s in sources}
        self.upstream_open = {s.name: len(s.after) for s in sources}
        self.settled_by = {s.name: [0] * len(records) for s in sources}   # how many of its `after` settled a record
        self.planned = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    # --- the run --------------------------------------------------------------------------------

    def run(self) -> dict[str, Round]:
        everyone = list(range(len(self.records)))
        for source in self.sources:
            if not source.after:
                self.inbox[source.name].put(everyone)
                self.inbox[source.name].put(None)        # nothing more will come
        threads = [threading.Thread(target=self._work, args=(s,), name=f"enrich-{s.name}", daemon=True)
                   for s in self.sources]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.2)     # a short join, so Ctrl-C reaches this thread
        except BaseException:
            self.stop()
            raise
        for rnd in self.rounds.values():
            if rnd.error is not None:
                raise rnd.error
        return self.rounds

    def stop(self) -> None:
        """Ask no more: every client's next request fails at once."""
        self.stopped.set()
        for rnd in self.rounds.values():
            transport = getattr(rnd.client, "transport", None)
            if transport is not None:
                transport.given_up = "interrupted"

    # --- one source's thread --------------------------------------------------------------------

    def _work(self, source: Source) -> None:
        rnd = self.rounds[source.name]
        waiting: dict[tuple, list[int]] = {}     # a lookup asked, not answered yet -> the records waiting on it
        answered: set[tuple] = set()
        left: dict[int, int] = {}                # record -> lookups it still waits on
        dois: list[str] = []                     # planned, not asked yet (they wait for a whole batch)
        searches: list[dict] = []
        closed = False
        try:
            while not (closed and not dois and not searches) and not self.stopped.is_set():
                arrived, closed = self._take(source.name, closed)
                free = []
                for i in arrived:
                    keys = self._plan(source, rnd, i, waiting, answered, dois, searches)
                    if keys:
                        left[i] = len(keys)
                    else:
                        free.append(i)
                self._settle(source, free)
                # Whole batches only, until nothing more can come: a DOI a request can carry with 49
                # others is not worth a request of its own.
                whole = len(dois) if closed else len(dois) - len(dois) % source.batch
                ask = Plan(dois=dois[:whole], queries=searches, searchers=rnd.todo.searchers)
                if not ask.lookups:
                    continue
                if rnd.client is None:
                    self.on_start(source)
                    rnd.client = self.client_of(source)
                    rnd.tally.requests = -rnd.client.requests
                dois, searches = dois[whole:], []
                for outcome in source.fetch(rnd.client, ask):
                    self.progress.advance()
                    if outcome.kind == "failed":
                        rnd.tally.failed += 1
                        rnd.tally.failed_items += source.failed_items(outcome, rnd.todo)
                        rnd.tally.reasons.add(outcome.reason)
                    else:
                        source.store(outcome, rnd.todo, self.lookups, rnd.tally)
                    key = self._key(source, outcome.key)
                    answered.add(key)
                    done = []
                    for i in waiting.pop(key, ()):
                        left[i] -= 1
                        if not left[i]:
                            done.append(i)
                    self._settle(source, done)
        except BaseException as exc:      # said by the main thread; the sources after this one still finish
            rnd.error = exc
        finally:
            if rnd.client is not None:
                rnd.tally.requests += rnd.client.requests
            self._close(source)

    def _take(self, name: str, closed: bool) -> tuple[list[int], bool]:
        """The records that arrived (waiting for the first), and whether nothing more will come."""
        arrived: list[int] = []
        inbox = self.inbox[name]
        item = inbox.get()
        while True:
            if item is None:
                closed = True
            else:
                arrived += item
            try:
                item = inbox.get_nowait()
            except queue.Empty:
                return arrived, closed

    def _plan(self, source: Source, rnd: Round, i: int, waiting, answered, dois, searches) -> list[tuple]:
        """Plan record `i` on `source`; the lookups it waits on (none: the source has settled it)."""
        record = self.records[i]
        todo, problems = source.plan([record], self.lookups, self.refresh)
        rnd.problems += [(i, p) for p in problems]
        keys = []
        new = 0
        for doi in todo.dois:
            key = ("doi", doi.lower())
            if key in answered:
                continue
            if key not in waiting:
                waiting[key] = []
                dois.append(doi)
                rnd.todo.dois.append(doi)
                new += 1
            waiting[key].append(i)
            keys.append(key)
        for params in todo.queries:
            key = self._key(source, params)
            qid = key[1]
            rnd.todo.searchers.setdefault(qid, []).append(record)
            if key in answered:
                continue
            if key not in waiting:
                waiting[key] = []
                searches.append(params)
                rnd.todo.queries.append(params)
                new += 1
            waiting[key].append(i)
            keys.append(key)
        if new:
            with self.lock:
                self.planned += new
                self.progress.total(self.planned)
        return keys

    @staticmethod
    def _key(source: Source, key) -> tuple:
        return ("doi", key.lower()) if isinstance(key, str) else ("query", source.query_id(key))

    def _settle(self, source: Source, indices: list[int]) -> None:
        """`source` has settled these records (or failed to): hand each on to the sources that read it,
        once all the sources they read have."""
        if not indices:
            return
        with self.lock:
            for later in self.downstream[source.name]:
                counts, ready = self.settled_by[later.name], []
                for i in indices:
                    counts[i] += 1
                    if counts[i] == len(later.after):
                        ready.append(i)
                if ready:
                    self.inbox[later.name].put(ready)

    def _close(self, source: Source) -> None:
        with self.lock:
            for later in self.downstream[source.name]:
                self.upstream_open[later.name] -= 1
                if not self.upstream_open[later.name]:
                    self.inbox[later.name].put(None)
