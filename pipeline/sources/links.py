"""Link checking: the only code that asks the published links' own servers (and the Internet Archive)
anything. One `Answer` per URL, under the shared HTTP policy (`pipeline.sources.http`).

How a link is asked, and why:
- HEAD first (no body to fetch), then GET where a server refuses HEAD or answers it with an error
  that a GET may not share: many publishers' servers answer HEAD with 403, 404 or 405 while the page
  itself is fine. A host that answered 405 or 501 once is asked with GET from then on.
- Redirects are followed here, one hop at a time, not by the HTTP client, so every hop is recorded
  with its status: a permanent first hop (301, 308) means the list should link the new address
  ("moved"), a temporary one (302, 303, 307) means nothing. A URL seen twice is a loop; more than
  `max_redirects` hops is broken too.
- At most `per_host` requests at once to one host and `rate` requests a second over all hosts
  (`HostLimiter`); a 429 or 503 with `Retry-After` pauses only that host, capped by the policy's
  `max_wait` (a host asking for longer gets an "unknown" verdict, checked again next run).
- A GET reads at most `MAX_BODY` bytes, and no request takes longer than the policy's timeout, even
  from a server that drips its answer: a link check needs the status, not the PDF.
- DNS and TLS failures are final (retrying them only costs time); a refused connection, a timeout and
  5xx are retried by the policy first. Past the whole run's deadline no request starts; the links
  not reached get "unknown" and keep whatever verdict the cache had.
"""
from __future__ import annotations

import itertools
import socket
import ssl
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import httpx2

from pipeline.sources import http

OK, BROKEN, MOVED, BROWSER, UNKNOWN = "ok", "broken", "moved", "needs-a-browser", "unknown"
VERDICTS = (OK, MOVED, BROKEN, BROWSER, UNKNOWN)

USER_AGENT = "awesome-ml-reliability-pipeline/0.1 (link check"
MAX_BODY = 64 * 1024
MAX_REDIRECTS = 10
PERMANENT = (301, 308)
# What servers that mishandle HEAD answer it with; a GET decides before a link is called broken or walled.
HEAD_REFUSED = frozenset({400, 401, 403, 404, 405, 406, 410, 501})
HEAD_UNSUPPORTED = frozenset({405, 501})    # the whole host is asked with GET from then on
WALLED = frozenset({401, 403})              # a login or a bot wall: a reader's browser may get through


@dataclass(frozen=True)
class Answer:
    """What one URL's server said: the verdict, the last status, where the redirects led."""

    url: str
    verdict: str
    status: int = 0                          # the last HTTP status; 0 when no answer came
    final_url: str = ""
    redirects: tuple[tuple[int, str], ...] = ()   # (status, the address it sent us to), per hop
    reason: str = ""                         # one line, for broken, needs-a-browser and unknown
    moved_to: str = ""                       # for moved: the address after the permanent hops


@dataclass(frozen=True)
class Snapshot:
    """The Internet Archive's latest capture of a URL (availability API)."""

    url: str
    timestamp: str = ""


class LinkFailure(Exception):
    """A failure that no retry mends (DNS, TLS): raised past the retrying transport."""


class RunTimeUp(http.SourceUnavailable):
    """The whole run's time is spent: no request starts any more."""


# --- pacing: per host, and over all hosts ---------------------------------------------------------

class Pace:
    """Request starts over every host, at most `rate` a second, and the run's deadline."""

    def __init__(self, rate: float, deadline: float, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.deadline = deadline
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    @property
    def expired(self) -> bool:
        return self.clock() >= self.deadline

    def slot(self, not_before: float) -> float:
        """Reserve the next start at or after `not_before`; the seconds to wait for it."""
        with self._lock:
            now = self.clock()
            start = max(now, self._next, not_before)
            self._next = start + self.interval
        return start - now


class HostLimiter(http.Limiter):
    """At most `per_host` requests at once to one host, started at the shared pace; a pause (429, 503)
    holds back this host only."""

    paces = True

    def __init__(self, pace: Pace, per_host: int):
        self.pace = pace
        self._slots = threading.BoundedSemaphore(max(1, per_host))
        self._paused_until = 0.0

    def acquire(self, kind: str = "") -> None:
        if self.pace.expired:
            raise RunTimeUp("the run's time limit was reached before this link was asked")
        self._slots.acquire()
        wait = self.pace.slot(self._paused_until)
        if self.pace.clock() + wait > self.pace.deadline:
            # The turn this request got is past the run's end: waiting for it would overrun the limit.
            self._slots.release()
            raise RunTimeUp("the run's time limit comes before this link's turn")
        if wait > 0:
            self.pace.sleep(wait)

    def release(self, kind: str = "", headers: Mapping[str, str] | None = None) -> None:
        self._slots.release()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.pace.clock() + seconds)


# --- the transport under the retries: bounded bodies, final failures, what went wrong -----------------

class _Capped(httpx2.SyncByteStream):
    def __init__(self, stream, limit: int, deadline: float, clock: Callable[[], float]):
        self.stream, self.limit, self.deadline, self.clock = stream, limit, deadline, clock

    def __iter__(self):
        got = 0
        for chunk in self.stream:
            yield chunk[: self.limit - got]
            got += len(chunk)
            if got >= self.limit or self.clock() > self.deadline:
                break

    def close(self) -> None:
        self.stream.close()


def _cause_of(exc: BaseException) -> str:
    """'dns', 'tls', 'refused' or '' for a connection error, from the exceptions under it."""
    seen = exc
    text = str(exc)
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return "tls"
        if isinstance(seen, socket.gaierror):
            return "dns"
        if isinstance(seen, ConnectionRefusedError):
            return "refused"
        text += " " + str(seen)
        seen = seen.__cause__ or seen.__context__
    lowered = text.lower()
    if "ssl" in lowered or "certificate" in lowered:
        return "tls"
    if "name or service not known" in lowered or "getaddrinfo" in lowered or "nodename nor servname" in lowered:
        return "dns"
    if "refused" in lowered:
        return "refused"
    return ""


class CheckingTransport(httpx2.BaseTransport):
    """Below the retrying transport: caps each body, turns DNS and TLS failures into `LinkFailure`
    (not retried), and remembers, per thread, the last status or failure (the retrying transport's
    final error names only its kind)."""

    def __init__(self, timeout: float, clock: Callable[[], float], tls: bool):
        self.timeout, self.clock = timeout, clock
        self.inner = httpx2.HTTPTransport(verify=http._tls_context() if tls else False)
        self.last = threading.local()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.last.status, self.last.failure = 0, ""
        started = self.clock()
        try:
            response = self.inner.handle_request(request)
        except httpx2.TimeoutException as exc:
            self.last.failure = f"no answer within {self.timeout:g} s"
            raise exc
        except httpx2.ConnectError as exc:
            cause = _cause_of(exc)
            if cause == "dns":
                raise LinkFailure(f"DNS: no such host {request.url.host}") from None
            if cause == "tls":
                raise LinkFailure(f"TLS handshake with {request.url.host} failed") from None
            self.last.failure = "connection refused" if cause == "refused" else "could not connect"
            raise
        except httpx2.TransportError as exc:
            self.last.failure = f"connection failed ({type(exc).__name__})"
            raise
        self.last.status = response.status_code
        headers = response.headers
        if headers.get("cf-mitigated", "").lower() == "challenge":
            # Cloudflare's bot challenge (sent as 403 or 503): a wall for a script, not an overloaded
            # server, so it is never retried; a reader's browser gets through.
            self.last.status = 403
            response.close()
            return httpx2.Response(403, headers={"x-link-wall": "challenge"}, content=b"", request=request)
        stream = _Capped(response.stream, MAX_BODY, started + self.timeout, self.clock)
        return httpx2.Response(response.status_code, headers=headers, stream=stream, request=request,
                               extensions=response.extensions)

    def close(self) -> None:
        self.inner.close()


# --- the checker ---------------------------------------------------------------------------------------

def default_policy(timeout: float = 15.0, sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> http.RetryPolicy:
    # Three tries: a link that fails a 500 three times in a row is broken for this week; a Retry-After
    # over a minute is "come back later", and the next run does.
    return http.RetryPolicy(attempts=3, base=1.0, cap=10.0, max_wait=60.0, timeout=timeout,
                            connect_timeout=min(5.0, timeout), unreached_tries=2, sleep=sleep, clock=clock)


def user_agent(contact: str) -> str:
    return f"{USER_AGENT}; mailto:{contact})" if contact else f"{USER_AGENT})"


def host_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


class LinkChecker:
    """Checks URLs, `per_host` at a time per host and `rate` a second in all. Use as a context manager."""

    def __init__(self, *, contact: str = "", per_host: int = 2, rate: float = 10.0, run_timeout: float = 900.0,
                 policy: http.RetryPolicy | None = None, max_redirects: int = MAX_REDIRECTS, workers: int = 100):
        self.policy = policy or default_policy()
        self.per_host, self.max_redirects, self.workers = per_host, max_redirects, workers
        self.pace = Pace(rate, self.policy.clock() + run_timeout, self.policy.clock, self.policy.sleep)
        self.headers = {"User-Agent": user_agent(contact), "Accept": "*/*"}
        self._clients: dict[str, tuple[httpx2.Client, http.RetryingTransport, CheckingTransport]] = {}
        self._get_only: set[str] = set()
        self._failed: dict[str, str] = {}        # host -> its DNS or TLS failure: its other links share it
        self._lock = threading.Lock()

    def __enter__(self) -> "LinkChecker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for client, _, _ in self._clients.values():
            client.close()

    @property
    def requests(self) -> int:
        """HTTP requests sent, retries included."""
        return sum(t.requests for _, t, _ in self._clients.values())

    def _client(self, url: str):
        host = host_of(url)
        with self._lock:
            found = self._clients.get(host)
            if found is None:
                # One transport per host: "never reached" and its pauses are about that host alone.
                checking = CheckingTransport(self.policy.timeout, self.policy.clock, url.startswith("https:"))
                retrying = http.RetryingTransport(self.policy, name=urllib.parse.urlsplit(url).hostname or "host",
                                                  limiter=HostLimiter(self.pace, self.per_host), inner=checking)
                client = httpx2.Client(transport=retrying, headers=self.headers, follow_redirects=False,
                                       timeout=httpx2.Timeout(self.policy.timeout,
                                                              connect=self.policy.connect_timeout))
                found = self._clients[host] = (client, retrying, checking)
        return found

    def _send(self, method: str, url: str) -> httpx2.Response:
        client, _, _ = self._client(url)
        return client.request(method, url)

    def check(self, url: str) -> Answer:
        """One URL's verdict; never raises for what a server does."""
        hops: list[tuple[int, str]] = []
        seen, current = {url}, url
        method = "GET" if host_of(url) in self._get_only else "HEAD"
        while True:
            try:
                if host_of(current) in self._failed:
                    raise LinkFailure(self._failed[host_of(current)])
                response = self._send(method, current)
            except LinkFailure as exc:
                self._failed[host_of(current)] = str(exc)
                return Answer(url, BROKEN, final_url=current, redirects=tuple(hops), reason=str(exc))
            except RunTimeUp as exc:
                return Answer(url, UNKNOWN, final_url=current, redirects=tuple(hops), reason=str(exc))
            except http.SourceUnavailable as exc:
                return self._gave_up(url, current, hops, exc)
            except httpx2.HTTPError as exc:      # an invalid URL, a protocol error
                return Answer(url, BROKEN, final_url=current, redirects=tuple(hops),
                              reason=f"request failed ({type(exc).__name__})")
            status = response.status_code
            if method == "HEAD" and status in HEAD_REFUSED:
                if status in HEAD_UNSUPPORTED:
                    self._get_only.add(host_of(current))
                method = "GET"
                continue
            location = response.headers.get("location", "")
            if 300 <= status < 400 and location:
                target = urllib.parse.urljoin(current, location.strip())
                hops.append((status, target))
                if target in seen:
                    return Answer(url, BROKEN, status, target, tuple(hops), f"redirect loop ({len(hops)} hops)")
                if len(hops) > self.max_redirects:
                    return Answer(url, BROKEN, status, target, tuple(hops),
                                  f"more than {self.max_redirects} redirects")
                if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
                    return Answer(url, BROKEN, status, target, tuple(hops), "redirected to a non-web address")
                seen.add(target)
                current = target
                method = "GET" if host_of(target) in self._get_only else "HEAD"
                continue
            return self._verdict(url, status, current, hops, response.headers.get("x-link-wall", ""))

    def _verdict(self, url: str, status: int, final: str, hops: list, wall: str) -> Answer:
        hops_ = tuple(hops)
        if 200 <= status < 300:
            moved_to = ""
            for code, target in hops:        # the permanent hops from the published address onwards
                if code not in PERMANENT:
                    break
                moved_to = target
            if moved_to:
                return Answer(url, MOVED, status, final, hops_, moved_to=moved_to)
            return Answer(url, OK, status, final, hops_)
        if status in WALLED:
            return Answer(url, BROWSER, status, final, hops_, "a bot wall" if wall else f"HTTP {status}")
        if status == 429:
            return Answer(url, UNKNOWN, status, final, hops_, "HTTP 429: rate limited")
        if 300 <= status < 400:
            return Answer(url, BROKEN, status, final, hops_, f"HTTP {status} without a Location")
        return Answer(url, BROKEN, status, final, hops_, f"HTTP {status}")

    def _gave_up(self, url: str, current: str, hops: list, exc: Exception) -> Answer:
        _, retrying, checking = self._client(current)
        status = getattr(checking.last, "status", 0)
        failure = getattr(checking.last, "failure", "")
        tries = self.policy.attempts
        if status == 429 or (status == 503 and "retry after" in str(exc)):
            return Answer(url, UNKNOWN, status, current, tuple(hops), f"HTTP {status}: asked to come back later")
        if status >= 500:
            return Answer(url, BROKEN, status, current, tuple(hops), f"HTTP {status} after {tries} tries")
        return Answer(url, BROKEN, 0, current, tuple(hops), failure or "no answer")

    def check_all(self, urls: Iterable[str], on_done: Callable[[Answer], None] | None = None
                  ) -> dict[str, Answer]:
        """Every URL's answer. The URLs are taken host by host in turn, so the workers spread over the
        hosts instead of queueing behind one host's limit."""
        by_host: dict[str, list[str]] = {}
        for url in dict.fromkeys(urls):
            by_host.setdefault(host_of(url), []).append(url)
        order = [u for group in itertools.zip_longest(*by_host.values()) for u in group if u is not None]
        if not order:
            return {}
        workers = max(1, min(self.workers, len(order), len(by_host) * self.per_host))
        answers: dict[str, Answer] = {}

        def one(url: str) -> Answer:
            answer = self.check(url)
            if on_done is not None:
                on_done(answer)
            return answer

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="links") as pool:
            for answer in pool.map(one, order):
                answers[answer.url] = answer
        return answers

    def archived(self, api_url: str, url: str) -> tuple[Snapshot | None, str]:
        """(the Internet Archive's latest capture of `url` or None, why not). The availability API
        answers `{"archived_snapshots": {"closest": {"available": true, "url", "timestamp", "status"}}}`,
        or `{"archived_snapshots": {}}` when it holds no capture."""
        try:
            response = self._client(api_url)[0].get(api_url, params={"url": url})
        except (http.SourceUnavailable, LinkFailure, httpx2.HTTPError) as exc:
            return None, f"the Internet Archive could not be asked ({' '.join(str(exc).split())[:120]})"
        if response.status_code != 200:
            return None, f"the Internet Archive answered HTTP {response.status_code}"
        try:
            closest = (response.json().get("archived_snapshots") or {}).get("closest") or {}
        except (ValueError, AttributeError):
            return None, "the Internet Archive's answer was not the availability API's JSON"
        link = closest.get("url") if isinstance(closest, dict) else None
        if not (isinstance(link, str) and closest.get("available") and str(closest.get("status", "200")) == "200"):
            return None, ""
        if link.startswith("http://web.archive.org/"):
            link = "https://" + link[len("http://"):]      # the archive serves every capture over https too
        return Snapshot(link, str(closest.get("timestamp", ""))), ""
