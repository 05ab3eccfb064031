"""Crossref REST API client: the only code that speaks HTTP to Crossref.

It fetches works by DOI, many per request (`/works?filter=doi:A,doi:B,...`), and runs bibliographic
searches, under a limiter that obeys the rate-limit headers Crossref sends, retries what is worth
retrying, and gives up cleanly when Crossref is down. It returns plain data (`Outcome`s) and raises only
`CrossrefError`s; the enrich stage decides what to cache.

Why httpx2 directly and not habanero (the tests use it to check the loopback server): habanero 2.9 calls the
module-level `httpx2.get` and hands back only the parsed body, so the `x-rate-limit-*` and
`x-concurrency-limit` headers we must obey never reach us; it has no retry, ignores 429 and
`Retry-After`, opens a new connection per request, and does not quote `#` or `?` in a DOI
(protocols.md section 4). The requests themselves are the ones habanero builds.
"""
from __future__ import annotations

import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Callable, Iterable, Iterator, Mapping

import httpx2

from pipeline.convert import crossref as convert
from pipeline.sources import http

# DOIs per filter request. Crossref documents no maximum but warns of URL size limits (rest-api-doc
# #301); 50 DOIs make a URL of about 2 KB, far below the 8 KB many proxies allow, and 50 per request
# is what one project found worked best in practice (protocols.md section 3.1). It also keeps a cold
# cache at 20 requests per 1,000 DOIs.
BATCH_SIZE = 50

# Before any header arrives: Crossref's published limits since December 2025 (protocols.md 3.3).
POLITE_DEFAULT = (10, 1.0, 3)    # requests, per seconds, at once: with a contact address
PUBLIC_DEFAULT = (5, 1.0, 1)     # without one

BREAKER = 3                 # lookups that failed every retry in a row before we call Crossref down
USER_AGENT = "awesome-ml-reliability-pipeline/0.1"

AdaptiveLimiter = http.AdaptiveLimiter   # where tests and the benchmark have always found it


def default_policy(timeout: float = 10.0, retries: int = 4,
                   sleep: Callable[[float], None] = time.sleep) -> http.RetryPolicy:
    # A Retry-After over a minute means "not today" for an enrichment that can run next week.
    return http.RetryPolicy(attempts=retries + 1, base=0.5, cap=30.0, max_wait=60.0, timeout=timeout,
                            sleep=sleep)


class CrossrefError(http.SourceError):
    """Crossref could not answer a request; the message is one line."""


class Unavailable(CrossrefError, http.SourceUnavailable):
    """Crossref failed every retry (down, throttling us, or unreachable)."""


Outcome = http.Outcome      # one type for every source (sources/http.py)


class CrossrefClient(http.Client):
    """A polite Crossref client. Thread-safe; use as a context manager or call `close()`."""

    def __init__(self, base_url: str, mailto: str = "", *, timeout: float = 10.0, retries: int = 4,
                 batch_size: int = BATCH_SIZE, workers: int = 8, policy: http.RetryPolicy | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 on_wait: Callable[[float, str], None] | None = None):
        self.base_url = base_url.rstrip("/")
        self.mailto = mailto
        self.batch_size = batch_size
        self.workers = workers
        self.policy = policy or default_policy(timeout, retries, sleep)
        rate, interval, concurrency = POLITE_DEFAULT if mailto else PUBLIC_DEFAULT
        self.limiter = AdaptiveLimiter(rate, interval, concurrency, clock=clock, sleep=self.policy.sleep)
        agent = USER_AGENT + (f" (mailto:{mailto})" if mailto else "")
        # Crossref takes the contact address as `mailto=` or in the User-Agent; we send both.
        self.http = http.make_client(
            self.base_url, policy=self.policy, name="Crossref", limiter=self.limiter, on_wait=on_wait,
            # Crossref paces list queries (/works?...) apart from single works (/works/{doi}).
            kind_of=lambda request: "list" if request.url.path.rstrip("/").endswith("/works") else "single",
            headers={"User-Agent": agent, "Accept-Encoding": "gzip"})
        self.transport = http.transport_of(self.http)
        self.down = ""               # why Crossref is considered down for the rest of the run
        self._failures = 0
        self._lock = threading.Lock()

    # --- one request (the transport retries) ----------------------------------------------------

    def _get(self, kind: str, path: str, params: Mapping) -> tuple[int, dict | None]:
        """(status, JSON body) for 200 and 404; raises Unavailable when Crossref could not answer,
        CrossrefError on another 4xx."""
        if self.down:
            raise Unavailable(self.down)
        query = dict(params)
        if self.mailto:
            query["mailto"] = self.mailto
        try:
            response = self.http.get(path, params=query)
        except http.SourceUnavailable as exc:
            reason = str(exc)
            if not self.transport.reached:
                # Never reached in this run: no network, or a wrong CROSSREF_API_URL. Say so once.
                with self._lock:
                    self.down = self.down or reason
                    self.transport.given_up = self.down
            self._failed(reason)
            raise Unavailable(reason) from None
        except httpx2.HTTPError as exc:   # an invalid URL (a query too long), a protocol error
            raise CrossrefError(f"request for {path} failed: {type(exc).__name__}") from None
        status = response.status_code
        if status == 200:
            try:
                body = response.json()
            except ValueError:
                self._failed("answered 200 with a body that is not JSON")
                raise Unavailable("Crossref answered 200 with a body that is not JSON") from None
            if not isinstance(body, dict):
                raise CrossrefError(f"{path}: Crossref answered with {type(body).__name__}, not an object")
            self._succeeded()
            return 200, body
        if status == 404:
            self._succeeded()
            return 404, None
        # 400 and the like: our request is wrong, and asking again will not fix it.
        raise CrossrefError(f"HTTP {status} for {path}: {http.escaped(response.text.strip(), 200)}")

    def _succeeded(self) -> None:
        with self._lock:
            self._failures = 0

    def _failed(self, reason: str) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= BREAKER and not self.down:
                self.down = f"Crossref unavailable ({reason})"
                self.transport.given_up = self.down   # requests still retrying stop too

    # --- the three lookups --------------------------------------------------------------------

    def work(self, doi: str) -> dict | None:
        """GET /works/{doi}: the work, or None when Crossref does not know the DOI."""
        # Quote everything but the slash: habanero would send `#` and `?` raw and lose the DOI's tail.
        status, body = self._get("single", "/works/" + urllib.parse.quote(doi, safe="/"), {})
        if status == 404:
            return None
        message = body.get("message")
        why = convert.shape_problem(message)
        if why:
            raise CrossrefError(f"/works/{doi}: Crossref's answer is no work the pipeline can read ({why})")
        return message

    def works(self, dois: list[str]) -> dict[str, dict]:
        """Many works in one request: {lower-case DOI: work} for the DOIs Crossref returned."""
        params = {"filter": ",".join(f"doi:{d}" for d in dois), "rows": len(dois)}
        _, body = self._get("list", "/works", params)
        why = convert.message_problem(body)
        if why:
            raise CrossrefError(f"/works?filter=doi:{dois[0]},...: Crossref's answer is no list of works ({why})")
        wanted = {d.lower() for d in dois}
        found = {}
        for item in body["message"]["items"]:
            if convert.shape_problem(item):
                continue   # asked for again on its own, where its problem is named with its DOI
            # Crossref answers with bare DOIs; only their case may differ from what we asked.
            doi = item["DOI"].strip().lower()
            if doi in wanted:
                found[doi] = item
        return found

    def search(self, params: Mapping) -> dict:
        """GET /works?query.bibliographic=...: the response message."""
        _, body = self._get("list", "/works", params)
        why = convert.message_problem(body)
        if why:
            raise CrossrefError(f"search: Crossref's answer is no list of works ({why})")
        message = dict(body["message"])
        message["items"] = [w for w in message["items"] if not convert.shape_problem(w)]
        return message

    # --- many lookups, concurrently -----------------------------------------------------------

    def fetch_works(self, dois: Iterable[str]) -> Iterator[Outcome]:
        """An Outcome per DOI, in completion order: batches of `batch_size` first, then one request
        each for the DOIs a batch did not return (to tell an unknown DOI from one the filter could
        not match) and for DOIs with a comma, which the filter syntax cannot carry.
        """
        dois = sorted({d.lower() for d in dois if d})
        batchable = [d for d in dois if "," not in d]
        singles = [d for d in dois if "," in d]
        batches = [batchable[i:i + self.batch_size] for i in range(0, len(batchable), self.batch_size)]
        missing: list[str] = []
        for batch, result in self._parallel(self.works, batches):
            if isinstance(result, Exception):
                for doi in batch:
                    yield Outcome(doi, "failed", reason=str(result))
                continue
            for doi in batch:
                if doi in result:
                    yield Outcome(doi, "found", result[doi])
                else:
                    missing.append(doi)
        for doi, result in self._parallel(self.work, singles + sorted(missing)):
            if isinstance(result, Exception):
                yield Outcome(doi, "failed", reason=str(result))
            elif result is None:
                yield Outcome(doi, "not-found")
            else:
                yield Outcome(doi, "found", result)

    def fetch_searches(self, queries: Iterable[Mapping]) -> Iterator[Outcome]:
        """An Outcome per query (the key is the query's parameters), in completion order."""
        for params, result in self._parallel(self.search, list(queries)):
            if isinstance(result, Exception):
                yield Outcome(params, "failed", reason=str(result))
            else:
                yield Outcome(params, "found", result)

    def _parallel(self, call, args: list) -> Iterator[tuple[object, object]]:
        """(arg, result or CrossrefError) for each arg; the limiter, not the pool, sets the pace."""
        if not args:
            return
        workers = max(1, min(self.workers, len(args)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crossref") as pool:
            futures = {pool.submit(self._guarded, call, arg): i for i, arg in enumerate(args)}
            for future in as_completed(futures):
                yield args[futures[future]], future.result()

    def _guarded(self, call, arg):
        try:
            return call(arg)
        except CrossrefError as exc:
            return exc

