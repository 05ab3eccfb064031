"""The lookup sources' first rounds, overlapped: each source asks with a client of its own, so with its
own pacing, rate limits, `Retry-After` and `Backoff` (one client per host), and starts on a record as
soon as the sources it reads (`Source.after`) have settled it or failed to.

A first sync is bound by politeness (issue 19): DBLP at one request a second is the slowest source, and
it is asked only about what the batched sources before it could not settle. Run one after another, the
sources' times add up; here DBLP starts on the first record Crossref could not place while Crossref is
still asking about the others, and OpenAlex works on what both have settled, so the run takes about as
long as its slowest source needs.

Each source has two threads: a planner, which asks the source's own planner about each record handed
on to it (from the caches of the sources it reads, which hold that record's answers by then), and a
fetcher, which asks the source what was planned. Planning 10,000 records is work of its own, and a
paced source's fetcher must not wait for it between two requests. The fetcher asks in small chunks
(CHUNK batches of DOIs, then SEARCHES searches), so answers reach the sources after it early, and it
holds back a DOI until a whole batch (`Source.batch`) can go, unless nothing more can come.

A DOI a source finds for a paper that had none (DBLP's) is asked of the others (`Source.follow_up`) as
soon as it is found, in batches of its own, while the slow source is still asking about the rest.

What a source caches is decided per record from answers that do not depend on timing: the cache files
written, and so the outputs, are the same whichever thread runs first. A search several records share
is asked once.
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Callable

from pipeline.machinery.seam import Plan, Source, Tally
from pipeline.model import Problem, Record

CHUNK = 4          # DOI batches a fetcher asks for at once: a source after it hears of them early
SEARCHES = 16      # searches likewise (a paced source's client asks them one after another anyway)


@dataclass
class Round:
    """One source's first round, over the whole run: everything it asked, what came of it."""

    source: Source
    todo: Plan = field(default_factory=Plan)
    tally: Tally = field(default_factory=Tally)
    problems: list[tuple[int, Problem]] = field(default_factory=list)   # (record's index, unreadable cache file)
    client: object = None           # made when the source first has something to ask
    error: BaseException | None = None
    follow: Plan = field(default_factory=Plan)      # what it was asked for the DOIs other sources found
    follow_tally: Tally = field(default_factory=Tally)
    first_done: bool = False        # its first round is answered: the sources after it have every record

    def found_problems(self) -> list[Problem]:
        """The unreadable cache files, each once, in the records' order (not the threads')."""
        seen, out = set(), []
        for _, problem in sorted(self.problems, key=lambda p: p[0]):
            if problem.message not in seen:
                seen.add(problem.message)
                out.append(problem)
        return out


class _Lane:
    """What a source's planner hands its fetcher, under one lock."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.waiting: dict[tuple, list[int]] = {}   # a lookup planned, not answered -> the records waiting on it
        self.answered: set[tuple] = set()
        self.left: dict[int, int] = {}              # record -> how many lookups it still waits on
        self.dois: list[str] = []                   # planned, not asked yet
        self.searches: list[dict] = []
        self.planned_all = False                    # the planner is done: no more lookups will come
        self.follow_dois: list[str] = []            # DOIs other sources found, not asked yet
        self.follow: set[tuple] = set()             # the keys of those, asked or not


class Overlap:
    """The rounds of `sources` over `records`; `client_of(source)` makes a source's client, `progress`
    (a report.Progress) counts the lookups, `on_start(source)` runs before a source's first request."""

    def __init__(self, sources: tuple[Source, ...], records: list[Record], lookups, refresh: bool,
                 client_of: Callable[[Source], object], progress, on_start: Callable[[Source], None]):
        names = [s.name for s in sources]
        for i, source in enumerate(sources):
            later = [n for n in source.after if n not in names[:i]]
            if later:     # a source may read only those asked before it, or nothing would ever start it
                raise ValueError(f"source {source.name} reads {', '.join(later)}, which the registry lists after it")
        self.sources, self.records, self.lookups, self.refresh = sources, records, lookups, refresh
        self.client_of, self.progress, self.on_start = client_of, progress, on_start
        self.rounds = {s.name: Round(s) for s in sources}
        self.lanes = {s.name: _Lane() for s in sources}
        self.inbox = {s.name: queue.SimpleQueue() for s in sources}
        self.downstream = {s.name: [t for t in sources if s.name in t.after] for s in sources}
        self.upstream_open = {s.name: len(s.after) for s in sources}
        self.settled_by = {s.name: [0] * len(records) for s in sources}   # how many of its `after` settled a record
        self.planned = 0
        self.first_open = len(sources)      # sources whose first round is not answered yet
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    # --- the run --------------------------------------------------------------------------------

    def run(self) -> dict[str, Round]:
        everyone = list(range(len(self.records)))
        for source in self.sources:
            if not source.after:
                self.inbox[source.name].put(everyone)
                self.inbox[source.name].put(None)        # nothing more will come
        threads = []
        for source in self.sources:
            planner = threading.Thread(target=self._plan_all, args=(source,), name=f"plan-{source.name}", daemon=True)
            fetcher = threading.Thread(target=self._fetch_all, args=(source, planner), name=f"ask-{source.name}",
                                       daemon=True)
            threads += [planner, fetcher]
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
        """Ask no more: every thread ends, and a client's request in flight fails at once."""
        self.stopped.set()
        for name, rnd in self.rounds.items():
            transport = getattr(rnd.client, "transport", None)
            if transport is not None:
                transport.given_up = "interrupted"
            self.inbox[name].put(None)
            with self.lanes[name].cond:
                self.lanes[name].cond.notify_all()

    # --- a source's planner ---------------------------------------------------------------------

    def _plan_all(self, source: Source) -> None:
        rnd, lane = self.rounds[source.name], self.lanes[source.name]
        closed = False
        try:
            while not closed and not self.stopped.is_set():
                arrived, closed = self._take(source.name)
                free = []
                for n, i in enumerate(arrived):
                    if self.stopped.is_set():
                        break
                    if not self._plan(source, rnd, lane, i, notify=n % 64 == 63):
                        free.append(i)
                with lane.cond:
                    lane.cond.notify_all()
                self._settle(source, free)
                self._follow(source, free)
        except BaseException as exc:
            rnd.error = rnd.error or exc
            self.stop()
        finally:
            with lane.cond:
                lane.planned_all = True
                lane.cond.notify_all()

    def _take(self, name: str) -> tuple[list[int], bool]:
        """The records that arrived (waiting for the first), and whether nothing more will come."""
        arrived: list[int] = []
        inbox, closed = self.inbox[name], False
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

    def _plan(self, source: Source, rnd: Round, lane: _Lane, i: int, notify: bool) -> bool:
        """Plan record `i` on `source`; True when it waits on a lookup (False: the source has settled it)."""
        record = self.records[i]
        todo, problems = source.plan([record], self.lookups, self.refresh)
        rnd.problems += [(i, p) for p in problems]
        if not todo.lookups:
            return False
        new = waits = 0
        with lane.cond:
            for key, lookup in [(("doi", d.lower()), d) for d in todo.dois] + \
                               [(self._key(source, q), q) for q in todo.queries]:
                if key[0] == "query":
                    rnd.todo.searchers.setdefault(key[1], []).append(record)
                if key in lane.answered:
                    continue
                if key not in lane.waiting:
                    lane.waiting[key] = []
                    new += 1
                    if key[0] == "doi":
                        lane.dois.append(lookup)
                        rnd.todo.dois.append(lookup)
                    else:
                        lane.searches.append(lookup)
                        rnd.todo.queries.append(lookup)
                lane.waiting[key].append(i)
                waits += 1
            if waits:
                lane.left[i] = waits
            if notify and new:
                lane.cond.notify_all()
        if new:
            with self.lock:
                self.planned += new
                self.progress.total(self.planned)
        return waits > 0

    @staticmethod
    def _key(source: Source, key) -> tuple:
        return ("doi", key.lower()) if isinstance(key, str) else ("query", source.query_id(key))

    # --- a source's fetcher ---------------------------------------------------------------------

    def _fetch_all(self, source: Source, planner: threading.Thread) -> None:
        rnd, lane = self.rounds[source.name], self.lanes[source.name]
        try:
            while True:
                ask, follow = self._next(source, rnd, lane)
                if ask is None:
                    if follow:           # the first round is answered: hand the records' end on
                        self._first_done(source, rnd)
                        continue
                    break
                if rnd.client is None:
                    self.on_start(source)
                    rnd.client = self.client_of(source)
                tally = rnd.follow_tally if follow else rnd.tally
                before = rnd.client.requests
                try:
                    for outcome in source.fetch(rnd.client, ask):
                        self._answered(source, rnd, lane, outcome)
                finally:
                    tally.requests += rnd.client.requests - before
        except BaseException as exc:      # raised by run(), once every thread has ended
            rnd.error = rnd.error or exc
            self.stop()
        finally:
            planner.join()
            if not rnd.first_done:
                self._first_done(source, rnd)

    def _next(self, source: Source, rnd: Round, lane: _Lane) -> tuple[Plan | None, bool]:
        """The next chunk to ask and whether it is a follow-up, waiting until there is one; (None, True)
        when the first round has just been answered, (None, False) when all is asked."""
        with lane.cond:
            while not self.stopped.is_set():
                # Whole batches only, until nothing more can come: a DOI a request could carry with
                # others is not worth a request of its own.
                whole = len(lane.dois) if lane.planned_all else len(lane.dois) - len(lane.dois) % source.batch
                n = min(whole, source.batch * CHUNK)
                ask = Plan(dois=lane.dois[:n], queries=lane.searches[:SEARCHES])
                if ask.lookups:
                    del lane.dois[:n], lane.searches[:SEARCHES]
                    return ask, False
                if lane.planned_all and not rnd.first_done:
                    return None, True
                final = rnd.first_done and not self.first_open     # no source can find another DOI
                follow = lane.follow_dois
                n = min(len(follow) if final else len(follow) - len(follow) % source.batch, source.batch * CHUNK)
                if n:
                    ask = Plan(dois=follow[:n])
                    del follow[:n]
                    return ask, True
                if final:
                    return None, False
                lane.cond.wait()
        return None, False

    def _first_done(self, source: Source, rnd: Round) -> None:
        rnd.first_done = True
        self._close(source)
        with self.lock:
            self.first_open -= 1
        for lane in self.lanes.values():      # a fetcher waiting for the others' first rounds may end
            with lane.cond:
                lane.cond.notify_all()

    def _follow(self, source: Source, indices: list[int]) -> None:
        """The DOIs `source` found for these records, asked of the sources that follow them up."""
        if not indices:
            return
        settled = [self.records[i] for i in indices]
        found = source.found_dois(settled, self.lookups)
        if not found:
            return
        for other in self.sources:
            todo = other.follow_up(settled, self.lookups, found)
            if todo is None:
                continue
            rnd, lane = self.rounds[other.name], self.lanes[other.name]
            with lane.cond:
                for doi in todo.dois:
                    key = ("doi", doi.lower())
                    if key in lane.answered or key in lane.waiting:
                        continue
                    lane.waiting[key] = []
                    lane.follow.add(key)
                    lane.follow_dois.append(doi)
                    rnd.follow.dois.append(doi)
                lane.cond.notify_all()

    def _answered(self, source: Source, rnd: Round, lane: _Lane, outcome) -> None:
        self.progress.advance()
        key = self._key(source, outcome.key)
        todo, tally = (rnd.follow, rnd.follow_tally) if key in lane.follow else (rnd.todo, rnd.tally)
        if outcome.kind == "failed":
            tally.failed += 1
            tally.failed_items += source.failed_items(outcome, todo)
            tally.reasons.add(outcome.reason)
        else:
            source.store(outcome, todo, self.lookups, tally)
        done = []
        with lane.cond:
            lane.answered.add(key)
            for i in lane.waiting.pop(key, ()):
                lane.left[i] -= 1
                if not lane.left[i]:
                    del lane.left[i]
                    done.append(i)
        self._settle(source, done)
        self._follow(source, done)

    # --- handing records on ---------------------------------------------------------------------

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
