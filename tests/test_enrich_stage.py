"""The enrich stage and the Crossref client against the emulator: batching, cache, limits, failures."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from pipeline import config
from pipeline.machinery import files
from pipeline.machinery.crossref_cache import CrossrefCache
from pipeline.model import ENRICH_DOI, ENRICH_NOT_FOUND, ENRICH_SEARCH, ENRICH_UNAVAILABLE
from pipeline.report import Reporter
from pipeline.rules.enrichment import apply
from pipeline.sources import http
from pipeline.sources.crossref import AdaptiveLimiter, CrossrefClient
from pipeline.stages import Options, enrich
from tests.crossref_fixtures import generate_works, item_key, zotero_item
from tests.servers.crossref_api import CrossrefServer, Limits
from tests.servers.openalex_api import OpenAlexServer

ROOT = Path(__file__).resolve().parents[1]
FAST = {"polite": Limits(1000, 1.0, 3), "public": Limits(1000, 1.0, 1)}
MAILTO = "curator@example.org"
OPENALEX: dict = {}


def openalex() -> dict:
    """These are Crossref's tests: beside Crossref answers an OpenAlex that knows no DOI (one loopback
    server for the whole session, started by the first test that asks)."""
    if not OPENALEX:
        server = OpenAlexServer([]).__enter__()
        OPENALEX.update(OPENALEX_API_URL=server.url, OPENALEX_MAILTO=MAILTO)
    return OPENALEX


class NoSleep:
    """Records the sleeps the client asks for instead of sleeping."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_project(root: Path, works: list[dict], *, without_doi: int = 0, year_offset: dict | None = None) -> None:
    """A snapshot with one Zotero item per work; the first `without_doi` items have no DOI."""
    items = root / "data/raw/zotero/items"
    items.mkdir(parents=True)
    for i, work in enumerate(works):
        key = item_key(i)
        item = zotero_item(work, key, with_doi=i >= without_doi, year_offset=(year_offset or {}).get(i, 0))
        (items / f"{key}.json").write_text(files.dump_json(item), encoding="utf-8")   # no fsync: fast
    (root / "data/curated").mkdir(parents=True)
    shutil.copy(ROOT / "data/curated/venues.csv", root / "data/curated/venues.csv")


def settings_for(root: Path, server: CrossrefServer):
    return config.load(root, environ={"CROSSREF_API_URL": server.url, "CROSSREF_MAILTO": MAILTO,
                                      "DBLP_API_URL": "http://127.0.0.1:9", **openalex()})


def run(settings, *, client=None, **options):
    stream = io.StringIO()
    summary = enrich.run(settings, Options(**options), Reporter(1, stream), client=client)
    return summary, stream.getvalue()


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def merged(settings):
    cache = CrossrefCache.for_settings(settings)
    records, _ = enrich.load_records(settings)
    return [apply(r, cache) for r in records]


# --- cold, warm, offline, refresh -------------------------------------------------------------------

def test_cold_cache_batches_then_warm_cache_asks_nothing(tmp_path):
    works = generate_works(1000, seed=1)
    make_project(tmp_path, works, without_doi=0)
    with CrossrefServer(works, limits=FAST) as server:
        settings = settings_for(tmp_path, server)
        summary, out = run(settings)
        assert summary.found == 1000 and summary.failed == 0
        assert server.requests <= 25                       # at most 25 requests per 1,000 DOIs
        assert server.by_kind["single"] == 0               # every DOI came in a batch
        assert "1000 works" in out
        before = server.requests
        summary, out = run(settings)
        assert server.requests == before                   # warm cache: none
        assert "nothing to look up" in out
    results = merged(settings)
    assert all(r.enrichment == ENRICH_DOI for r, _ in results)
    assert {r.venue_label for r, _ in results} <= {"ICSE", "FSE", "ISSTA", "SOSP", "NeurIPS", "ICML",
                                                   "TOSEM", "TSE", "EMSE"}


def test_searches_unknown_dois_and_mistyped_years(tmp_path):
    works = generate_works(40, seed=2)
    make_project(tmp_path, works, without_doi=10, year_offset={12: 1})
    # One DOI Crossref does not know: the batch leaves it out, one single request confirms it.
    item = files.read_json(tmp_path / f"data/raw/zotero/items/{item_key(39)}.json")
    item["data"]["DOI"] = "10.5555/unknown.1"
    files.write_json(tmp_path / f"data/raw/zotero/items/{item_key(39)}.json", item)
    with CrossrefServer(works[:39], limits=FAST) as server:
        settings = settings_for(tmp_path, server)
        summary, _ = run(settings)
        assert (summary.found, summary.not_found, summary.queries, summary.verified) == (29, 1, 10, 10)
        assert server.by_kind == {"single": 1, "list": 1 + 10}
    results = {r.key: (r, p) for r, p in merged(settings)}
    searched, problems = results[item_key(0)]
    assert searched.enrichment == ENRICH_SEARCH and searched.doi == works[0]["DOI"] and problems == []
    assert results[item_key(39)][0].enrichment == ENRICH_NOT_FOUND
    mistyped, problems = results[item_key(12)]
    assert mistyped.year == works[12]["issued"]["date-parts"][0][0]
    assert [p.code for p in problems] == ["year-disagrees"]


def test_offline_reads_only_the_cache(tmp_path):
    works = generate_works(5)
    make_project(tmp_path, works)
    with CrossrefServer(works, limits=FAST) as server:
        summary, out = run(settings_for(tmp_path, server), offline=True)
        assert server.requests == 0
    assert "--offline: 5 items could not be looked up" in out and out.count("\n") == 2
    assert "--offline: 5 items not looked up on OpenAlex" in out
    assert not (tmp_path / "data/raw/crossref").exists()


def test_refresh_refetches_and_rewrites_nothing_unchanged(tmp_path):
    works = generate_works(5)
    make_project(tmp_path, works)
    with CrossrefServer(works, limits=FAST) as server:
        settings = settings_for(tmp_path, server)
        run(settings)
        cache_files = sorted((tmp_path / "data/raw/crossref").rglob("*.json"))
        before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in cache_files}
        requests = server.requests
        run(settings, refresh=True)
        assert server.requests > requests
        assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in cache_files} == before


def test_corrupt_cache_file_is_reported_and_refetched(tmp_path):
    works = generate_works(3)
    make_project(tmp_path, works)
    with CrossrefServer(works, limits=FAST) as server:
        settings = settings_for(tmp_path, server)
        run(settings)
        cache = CrossrefCache.for_settings(settings)
        path = cache.work_path(works[1]["DOI"])
        path.write_text("{truncated", encoding="utf-8")
        summary, out = run(settings)
        assert summary.dois == 1 and summary.found == 1
        (problem,) = summary.problems                     # shown by -v and `make check`
        assert problem.code == "cache-corrupt" and problem.where == item_key(1)
        assert "unreadable Crossref cache file data/raw/crossref/works/10.5555%2Fgen.000001.json" in problem.message
        assert files.read_json(path)["DOI"] == works[1]["DOI"]


# --- politeness and failures ------------------------------------------------------------------------

def test_never_more_in_flight_than_the_server_allows(tmp_path):
    works = generate_works(40)
    with CrossrefServer(works, limits={"polite": Limits(1000, 1.0, 2)}) as server:
        server.slow = 0.02
        with CrossrefClient(server.url, MAILTO, batch_size=2) as client:
            outcomes = list(client.fetch_works(w["DOI"] for w in works))
        assert {o.kind for o in outcomes} == {"found"} and len(outcomes) == 40
        assert server.max_in_flight == 2                 # the server counted; parallel, never over
        assert server.throttled == 0


def test_first_request_goes_alone_until_the_limits_are_known():
    limiter = AdaptiveLimiter(10, 1.0, 3, clock=lambda: 0.0, sleep=lambda s: None)
    limiter.acquire()
    assert limiter.in_flight == 1 and not limiter.heard
    limiter.release(headers={"x-rate-limit-limit": "50", "x-rate-limit-interval": "2s", "x-concurrency-limit": "2"})
    assert (limiter.concurrency, limiter.spacing["single"]) == (2, 2 / 50)


def test_pacing_follows_the_rate_limit_header():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = AdaptiveLimiter(10, 1.0, 3, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.acquire("list")
        limiter.release("list", {"x-rate-limit-limit": "4", "x-rate-limit-interval": "1s"})
    # 4 per second: starts 0.25 s apart (plus the 5% margin), the first one immediately.
    margin = http.PACING_MARGIN
    assert slept[0] == pytest.approx(0.1 * margin) and slept[1:] == [pytest.approx(0.25 * margin)] * 2


def test_429_and_5xx_are_retried_with_backoff():
    works = generate_works(3)
    with CrossrefServer(works, limits=FAST) as server:
        server.fail_next(1, 429)
        server.fail_next(1, 503)
        sleep = NoSleep()
        with CrossrefClient(server.url, MAILTO, sleep=sleep) as client:
            assert client.work(works[0]["DOI"])["DOI"] == works[0]["DOI"]
            assert client.requests == 3
        # Jittered backoff: 0.25-0.5 s, then 0.5-1 s (the limiter sleeps what is left of each pause).
        waits = [s for s in sleep.calls if s > 0.2]
        assert len(waits) == 2 and 0.25 <= waits[0] <= 0.5 * http.PACING_MARGIN and 0.5 <= waits[1] <= 1.0 * http.PACING_MARGIN


def test_timeouts_are_retried():
    works = generate_works(1)
    with CrossrefServer(works, limits=FAST) as server:
        server.slow_next(1, 0.4)
        with CrossrefClient(server.url, MAILTO, timeout=0.1, sleep=NoSleep()) as client:
            assert client.work(works[0]["DOI"])["DOI"] == works[0]["DOI"]
            assert client.requests == 2


def test_crossref_down_the_build_still_has_every_item(tmp_path):
    works = generate_works(120)
    make_project(tmp_path, works, without_doi=20)
    with CrossrefServer(works, limits=FAST) as server:
        server.failing = 503
        settings = settings_for(tmp_path, server)
        client = CrossrefClient(server.url, MAILTO, sleep=NoSleep())
        summary, out = run(settings, client=client)
        client.close()
        # Three lookups fail every retry, then the breaker stops asking: at most the 8 workers' five
        # tries each, where 23 lookups retried to the end would be 115 requests.
        assert server.requests <= 8 * 5
    assert "did not answer GET /works after 5 attempts (last: HTTP 503)): 120 items not looked up" in out
    results = merged(settings)
    assert len(results) == 120
    assert all(r.enrichment == ENRICH_UNAVAILABLE for r, _ in results)
    assert all("not-enriched" in [p.code for p in problems] for _, problems in results)
    assert all(r.title and r.year for r, _ in results)     # Zotero metadata kept


def test_unreachable_crossref_is_one_line_too(tmp_path):
    works = generate_works(2)
    make_project(tmp_path, works)
    with CrossrefServer(works) as server:
        url = server.url
    settings = config.load(tmp_path, environ={"CROSSREF_API_URL": url, "DBLP_API_URL": "http://127.0.0.1:9", **openalex()})
    client = CrossrefClient(url, sleep=NoSleep(), timeout=0.5)
    summary, out = run(settings, client=client)
    assert summary.failed == 2
    assert "items not looked up" in out and "unreachable" in out
    # Never reached at all (no network, wrong URL): two tries, not the whole backoff ladder per item.
    assert client.requests == 2


def test_dry_run_fetches_and_writes_nothing(tmp_path):
    works = generate_works(3)
    make_project(tmp_path, works)
    with CrossrefServer(works, limits=FAST) as server:
        _, out = run(settings_for(tmp_path, server), dry_run=True)
        assert server.requests == 0
    assert "would look up 3 DOIs and 0 searches" in out
    assert not (tmp_path / "data/raw/crossref").exists()


@pytest.mark.shared
def test_recorded_responses_end_to_end(tmp_path):
    """Server fed from the cassettes -> enrich -> cache -> apply: what the recorded records say."""
    from tests.crossref_fixtures import cassettes_or_skip

    interactions = cassettes_or_skip()
    wanted = {  # DOI: (year, venue label, citations, problem codes)
        "10.1145/2831244.2831252": (2015, "DISCS", 1, []),
        "10.1371/journal.pone.0033693": (2012, "PLoS ONE", 72, ["corrected"]),
        "10.1038/srep16696": (2015, "Scientific Reports", 110, []),   # no ISO abbreviations as labels
        "10.1002/essoar.10504562.1": (2020, "Earth and Space Science Open Archive", 0, ["published-version"]),
        "10.1371/notarealdoi": (None, None, None, ["doi-unknown"]),
    }
    items = tmp_path / "data/raw/zotero/items"
    items.mkdir(parents=True)
    for i, doi in enumerate(wanted):
        data = {"key": item_key(i), "itemType": "journalArticle", "title": f"Paper {i}", "DOI": doi.upper(),
                "creators": [], "date": "", "collections": ["C1"]}
        files.write_json(items / f"{item_key(i)}.json", {"key": item_key(i), "data": data})
    with CrossrefServer.recorded(interactions, limits=FAST) as server:
        settings = settings_for(tmp_path, server)
        summary, _ = run(settings)
        assert (summary.found, summary.not_found, server.by_kind["list"]) == (4, 1, 1)
    # Records keep Zotero's (upper-case) DOIs; they are looked up ignoring case.
    results = {r.doi.lower(): (r, p) for r, p in merged(settings)}
    for doi, (year, label, citations, problem_codes) in wanted.items():
        record, problems = results[doi]
        if year is not None:
            assert (record.year, record.venue_label, record.citations) == (year, label, citations)
        assert sorted(p.code for p in problems if p.code != "title-disagrees") == problem_codes
