"""pipeline.convert.dblp: DBLP search hits (their JSON quirks included) -> record fields, candidates, queries."""
from __future__ import annotations

import pytest

from pipeline.convert import dblp
from pipeline.model import Creator, Record


def hit(**info) -> dict:
    base = {"authors": {"author": [{"@pid": "185/3122", "text": "Kexin Pei"},
                                   {"@pid": "20/4367", "text": "Yinzhi Cao"},
                                   {"@pid": "y/JunfengYang", "text": "Junfeng Yang"},
                                   {"@pid": "73/4530", "text": "Suman Jana"}]},
            "title": "DeepXplore: Automated Whitebox Testing of Deep Learning Systems.",
            "venue": "SOSP", "pages": "1-18", "year": "2017", "type": "Conference and Workshop Papers",
            "access": "closed", "key": "conf/sosp/PeiCYJ17", "doi": "10.1145/3132747.3132785",
            "ee": "https://doi.org/10.1145/3132747.3132785", "url": "https://dblp.org/rec/conf/sosp/PeiCYJ17"}
    base.update(info)
    return {"@score": "7", "@id": "1442397", "info": base, "url": "URL#1442397"}


CORR = dict(venue="CoRR", type="Informal and Other Publications", key="journals/corr/PeiCYJ17",
            doi="10.48550/ARXIV.1705.06640", ee="https://doi.org/10.48550/arXiv.1705.06640", volume="abs/1705.06640",
            pages=None)


def test_conference_hit_fields():
    f = dblp.hit_fields(hit())
    assert f == {"title": "DeepXplore: Automated Whitebox Testing of Deep Learning Systems",
                 "creators": (Creator("Pei", "Kexin"), Creator("Cao", "Yinzhi"), Creator("Yang", "Junfeng"),
                              Creator("Jana", "Suman")),
                 "year": 2017, "venue": "SOSP", "doi": "10.1145/3132747.3132785", "dblp": "conf/sosp/PeiCYJ17",
                 "item_type": "conferencePaper", "pages": "1-18"}


def test_one_author_is_an_object_and_homonym_numbers_go():
    f = dblp.hit_fields(hit(authors={"author": {"@pid": "w/WeiWang1", "text": "Wei Wang 0001"}}))
    assert f["creators"] == (Creator("Wang", "Wei"),)
    assert dblp.candidate(hit(authors={"author": {"text": "Wei Wang 0001"}})).first_author == "Wang"


@pytest.mark.parametrize("name, creator", [
    ("Robbert van Renesse", Creator("van Renesse", "Robbert")),
    ("Ji-Yong Shin", Creator("Shin", "Ji-Yong")),
    ("Xin Jin 0008", Creator("Jin", "Xin")),
    ("Plato", Creator("Plato")),
    ("Jan van der Berg", Creator("van der Berg", "Jan")),
])
def test_names_split_given_first(name, creator):
    assert dblp.split_name(dblp.author_name(name)) == creator


def test_title_keeps_question_marks_and_loses_only_dblps_full_stop():
    assert dblp.clean_title("Why Does the Cloud Stop Computing?") == "Why Does the Cloud Stop Computing?"
    assert dblp.clean_title("Simple Testing Can Prevent Most Critical Failures.") == \
        "Simple Testing Can Prevent Most Critical Failures"
    assert dblp.clean_title("Wait for it...") == "Wait for it..."


def test_corr_preprint():
    h = hit(**CORR)
    f = dblp.hit_fields(h)
    assert f["item_type"] == "preprint" and f["arxiv"] == "1705.06640" and f["venue"] == "CoRR"
    assert f["doi"] == "10.48550/arxiv.1705.06640"
    assert dblp.candidate(h).is_preprint and not dblp.candidate(hit()).is_preprint


@pytest.mark.parametrize("info, arxiv", [
    (dict(key="journals/corr/abs-2506-14813", doi=None, ee=None), "2506.14813"),
    (dict(key="journals/corr/abs-1904-03257", doi=None, ee="https://arxiv.org/abs/1904.03257v2"), "1904.03257"),
    (dict(key="journals/corr/abs-cs-0501001", doi=None, ee=None), "cs/0501001"),
    (dict(key="x", doi=None, ee=["https://openreview.net/forum?id=1", "http://arxiv.org/pdf/2101.00001"]), "2101.00001"),
    (dict(key="conf/sosp/PeiCYJ17"), ""),
])
def test_arxiv_id_from_ee_doi_or_key(info, arxiv):
    assert dblp.arxiv_id(hit(**info)["info"]) == arxiv


def test_doi_from_an_ee_at_doi_org_and_many_ee():
    info = hit(doi=None, ee=["https://www.usenix.org/conference/osdi18/presentation/gunawi",
                             "https://dl.acm.org/doi/10.5555/1", "https://doi.org/10.1145/ABC.1"])["info"]
    assert dblp.doi(info) == "10.1145/abc.1"
    assert dblp.doi(hit(doi=None, ee="https://www.usenix.org/conference/nsdi24/x")["info"]) == ""


def test_usenix_paper_without_doi_and_venue_list():
    f = dblp.hit_fields(hit(doi=None, ee="https://www.usenix.org/conference/osdi25/presentation/x",
                            venue=["OSDI", "USENIX ATC"], key="conf/osdi/X25", year="2025"))
    assert "doi" not in f and f["venue"] == "OSDI" and f["year"] == 2025


def test_informal_publication_outside_corr_is_no_preprint_without_arxiv():
    h = hit(venue="Tech. Rep.", type="Informal and Other Publications", key="tr/x/1", doi=None, ee=None)
    assert not dblp.is_preprint(h["info"])


def test_missing_and_odd_fields_fill_nothing():
    f = dblp.hit_fields({"info": {"title": "Only a title.", "year": "n.d.", "authors": None}})
    assert f == {"title": "Only a title"}
    assert dblp.hit_fields({}) == {}
    assert dblp.candidate({"info": {"title": "T."}}).first_author == ""


def test_hits_of_an_answer():
    body = {"result": {"hits": {"@total": "1", "hit": [hit()]}}}
    assert dblp.hits_of(body) == [hit()]
    assert dblp.hits_of({"result": {"hits": {"@total": "0", "@sent": "0"}}}) == []
    assert dblp.hits_of({"result": {"hits": {"hit": hit()}}}) == [hit()]     # one hit as an object, too
    with pytest.raises(ValueError):
        dblp.hits_of({"message": "not DBLP"})


def test_venue_fields():
    v = {"info": {"venue": "Symposium on Operating Systems Principles (SOSP)", "acronym": "SOSP",
                  "type": "Conference or Workshop", "url": "https://dblp.org/db/conf/sosp/"}}
    assert dblp.venue_fields(v) == v["info"]


def test_search_params_are_the_title_words_without_operators():
    r = Record(key="K", title="Why $Does| the -Cloud. Stop: Computing? author:x", creators=(Creator("Gunawi"),),
               year=2016)
    params = dblp.search_params(r)
    assert params == {"q": "why does the cloud stop computing author x", "h": dblp.SEARCH_HITS}
    assert not set("$|-.:?") & set(params["q"])
    assert dblp.search_params(Record(key="K", title=" ?! ")) is None


def test_query_id_is_stable():
    params = {"q": "deepxplore", "h": 10}
    assert dblp.query_id(params) == dblp.query_id({"h": 10, "q": "deepxplore"})
    assert dblp.query_id(params) != dblp.query_id({"q": "deepxplore", "h": 11})


def test_candidate_main_title_is_the_part_before_the_colon():
    c = dblp.candidate(hit())
    assert c.title == "DeepXplore: Automated Whitebox Testing of Deep Learning Systems"
    assert c.main_title == "DeepXplore" and c.first_author == "Pei" and c.year == 2017 and c.score is None
    assert dblp.candidate(hit(title="Simple Testing Can Prevent Most Critical Failures.")).main_title == ""
