"""One HTTP policy for every source: Zotero, Crossref, DBLP and the next one.

A source module builds its `httpx2.Client` with `make_client`; the client's transport owns every
wait, so no source has a retry loop of its own and all of them answer a struggling server alike:

- 429, 500, 502, 503, 504 and dropped connections are tried again, up to `RetryPolicy.attempts`
  times in all, after a capped exponential backoff with jitter (so many clients do not retry in step).
- `Retry-After` (on 429 and 503) is obeyed, as seconds or as an HTTP date. `Backoff` (Zotero sends it
  on any answer when overloaded) delays the next request. Neither may exceed `RetryPolicy.max_wait`:
  a server that asks for longer has said "not today", and waiting a day with no output helps nobody,
  so the request fails at once with a message saying what the server asked for.
- A host that has never answered in this run (no network, a wrong URL, a closed port) is given up on
  after `unreached_tries` connection failures, not after minutes of backoff; the message names
  host:port.
- Pacing goes through a `Limiter`: `AdaptiveLimiter` follows the rate-limit headers a server
  publishes (Crossref), `FixedRate` keeps a fixed gap between requests (DBLP asks for gentle use).
- A wait longer than a few seconds is announced through `on_wait`, so an unattended run never sits
  silent.
- Every request has one deadline (`RetryPolicy.deadline`) for all of it: connecting, each read and the
  whole body. A server that trickles its answer a byte at a time is cut off when it runs out, not
  after each read's timeout has been met forever (issue 22). Every client has one deadline for the
  stage it serves (`RetryPolicy.stage_deadline`): past it, no request is sent or retried.
- An answer is whole or it is a failure: a body shorter than its Content-Length, or one its
  Content-Encoding does not decode, is retried like a dropped connection, never passed on.
- Redirects are followed here, on the same scheme, host and port only (a header such as Zotero's key
  must never travel to another host), at most `RetryPolicy.max_redirects` of them, and a loop is
  named as one.

Errors are `SourceError`s with one-line messages that hold no secret and no server body.
"""
from __future__ import annotations

import email.utils
import functools
import random
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Mapping

import httpx2

from pipeline import sources

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ANNOUNCE_AFTER = 5.0   # seconds: a wait at least this long is announced through `on_wait`


@dataclass(frozen=True)
class Outcome:
    """The answer of a source for one key (a DOI, a query's parameters): `found` (with `value`: a work,
    a search's message or hits), `not-found` (the source has no such work), or `failed` (with a one-line
    `reason`). Every lookup source returns these, so enrich runs one round for all of them."""

    key: object
    kind: str
    value: object = None
    reason: str = ""


SourceError = sources.SourceError     # every source's errors derive from it


class SourceUnavailable(SourceError):
    """Still failing after every retry, unreachable, or asking us to wait longer than we will."""


@dataclass
class RetryPolicy:
    """How often to try and how long to wait. Tests pass a `sleep` that only records."""

    attempts: int = 5              # tries per request, the first included
    base: float = 0.5              # seconds before the first retry, doubled each time
    cap: float = 30.0              # no backoff between two tries is longer
    max_wait: float = 120.0        # the longest Retry-After or Backoff we honour
    timeout: float = 20.0          # seconds to read an answer
    connect_timeout: float = 3.0   # seconds to open a connection
    unreached_tries: int = 2       # connection failures before a never-reached host is given up
    deadline: float = 60.0         # seconds for a whole request: connecting, the headers, every byte
    stage_deadline: float = 900.0  # seconds one client may spend on its stage, waits included
    max_redirects: int = 5         # same-host redirects followed per request
    max_body: int = 64 * 2**20     # bytes of one answer (a page of 100 Zotero items is ~0.5 MB)
    passes: int = 5                # whole sync passes restarted when a library moves under us (Zotero)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Capped exponential backoff with jitter: between half and all of base * 2**attempt."""
        ceiling = min(self.cap, self.base * 2 ** attempt)
        return ceiling * self.rng.uniform(0.5, 1.0)


def retry_after_seconds(value: str | None, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
                        ) -> float | None:
    """`Retry-After` or `Backoff` as seconds: an integer or decimal, or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None   # NaN is no answer
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now()).total_seconds())


# --- pacing -----------------------------------------------------------------------------------------

class Limiter:
    """No pacing at all: the default. Subclasses pace request starts and cap requests in flight."""

    paces = False   # True: `pause` makes the next `acquire` sleep, so the transport need not

    def acquire(self, kind: str = "") -> None:
        pass

    def release(self, kind: str = "", headers: Mapping[str, str] | None = None) -> None:
        pass

    def pause(self, seconds: float) -> None:
        """Nobody starts a request for `seconds` (a 429, a 503): everyone backs off together."""


class FixedRate(Limiter):
    """At most one request every `interval` seconds, whatever the kind, one at a time."""

    paces = True

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = interval
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self, kind: str = "") -> None:
        self._lock.acquire()
        now = self.clock()
        if self._next > now:
            self.sleep(self._next - now)
            # Paced from when the request really leaves: a sleep that overran (a busy machine wakes a
            # thread tens of milliseconds late) must not shorten the gap to the next one.
            now = max(self.clock(), self._next)
        self._next = max(now, self._next) + self.interval

    def release(self, kind: str = "", headers: Mapping[str, str] | None = None) -> None:
        self._lock.release()

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, self.clock() + seconds)


_INTERVAL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def parse_interval(value: str | None) -> float | None:
    """A rate-limit interval header ('1s', '500ms') in seconds; None when unreadable."""
    match = _INTERVAL_RE.match(value or "")
    if not match:
        return None
    return float(match.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[match.group(2) or "s"]


def positive_int(value: str | None) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


# Pace a hair under the advertised rate, so a request that leaves a few milliseconds late (thread
# scheduling) does not make the server count one too many in its window: 2% is 20 ms at DBLP's one
# request a second, and a window of ten of Crossref's requests holds one too many only when the first
# left 20 ms later than the last. Not more: a first sync is bound by DBLP's pace (issue 19), and every
# percent here is a percent on its time.
PACING_MARGIN = 1.02


class AdaptiveLimiter(Limiter):
    """Paces request starts and caps requests in flight, from what the server's headers last said
    (`x-rate-limit-limit`, `x-rate-limit-interval`, `x-concurrency-limit`, as Crossref sends them).

    The concurrency cap is shared by every kind of request (a server counts a client's connections,
    whatever they ask); the pace is kept per kind ("single", "list"), since Crossref limits list
    queries separately. Until the first answer arrives only one request goes out, so a server that
    allows fewer at once than the defaults assume is never exceeded, not even by the opening burst.
    """

    paces = True

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
        limit = positive_int(headers.get("x-rate-limit-limit"))
        interval = parse_interval(headers.get("x-rate-limit-interval"))
        if limit:
            self.spacing[kind] = (interval or 1.0) / limit
        concurrency = positive_int(headers.get("x-concurrency-limit"))
        if concurrency:
            self.concurrency = concurrency

    def pause(self, seconds: float) -> None:
        with self._cond:
            self.paused_until = max(self.paused_until, self.clock() + seconds)


# --- the transport ----------------------------------------------------------------------------------

def _where(request: httpx2.Request) -> str:
    url = request.url
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.host}:{port}"


class _Deadline(threading.local):
    """The real-clock moment the current thread's request must be done by (None: no request)."""

    until: float | None = None

    def cap(self, timeout: float | None) -> float | None:
        """A socket wait no longer than what is left: a trickling server meets each read's timeout
        forever, but not this. When nothing is left the wait is a millisecond, so the stream's own
        timeout fires and raises httpx2's timeout error."""
        if self.until is None:
            return timeout
        left = max(0.001, self.until - time.monotonic())
        return left if timeout is None else min(timeout, left)


_DEADLINE = _Deadline()


class _DeadlineStream:
    """A network stream whose every wait is capped by the request's deadline."""

    def __init__(self, inner):
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _DEADLINE.cap(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _DEADLINE.cap(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout: float | None = None):
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, _DEADLINE.cap(timeout)))

    def get_extra_info(self, info: str):
        return self.inner.get_extra_info(info)


class _DeadlineBackend:
    """httpcore2's network backend with the deadline on connecting and on every stream it opens."""

    def __init__(self, inner):
        self.inner = inner

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        return _DeadlineStream(self.inner.connect_tcp(host, port, _DEADLINE.cap(timeout), local_address,
                                                      socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        return _DeadlineStream(self.inner.connect_unix_socket(path, _DEADLINE.cap(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def _with_deadline(transport: httpx2.BaseTransport) -> httpx2.BaseTransport:
    # httpx2 does not take a network backend; its connection pool keeps one, which we wrap.
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = _DeadlineBackend(pool._network_backend)
    return transport


REDIRECTS = frozenset({301, 302, 303, 307, 308})


class _Failed(Exception):
    """One attempt's answer was not a whole answer (cut short, undecodable, too slow, too large)."""


class RetryingTransport(httpx2.BaseTransport):
    """Retries, waits and paces below the client, for one source; counts the requests it sends."""

    def __init__(self, policy: RetryPolicy, *, name: str = "the server", limiter: Limiter | None = None,
                 kind_of: Callable[[httpx2.Request], str] | None = None,
                 on_wait: Callable[[float, str], None] | None = None,
                 inner: httpx2.BaseTransport | None = None, tls: bool = True, follow_redirects: bool = False):
        self.policy = policy
        self.name = name
        self.limiter = limiter or Limiter()
        self.kind_of = kind_of or (lambda request: "")
        self.on_wait = on_wait or (lambda seconds, why: None)
        # Loading the CA bundle costs ~15 ms; plain-HTTP endpoints (loopback, the local API) skip it.
        self.inner = inner or _with_deadline(httpx2.HTTPTransport(verify=_tls_context() if tls else False))
        # make_client's clients have their redirects followed here; a caller that builds the transport
        # itself (the link checker) sees each 3xx and follows it its own way.
        self.follow_redirects = follow_redirects
        self.requests = 0
        self.reached = False             # any answer at all from the server in this run
        self.on_request = lambda: None   # a stage hangs a progress bar here
        self.given_up = ""               # set by the source when it calls the server down: stop retrying
        self.started: float | None = None   # policy.clock() at the first request: the stage's deadline
        self._not_before = 0.0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        seen = {str(request.url)}
        for _ in range(self.policy.max_redirects + 1):
            response = self._attempts(request)
            location = response.headers.get("location")
            if not (self.follow_redirects and response.status_code in REDIRECTS and location):
                return response
            request = self._redirected(request, response, location, seen)
        raise SourceUnavailable(f"{self.name} ({_where(request)}) redirected {request.method} "
                                f"{_show_path(request)} more than {self.policy.max_redirects} times")

    def _redirected(self, request: httpx2.Request, response: httpx2.Response, location: str,
                    seen: set[str]) -> httpx2.Request:
        try:
            url = request.url.join(location)
        except (httpx2.InvalidURL, ValueError, TypeError):
            raise SourceUnavailable(f"{self.name} ({_where(request)}) redirected {_show_path(request)} "
                                    "to an unusable address") from None
        if (url.scheme, url.host, url.port) != (request.url.scheme, request.url.host, request.url.port):
            # The request's headers (Zotero's key among them) must not travel to another host.
            raise SourceUnavailable(f"{self.name} ({_where(request)}) redirected {_show_path(request)} to "
                                    f"another host ({escaped(url.host)}): refused")
        if str(url) in seen:
            raise SourceUnavailable(f"{self.name} ({_where(request)}) redirected {_show_path(request)} "
                                    "in a loop")
        seen.add(str(url))
        # As browsers and httpx2 do: 303 (and 301/302 after a POST) asks again with GET, without the
        # body; 307 and 308 repeat the request as it was, body included.
        method = request.method
        if (response.status_code == 303 and method != "HEAD") or (response.status_code in (301, 302)
                                                                   and method == "POST"):
            method = "GET"
        headers = request.headers.copy()
        if method != request.method:
            for name in ("content-length", "content-type", "transfer-encoding"):
                headers.pop(name, None)
        content = request.content if method == request.method else None
        return httpx2.Request(method, url, headers=headers, content=content, extensions=request.extensions)

    def _stage_check(self) -> None:
        now = self.policy.clock()
        with self._lock:
            if self.started is None:
                self.started = now
            elif now - self.started > self.policy.stage_deadline and not self.given_up:
                self.given_up = (f"{self.name}: stopped after {self.policy.stage_deadline:.0f} s, the most one "
                                 "run spends on it; what is left waits for the next run")
        if self.given_up:
            raise SourceUnavailable(self.given_up)

    def _attempts(self, request: httpx2.Request) -> httpx2.Response:
        policy, kind = self.policy, self.kind_of(request)
        last, unreached = "", 0
        for attempt in range(policy.attempts):
            self._stage_check()
            self._wait_for_backoff()
            self.limiter.acquire(kind)
            response, headers, body = None, None, b""
            try:
                with self._lock:
                    self.requests += 1
                self.on_request()
                _DEADLINE.until = time.monotonic() + policy.deadline
                response = self.inner.handle_request(request)
                body = self._read(response)   # inside the loop, so a body cut short is retried too
                headers = response.headers
            except (httpx2.TransportError, httpx2.DecodingError, _Failed) as exc:
                if response is not None:
                    response.close()
                    response = None          # never passed on: the body is not whole
                last = _why(exc, policy)
                if isinstance(exc, (httpx2.ConnectError, httpx2.ConnectTimeout)) and not self.reached:
                    unreached += 1
                    if unreached >= policy.unreached_tries:
                        raise SourceUnavailable(f"{self.name} unreachable at {_where(request)} ({last})") from None
                if isinstance(exc, _Failed) or _DEADLINE.until <= time.monotonic():
                    # Too slow or too large a whole answer: asking again costs as much and ends alike.
                    raise SourceUnavailable(f"{self.name} ({_where(request)}) {last} "
                                            f"for {request.method} {_show_path(request)}") from None
            finally:
                _DEADLINE.until = None
                self.limiter.release(kind, headers)
            delay = policy.backoff(attempt)
            if response is not None:
                self.reached = True
                self._remember_backoff(response, request)
                if response.status_code not in RETRY_STATUSES:
                    return _without_wait_headers(response, request, body)
                last = f"HTTP {response.status_code}"
                asked = retry_after_seconds(response.headers.get("retry-after"))
                response.close()
                if asked is not None and response.status_code in (429, 503):
                    if asked > policy.max_wait:
                        raise SourceUnavailable(
                            f"{self.name} ({_where(request)}) answered {last} and asked us to retry after "
                            f"{asked:.0f} s, longer than the {policy.max_wait:.0f} s we wait: try again later")
                    delay = asked
            if attempt + 1 < policy.attempts:
                if delay >= ANNOUNCE_AFTER:
                    self.on_wait(delay, f"{self.name} answered {last}")
                self.limiter.pause(delay)
                if not self.limiter.paces:
                    policy.sleep(delay)
        raise SourceUnavailable(
            f"{self.name} ({_where(request)}) did not answer {request.method} {_show_path(request)} after "
            f"{policy.attempts} attempts (last: {last})")

    def _read(self, response: httpx2.Response) -> bytes:
        """The whole decoded body, or `_Failed`; the socket waits are capped by the deadline, and the
        clock is looked at between chunks too (a fast endless body never waits)."""
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.policy.max_body:
                raise _Failed(f"sent an answer larger than {self.policy.max_body // 2**20} MB")
            if time.monotonic() > _DEADLINE.until:
                raise _Failed(f"sent no complete answer within {self.policy.deadline:.0f} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def _remember_backoff(self, response: httpx2.Response, request: httpx2.Request) -> None:
        seconds = retry_after_seconds(response.headers.get("backoff"))
        if not seconds:
            return
        if seconds > self.policy.max_wait:
            raise SourceUnavailable(
                f"{self.name} ({_where(request)}) is overloaded and asked us to back off for {seconds:.0f} s, "
                f"longer than the {self.policy.max_wait:.0f} s we wait: try again later")
        with self._lock:
            self._not_before = max(self._not_before, self.policy.clock() + seconds)

    def _wait_for_backoff(self) -> None:
        with self._lock:
            remaining = self._not_before - self.policy.clock()
            self._not_before = 0.0
        if remaining > 0:
            if remaining >= ANNOUNCE_AFTER:
                self.on_wait(remaining, f"{self.name} asked us to back off")
            self.policy.sleep(remaining)

    def close(self) -> None:
        self.inner.close()


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    return httpx2.create_ssl_context()


def _without_wait_headers(response: httpx2.Response, request: httpx2.Request, body: bytes) -> httpx2.Response:
    # Libraries above us (pyzotero) sleep on Backoff/Retry-After themselves, with the real clock; the
    # transport already owns those waits. The body is decoded now, so the encoding headers go with it.
    dropped = {"backoff", "retry-after", "content-encoding", "content-length", "transfer-encoding"}
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in dropped]
    return httpx2.Response(response.status_code, headers=headers, content=body, request=request)


def _why(exc: Exception, policy: RetryPolicy) -> str:
    """A failed attempt in a few words: what a one-line message says about it."""
    if isinstance(exc, _Failed):
        return str(exc)
    if _DEADLINE.until is not None and _DEADLINE.until <= time.monotonic():
        return f"sent no complete answer within {policy.deadline:.0f} s"
    if isinstance(exc, httpx2.DecodingError):
        return "sent a body its Content-Encoding does not decode"
    if isinstance(exc, httpx2.RemoteProtocolError):
        return "sent an answer cut short (RemoteProtocolError)"
    return type(exc).__name__


def escaped(text: str, limit: int = 80) -> str:
    """Server-given text as a message may show it: control characters escaped (a terminal escape in an
    error body must not reach the user's terminal), at most `limit` characters."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(text))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _show_path(request: httpx2.Request) -> str:
    return escaped(request.url.path)


class Client:
    """What every source's client shares: its httpx2 client (`http`, closed by `close` or a `with`), and
    the retrying transport under it that counts the run's requests."""

    http: httpx2.Client

    @property
    def requests(self) -> int:
        """HTTP requests sent in this run, retries included."""
        return transport_of(self.http).requests

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()


def make_client(base_url: str, *, policy: RetryPolicy | None = None, name: str = "the server",
                limiter: Limiter | None = None, kind_of: Callable[[httpx2.Request], str] | None = None,
                on_wait: Callable[[float, str], None] | None = None, headers: Mapping[str, str] | None = None,
                follow_redirects: bool = True, trust_env: bool = True) -> httpx2.Client:
    """An httpx2 client for one source, every request under the policy. `client._transport` is the
    `RetryingTransport` (its `requests` count and `reached` flag are what a source reports)."""
    policy = policy or RetryPolicy()
    transport = RetryingTransport(policy, name=name, limiter=limiter, kind_of=kind_of, on_wait=on_wait,
                                  tls=base_url.startswith("https:"), follow_redirects=follow_redirects)
    # The transport follows redirects (same host only, loops named), so the client does not.
    return httpx2.Client(base_url=base_url.rstrip("/") if base_url else "", transport=transport,
                         timeout=httpx2.Timeout(policy.timeout, connect=policy.connect_timeout),
                         headers=dict(headers or {}), follow_redirects=False, trust_env=trust_env)


def transport_of(client: httpx2.Client) -> RetryingTransport:
    return client._transport   # httpx2 keeps the transport it was given here
