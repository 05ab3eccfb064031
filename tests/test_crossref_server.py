"""The Crossref emulator speaks the protocol our client and habanero rely on (protocols.md 3 and 5)."""
from __future__ import annotations

import threading

import habanero
import httpx2
import pytest

from tests.crossref_fixtures import cassettes_or_skip, generate_works
from tests.servers.crossref_api import CrossrefServer, Limits

FAST = {"polite": Limits(1000, 1.0, 3), "public": Limits(1000, 1.0, 1)}


@pytest.fixture
def server():
    with CrossrefServer(generate_works(30), limits=FAST) as s:
        yield s


def test_single_work_raw_encoded_and_any_case(server):
    for path in ("/works/10.5555/gen.000003", "/works/10.5555%2Fgen.000003", "/works/10.5555/GEN.000003"):
        r = httpx2.get(server.url + path)
        assert r.status_code == 200
        assert r.json()["message-type"] == "work" and r.json()["message"]["DOI"] == "10.5555/gen.000003"


def test_unknown_doi_is_a_plain_text_404(server):
    r = httpx2.get(server.url + "/works/10.5555/nothing")
    assert (r.status_code, r.text, r.headers["content-type"]) == (404, "Resource not found.", "text/plain")


def test_doi_filter_is_an_or_and_rows_caps_it(server):
    dois = ["10.5555/gen.000001", "10.5555/GEN.000002", "10.5555/nothing"]
    r = httpx2.get(server.url + "/works", params={"filter": ",".join(f"doi:{d}" for d in dois), "rows": 3})
    message = r.json()["message"]
    assert sorted(i["DOI"] for i in message["items"]) == ["10.5555/gen.000001", "10.5555/gen.000002"]
    r = httpx2.get(server.url + "/works", params={"filter": ",".join(f"doi:{d}" for d in dois), "rows": 1})
    assert len(r.json()["message"]["items"]) == 1
    assert httpx2.get(server.url + "/works", params={"rows": 1001}).status_code == 400


def test_field_queries_are_rejected_on_a_single_work(server):
    r = httpx2.get(server.url + "/works/10.5555/gen.000001", params={"query.author": "x"})
    assert r.status_code == 400 and r.json()["message-type"] == "validation-failure"


def test_bibliographic_search_ranks_the_paper_first(server):
    w = server.works["10.5555/gen.000007"]
    query = f"{w['title'][0]} {w['author'][0]['family']} {w['issued']['date-parts'][0][0]}"
    items = httpx2.get(server.url + "/works", params={"query.bibliographic": query, "rows": 5}).json()["message"]["items"]
    assert items[0]["DOI"] == "10.5555/gen.000007"
    assert items[0]["score"] > 1.5 * items[1]["score"]


def test_pool_headers_follow_the_contact_address(server):
    public = httpx2.get(server.url + "/works/10.5555/gen.000001")
    polite = httpx2.get(server.url + "/works/10.5555/gen.000001", params={"mailto": "a@b.org"})
    in_agent = httpx2.get(server.url + "/works/10.5555/gen.000001", headers={"User-Agent": "x (mailto:a@b.org)"})
    assert (public.headers["x-api-pool"], public.headers["x-concurrency-limit"]) == ("public", "1")
    assert polite.headers["x-api-pool"] == in_agent.headers["x-api-pool"] == "polite"
    assert polite.headers["x-rate-limit-interval"] == "1s" and polite.headers["x-rate-limit-limit"] == "1000"


def test_rate_limit_is_enforced_with_429():
    with CrossrefServer(generate_works(2), limits={"public": Limits(2, 60.0, 1)}) as s:
        statuses = [httpx2.get(s.url + "/works/10.5555/gen.000001").status_code for _ in range(3)]
        assert statuses == [200, 200, 429] and s.throttled == 1 and s.requests == 3


def test_concurrency_is_counted_and_enforced():
    with CrossrefServer(generate_works(2), limits={"public": Limits(1000, 1.0, 1)}) as s:
        s.slow = 0.3
        results = []
        threads = [threading.Thread(target=lambda: results.append(
            httpx2.get(s.url + "/works/10.5555/gen.000001").status_code)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert s.max_in_flight >= 2                   # they overlapped...
        assert sorted(results)[0] == 200 and 429 in results   # ...and the extra ones were turned away


def test_failures_on_demand(server):
    server.fail_next(2, 503)
    statuses = [httpx2.get(server.url + "/works/10.5555/gen.000001").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    server.failing = 500
    assert httpx2.get(server.url + "/works/10.5555/gen.000001").status_code == 500
    assert server.by_kind["single"] == 4


def test_habanero_talks_to_it_with_gzip(server):
    cr = habanero.Crossref(base_url=server.url, mailto="a@b.org")
    assert cr.works(ids="10.5555/gen.000004")["message"]["DOI"] == "10.5555/gen.000004"
    found = cr.works(filter={"doi": ["10.5555/gen.000004", "10.5555/gen.000005"]}, limit=2)
    assert found["message"]["total-results"] == 2
    assert server.log[-1][2] == 200


@pytest.mark.shared
def test_recorded_answers_are_served():
    interactions = cassettes_or_skip()
    with CrossrefServer.recorded(interactions, limits=FAST) as s:
        cr = habanero.Crossref(base_url=s.url)
        one = cr.works(ids="10.1371/journal.pone.0033693")["message"]
        assert one["is-referenced-by-count"] == 72 and one["updated-by"][0]["type"] == "correction"
        # The recorded list query comes back exactly as Crossref sent it.
        items = cr.works(query="ecology", limit=2)["message"]["items"]
        assert [i["DOI"] for i in items] == ["10.1093/obo/9780199830060-0238", "10.1093/obo/9780199830060-0023"]
        with pytest.warns(UserWarning):
            assert cr.works(ids=["10.1371/notarealdoi"], warn=True) is None
