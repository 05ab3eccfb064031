"""The DBLP pieces together, as enrich and merge will use them: record -> query -> loopback DBLP -> cache ->
candidates -> the one matching rule -> record fields; and a second run answered from the cache alone."""
from __future__ import annotations

from pipeline.convert import dblp as convert
from pipeline.machinery.dblp_cache import DblpCache
from pipeline.model import Creator, Record
from pipeline.rules import match
from pipeline.sources import http
from pipeline.sources.dblp import DblpClient
from tests.servers.dblp_api import DblpServer


def author(name: str, pid: str = "0") -> dict:
    return {"@pid": pid, "text": name}


OSDI = {"authors": {"author": [author("Tanakorn Leesatapornwongsa"), author("Haryadi S. Gunawi")]},
        "title": "Scalability Bugs: When 100-Node Testing is Not Enough.", "venue": "HotOS", "year": "2017",
        "type": "Conference and Workshop Papers", "key": "conf/hotos/Leesatapornwongsa17",
        "doi": "10.1145/3102980.3102985"}
PREPRINT = {"authors": {"author": [author("Yu Gao 0007"), author("Wensheng Dou")]},
            "title": "An Empirical Study on Crash Recovery Bugs in Large-Scale Distributed Systems.",
            "venue": "CoRR", "year": "2018", "type": "Informal and Other Publications",
            "key": "journals/corr/abs-1812-01061", "ee": "https://arxiv.org/abs/1812.01061"}
PUBLISHED = dict(PREPRINT, venue="ESEC/SIGSOFT FSE", type="Conference and Workshop Papers",
                 key="conf/sigsoft/GaoDQGWXLWZD18", doi="10.1145/3236024.3236030", ee=None)
SURVEY = {"authors": {"author": author("Ann Other")}, "title": "Scalability Bugs.", "venue": "CoRR", "year": "2017",
          "type": "Informal and Other Publications", "key": "journals/corr/abs-1701-00001"}


def lookup(server: DblpServer, cache: DblpCache, record: Record) -> list[dict] | None:
    """What enrich does for one record: ask the cache, else DBLP, and cache what DBLP said."""
    params = convert.search_params(record)
    if cache.state(params) != "cached":
        with DblpClient(server.url, policy=http.RetryPolicy(sleep=lambda s: None)) as client:
            outcome = client.search(params)
        if outcome.kind != "found":
            return None
        cache.write_search(params, outcome.value)
    return cache.search(params)


def test_an_item_without_creators_gets_doi_authors_and_venue(tmp_path):
    cache = DblpCache(tmp_path / "dblp")
    item = Record(key="LEES2017", title="Scalability bugs: when 100-node testing is not enough", year=2017)
    with DblpServer([OSDI, SURVEY]) as server:
        hits = lookup(server, cache, item)
        result = match.verify(item, convert.candidates(hits))
        assert result.verified
        fields = convert.hit_fields(hits[result.index])
        assert fields["doi"] == "10.1145/3102980.3102985" and fields["venue"] == "HotOS"
        assert fields["creators"][0] == Creator("Leesatapornwongsa", "Tanakorn")
        # A second run: the cache answers, DBLP is not asked.
        before = server.requests
        assert lookup(server, cache, item) == hits and server.requests == before


def test_a_preprint_finds_its_published_version(tmp_path):
    cache = DblpCache(tmp_path / "dblp")
    item = Record(key="GAO2018", item_type="preprint", arxiv="1812.01061", year=2018,
                  title="An empirical study on crash recovery bugs in large-scale distributed systems",
                  creators=(Creator("Gao", "Yu"),))
    with DblpServer([PREPRINT, PUBLISHED]) as server:
        hits = lookup(server, cache, item)
    candidates = convert.candidates(hits)
    accepted = match.verify(item, candidates)
    assert accepted.verified and accepted.candidate.is_preprint
    published = match.published_version(item, candidates)
    assert published is not None and published.venue == "ESEC/SIGSOFT FSE"
    assert published.doi == "10.1145/3236024.3236030"
    preprint = convert.hit_fields(hits[accepted.index])
    assert preprint["arxiv"] == "1812.01061" and preprint["creators"][0] == Creator("Gao", "Yu")


def test_a_prefix_title_without_creators_stays_a_candidate(tmp_path):
    cache = DblpCache(tmp_path / "dblp")
    item = Record(key="SB", title="Scalability Bugs", year=2017)
    with DblpServer([OSDI]) as server:
        hits = lookup(server, cache, item)
    result = match.verify(item, convert.candidates(hits))
    assert not result.verified and result.index == 0 and result.reasons
