"""tests/servers/arxiv_api.py: the loopback arXiv API answers Atom feeds in the shape arXiv's manual documents.

Each feed is read with xml.etree and the documented namespaces, as a client would read it.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx2
import pytest

from tests.servers.arxiv_api import ArxivServer

NS = {"atom": "http://www.w3.org/2005/Atom", "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
      "arxiv": "http://arxiv.org/schemas/atom"}
DEEPXPLORE = {
    "title": "DeepXplore: Automated Whitebox Testing of Deep Learning Systems",
    "summary": "Deep learning (DL) systems are increasingly deployed in safety- and security-critical domains "
               "including self-driving cars and malware detection, where the correctness and predictability "
               "of a system's behavior for corner case inputs are of great importance.",
    "authors": ["Kexin Pei", "Yinzhi Cao", "Junfeng Yang", "Suman Jana"],
    "versions": ["2017-05-18T15:29:43Z", "2017-09-24T03:21:05Z"],
    "doi": "10.1145/3132747.3132785", "journal_ref": "SOSP 2017",
    "comment": "Best paper award", "primary_category": "cs.LG", "categories": ["cs.LG", "cs.CR", "cs.SE"],
}
TESTRNN = {"title": "Coverage-Guided Testing for Recurrent Neural Networks", "summary": "RNNs & <LSTMs>.",
           "authors": ["Wei Huang"], "published": "2019-11-05T10:00:00Z", "primary_category": "cs.LG"}
OLD = {"title": "A learning paper from the old days", "summary": "x", "authors": ["Ann Old"],
       "published": "1999-01-04T00:00:00Z", "primary_category": "cs.LG", "categories": ["cs.LG"]}


@pytest.fixture
def server():
    with ArxivServer({"1705.06640": DEEPXPLORE, "1911.01952": TESTRNN, "cs/9901002": OLD}, retry_after=0) as s:
        yield s


def query(server, **params) -> tuple[int, ET.Element, httpx2.Response]:
    response = httpx2.get(f"{server.url}/api/query", params=params, timeout=5)
    return response.status_code, ET.fromstring(response.content), response


def entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall("atom:entry", NS)


def text(element: ET.Element, path: str) -> str:
    found = element.find(path, NS)
    return " ".join(found.text.split()) if found is not None and found.text else ""


def test_a_feed_by_id_has_the_documented_feed_and_entry_elements(server):
    status, feed, response = query(server, id_list="1705.06640")
    assert status == 200 and response.headers["Content-Type"].startswith("application/atom+xml")
    assert text(feed, "opensearch:totalResults") == "1"
    assert text(feed, "opensearch:startIndex") == "0" and text(feed, "opensearch:itemsPerPage") == "1"
    assert text(feed, "atom:title").startswith("arXiv Query: search_query=&id_list=1705.06640&start=0&max_results=10")
    assert text(feed, "atom:updated") and feed.find("atom:link", NS).get("type") == "application/atom+xml"
    [entry] = entries(feed)
    assert text(entry, "atom:id") == "http://arxiv.org/abs/1705.06640v2", "the latest version when none is asked"
    assert text(entry, "atom:published") == "2017-05-18T15:29:43Z"
    assert text(entry, "atom:updated") == "2017-09-24T03:21:05Z"
    assert text(entry, "atom:title") == DEEPXPLORE["title"]
    assert text(entry, "atom:summary") == DEEPXPLORE["summary"]
    assert [a.text for a in entry.findall("atom:author/atom:name", NS)] == DEEPXPLORE["authors"]
    assert text(entry, "arxiv:doi") == "10.1145/3132747.3132785"
    assert text(entry, "arxiv:journal_ref") == "SOSP 2017" and text(entry, "arxiv:comment") == "Best paper award"
    assert entry.find("arxiv:primary_category", NS).get("term") == "cs.LG"
    assert [c.get("term") for c in entry.findall("atom:category", NS)] == ["cs.LG", "cs.CR", "cs.SE"]
    links = {(l.get("rel"), l.get("title")): l.get("href") for l in entry.findall("atom:link", NS)}
    assert links[("alternate", None)] == "http://arxiv.org/abs/1705.06640v2"
    assert links[("related", "pdf")] == "http://arxiv.org/pdf/1705.06640v2"
    assert links[("related", "doi")] == "https://doi.org/10.1145/3132747.3132785"


def test_titles_and_abstracts_come_hard_wrapped_as_arxiv_sends_them(server):
    _, feed, _ = query(server, id_list="1705.06640")
    raw = entries(feed)[0].find("atom:summary", NS).text
    assert "\n" in raw and raw.startswith("  "), "a client must fold the whitespace itself"


def test_a_version_suffix_answers_that_version(server):
    [entry] = entries(query(server, id_list="1705.06640v1")[1])
    assert text(entry, "atom:id") == "http://arxiv.org/abs/1705.06640v1"
    assert text(entry, "atom:updated") == text(entry, "atom:published") == "2017-05-18T15:29:43Z"
    assert entries(query(server, id_list="1705.06640v7")[1]) == []


def test_an_entry_without_doi_or_journal_ref_leaves_them_out_and_escapes_its_text(server):
    [entry] = entries(query(server, id_list="1911.01952")[1])
    assert entry.find("arxiv:doi", NS) is None and entry.find("arxiv:journal_ref", NS) is None
    assert {l.get("title") for l in entry.findall("atom:link", NS)} == {None, "pdf"}
    assert text(entry, "atom:summary") == "RNNs & <LSTMs>."


def test_old_style_ids_and_several_ids_in_the_order_asked(server):
    feed = query(server, id_list="cs/9901002,1705.06640")[1]
    assert [text(e, "atom:id") for e in entries(feed)] == ["http://arxiv.org/abs/cs/9901002v1",
                                                           "http://arxiv.org/abs/1705.06640v2"]


def test_an_unknown_id_is_an_empty_feed_not_an_error(server):
    status, feed, _ = query(server, id_list="2101.99999")
    assert status == 200 and entries(feed) == [] and text(feed, "opensearch:totalResults") == "0"


@pytest.mark.parametrize("params, anchor, summary", [
    ({"id_list": "1234.123"}, "incorrect_id_format_for_1234.123", "incorrect id format for 1234.123"),
    ({"id_list": "10.1145/3132747.3132785"}, "incorrect_id_format_for_10.1145/3132747.3132785", "incorrect id"),
    ({"search_query": "all:x", "start": "not_an_int"}, "start_must_be_an_integer", "start must be an integer"),
    ({"search_query": "all:x", "max_results": "-1"}, "max_results_must_be_non-negative", "non-negative"),
    ({"search_query": "all:x", "max_results": "30001"}, "max_results_must_be_less_than_30000", "30000"),
])
def test_errors_are_feeds_with_one_error_entry(server, params, anchor, summary):
    status, feed, response = query(server, **params)
    assert status == 400 and response.headers["Content-Type"].startswith("application/atom+xml")
    [entry] = entries(feed)
    assert text(entry, "atom:title") == "Error"
    assert text(entry, "atom:id") == f"http://arxiv.org/api/errors#{anchor}"
    assert summary in text(entry, "atom:summary")
    assert text(feed, "opensearch:totalResults") == "1"


@pytest.mark.parametrize("search, ids", [
    ("ti:deepxplore", ["1705.06640"]),
    ("au:pei AND ti:testing", ["1705.06640"]),
    ('ti:"whitebox testing"', ["1705.06640"]),
    ('ti:"testing whitebox"', []),
    ("ti:testing ANDNOT au:pei", ["1911.01952"]),
    ("cat:cs.CR OR au:huang", ["1705.06640", "1911.01952"]),
    ("au:old AND (ti:learning OR ti:nothing)", ["cs/9901002"]),
    ("all:recurrent", ["1911.01952"]),
    ("jr:SOSP", ["1705.06640"]),
])
def test_search_query_syntax(server, search, ids):
    feed = query(server, search_query=search)[1]
    found = [text(e, "atom:id").split("/abs/")[1].rsplit("v", 1)[0] for e in entries(feed)]
    assert sorted(found) == sorted(ids)
    assert text(feed, "opensearch:totalResults") == str(len(ids))


def test_search_query_and_id_list_together_filter(server):
    feed = query(server, search_query="ti:recurrent", id_list="1705.06640,1911.01952")[1]
    assert [text(e, "atom:title") for e in entries(feed)] == [TESTRNN["title"]]


def test_paging_and_date_sorting(server):
    feed = query(server, search_query="cat:cs.LG", sortBy="submittedDate", sortOrder="ascending",
                 start=1, max_results=1)[1]
    assert text(feed, "opensearch:totalResults") == "3" and text(feed, "opensearch:startIndex") == "1"
    assert [text(e, "atom:title") for e in entries(feed)] == [DEEPXPLORE["title"]]


def test_https_base_as_arxivs_current_api_writes_it():
    with ArxivServer({"1705.06640": DEEPXPLORE}, base="https://arxiv.org") as server:
        [entry] = entries(query(server, id_list="1705.06640")[1])
        assert text(entry, "atom:id") == "https://arxiv.org/abs/1705.06640v2"


def test_faults(server):
    server.fail_next("429", "503", "reset")
    first = httpx2.get(f"{server.url}/api/query", params={"id_list": "1705.06640"}, timeout=5)
    assert first.status_code == 429 and first.text == "Rate exceeded." and first.headers["Retry-After"] == "0"
    second = httpx2.get(f"{server.url}/api/query", params={"id_list": "1705.06640"}, timeout=5)
    assert second.status_code == 503 and "Retry-After" in second.headers
    with pytest.raises(httpx2.TransportError):
        httpx2.get(f"{server.url}/api/query", params={"id_list": "1705.06640"}, timeout=5)
    assert query(server, id_list="1705.06640")[0] == 200
    assert [status for _, _, status in server.log] == [429, 503, 0, 200] and server.requests == 4
