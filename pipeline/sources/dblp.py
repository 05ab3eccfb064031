"""DBLP search API client: the only code that speaks HTTP to DBLP.

It asks `/search/publ/api` for the hits of a query (and `/search/venue/api` for a venue), through the
shared HTTP policy (`pipeline.sources.http`): retries of 429, 5xx and dropped connections, `Retry-After`
obeyed, and a fixed pace, one request a second by default, because DBLP asks its API's users for
gentle use and throttles impatient ones with 429 and a `Retry-After` (issue 9.4). Requests go one
after another, never side by side, for the same reason.

It returns plain data (`Outcome`s with the raw hits, in DBLP's JSON) and raises nothing for a failed
search: a failure is an Outcome with a one-line reason. After DBLP failed every retry once, the rest
of the run's searches fail at once with the same reason instead of asking a service that is down or
unreachable again and again. The enrich stage decides what to cache.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable, Iterator, Mapping

import httpx2

from pipeline.convert import dblp as convert
from pipeline.sources import http

# DBLP asks for gentle use: one request a second at most. Paced a hair slower, so a request that
# leaves on time but arrives ahead of the one before it (a new connection's setup delays only the first)
# is still a second after it at DBLP's end.
INTERVAL = 1.0 * http.PACING_MARGIN
USER_AGENT = "awesome-ml-reliability-pipeline/0.1"
PUBLICATIONS = "/search/publ/api"
VENUES = "/search/venue/api"


Outcome = http.Outcome      # one type for every source (sources/http.py)


class DblpError(http.SourceError):
    """DBLP could not answer, where the caller cannot go on without it (`add`); the message is one line.
    The client itself returns failed Outcomes: enrich goes on without the answer."""


def default_policy(sleep: Callable[[float], None] = time.sleep) -> http.RetryPolicy:
    # A Retry-After over a minute means "not today" for an enrichment that can run next week.
    return http.RetryPolicy(attempts=5, base=1.0, cap=30.0, max_wait=60.0, timeout=20.0, sleep=sleep)


class DblpClient(http.Client):
    """A gentle DBLP client, one request at a time. Use as a context manager or call `close()`."""

    def __init__(self, base_url: str, *, policy: http.RetryPolicy | None = None, interval: float = INTERVAL,
                 on_wait: Callable[[float, str], None] | None = None):
        self.base_url = base_url.rstrip("/")
        self.policy = policy or default_policy()
        self.limiter = http.FixedRate(interval, clock=self.policy.clock, sleep=self.policy.sleep)
        self.http = http.make_client(self.base_url, policy=self.policy, name="DBLP", limiter=self.limiter,
                                     on_wait=on_wait,
                                     headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        self.transport = http.transport_of(self.http)
        self.down = ""           # why DBLP is considered unavailable for the rest of the run

    def _ask(self, key: object, path: str, query: Mapping) -> Outcome:
        if self.down:
            return Outcome(key, "failed", reason=self.down)
        try:
            response = self.http.get(path, params=dict(query))
        except http.SourceUnavailable as exc:
            # Every retry failed, or DBLP asked for a longer pause than we wait: it is down for this
            # run, and asking again for each remaining paper would be anything but gentle.
            self.down = " ".join(str(exc).split()) or "DBLP unavailable"
            self.transport.given_up = self.down
            return Outcome(key, "failed", reason=self.down)
        except httpx2.HTTPError as exc:   # an invalid URL (a query too long), a protocol error
            return Outcome(key, "failed", reason=f"DBLP request for {path} failed: {type(exc).__name__}")
        if response.status_code != 200:
            # A 4xx: our request is wrong, and asking again will not fix it.
            return Outcome(key, "failed", reason=f"DBLP answered HTTP {response.status_code} for {path}")
        try:
            body = response.json()
        except ValueError:
            return Outcome(key, "failed", reason=f"DBLP answered {path} with a body that is not JSON")
        try:
            hits = convert.hits_of(body)
        except ValueError as exc:
            return Outcome(key, "failed", reason=f"DBLP answered {path} with {exc}")
        return Outcome(key, "found", hits)

    def search(self, params: Mapping) -> Outcome:
        """The hits of one publication search (`pipeline.convert.dblp.search_params`); `key` is `params`."""
        query = {"q": params["q"], "h": params.get("h", convert.SEARCH_HITS), "format": "json", "c": 0}
        if "f" in params:
            query["f"] = params["f"]
        return self._ask(params, PUBLICATIONS, query)

    def record(self, key: str) -> Outcome:
        """One record by its key (`/rec/<key>.xml`, for `add`): `found` with the record as a search hit
        (`convert.record_hit`), `not-found` when DBLP has no such key, else `failed`."""
        if self.down:
            return Outcome(key, "failed", reason=self.down)
        try:
            response = self.http.get(f"/rec/{key}.xml", headers={"Accept": "application/xml"})
        except http.SourceUnavailable as exc:
            self.down = " ".join(str(exc).split()) or "DBLP unavailable"
            return Outcome(key, "failed", reason=self.down)
        except httpx2.HTTPError as exc:
            return Outcome(key, "failed", reason=f"DBLP request for record {key} failed: {type(exc).__name__}")
        if response.status_code == 404:
            return Outcome(key, "not-found")
        if response.status_code != 200:
            return Outcome(key, "failed", reason=f"DBLP answered HTTP {response.status_code} for record {key}")
        try:
            return Outcome(key, "found", [convert.record_hit(response.text)])
        except ValueError as exc:
            return Outcome(key, "failed", reason=f"DBLP answered record {key} with {exc}")

    def search_venue(self, q: str, hits: int = 10) -> Outcome:
        """The hits of one venue search (`convert.dblp.venue_fields` reads each); `key` is `q`."""
        return self._ask(q, VENUES, {"q": q, "h": hits, "format": "json", "c": 0})

    def fetch_searches(self, queries: Iterable[Mapping]) -> Iterator[Outcome]:
        """An Outcome per query, in the order given, one request at a time at the limiter's pace."""
        for params in queries:
            yield self.search(params)
