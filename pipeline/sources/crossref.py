"""Crossref REST API client: the only code that speaks HTTP to Crossref.

It fetches works by DOI, many per request (`/works?filter=doi:A,doi:B,...`), and runs bibliographic
searches, under a limiter that obeys the rate-limit headers Crossref sends, retries what is worth
retrying, and gives up cleanly when Crossref is down. It returns plain data (`Outcome`s) and raises only
`CrossrefError`s; the enrich stage decides what to cache.

Why httpx2 directly and not habanero (which the project also installs): habanero 2.9 calls the
module-level `httpx2.get` and hands back only the parsed body, so the `x-rate-limit-*` and
`x-concurrency-limit` headers we must obey never reach us; it has no retry, ignores 429 and
`Retry-After`, opens a new connection per request, and does not quote `#` or `?` in a DOI
(protocols.md section 4). The requests themselves are the ones habanero builds.
"""
from __future__ import annotations

import re
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Mapping

import httpx2

from pipeline.convert.zotero import clean_doi

# DOIs per filter request. Crossref documents no maximum but warns of URL size limits (rest-api-doc
# #301); 50 DOIs make a URL of about 2 KB, far below the 8 KB many proxies allow, and 50 per request
# is what one project found worked best in practice (protocols.md section 3.1). It also keeps a cold
# cache at 20 requests per 1,000 DOIs.
BATCH_SIZE = 50

# Before any header arrives: Crossref's published limits since December 2025 (protocols.md 3.3).
POLITE_DEFAULT = (10, 1.0, 3)    # requests, per seconds, at once: with a contact address
PUBLIC_DEFAULT = (5, 1.0, 1)     # without one

# Pace a hair under the advertised rate, so a request that leaves a few milliseconds late (thread
# scheduling) does not make the server count one too many in its window.
PACING_MARGIN = 1.05

RETRIES = 4                 # after the first try: 5 tries in all
BACKOFF_BASE = 0.5          # seconds, doubled each retry
BACKOFF_CAP = 30.0
RETRY_AFTER_CAP = 60.0      # a longer Retry-After means "not today": give up on this run
BREAKER = 3                 # lookups that failed every retry in a row before we call Crossref down
TIMEOUT = 10.0              # seconds; list queries can be slow

_INTERVAL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
USER_AGENT = "awesome-ml-reliability-pipeline/0.1"


class CrossrefError(Exception):
    """Crossref could not answer a request; the message is one line."""


class Unavailable(CrossrefError):
    """Crossref failed every retry (down, throttling us, or unreachable)."""


@dataclass(frozen=True)
class Outcome:
    """The answer for one DOI or query: `found` (with `value`), `not-found`, or `failed` (with `reason`)."""

    key: object
    kind: str
    value: dict | None = None
    reason: str = ""


def parse_interval(value: str | None) -> float | None:
    """Crossref's `x-rate-limit-interval` ('1s') in seconds; None when unreadable."""
    match = _INTERVAL_RE.match(value or "")
    if not match:
        return None
    return float(match.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[match.group(2) or "s"]


def _int(value: str | None) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class AdaptiveLimiter:
    """Paces request starts and caps requests in flight, from what the server's headers last said.

    One instance per client: the concurrency cap is shared by every kind of request (Crossref counts
    a client's connections, whatever they ask), the pace is kept per kind ("single" for /works/{doi},
    "list" for /works?...), since Crossref limits list queries separately since December 2025.

    Until the first response arrives only one request goes out, so a server that allows fewer at once
    than the defaults assume is never exceeded, not even by the opening burst.
    """

    def __init__(self, rate: int, interval: float, concurrency: int, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.clock, self.sleep = clock, sleep
        self.default_spacing = interval / rate
        self.spacing: dict[str, float] = {}
        self.next_slot: dict[str, float] = {}
        self.concurrency = concurrency
        self.in_flight = 0
        self.peak = 0
        self.heard = False
        self.paused_until = 0.0
        self._cond = threading.Condition()

    def acquire(self, kind: str = "single") -> None:
        with self._cond:
            while self.in_flight >= (self.concurrency if self.heard else 1):
                self._cond.wait()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            now = self.clock()
            start = max(now, self.next_slot.get(kind, 0.0), self.paused_until)
            self.next_slot[kind] = start + self.spacing.get(kind, self.default_spacing) * PACING_MARGIN
        if start > now:
            self.sleep(start - now)

    def release(self, kind: str = "single", headers: Mapping[str, str] | None = None) -> None:
        with self._cond:
            self.in_flight -= 1
            if headers is not None:
                self.heard = True
                self._learn(kind, headers)
            self._cond.notify_all()

    def _learn(self, kind: str, headers: Mapping[str, str]) -> None:
        limit = _int(headers.get("x-rate-limit-limit"))
        interval = parse_interval(headers.get("x-rate-limit-interval"))
        if limit:
            self.spacing[kind] = (interval or 1.0) / limit
        concurrency = _int(headers.get("x-concurrency-limit"))
        if concurrency:
            self.concurrency = concurrency

    def pause(self, seconds: float) -> None:
        """No request of any kind starts for `seconds` (a 429, a 503): everyone backs off together."""
        with self._cond:
            self.paused_until = max(self.paused_until, self.clock() + seconds)


class CrossrefClient:
    """A polite Crossref client. Thread-safe; use as a context manager or call `close()`."""

    def __init__(self, base_url: str, mailto: str = "", *, timeout: float = TIMEOUT, retries: int = RETRIES,
                 batch_size: int = BATCH_SIZE, workers: int = 8,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self.mailto = mailto
        self.retries = retries
        self.batch_size = batch_size
        self.workers = workers
        self.sleep = sleep
        rate, interval, concurrency = POLITE_DEFAULT if mailto else PUBLIC_DEFAULT
        self.limiter = AdaptiveLimiter(rate, interval, concurrency, clock=clock, sleep=sleep)
        agent = USER_AGENT + (f" (mailto:{mailto})" if mailto else "")
        # Crossref takes the contact address as `mailto=` or in the User-Agent; we send both.
        self.http = httpx2.Client(base_url=self.base_url, timeout=timeout,
                                  headers={"User-Agent": agent, "Accept-Encoding": "gzip"})
        self.requests = 0
        self.down = ""               # why Crossref is considered down for the rest of the run
        self._reached = False        # any answer at all from the server in this run
        self._failures = 0
        self._lock = threading.Lock()

    def __enter__(self) -> "CrossrefClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # --- one request, with retries ------------------------------------------------------------

    def _get(self, kind: str, path: str, params: Mapping) -> tuple[int, dict | None]:
        """(status, JSON body) for 200 and 404; raises Unavailable after the retries, CrossrefError on 4xx."""
        query = dict(params)
        if self.mailto:
            query["mailto"] = self.mailto
        reason = ""
        for attempt in range(self.retries + 1):
            if self.down:
                raise Unavailable(self.down)
            self.limiter.acquire(kind)
            response = None
            try:
                response = self.http.get(path, params=query)
            except httpx2.TimeoutException:
                reason = "timed out"
            except httpx2.ConnectError as exc:
                reason = f"unreachable ({type(exc).__name__})"
                if not self._reached and attempt >= 1:
                    # Never reached it in this run: no network, or a wrong CROSSREF_API_URL. Backing
                    # off for half a minute per item would not change that; say so once and move on.
                    with self._lock:
                        self.down = self.down or f"Crossref unreachable at {self.base_url} ({type(exc).__name__})"
                    break
            except httpx2.TransportError as exc:
                reason = f"unreachable ({type(exc).__name__})"
            finally:
                self.limiter.release(kind, response.headers if response is not None else None)
                with self._lock:
                    self.requests += 1
            wait = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)
            if response is not None:
                self._reached = True
                status = response.status_code
                if status == 200:
                    try:
                        body = response.json()
                    except ValueError:
                        reason = "answered 200 with a body that is not JSON"
                    else:
                        self._succeeded()
                        return 200, body
                elif status == 404:
                    self._succeeded()
                    return 404, None
                elif status == 429 or status >= 500:
                    reason = f"HTTP {status}"
                    retry_after = _int(response.headers.get("retry-after"))
                    if retry_after is not None:
                        if retry_after > RETRY_AFTER_CAP:
                            break
                        wait = float(retry_after)
                else:
                    # 400 and the like: our request is wrong, and asking again will not fix it.
                    raise CrossrefError(f"HTTP {status} for {path}: {response.text[:200].strip()}")
            if attempt < self.retries:
                self.limiter.pause(wait)
        self._failed(reason)
        raise Unavailable(reason)

    def _succeeded(self) -> None:
        with self._lock:
            self._failures = 0

    def _failed(self, reason: str) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= BREAKER and not self.down:
                self.down = f"Crossref unavailable ({reason} after {self.retries + 1} tries)"

    # --- the three lookups --------------------------------------------------------------------

    def work(self, doi: str) -> dict | None:
        """GET /works/{doi}: the work, or None when Crossref does not know the DOI."""
        # Quote everything but the slash: habanero would send `#` and `?` raw and lose the DOI's tail.
        status, body = self._get("single", "/works/" + urllib.parse.quote(doi, safe="/"), {})
        if status == 404:
            return None
        message = (body or {}).get("message")
        if not isinstance(message, dict):
            raise CrossrefError(f"/works/{doi}: no work in the answer")
        return message

    def works(self, dois: list[str]) -> dict[str, dict]:
        """Many works in one request: {lower-case DOI: work} for the DOIs Crossref returned."""
        params = {"filter": ",".join(f"doi:{d}" for d in dois), "rows": len(dois)}
        _, body = self._get("list", "/works", params)
        items = ((body or {}).get("message") or {}).get("items") or []
        wanted = {d.lower() for d in dois}
        found = {}
        for item in items:
            doi = clean_doi(str(item.get("DOI", ""))).lower() if isinstance(item, dict) else ""
            if doi in wanted:
                found[doi] = item
        return found

    def search(self, params: Mapping) -> dict:
        """GET /works?query.bibliographic=...: the response message."""
        _, body = self._get("list", "/works", params)
        message = (body or {}).get("message")
        if not isinstance(message, dict):
            raise CrossrefError("search: no result list in the answer")
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

