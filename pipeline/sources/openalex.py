"""OpenAlex works API client: the only code that speaks HTTP to OpenAlex.

It fetches works by DOI, 50 per request (`/works?filter=doi:A|B|...`, the OR syntax OpenAlex's own
blog recommends for batches of up to 50 DOIs), one work by DOI where a DOI cannot ride in a filter
(`/works/doi:...`), and runs title searches (`pipeline.convert.openalex.search_params`), through the
shared HTTP policy (`pipeline.sources.http`): retries of 429, 5xx and dropped connections,
`Retry-After` obeyed, and a `Retry-After` too long to wait turns into "OpenAlex is down for this run".

What OpenAlex documents, and what we do about it:
- The polite pool: a contact address as `mailto=` on every request. Sent when one is configured.
- Limits: at most 100 requests a second for anyone, and a daily allowance (100,000 calls a day in
  the long-standing docs; since 2026 a budget in credits, in which a list or filter call costs ten
  times less than a search and a lookup of one work by its id costs nothing). We pace at 10 requests
  a second, the figure the polite pool has long been given, with up to 4 in flight when a contact
  address is set and one at a time without; and we spend the allowance on filters: 1,000 DOIs are 20
  requests. A 429 means "too fast" or "allowance spent": the policy waits as `Retry-After` says, or
  gives up when it says "tomorrow".
- An API key (`api_key=`, free) is expected since 13 February 2026: without one the daily allowance is a
  hundredth of a free key's (about a hundred list requests). It is sent when `OPENALEX_API_KEY` is set,
  in the query only; messages name the request's path, never its query, so the key appears in no
  message, and the cache keeps the search's own parameters, never the query sent.
- `select=` takes root-level fields only: we ask for those the converter reads
  (`pipeline.convert.openalex.SELECT`).
- A DOI with `,` or `&` is refused (403) even as a single lookup, and `,` or `|` would break a filter:
  such a DOI is looked up alone, and a refusal is that DOI's failure, not the run's.

Why httpx2 and not pyalex: pyalex speaks `requests`, so its calls cannot go through the shared
transport (an httpx2 transport): its retries are urllib3's `Retry` with their own backoff, its pacing
its own, it stops for no host that was never reached and counts no requests for the tests, and its
contact address and key live in a process-wide `config`. The batching it offers is the same
`filter=doi:a|b` string we send, and the cache is ours either way.

It returns plain data (`Outcome`s with the raw works, in OpenAlex's JSON) and raises nothing for a
failed lookup: a failure is an Outcome with a one-line reason. The caller decides what to cache.
"""
from __future__ import annotations

import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, Mapping

import httpx2

from pipeline.convert import openalex as convert
from pipeline.sources import http

DEFAULT_URL = "https://api.openalex.org"
BATCH_SIZE = 50          # DOIs OR-ed in one filter: OpenAlex's documented batch
PER_PAGE = 200           # the largest page: room for a DOI that two works share, so none falls off
MAX_PAGES = 5            # pages of one batch: 50 DOIs never hold 1,000 works, unless the answer is wrong
RATE = (10, 1.0)         # requests per seconds
CONCURRENCY = 4          # requests in flight with a contact address; one without
USER_AGENT = "awesome-ml-reliability-pipeline/0.1"
UNBATCHABLE = (",", "|", "&")   # a comma ends a filter, a pipe ORs, an ampersand ends the query


Outcome = http.Outcome      # one type for every source (sources/http.py)


class OpenAlexError(http.SourceError):
    """OpenAlex could not answer one request; the message is one line."""


def default_policy(sleep: Callable[[float], None] = time.sleep) -> http.RetryPolicy:
    # A Retry-After over a minute is the daily allowance spent: "not today" for an enrichment.
    return http.RetryPolicy(attempts=5, base=0.5, cap=30.0, max_wait=60.0, timeout=20.0, sleep=sleep)


def doi_filter(dois: Iterable[str]) -> str:
    return "doi:" + "|".join(dois)


class OpenAlexClient(http.Client):
    """A polite OpenAlex client. Thread-safe; use as a context manager or call `close()`."""

    def __init__(self, base_url: str = DEFAULT_URL, mailto: str = "", *, policy: http.RetryPolicy | None = None,
                 api_key: str = "", batch_size: int = BATCH_SIZE, workers: int = CONCURRENCY,
                 on_wait: Callable[[float, str], None] | None = None):
        self.base_url = (base_url or DEFAULT_URL).rstrip("/")
        self.mailto = mailto
        self.api_key = api_key
        self.batch_size = max(1, min(batch_size, BATCH_SIZE))
        self.policy = policy or default_policy()
        self.workers = max(1, workers) if mailto else 1
        rate, interval = RATE
        self.limiter = http.AdaptiveLimiter(rate, interval, self.workers, clock=self.policy.clock,
                                            sleep=self.policy.sleep)
        agent = USER_AGENT + (f" (mailto:{mailto})" if mailto else "")
        self.http = http.make_client(self.base_url, policy=self.policy, name="OpenAlex", limiter=self.limiter,
                                     on_wait=on_wait, headers={"User-Agent": agent, "Accept": "application/json"})
        self.transport = http.transport_of(self.http)
        self.down = ""           # why OpenAlex is considered unavailable for the rest of the run

    # --- one request (the transport retries) ----------------------------------------------------

    def _get(self, path: str, params: Mapping) -> tuple[int, object]:
        """(status, JSON body) for 200 and 404; raises OpenAlexError otherwise."""
        if self.down:
            raise OpenAlexError(self.down)
        query = dict(params)
        query["select"] = ",".join(convert.SELECT)
        if self.mailto:
            query["mailto"] = self.mailto
        if self.api_key:
            query["api_key"] = self.api_key
        try:
            response = self.http.get(path, params=query)
        except http.SourceUnavailable as exc:
            # Every retry failed, the host was never reached, or OpenAlex asked for a longer pause
            # than we wait (its allowance for today is spent): down for this run.
            self.down = " ".join(str(exc).split()) or "OpenAlex unavailable"
            self.transport.given_up = self.down
            raise OpenAlexError(self.down) from None
        except httpx2.HTTPError as exc:   # an invalid URL (a query too long), a protocol error
            raise OpenAlexError(f"OpenAlex request for {path} failed: {type(exc).__name__}") from None
        status = response.status_code
        if status == 404:
            return 404, None
        if status != 200:
            # 400 (a filter OpenAlex cannot read) or 403 (an id it refuses): asking again will not help.
            raise OpenAlexError(f"OpenAlex answered HTTP {status} for {path}")
        try:
            return 200, response.json()
        except ValueError:
            raise OpenAlexError(f"OpenAlex answered {path} with a body that is not JSON") from None

    def _list(self, params: Mapping) -> list[dict]:
        """Every work of a list query, page after page (one page unless a DOI has duplicates)."""
        works: list[dict] = []
        page = 1
        while True:
            _, body = self._get("/works", {**params, "page": page})
            try:
                found = convert.results_of(body)
            except ValueError as exc:
                raise OpenAlexError(f"OpenAlex answered /works with {exc}") from None
            works += found
            meta = body.get("meta") if isinstance(body.get("meta"), Mapping) else {}
            count = meta.get("count")
            per_page = int(params.get("per-page", PER_PAGE))
            if not found or not isinstance(count, int) or page * per_page >= count:
                return works
            if page >= MAX_PAGES:
                raise OpenAlexError(f"OpenAlex answered /works with {count} works, more than {MAX_PAGES} pages: "
                                    "not the answer to a lookup by DOI")
            page += 1

    # --- the lookups --------------------------------------------------------------------------

    def works(self, dois: list[str]) -> dict[str, dict]:
        """One batch: {lower-case DOI: work} for the DOIs OpenAlex has. A DOI it returns no work for is
        one it does not know: its DOI filter matches the whole DOI, ignoring case, and nothing else."""
        wanted = {d.lower() for d in dois}
        found: dict[str, dict] = {}
        for work in self._list({"filter": doi_filter(sorted(wanted)), "per-page": PER_PAGE}):
            key = convert.doi(work)
            if key in wanted and _preferred(work, found.get(key)):
                found[key] = work
        return found

    def work(self, doi: str) -> dict | None:
        """GET /works/doi:{doi}: the work, or None when OpenAlex does not know the DOI."""
        status, body = self._get("/works/doi:" + urllib.parse.quote(doi, safe="/"), {})
        if status == 404:
            return None
        if not isinstance(body, dict) or not body.get("id"):
            raise OpenAlexError(f"OpenAlex answered /works/doi:{doi} with no work")
        return body

    def search(self, params: Mapping) -> list[dict]:
        """The works of one title search (`pipeline.convert.openalex.search_params`), best first."""
        _, body = self._get("/works", dict(params))
        try:
            return convert.results_of(body)
        except ValueError as exc:
            raise OpenAlexError(f"OpenAlex answered a search with {exc}") from None

    # --- many lookups -------------------------------------------------------------------------

    def fetch_works(self, dois: Iterable[str]) -> Iterator[Outcome]:
        """An Outcome per DOI (lower case), batches first, in the order of the sorted DOIs."""
        dois = sorted({d.strip().lower() for d in dois if d and d.strip()})
        batchable = [d for d in dois if not any(c in d for c in UNBATCHABLE)]
        singles = [d for d in dois if any(c in d for c in UNBATCHABLE)]
        batches = [batchable[i:i + self.batch_size] for i in range(0, len(batchable), self.batch_size)]
        for batch, result in self._each(self.works, batches):
            for doi in batch:
                if isinstance(result, Exception):
                    yield Outcome(doi, "failed", reason=str(result))
                elif doi in result:
                    yield Outcome(doi, "found", result[doi])
                else:
                    yield Outcome(doi, "not-found")
        for doi, result in self._each(self.work, singles):
            if isinstance(result, Exception):
                yield Outcome(doi, "failed", reason=str(result))
            else:
                yield Outcome(doi, "not-found" if result is None else "found", result)

    def fetch_searches(self, queries: Iterable[Mapping]) -> Iterator[Outcome]:
        """An Outcome per query (the key is the query's parameters), in the order given."""
        for params, result in self._each(self.search, list(queries)):
            if isinstance(result, Exception):
                yield Outcome(params, "failed", reason=str(result))
            else:
                yield Outcome(params, "found", result)

    def _each(self, call, args: list) -> Iterator[tuple[object, object]]:
        """(arg, result or OpenAlexError) for each arg, in order; the limiter, not the pool, sets the pace."""
        if not args:
            return
        with ThreadPoolExecutor(max_workers=min(self.workers, len(args)), thread_name_prefix="openalex") as pool:
            yield from zip(args, pool.map(lambda arg: self._guarded(call, arg), args))

    @staticmethod
    def _guarded(call, arg):
        try:
            return call(arg)
        except OpenAlexError as exc:
            return exc


def _preferred(work: dict, other: dict | None) -> bool:
    """Of two works OpenAlex holds for one DOI (a duplicate not yet merged), the more cited one, then the
    lower id: the choice must not depend on the order of the answer."""
    if other is None:
        return True
    mine, theirs = convert.citation_fields(work).get("citations", -1), convert.citation_fields(other).get("citations", -1)
    if mine != theirs:
        return mine > theirs
    return str(work.get("id", "")) < str(other.get("id", ""))
