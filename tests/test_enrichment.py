"""pipeline.rules.enrichment.apply: precedence, statuses and the problems `make check` lists; and the cache."""
from __future__ import annotations

import pytest

from pipeline.convert import crossref as cr
from pipeline.rules import enrichment
from pipeline.rules.enrichment import PRECEDENCE, CorruptCacheEntry, apply, disagreements
from pipeline.model import (
    CROSSREF, ENRICH_DOI, ENRICH_NO_DOI, ENRICH_NOT_FOUND, ENRICH_SEARCH, ENRICH_SKIPPED, ENRICH_UNAVAILABLE,
    REVIEW, ZOTERO, Creator, Record,
)
from pipeline.machinery.crossref_cache import CrossrefCache

DOI = "10.1109/icse43902.2021.00034"


def icse_work(**fields) -> dict:
    w = {"DOI": DOI.upper(), "type": "proceedings-article",
         "title": ["<i>DeepXplore</i>-style Testing of Neural Networks"],
         "author": [{"given": "KEXIN", "family": "PEI", "sequence": "first"}],
         "issued": {"date-parts": [[2021, 5, 22]]},
         "container-title": ["2021 IEEE/ACM 43rd International Conference on Software Engineering (ICSE)"],
         "event": {"name": "2021 IEEE/ACM 43rd International Conference on Software Engineering (ICSE)",
                   "acronym": "ICSE '21"},
         "page": "1-12", "publisher": "IEEE", "is-referenced-by-count": 17, "score": 1.0}
    w.update(fields)
    return w


def zotero_record(**fields) -> Record:
    values = dict(title="DeepXplore-style testing of neural networks", creators=(Creator("Pei", "Kexin"),),
                  year=2021, date="2021", venue="ICSE 2021", venue_label="ICSE", doi=DOI,
                  item_type="journalArticle", pages="")
    values.update(fields)
    values = {k: v for k, v in values.items() if v not in ("", None)}
    return Record(key="ABCD2345").with_fields(ZOTERO, **values)


class Lookup:
    """A dict-backed lookup, as the cache would answer."""

    def __init__(self, works=None, searches=None, venues=None, corrupt=()):
        self.works = {k.lower(): v for k, v in (works or {}).items()}
        self.searches = searches or {}
        self.venues = venues or {}
        self.corrupt = set(corrupt)

    def work(self, doi):
        if doi in self.corrupt:
            raise CorruptCacheEntry(f"data/raw/crossref/works/{doi}.json", "not JSON")
        return self.works.get(doi.lower())

    def search(self, params):
        return self.searches.get(cr.query_id(params))


def codes(problems) -> list[str]:
    return sorted(p.code for p in problems)


# --- matched by DOI ---------------------------------------------------------------------------------

def test_doi_match_merges_by_precedence_with_provenance():
    before = zotero_record()
    after, problems = apply(before, Lookup({DOI: icse_work()}))
    assert after.enrichment == ENRICH_DOI
    assert after.title == before.title and after.source_of("title") == ZOTERO      # Zotero title stays
    assert after.creators == before.creators                                          # authors kept
    assert after.item_type == "conferencePaper" and after.source_of("item_type") == CROSSREF
    assert (after.venue_label, after.pages, after.citations) == ("ICSE", "1-12", 17)
    assert after.source_of("citations") == CROSSREF
    assert after.doi == before.doi and after.source_of("doi") == ZOTERO       # the registrant's form stays
    assert problems == []


def test_mistyped_year_is_corrected_and_listed():
    after, problems = apply(zotero_record(year=2022, date="2022", venue="ICSE 2022"), Lookup({DOI: icse_work()}))
    assert after.year == 2021
    (problem,) = problems
    assert problem.code == "year-disagrees" and problem.level == "warning"
    assert "Zotero says '2022', Crossref says '2021'" in problem.message


def test_venue_and_title_disagreements():
    before = zotero_record(venue="arXiv", venue_label="arXiv", title="Something else entirely")
    after, problems = apply(before, Lookup({DOI: icse_work()}))
    assert codes(problems) == ["title-disagrees", "venue-disagrees"]
    assert after.venue_label == "ICSE" and after.title == "Something else entirely"


def test_same_venue_spelled_differently_is_no_disagreement():
    before = zotero_record(venue="Proceedings of the 43rd International Conference on Software Engineering",
                           venue_label="Proceedings of the 43rd International Conference on Software Engineering")
    _, problems = apply(before, Lookup({DOI: icse_work()}))
    assert problems == []


def test_crossref_without_a_label_keeps_zoteros_for_the_same_venue_only():
    journal = icse_work(type="journal-article", event=None, **{"container-title": ["Journal of Ocean Stuff"]})
    same, _ = apply(zotero_record(venue="Journal of Ocean Stuff", venue_label="JOS"), Lookup({DOI: journal}))
    assert same.venue_label == "JOS"
    other, _ = apply(zotero_record(venue="arXiv", venue_label="arXiv"), Lookup({DOI: journal}))
    assert other.venue_label == "Journal of Ocean Stuff"


def test_retraction_is_an_error_and_correction_a_warning():
    notices = {"updated-by": [
        {"type": "retraction", "DOI": "10.1/ret", "source": "publisher", "updated": {"date-parts": [[2023, 1, 2]]}},
        {"type": "correction", "DOI": "10.1/cor", "source": "publisher"}]}
    after, problems = apply(zotero_record(), Lookup({DOI: icse_work(**notices)}))
    assert after.retracted and after.corrected
    by_code = {p.code: p for p in problems}
    assert by_code["retracted"].level == "error" and "10.1/ret" in by_code["retracted"].message
    assert by_code["corrected"].level == "warning"


def test_preprint_with_published_version():
    w = icse_work(type="posted-content", relation={"is-preprint-of": [{"id-type": "doi", "id": "10.1029/2020MS002386"}]})
    after, problems = apply(zotero_record(), Lookup({DOI: w}))
    assert after.published_doi == "10.1029/2020ms002386"
    assert "published-version" in codes(problems)


def test_unknown_doi_not_cached_and_corrupt():
    unknown, problems = apply(zotero_record(), Lookup({DOI: cr.not_found_marker(DOI)}))
    assert unknown.enrichment == ENRICH_NOT_FOUND and codes(problems) == ["doi-unknown"]
    absent, problems = apply(zotero_record(), Lookup())
    assert absent.enrichment == ENRICH_UNAVAILABLE and codes(problems) == ["not-enriched"]
    assert absent.year == 2021 and absent.source_of("year") == ZOTERO               # Zotero metadata kept
    corrupt, problems = apply(zotero_record(), Lookup(corrupt={DOI}))
    assert corrupt.enrichment == ENRICH_UNAVAILABLE
    assert codes(problems) == ["cache-corrupt", "not-enriched"]
    assert "data/raw/crossref/works/" in problems[0].message


# --- matched by search ------------------------------------------------------------------------------

def searching(record, *items):
    return Lookup(searches={cr.query_id(cr.search_params(record)): {"items": list(items)}})


def test_verified_search_fills_the_doi():
    before = zotero_record(doi="")
    after, problems = apply(before, searching(before, icse_work(score=120.0),
                                              icse_work(DOI="10.1/x", title=["Other"], score=30.0)))
    assert after.enrichment == ENRICH_SEARCH and after.doi == DOI
    assert after.source_of("doi") == CROSSREF
    assert problems == []


def test_a_short_doi_is_searched_by_title_and_a_verified_match_gives_the_full_doi():
    # `10/ggd754` is a shortDOI: doi.org resolves it, Crossref does not know it. It is searched like a paper
    # without a DOI (not reported "doi-unknown"), and the verified work's DOI replaces it.
    from pipeline.machinery import crossref_cache
    before = zotero_record(doi="10/ggd754")
    assert before.lookup_doi == "" and zotero_record().lookup_doi == DOI
    todo, _ = crossref_cache.plan([before], CrossrefCache("/nonexistent"))
    assert todo.dois == [] and len(todo.queries) == 1
    after, problems = apply(before, searching(before, icse_work(score=120.0)))
    assert after.enrichment == ENRICH_SEARCH and after.doi == DOI and problems == []
    # No verified match: the shortDOI stays, which doi.org still resolves; no "no DOI" either.
    after, problems = apply(before, Lookup(searches={cr.query_id(cr.search_params(before)): {"items": []}}))
    assert after.doi == "10/ggd754" and codes(problems) == []
    assert enrichment.wants_dblp(after)


def test_unverified_candidate_is_listed_never_written():
    before = zotero_record(doi="", year=2017)
    after, problems = apply(before, searching(before, icse_work()))
    assert after.enrichment == ENRICH_NO_DOI and after.doi == "" and after.year == 2017
    assert codes(problems) == ["candidate", "no-doi"]
    candidate = next(p for p in problems if p.code == "candidate")
    assert f"doi: {DOI}" in candidate.message and "DeepXplore" in candidate.message and "year 2021" in candidate.message


def test_search_not_cached_no_match_and_not_a_paper():
    before = zotero_record(doi="")
    after, problems = apply(before, Lookup())
    assert after.enrichment == ENRICH_UNAVAILABLE and codes(problems) == ["no-doi", "not-enriched"]
    after, problems = apply(before, searching(before, icse_work(title=["Ocean carbon flux"])))
    assert after.enrichment == ENRICH_NO_DOI and codes(problems) == ["no-doi"]
    page = zotero_record(doi="", item_type="webpage")
    assert apply(page, Lookup())[0].enrichment == ENRICH_SKIPPED


# --- the precedence table and helpers ---------------------------------------------------------------

def test_precedence_covers_every_field_crossref_gives():
    w = icse_work(volume="3", issue="2", relation={"is-preprint-of": [{"id-type": "doi", "id": "10.1/p"}]},
                  **{"updated-by": [{"type": "correction", "DOI": "10.1/c"}]})
    assert set(cr.work_fields(w)) <= set(PRECEDENCE)
    assert all(hasattr(Record, name) for name in PRECEDENCE)


def test_disagreement_with_a_review_override_names_the_review_file():
    pinned = zotero_record().with_fields(REVIEW, year=2022)
    (problem,) = disagreements(pinned, cr.work_fields(icse_work()))
    assert "the review file says '2022'" in problem.message and "the review file's" in problem.message


def test_matched_fields_for_the_review_check():
    assert enrichment.matched_fields(zotero_record(), Lookup({DOI: icse_work()}))["year"] == 2021
    assert enrichment.matched_fields(zotero_record(), Lookup()) is None


# --- the cache files --------------------------------------------------------------------------------

def test_cache_round_trip_is_deterministic_and_slim(tmp_path):
    cache = CrossrefCache(tmp_path / "crossref", venues={})
    w = icse_work(indexed={"date-time": "2026-06-02"}, reference=[{"key": "r1"}])
    assert cache.write_work(DOI, w)
    assert not cache.write_work(DOI, dict(w, indexed={"date-time": "2026-07-01"}))   # same bytes
    stored = cache.work(DOI)
    assert "indexed" not in stored and "reference" not in stored and "score" not in stored
    assert cache.work_path(DOI).name == "10.1109%2Ficse43902.2021.00034.json"
    cache.write_work("10.1/missing", None)
    assert cr.is_not_found(CrossrefCache(tmp_path / "crossref", venues={}).work("10.1/missing"))
    params = {"query.bibliographic": "x", "rows": 5}
    cache.write_search(params, {"items": [w], "total-results": 1})
    assert cache.search(params)["items"][0]["score"] == 1.0                            # scores kept here
    assert cache.search("x") == cache.search(params)


@pytest.mark.parametrize("content", ["{not json", "[]", "{\"title\": 1}"])
def test_corrupt_cache_file_raises_naming_the_file(tmp_path, content):
    cache = CrossrefCache(tmp_path / "data/raw/crossref", venues={})
    path = cache.work_path(DOI)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(CorruptCacheEntry) as info:
        cache.work(DOI)
    assert info.value.path.startswith("data/raw/crossref/works/")
    assert cache.state("works", DOI) == "corrupt"
    record, problems = apply(zotero_record(), cache)
    assert record.enrichment == ENRICH_UNAVAILABLE and "cache-corrupt" in codes(problems)


def test_venue_table_reading(tmp_path):
    table = tmp_path / "venues.csv"
    table.write_text("venue,label\n# comment\nACM Transactions on Software Engineering and Methodology,TOSEM\n"
                     "broken row\n", encoding="utf-8")
    cache = CrossrefCache(tmp_path / "crossref", venues=table)
    assert cache.venues.lookup("ACM Transactions on Software Engineering and Methodology") == "TOSEM"
    assert [p.where for p in cache.problems] == ["venues.csv:4"]


def test_committed_venue_table_is_well_formed():
    from pathlib import Path

    from pipeline.machinery.crossref_cache import read_venues

    table, problems = read_venues(Path(__file__).resolve().parents[1] / "data/curated/venues.csv")
    assert problems == [] and table.lookup("IEEE Transactions on Software Engineering") == "TSE"
