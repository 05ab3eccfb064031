"""OpenAlex: the client (pipeline.sources.openalex) against the loopback OpenAlex server, the converter
(pipeline.convert.openalex) on works of odd shapes, and the server speaking OpenAlex's documented shape."""
from __future__ import annotations

import socket
import threading
import urllib.parse

import httpx2
import pytest

from pipeline.convert import openalex as convert
from pipeline.model import Creator, Record
from pipeline.rules import venues
from pipeline.sources import http
from pipeline.sources.openalex import BATCH_SIZE, OpenAlexClient
from tests.servers.openalex_api import OpenAlexServer, work

DEEPXPLORE_DOI = "10.1145/3132747.3132785"
DEEPXPLORE = work(1, doi=DEEPXPLORE_DOI, title="DeepXplore: Automated Whitebox Testing of Deep Learning Systems",
                  year=2017, cited_by=1234, authors=("Kexin Pei", "Yinzhi Cao"), source_type="conference",
                  source={"id": "https://openalex.org/S2", "display_name": "Symposium on Operating Systems Principles",
                          "type": "conference"})
RETRACTED = work(2, doi="10.1000/retracted.1", title="A Retracted Result", retracted=True, cited_by=7)


class FakeTime:
    """A clock that only moves when someone sleeps: pacing and Retry-After waits are recorded, not slept."""

    def __init__(self):
        self.now = 0.0
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)
            self.now += seconds


@pytest.fixture
def time_():
    return FakeTime()


@pytest.fixture
def server():
    with OpenAlexServer([DEEPXPLORE, RETRACTED]) as s:
        yield s


def client_for(server, time_, **kwargs) -> OpenAlexClient:
    policy = http.RetryPolicy(attempts=4, base=0.5, max_wait=60.0, sleep=time_.sleep, clock=time_.clock)
    return OpenAlexClient(server.url if server else kwargs.pop("url"), kwargs.pop("mailto", "lists@example.org"),
                          policy=policy, **kwargs)


def query_of(entry) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(entry[1]))


# --- the client -------------------------------------------------------------------------------------

def test_a_thousand_dois_take_at_most_twenty_requests(time_):
    dois = [f"10.5555/Paper.{i:04d}" for i in range(1000)]
    with OpenAlexServer([work(10 + i, doi=d, cited_by=i) for i, d in enumerate(dois[:-1])]) as server, \
            client_for(server, time_) as client:
        outcomes = list(client.fetch_works(dois))
        assert server.requests == client.requests == 20
        for entry in server.log:
            query = query_of(entry)
            assert entry[0] == "/works" and entry[2] == 200
            assert query["filter"].startswith("doi:") and len(query["filter"].split("|")) <= BATCH_SIZE
            assert query["mailto"] == "lists@example.org"
    assert [o.key for o in outcomes] == sorted(d.lower() for d in dois)
    found = {o.key: o for o in outcomes if o.kind == "found"}
    assert len(found) == 999
    assert found["10.5555/paper.0007"].value["cited_by_count"] == 7
    lacking = [o for o in outcomes if o.kind != "found"]
    assert [(o.key, o.kind) for o in lacking] == [("10.5555/paper.0999", "not-found")]


def test_a_doi_openalex_lacks_is_not_found_without_another_request(server, time_):
    with client_for(server, time_) as client:
        outcomes = {o.key: o for o in client.fetch_works([DEEPXPLORE_DOI.upper(), "10.9999/nobody.knows"])}
        assert client.requests == 1
    assert outcomes[DEEPXPLORE_DOI].kind == "found"
    assert outcomes["10.9999/nobody.knows"].kind == "not-found"


def test_select_asks_only_for_the_fields_the_converter_reads(server, time_):
    with client_for(server, time_) as client:
        [outcome] = client.fetch_works([DEEPXPLORE_DOI])
    assert query_of(server.log[0])["select"].split(",") == list(convert.SELECT)
    assert set(outcome.value) <= set(convert.SELECT)
    assert "referenced_works" in DEEPXPLORE and "referenced_works" not in outcome.value


def test_429_with_retry_after_is_waited_through_the_policy(server, time_):
    server.throttle_next(1, retry_after=2)
    with client_for(server, time_) as client:
        [outcome] = client.fetch_works([DEEPXPLORE_DOI])
        assert outcome.kind == "found" and server.requests == client.requests == 2
    assert 2.0 in time_.waits
    assert [entry[2] for entry in server.log] == [429, 200]


def test_a_retry_after_longer_than_we_wait_stops_asking_for_the_run(server, time_):
    server.throttle_next(1, retry_after=86400)   # the daily allowance is spent
    with client_for(server, time_) as client:
        first = list(client.fetch_works([DEEPXPLORE_DOI]))
        later = list(client.fetch_searches([{"filter": "title.search:deepxplore", "per-page": 10}]))
        assert server.requests == 1
    assert first[0].kind == later[0].kind == "failed"
    assert "86400" in first[0].reason and "\n" not in first[0].reason
    assert later[0].reason == first[0].reason
    assert max(time_.waits, default=0) < 60


def test_503_is_retried(server, time_):
    server.fail_next(2, status=503)
    with client_for(server, time_) as client:
        [outcome] = client.fetch_works([DEEPXPLORE_DOI])
    assert outcome.kind == "found" and server.requests == 3


def test_an_unreachable_host_fails_each_lookup_in_one_line(time_):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with client_for(None, time_, url=f"http://127.0.0.1:{port}") as client:
        outcomes = list(client.fetch_works(["10.1234/a", "10.1234/b,c"]))
    assert [o.kind for o in outcomes] == ["failed", "failed"]
    assert all("OpenAlex" in o.reason and f"127.0.0.1:{port}" in o.reason for o in outcomes)
    assert client.requests <= 2


def test_a_retracted_work_is_found_and_says_so(server, time_):
    with client_for(server, time_) as client:
        [outcome] = client.fetch_works(["10.1000/RETRACTED.1"])
    fields = convert.work_fields(outcome.value, asked="2026-12-04")
    assert Record(key="K").evolve(notices=fields["notices"]).retracted
    assert fields["citations"] == 7
    record = Record(key="K", title="A Retracted Result", year=2020, creators=(Creator(family="Lovelace"),))
    verdict = convert.verify(record, [outcome.value])
    assert not verdict.verified and "retracted" in verdict.reasons


def test_dois_a_filter_cannot_carry_are_asked_alone(server, time_):
    server.add_work(work(3, doi="10.1000/a|b", title="Piped"))
    with client_for(server, time_) as client:
        outcomes = {o.key: o for o in client.fetch_works(["10.1000/a|b", "10.1000/x,y", DEEPXPLORE_DOI])}
    assert outcomes["10.1000/a|b"].kind == "found"
    # OpenAlex refuses an id with a comma (403): that DOI fails, the others do not.
    assert outcomes["10.1000/x,y"].kind == "failed" and "403" in outcomes["10.1000/x,y"].reason
    assert outcomes[DEEPXPLORE_DOI].kind == "found"
    assert sorted(entry[0] for entry in server.log) == ["/works", "/works/doi:10.1000/a|b", "/works/doi:10.1000/x,y"]


def test_a_doi_two_works_share_gives_the_more_cited_one_in_any_order(time_):
    twins = [work(5, doi="10.1234/twin", cited_by=3), work(4, doi="10.1234/twin", cited_by=9)]
    for order in (twins, twins[::-1]):
        with OpenAlexServer(order) as server, client_for(server, time_) as client:
            [outcome] = client.fetch_works(["10.1234/twin"])
        assert outcome.value["id"] == "https://openalex.org/W4"


def paged(time_, monkeypatch, count: int, per_page: int, max_pages: int):
    """(outcomes, requests) of looking up `count` DOIs one batch, with pages of `per_page` works."""
    monkeypatch.setattr("pipeline.sources.openalex.PER_PAGE", per_page)
    monkeypatch.setattr("pipeline.sources.openalex.MAX_PAGES", max_pages)
    dois = [f"10.1234/p{i}" for i in range(count)]
    with OpenAlexServer([work(i + 1, doi=d) for i, d in enumerate(dois)]) as server, \
            client_for(server, time_) as client:
        return list(client.fetch_works(dois)), server.requests


def test_pages_are_followed_when_a_batch_has_more_works_than_a_page(time_, monkeypatch):
    outcomes, requests = paged(time_, monkeypatch, count=5, per_page=2, max_pages=5)
    assert requests == 3 and [o.kind for o in outcomes] == ["found"] * 5


def test_an_answer_that_never_ends_fails_its_batch(time_, monkeypatch):
    outcomes, requests = paged(time_, monkeypatch, count=3, per_page=1, max_pages=2)
    assert requests == 2 and [o.kind for o in outcomes] == ["failed"] * 3
    assert "more than 2 pages" in outcomes[0].reason


def test_a_title_search_finds_the_paper_and_verify_accepts_it(server, time_):
    record = Record(key="K", title="DeepXplore: automated whitebox testing of deep learning systems", year=2017,
                    creators=(Creator(family="Pei", given="Kexin"),))
    params = convert.search_params(record)
    assert params == {"filter": "title.search:deepxplore automated whitebox testing of deep learning systems",
                      "per-page": convert.SEARCH_HITS}
    with client_for(server, time_) as client:
        [outcome] = client.fetch_searches([params])
    assert outcome.kind == "found" and outcome.key == params
    verdict = convert.verify(record, outcome.value)
    assert verdict.verified and verdict.work["id"] == DEEPXPLORE["id"]
    other = Record(key="K2", title=record.title, year=2017, creators=(Creator(family="Someone"),))
    assert not convert.verify(other, outcome.value).verified


def test_the_api_key_reaches_the_server_but_no_message(server, time_):
    server.fail_next(10, status=503)
    with client_for(server, time_, api_key="s3cret-key") as client:
        [outcome] = client.fetch_works([DEEPXPLORE_DOI])
    assert query_of(server.log[0])["api_key"] == "s3cret-key"
    assert outcome.kind == "failed" and "s3cret" not in outcome.reason


def test_without_a_contact_address_one_request_at_a_time(server, time_):
    with client_for(server, time_, mailto="") as client:
        assert client.workers == 1
        list(client.fetch_works([DEEPXPLORE_DOI]))
    assert "mailto" not in query_of(server.log[0])


# --- the converter ----------------------------------------------------------------------------------

def test_fields_of_an_open_conference_paper():
    w = work(9, doi="10.1145/ABC.DEF", title="Deep <i>Testing</i>", year=2019, cited_by=42, source_type="conference",
             is_oa=True, pdf_url="https://example.org/paper.pdf", landing_page_url="https://example.org/paper",
             oa_license="cc-by", extra_locations=[{"landing_page_url": "https://arxiv.org/abs/1901.00001v2",
                                                   "pdf_url": None, "source": None}])
    fields = convert.work_fields(w, asked="2026-12-04T10:00:00")
    assert fields["doi"] == "10.1145/abc.def" and fields["title"] == "Deep Testing" and fields["year"] == 2019
    assert fields["citations"] == 42 and fields["citations_date"] == "2026-12-04"
    assert fields["oa_url"] == "https://example.org/paper.pdf" and fields["oa_license"] == "cc-by"
    assert fields["venue"] == "Journal of Tests" and fields["item_type"] == "conferencePaper"
    assert fields["arxiv"] == "1901.00001"
    assert "notices" not in fields


def test_the_day_counted_falls_back_to_updated_date_only_without_the_day_asked():
    w = work(9, cited_by=3, updated="2025-06-07T01:02:03.4")
    assert convert.citation_fields(w) == {"citations": 3, "citations_date": "2025-06-07"}
    assert convert.citation_fields(w, "2026-12-04") == {"citations": 3, "citations_date": "2026-12-04"}
    assert convert.citation_fields(dict(w, cited_by_count=None)) == {}
    assert convert.citation_fields(dict(w, cited_by_count=True)) == {}


def test_null_locations_and_no_open_access():
    w = dict(work(9, doi="10.1234/x"), primary_location=None, best_oa_location=None, locations=[None],
             open_access=None, authorships=None, title=None, display_name="Shown Title")
    fields = convert.work_fields(w)
    assert fields["title"] == "Shown Title"
    assert not {"oa_url", "oa_license", "venue", "arxiv"} & set(fields)
    assert convert.candidate(w).first_author == "" and convert.candidate(w).venue == ""


def test_an_open_work_with_only_a_landing_page():
    w = work(9, is_oa=True, landing_page_url="https://repository.example.edu/handle/1")
    assert convert.oa_fields(w) == {"oa_url": "https://repository.example.edu/handle/1"}


def test_a_closed_work_gives_no_link_even_with_a_location():
    w = dict(work(9, is_oa=False, pdf_url="https://publisher.example/paper.pdf"))
    w["best_oa_location"] = dict(w["primary_location"])
    assert convert.oa_fields(w) == {}


def test_only_http_links_pass():
    w = work(9, is_oa=True, pdf_url="javascript:alert(1)", landing_page_url="ftp://x.example/y")
    assert convert.oa_fields(w) == {}


def test_repository_and_journal_venues():
    table, problems = venues.parse_table("venue,label\nJournal of Systems and Software,JSS\n")
    assert not problems
    journal = work(9, source={"display_name": "Journal of Systems and Software", "type": "journal"})
    assert convert.venue_fields(journal, table) == {"venue": "Journal of Systems and Software", "venue_label": "JSS"}
    repo = work(9, kind="preprint", source={"display_name": "arXiv (Cornell University)", "type": "repository"},
                landing_page_url="https://arxiv.org/abs/2101.00001")
    assert convert.venue_fields(repo, table) == {"venue": "arXiv (Cornell University)"}
    assert convert.work_fields(repo)["item_type"] == "preprint" and convert.candidate(repo).is_preprint
    ebook = work(9, source={"display_name": "Some Platform", "type": "ebook platform"})
    assert convert.venue_fields(ebook) == {}


def test_candidate_of_a_work():
    c = convert.candidate(DEEPXPLORE)
    assert (c.title, c.main_title, c.year, c.first_author, c.authors, c.doi) == (
        DEEPXPLORE["title"], "DeepXplore", 2017, "Pei", 2, DEEPXPLORE_DOI)
    assert convert.candidate(dict(DEEPXPLORE, type="erratum")).notice
    assert convert.family("Pei, Kexin") == "Pei"


def test_a_title_without_words_asks_nothing():
    assert convert.search_params(Record(key="K", title="?!")) is None
    params = convert.search_params(Record(key="K", title="Fast, Cheap AND|Good"))
    assert params["filter"] == "title.search:fast cheap and good"


def test_results_of_refuses_what_is_not_a_list_answer():
    with pytest.raises(ValueError):
        convert.results_of({"id": "W1"})
    assert convert.results_of({"meta": {}, "results": [None, {"id": "W1"}], "group_by": []}) == [{"id": "W1"}]


# --- the server speaks OpenAlex's shape -------------------------------------------------------------

def test_the_server_answers_lists_in_the_documented_shape(server):
    with httpx2.Client(base_url=server.url) as client:
        body = client.get("/works", params={"filter": f"doi:https://doi.org/{DEEPXPLORE_DOI.upper()}|10.1000/retracted.1",
                                            "per-page": 1, "mailto": "a@example.org"}).json()
        assert set(body) == {"meta", "results", "group_by"}
        assert set(body["meta"]) >= {"count", "db_response_time_ms", "page", "per_page"}
        assert body["meta"]["count"] == 2 and body["meta"]["per_page"] == 1 and len(body["results"]) == 1
        assert client.get("/works", params={"per-page": 201}).status_code == 400
        assert client.get("/works", params={"select": "open_access.is_oa"}).status_code == 400
        assert client.get("/works", params={"filter": "author_name:Pei"}).status_code == 400
        searched = client.get("/works", params={"search": "whitebox testing"}).json()["results"]
        assert [w["id"] for w in searched] == [DEEPXPLORE["id"]] and "relevance_score" in searched[0]
        picked = client.get("/works", params={"filter": "is_oa:false", "select": "id,doi"}).json()["results"]
        assert all(set(w) == {"id", "doi"} for w in picked) and len(picked) == 2
    assert server.mailtos == ["a@example.org"]


def test_the_server_answers_single_works_by_doi(server):
    with httpx2.Client(base_url=server.url) as client:
        by_urn = client.get(f"/works/doi:{DEEPXPLORE_DOI.upper()}")
        by_url = client.get(f"/works/https://doi.org/{DEEPXPLORE_DOI}")
        assert by_urn.status_code == by_url.status_code == 200
        assert by_urn.json()["id"] == by_url.json()["id"] == DEEPXPLORE["id"]
        assert client.get("/works/W1").json()["doi"] == f"https://doi.org/{DEEPXPLORE_DOI}"
        assert client.get("/works/doi:10.9999/none").status_code == 404
        assert client.get("/works/doi:10.9999/a,b").status_code == 403
