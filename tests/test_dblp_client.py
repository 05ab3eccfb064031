"""pipeline.sources.dblp against the loopback DBLP server: gentle pacing, 429 + Retry-After, 503, bad bodies,
an unreachable host; every failure a one-line Outcome, never a traceback."""
from __future__ import annotations

import socket

import pytest

from pipeline.convert import dblp as convert
from pipeline.model import Record
from pipeline.sources import http
from pipeline.sources.dblp import DblpClient
from tests.servers.dblp_api import DblpServer

DEEPXPLORE = {"authors": {"author": [{"@pid": "185/3122", "text": "Kexin Pei"}]},
              "title": "DeepXplore: Automated Whitebox Testing of Deep Learning Systems.", "venue": "SOSP",
              "year": "2017", "type": "Conference and Workshop Papers", "key": "conf/sosp/PeiCYJ17",
              "doi": "10.1145/3132747.3132785"}
DEEPXPLORE_CORR = dict(DEEPXPLORE, venue="CoRR", type="Informal and Other Publications",
                       key="journals/corr/PeiCYJ17", doi="10.48550/ARXIV.1705.06640")
PARAMS = convert.search_params(Record(key="K", title="DeepXplore: automated whitebox testing of deep learning "
                                      "systems"))


@pytest.fixture
def server():
    with DblpServer([DEEPXPLORE, DEEPXPLORE_CORR]) as s:
        yield s


@pytest.fixture
def waits():
    return []


@pytest.fixture
def quick(server, waits):
    """A client whose waits (pacing, backoff, Retry-After) are recorded instead of slept."""
    policy = http.RetryPolicy(attempts=4, base=0.5, max_wait=60.0, sleep=waits.append)
    with DblpClient(server.url, policy=policy) as client:
        yield client


def test_search_finds_the_paper_and_its_preprint(server, quick):
    outcome = quick.search(PARAMS)
    assert outcome.kind == "found" and outcome.key == PARAMS
    assert {h["info"]["key"] for h in outcome.value} == {"conf/sosp/PeiCYJ17", "journals/corr/PeiCYJ17"}
    path, query, status = server.log[0]
    assert path == "/search/publ/api" and "format=json" in query and "h=10" in query and status == 200
    assert quick.requests == 1


def test_nothing_found_is_found_with_no_hits(quick):
    outcome = quick.search({"q": "quantum chromodynamics", "h": 10})
    assert outcome.kind == "found" and outcome.value == []


def test_one_request_a_second_by_default(server):
    # DBLP throttles a client that is not gentle. The client leaves 1.02 s between requests; 0.1 s of
    # slack absorbs a loaded test machine's scheduling, while an unpaced client's gaps are milliseconds.
    server.min_interval = 0.9
    with DblpClient(server.url) as client:
        outcomes = list(client.fetch_searches([PARAMS, {"q": "deepxplore", "h": 5}, {"q": "sosp", "h": 5}]))
    assert [o.kind for o in outcomes] == ["found"] * 3
    assert [o.key for o in outcomes] == [PARAMS, {"q": "deepxplore", "h": 5}, {"q": "sosp", "h": 5}]
    gaps = [b - a for a, b in zip(server.times, server.times[1:])]
    assert server.throttled == 0 and len(gaps) == 2 and min(gaps) >= 0.9
    assert client.limiter.interval >= 1.0


def test_429_waits_the_retry_after_seconds(server, quick, waits):
    server.throttle_next(1, retry_after=7)
    outcome = quick.search(PARAMS)
    assert outcome.kind == "found" and server.requests == 2 and quick.requests == 2
    assert any(abs(w - 7) < 0.5 for w in waits), waits


def test_real_retry_after_is_honoured(server):
    server.throttle_next(1, retry_after=1)
    with DblpClient(server.url, interval=0.0) as client:
        assert client.search(PARAMS).kind == "found"
    assert server.times[1] - server.times[0] >= 0.95


def test_retry_after_too_long_gives_up_for_the_run(server, quick):
    server.throttle_next(1, retry_after=3600)
    first = quick.search(PARAMS)
    assert first.kind == "failed" and "3600" in first.reason and "\n" not in first.reason
    second = quick.search({"q": "sosp", "h": 5})
    assert second.kind == "failed" and second.reason == first.reason
    assert server.requests == 1          # DBLP asked for an hour: nobody asks again this run


def test_503_is_retried(server, quick, waits):
    server.fail_next(2, status=503)
    assert quick.search(PARAMS).kind == "found"
    assert server.requests == 3 and [s for _, _, s in server.log] == [503, 503, 200]


def test_down_for_every_retry_is_one_line_and_stops_asking(server, quick):
    server.failing = 503
    outcomes = list(quick.fetch_searches([PARAMS, {"q": "sosp", "h": 5}, {"q": "x", "h": 5}]))
    assert [o.kind for o in outcomes] == ["failed"] * 3
    assert "DBLP" in outcomes[0].reason and "HTTP 503" in outcomes[0].reason and "\n" not in outcomes[0].reason
    assert server.requests == 4          # the first search's tries; the others were not sent


def test_malformed_json_fails_that_search_only(server, quick):
    server.malformed_next(1)
    bad = quick.search(PARAMS)
    assert bad.kind == "failed" and bad.reason == "DBLP answered /search/publ/api with a body that is not JSON"
    assert quick.search(PARAMS).kind == "found"


def test_a_client_error_is_not_retried(server, quick):
    outcome = quick.search({"q": "x", "h": "many"})
    assert outcome.kind == "failed" and "HTTP 400" in outcome.reason and server.requests == 1
    assert quick.search(PARAMS).kind == "found"


def test_unreachable_host_names_host_and_port(waits):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    policy = http.RetryPolicy(attempts=4, connect_timeout=1.0, sleep=waits.append)
    with DblpClient(f"http://127.0.0.1:{port}", policy=policy) as client:
        outcomes = list(client.fetch_searches([PARAMS, {"q": "sosp", "h": 5}]))
        assert client.requests <= 2
    assert [o.kind for o in outcomes] == ["failed", "failed"]
    assert f"127.0.0.1:{port}" in outcomes[0].reason and "\n" not in outcomes[0].reason


def test_slow_answer_within_the_timeout_is_waited_for(server, quick):
    server.slow_next(1, 0.3)
    assert quick.search(PARAMS).kind == "found"


def test_venue_search(server, quick):
    server.add_venue({"venue": "ACM Symposium on Operating Systems Principles (SOSP)", "acronym": "SOSP",
                      "type": "Conference or Workshop", "url": "https://dblp.org/db/conf/sosp/"})
    outcome = quick.search_venue("sosp")
    assert outcome.kind == "found" and convert.venue_fields(outcome.value[0])["acronym"] == "SOSP"
    assert server.log[-1][0] == "/search/venue/api"
