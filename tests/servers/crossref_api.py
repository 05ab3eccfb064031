"""A Crossref REST API server on 127.0.0.1, for the tests and the benchmark.

Real HTTP from a background thread, so our client, habanero and curl all talk to it as they would to
api.crossref.org (protocols.md sections 3 and 5):

- `GET /works/{doi}` with the DOI raw or percent-encoded, matched case-insensitively; an unknown DOI
  gets 404 `text/plain` "Resource not found."; field queries on this route get the 400
  validation-failure envelope.
- `GET /works?filter=doi:A,doi:B,...&rows=N` (repeated `doi:` means OR; `rows` defaults to 20, above
  1000 is a 400), `query.bibliographic` / `query` searches with a relevance `score`, and exact replays
  of recorded list queries (`add_search`, and every list query in the cassettes).
- It sends `x-rate-limit-limit`, `x-rate-limit-interval`, `x-concurrency-limit` and `x-api-pool`
  (`polite` when the request carries `mailto=` or `mailto:` in its User-Agent, else `public`), and
  enforces them: a request over the rate (a sliding window per pool and route kind) or over the
  concurrency limit gets a 429.
- It counts: `requests`, `by_kind`, `throttled`, `max_in_flight` (the most requests it was serving at
  once, rejected ones included) and a `log` of (path, query, status).
- Faults on demand: `fail_next(n, status)` and `failing = 503` (every request), `slow_next(n, seconds)`
  and `slow = seconds` (every request), `malformed_next(n, body)` (a 200 of the wrong shape, by
  default `{"message": "nope"}`).
- Answers are gzip-encoded when the client accepts it, as Crossref's are.

Fed from `works` (generated, see tests/crossref_fixtures.py) and, with `CrossrefServer.recorded()`,
from the cassettes in ../shared/fixtures/crossref.
"""
from __future__ import annotations

import gzip
import heapq
import json
import math
import re
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Iterable

from tests.servers.loopback import LoopbackServer

NOT_FOUND_BODY = b"Resource not found."


@dataclass(frozen=True)
class Limits:
    rate: int            # requests per interval
    interval: float      # seconds
    concurrency: int     # requests at once


# Crossref's published limits since December 2025 (protocols.md 3.3).
CROSSREF_LIMITS = {"polite": Limits(10, 1.0, 3), "public": Limits(5, 1.0, 1)}


def _canonical(params: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """A list query as a replay key: sorted, without the contact address."""
    return tuple(sorted((k, str(v)) for k, v in params if k != "mailto"))


class CrossrefServer(LoopbackServer):
    thread_name = "crossref-api"

    def __init__(self, works: Iterable[dict] = (), *, limits: dict[str, Limits] | None = None,
                 list_limits: dict[str, Limits] | None = None, enforce: bool = True):
        self.works: dict[str, dict] = {}
        self.searches: dict[tuple, dict] = {}
        for work in works:
            self.add_work(work)
        self.limits = dict(limits or CROSSREF_LIMITS)
        self.list_limits = dict(list_limits or {})
        self.enforce = enforce
        self.failing: int | None = None
        self.slow = 0.0
        self._faults: deque[tuple[str, object]] = deque()
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._in_flight: dict[str, int] = {}
        self._choices: tuple[dict, dict] | None = None   # the search index, built on first use
        self.reset_counters()

    @classmethod
    def recorded(cls, interactions, **kwargs) -> "CrossrefServer":
        """A server that knows every work and replays every list query in `interactions`."""
        from tests.crossref_fixtures import recorded_works

        server = cls(recorded_works(interactions).values(), **kwargs)
        for i in interactions:
            if i.status == 200 and i.path == "/works":
                server.searches[_canonical(i.params)] = i.json()["message"]
        return server

    # --- data -----------------------------------------------------------------------------------

    def add_work(self, work: dict) -> None:
        self.works[work["DOI"].lower()] = work
        self._choices = None

    def add_search(self, params: dict, message: dict) -> None:
        """Answer the list query `params` (mailto aside, order aside) with `message`, as recorded."""
        self.searches[_canonical(params.items())] = message

    # --- faults and counters --------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        self._faults.extend([("fail", status)] * n)

    def slow_next(self, n: int = 1, seconds: float = 0.5) -> None:
        self._faults.extend([("slow", seconds)] * n)

    def malformed_next(self, n: int = 1, body: bytes = b'{"status": "ok", "message": "nope"}') -> None:
        self._faults.extend([("malformed", body)] * n)

    def reset_counters(self) -> None:
        self.requests = 0
        self.by_kind = {"single": 0, "list": 0}
        self.throttled = 0
        self.max_in_flight = 0
        self.log: list[tuple[str, str, int]] = []

    # --- the protocol ---------------------------------------------------------------------------

    def limits_for(self, pool: str, kind: str) -> Limits:
        if kind == "list" and pool in self.list_limits:
            return self.list_limits[pool]
        return self.limits.get(pool) or self.limits["public"]

    def rate_headers(self, pool: str, kind: str) -> dict[str, str]:
        lim = self.limits_for(pool, kind)
        interval = f"{lim.interval:g}s"
        return {"x-api-pool": pool, "x-rate-limit-limit": str(lim.rate),
                "x-rate-limit-interval": interval, "x-concurrency-limit": str(lim.concurrency)}

    def admit(self, pool: str, kind: str) -> tuple[bool, str]:
        """Count one arriving request; (False, why) when it is over a limit."""
        lim = self.limits_for(pool, kind)
        with self._lock:
            self.requests += 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            self._in_flight[pool] = self._in_flight.get(pool, 0) + 1
            total = sum(self._in_flight.values())
            self.max_in_flight = max(self.max_in_flight, total)
            if not self.enforce:
                return True, ""
            if self._in_flight[pool] > lim.concurrency:
                return False, "concurrency"
            now = time.monotonic()
            window = self._windows.setdefault((pool, kind), deque())
            while window and window[0] <= now - lim.interval:
                window.popleft()
            if len(window) >= lim.rate:
                return False, "rate"
            window.append(now)
            return True, ""

    def leave(self, pool: str) -> None:
        with self._lock:
            self._in_flight[pool] -= 1

    def next_fault(self) -> tuple[str, object] | None:
        with self._lock:
            if self._faults:
                return self._faults.popleft()
        if self.failing:
            return ("fail", self.failing)
        if self.slow:
            return ("slow", self.slow)
        return None

    def answer(self, path: str, params: list[tuple[str, str]]) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET."""
        if path == "/works":
            return self._list(params)
        if path.startswith("/works/"):
            doi = path[len("/works/"):]
            if doi.endswith("/agency"):
                return 404, "text/plain", NOT_FOUND_BODY
            if any(k.startswith("query") or k == "filter" for k, _ in params):
                return _validation("parameter-not-allowed", "query.*",
                                   "This route does not support field query parameters")
            work = self.works.get(doi.lower())
            if work is None:
                return 404, "text/plain", NOT_FOUND_BODY
            return _ok("work", work)
        return 404, "text/plain", NOT_FOUND_BODY

    def _list(self, params: list[tuple[str, str]]) -> tuple[int, str, bytes]:
        query = dict(params)
        recorded = self.searches.get(_canonical(params))
        if recorded is not None:
            return _ok("work-list", recorded)
        try:
            rows = int(query.get("rows", 20))
        except ValueError:
            return _validation("integer-not-valid", query["rows"], "Integer specified is not valid")
        if not 0 <= rows <= 1000:
            return _validation("integer-not-valid", str(rows), f"Integer specified as {rows} but must be a "
                               "positive integer less than or equal to 1000.")
        if "filter" in query:
            items, total = self._filter(query["filter"], rows)
        elif "query.bibliographic" in query or "query" in query:
            items = self._search(query.get("query.bibliographic") or query.get("query", ""), rows)
            total = len(self.works)
        else:
            items = [dict(w, score=1.0) for _, w in sorted(self.works.items())[:rows]]
            total = len(self.works)
        message = {"facets": {}, "total-results": total, "items": items, "items-per-page": rows,
                   "query": {"start-index": 0, "search-terms": query.get("query.bibliographic")
                             or query.get("query")}}
        return _ok("work-list", message)

    def _filter(self, expression: str, rows: int) -> tuple[list[dict], int]:
        dois = []
        for part in expression.split(","):
            name, _, value = part.partition(":")
            if name.strip() == "doi" and value:
                dois.append(value.strip().lower())
        found = [dict(self.works[d], score=0.0) for d in dict.fromkeys(dois) if d in self.works]
        return found[:rows], len(found)

    def _search(self, text: str, rows: int) -> list[dict]:
        """Rank works by the summed rarity (idf) of the query words they share, as a BM25-style engine
        like Crossref's does: a close match lands far ahead of works sharing a few common words."""
        if self._choices is None:
            self._index()
        postings, idf = self._choices
        scores: dict[str, float] = {}
        for word in set(_words(text)):
            for doi in postings.get(word, ()):
                scores[doi] = scores.get(doi, 0.0) + idf[word]
        best = heapq.nlargest(rows, scores.items(), key=lambda kv: (kv[1], kv[0]))
        return [dict(self.works[doi], score=round(score, 3)) for doi, score in best]

    def _index(self) -> None:
        postings: dict[str, list[str]] = {}
        for doi, w in sorted(self.works.items()):
            title = " ".join(str(t) for t in w.get("title") or ())
            family = next((str(a.get("family", "")) for a in w.get("author") or ()), "")
            year = str(((w.get("issued") or {}).get("date-parts") or [[""]])[0][0] or "")
            for word in set(_words(f"{title} {family} {year}")):
                postings.setdefault(word, []).append(doi)
        n = max(1, len(self.works))
        # Words in more than a tenth of the works weigh next to nothing in BM25; leaving them out keeps
        # a search over 10,000 works at about a millisecond.
        postings = {w: docs for w, docs in postings.items() if len(docs) <= max(10, n // 10)}
        idf = {w: math.log(1 + n / len(docs)) for w, docs in postings.items()}
        self._choices = (postings, idf)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _ok(kind: str, message: dict) -> tuple[int, str, bytes]:
    body = {"status": "ok", "message-type": kind, "message-version": "1.0.0", "message": message}
    return 200, "application/json", json.dumps(body).encode("utf-8")


def _validation(kind: str, value: str, text: str) -> tuple[int, str, bytes]:
    body = {"status": "failed", "message-type": "validation-failure",
            "message": [{"type": kind, "value": value, "message": text}]}
    return 400, "application/json", json.dumps(body).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    api: CrossrefServer
    protocol_version = "HTTP/1.1"     # keep-alive, as Crossref's front end allows

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        api = self.api
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path).rstrip("/") or "/"
        params = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
        agent = self.headers.get("User-Agent", "")
        pool = "polite" if any(k == "mailto" for k, _ in params) or "mailto:" in agent else "public"
        kind = "list" if path == "/works" else "single"
        admitted, why = api.admit(pool, kind)
        headers = api.rate_headers(pool, kind)
        try:
            fault = api.next_fault()
            if not admitted:
                status, ctype, body = 429, "text/plain", b"Too Many Requests"
                with api._lock:
                    api.throttled += 1
            elif fault and fault[0] == "fail":
                # A proxy's 5xx page: no rate-limit headers.
                status, ctype, body, headers = int(fault[1]), "text/html", b"<h1>Service Unavailable</h1>", {}
            elif fault and fault[0] == "malformed":
                status, ctype, body = 200, "application/json", fault[1]
            else:
                if fault and fault[0] == "slow":
                    time.sleep(float(fault[1]))
                status, ctype, body = api.answer(path, params)
        finally:
            # Leave before the answer is written: the client sends its next request only after
            # reading this one, so counting it out later would see one request too many at once.
            api.leave(pool)
        with api._lock:
            api.log.append((path, split.query, status))
        if "gzip" in self.headers.get("Accept-Encoding", "") and len(body) > 512:
            body = gzip.compress(body, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


CrossrefServer.handler = _Handler
