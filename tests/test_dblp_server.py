"""tests/servers/dblp_api.py: the loopback DBLP search API speaks DBLP's documented shape and syntax."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.servers.dblp_api import DblpServer

DEEPXPLORE = {"authors": {"author": [{"@pid": "185/3122", "text": "Kexin Pei"},
                                     {"@pid": "73/4530", "text": "Suman Jana"}]},
              "title": "DeepXplore: Automated Whitebox Testing of Deep Learning Systems.", "venue": "SOSP",
              "pages": "1-18", "year": "2017", "type": "Conference and Workshop Papers",
              "key": "conf/sosp/PeiCYJ17", "doi": "10.1145/3132747.3132785",
              "ee": "https://doi.org/10.1145/3132747.3132785"}
DEEPXPLORE_CORR = dict(DEEPXPLORE, venue="CoRR", type="Informal and Other Publications",
                       key="journals/corr/PeiCYJ17", doi="10.48550/ARXIV.1705.06640", pages=None)
GRAPHICS = {"authors": {"author": [{"@pid": "1", "text": "Ann Graphic"}]}, "title": "Graphics for Testing.",
            "venue": "SIGGRAPH", "year": "2001", "type": "Conference and Workshop Papers", "key": "conf/siggraph/G01"}
SOSP = {"venue": "ACM Symposium on Operating Systems Principles (SOSP)", "acronym": "SOSP",
        "type": "Conference or Workshop", "url": "https://dblp.org/db/conf/sosp/"}


@pytest.fixture
def server():
    with DblpServer([DEEPXPLORE, DEEPXPLORE_CORR, GRAPHICS], [SOSP]) as s:
        yield s


def get(server, path="/search/publ/api", **params):
    url = f"{server.url}{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def search(server, q, **params):
    status, _, body = get(server, q=q, format="json", **params)
    assert status == 200
    return json.loads(body)["result"]


def test_answer_has_dblps_shape_with_numbers_as_strings(server):
    result = search(server, "deepxplore whitebox")
    assert result["status"] == {"@code": "200", "text": "OK"}
    assert result["time"]["@unit"] == "msecs"
    hits = result["hits"]
    assert (hits["@total"], hits["@computed"], hits["@sent"], hits["@first"]) == ("2", "2", "2", "0")
    first = hits["hit"][0]
    assert set(first) == {"@score", "@id", "info", "url"} and isinstance(first["@score"], str)
    assert first["info"]["year"] == "2017" and isinstance(first["info"]["authors"]["author"], list)


def test_one_author_is_an_object_and_one_hit_still_a_list(server):
    hits = search(server, "graphics")["hits"]
    assert isinstance(hits["hit"], list) and len(hits["hit"]) == 1
    assert hits["hit"][0]["info"]["authors"]["author"] == {"@pid": "1", "text": "Ann Graphic"}


def test_no_match_has_no_hit_key(server):
    hits = search(server, "quantum chromodynamics")["hits"]
    assert hits["@total"] == "0" and "hit" not in hits


@pytest.mark.parametrize("q, keys", [
    ("DEEPX", {"conf/sosp/PeiCYJ17", "journals/corr/PeiCYJ17"}),     # case-insensitive prefix
    ("deepxplore sosp", {"conf/sosp/PeiCYJ17"}),                       # words ANDed, venue searched
    ("testing pei", {"conf/sosp/PeiCYJ17", "journals/corr/PeiCYJ17"}),  # authors searched
    ("graph$", set()),                                                  # exact word: not "graphics"
    ("graph", {"conf/siggraph/G01"}),
    ("siggraph|corr", {"conf/siggraph/G01", "journals/corr/PeiCYJ17"}),  # either
    ("2001 testing", {"conf/siggraph/G01"}),
])
def test_query_syntax(server, q, keys):
    found = {h["info"]["key"] for h in search(server, q)["hits"].get("hit", [])}
    assert found == keys


def test_h_and_f_page_and_h_is_capped(server):
    hits = search(server, "testing", h=1, f=1)["hits"]
    assert hits["@sent"] == "1" and hits["@first"] == "1" and hits["@total"] == "3"
    assert search(server, "testing", h=5000)["hits"]["@sent"] == "3"
    assert get(server, q="x", format="json", h="many")[0] == 400


def test_title_matches_rank_first_then_shorter_titles(server):
    server.add_publication({"authors": {"author": [{"text": "Tess Mole"}]}, "title": "Fault Injection.",
                            "venue": "DSN", "year": "2020", "key": "conf/dsn/Mole20"})
    keys = [h["info"]["key"] for h in search(server, "tes")["hits"]["hit"]]
    assert keys[-1] == "conf/dsn/Mole20"            # "tes" only in an author's name
    assert keys[0] == "conf/siggraph/G01"           # in the title, and the shortest title


def test_completions_of_the_last_word(server):
    result = search(server, "deep lea", c=5)
    assert result["completions"]["c"]["text"] == "learning"       # one completion: an object
    assert "c" not in search(server, "deep lea", c=0)["completions"]


def test_venue_search(server):
    status, _, body = get(server, "/search/venue/api", q="sosp", format="json")
    hit = json.loads(body)["result"]["hits"]["hit"][0]
    assert status == 200 and hit["info"]["acronym"] == "SOSP" and hit["info"]["type"] == "Conference or Workshop"


def test_xml_unless_json_is_asked(server):
    status, headers, body = get(server, q="graphics")
    assert status == 200 and headers["Content-Type"] == "application/xml" and body.startswith(b"<?xml")


def test_faults_and_counters(server):
    server.throttle_next(1, retry_after=7)
    server.fail_next(1)
    server.malformed_next(1)
    status, headers, _ = get(server, q="x", format="json")
    assert status == 429 and headers["Retry-After"] == "7"
    assert get(server, q="x", format="json")[0] == 503
    status, _, body = get(server, q="deepxplore", format="json")
    assert status == 200
    with pytest.raises(ValueError):
        json.loads(body)
    assert get(server, q="x", format="json")[0] == 200
    assert server.requests == 4 and server.throttled == 1 and len(server.times) == 4
    assert [s for _, _, s in server.log] == [429, 503, 200, 200]


def test_min_interval_throttles_an_impatient_client(server):
    server.min_interval = 0.5
    assert get(server, q="x", format="json")[0] == 200
    status, headers, _ = get(server, q="x", format="json")
    assert status == 429 and int(headers["Retry-After"]) >= 1
    time.sleep(0.55)
    assert get(server, q="x", format="json")[0] == 200


def test_slow_answer(server):
    server.slow_next(1, 0.3)
    started = time.monotonic()
    assert get(server, q="x", format="json")[0] == 200
    assert time.monotonic() - started >= 0.3


# --- /rec/<key>.xml ------------------------------------------------------------------------------------

def record(server, key):
    status, headers, body = get(server, path=f"/rec/{key}.xml")
    return status, headers, body


def test_a_record_by_key_has_dblps_xml_shape(server):
    import xml.etree.ElementTree as ET

    status, headers, body = record(server, "conf/sosp/PeiCYJ17")
    assert status == 200 and headers["Content-Type"] == "application/xml"
    assert body.startswith(b'<?xml version="1.0" encoding="US-ASCII"?>')
    root = ET.fromstring(body)
    assert root.tag == "dblp" and len(root) == 1
    paper = root[0]
    assert paper.tag == "inproceedings" and paper.get("key") == "conf/sosp/PeiCYJ17" and paper.get("mdate")
    assert [(a.text, a.get("pid")) for a in paper.findall("author")] == [("Kexin Pei", "185/3122"),
                                                                         ("Suman Jana", "73/4530")]
    fields = {child.tag: child.text for child in paper if child.tag != "author"}
    assert fields["title"] == DEEPXPLORE["title"] and fields["booktitle"] == "SOSP"
    assert (fields["year"], fields["pages"]) == ("2017", "1-18")
    assert fields["ee"] == "https://doi.org/10.1145/3132747.3132785"
    assert fields["url"] == "db/conf/sosp/sosp2017.html#PeiCYJ17"
    order = [child.tag for child in paper]
    assert order.index("author") < order.index("title") < order.index("year") < order.index("ee")


def test_an_informal_record_is_an_article_in_corr_and_other_characters_are_references():
    import xml.etree.ElementTree as ET

    corr = dict(DEEPXPLORE_CORR, authors={"author": {"@pid": "9", "text": "Zoë Müller"}},
                ee="https://arxiv.org/abs/1705.06640", volume="abs/1705.06640")
    with DblpServer([corr]) as s:
        status, _, body = record(s, "journals/corr/PeiCYJ17")
    assert status == 200 and body.isascii() and b"Zo&#235; M&#252;ller" in body
    paper = ET.fromstring(body)[0]
    assert (paper.tag, paper.get("publtype")) == ("article", "informal")
    assert paper.find("journal").text == "CoRR" and paper.find("volume").text == "abs/1705.06640"
    assert paper.find("author").text == "Zoë Müller"
    assert paper.find("ee").get("type") == "oa"


def test_an_unknown_record_key_is_404(server):
    assert record(server, "conf/sosp/Nobody17")[0] == 404
