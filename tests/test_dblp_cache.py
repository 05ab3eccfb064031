"""pipeline.machinery.dblp_cache: data/raw/dblp/queries/<sha1>.json, canonical and free of volatile fields."""
from __future__ import annotations

import json

import pytest

from pipeline.convert import dblp
from pipeline.machinery.dblp_cache import DblpCache
from pipeline.rules.enrichment import CorruptCacheEntry

PARAMS = {"q": "deepxplore automated whitebox testing of deep learning systems", "h": 10}


def hit(score="7", ident="1442397") -> dict:
    return {"@score": score, "@id": ident, "url": f"URL#{ident}",
            "info": {"authors": {"author": {"@pid": "185/3122", "text": "Kexin Pei"}},
                     "title": "DeepXplore: Automated Whitebox Testing of Deep Learning Systems.", "venue": "SOSP",
                     "year": "2017", "type": "Conference and Workshop Papers", "key": "conf/sosp/PeiCYJ17",
                     "url": "https://dblp.org/rec/conf/sosp/PeiCYJ17"}}


@pytest.fixture
def cache(tmp_path):
    return DblpCache(tmp_path / "data" / "raw" / "dblp")


def test_missing_then_cached(cache):
    assert cache.search(PARAMS) is None and cache.state(PARAMS) == "missing"
    assert cache.write_search(PARAMS, [hit()])
    assert cache.state(PARAMS) == "cached"
    assert cache.search(PARAMS) == [{"info": hit()["info"]}]
    assert DblpCache(cache.folder).search(dict(reversed(list(PARAMS.items())))) == [{"info": hit()["info"]}]


def test_layout_and_canonical_json(cache):
    cache.write_search(PARAMS, [hit()])
    path = cache.folder / "queries" / f"{dblp.query_id(PARAMS)}.json"
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc == {"query": PARAMS, "hits": [{"info": hit()["info"]}]}
    assert text.endswith("\n") and list(doc) == sorted(doc)
    assert "@score" not in text and "URL#" not in text and '"time"' not in text


def test_same_hits_with_other_scores_and_ids_change_no_byte(cache):
    assert cache.write_search(PARAMS, [hit()])
    assert not cache.write_search(PARAMS, [hit(score="3", ident="99")])


def test_no_hits_is_cached_as_an_empty_list(cache):
    cache.write_search(PARAMS, [])
    assert cache.search(PARAMS) == [] and cache.state(PARAMS) == "cached"


@pytest.mark.parametrize("content", ["{not json", '{"query": {}, "hits": {}}', '{"query": {}, "hits": [{"x": 1}]}',
                                     "[]"])
def test_corrupt_file_raises_and_says_which(cache, content):
    path = cache.query_path(PARAMS)
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorruptCacheEntry) as caught:
        cache.search(PARAMS)
    assert caught.value.path.endswith(f"data/raw/dblp/queries/{dblp.query_id(PARAMS)}.json")
    assert "\n" not in str(caught.value)
    assert cache.state(PARAMS) == "corrupt"
    cache.write_search(PARAMS, [hit()])             # enrich asks again and overwrites it
    assert cache.state(PARAMS) == "cached"


def test_for_settings_uses_the_dblp_path(tmp_path):
    class Paths:
        dblp = tmp_path / "data/raw/dblp"

    class Settings:
        paths = Paths

    assert DblpCache.for_settings(Settings).folder == tmp_path / "data/raw/dblp"
