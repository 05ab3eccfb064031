"""pipeline.rules.match: the one rule every source's search hits go through (issue 9, parts 4 and 5)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.convert import crossref as cr
from pipeline.convert import dblp
from pipeline.model import Creator, Record
from pipeline.rules import match
from pipeline.rules.match import Candidate


def record(**fields) -> Record:
    base = dict(key="ABCD2345", title="DeepXplore: Automated Whitebox Testing of Deep Learning Systems",
                creators=(Creator("Pei", "Kexin"),), year=2017, item_type="conferencePaper")
    base.update(fields)
    return Record(**base)


def authorless(**fields) -> Record:
    return record(creators=(), **fields)


def hit(**fields) -> Candidate:
    base = dict(key="conf/sosp/PeiCYJ17", title="DeepXplore: Automated Whitebox Testing of Deep Learning Systems",
                year=2017, first_author="Pei", authors=4, doi="10.1145/3132747.3132785", venue="SOSP")
    base.update(fields)
    return Candidate(**base)


PREPRINT = dict(key="journals/corr/PeiCYJ17", venue="CoRR", doi="10.48550/arxiv.1705.06640", is_preprint=True)


# --- with authors: today's rule -------------------------------------------------------------------

def test_same_title_year_and_first_author_is_accepted():
    result = match.verify(record(), [hit(), hit(key="other", title="Ocean carbon flux", first_author="Li")])
    assert result.verified and result.index == 0 and result.candidate.key == "conf/sosp/PeiCYJ17"
    assert result.similarity == 100.0 and result.reasons == ()


def test_title_typed_without_its_subtitle_matches_the_main_title():
    result = match.verify(record(title="DeepXplore"), [hit(main_title="DeepXplore")])
    assert result.verified


@pytest.mark.parametrize("change, reason", [
    (dict(year=2015), "year 2015"),
    (dict(first_author="Tian"), "first author tian"),
    (dict(year=None), "no year to compare"),
    (dict(title="DeepXplore"), "similar"),
    (dict(retracted=True), "retracted"),
    (dict(notice=True), "notice"),
])
def test_a_hit_that_differs_is_a_candidate_with_the_reason(change, reason):
    result = match.verify(record(), [hit(**change)])
    assert not result.verified
    assert any(reason in r for r in result.reasons), result.reasons


def test_item_without_year_but_with_authors_stays_a_candidate():
    result = match.verify(record(year=None), [hit()])
    assert not result.verified and "no year to compare" in result.reasons


def test_another_authors_paper_with_the_same_title_is_no_rival():
    other = hit(key="x", first_author="Smith", doi="10.1/x")
    assert match.verify(record(), [hit(), other]).verified


def test_same_author_same_title_twice_is_a_question():
    # A paper and its extended version, both published: which one the curator means is theirs to say.
    twin = hit(key="journals/cacm/PeiCYJ19", venue="Commun. ACM", year=2018, doi="10.1145/3361566")
    result = match.verify(record(), [hit(), twin])
    assert not result.verified and result.index == 0
    assert result.reasons[0].startswith("another hit comes close")


def test_scores_must_lead_where_the_source_scores():
    result = match.verify(record(), [hit(score=50.0), hit(key="x", title="Unrelated", score=40.0)])
    assert not result.verified and "not clearly ahead" in result.reasons[-1]
    assert match.verify(record(), [hit(score=90.0), hit(key="x", title="Unrelated", score=40.0)]).verified


def test_right_paper_below_a_higher_scored_other_is_not_the_top_hit():
    result = match.verify(record(), [hit(key="x", title="A survey of something else", score=80.0),
                                     hit(score=30.0)])
    assert not result.verified and result.index == 1 and result.reasons[0] == "not the top hit"


def test_without_scores_the_rank_does_not_matter():
    # DBLP's order is not a relevance we can read; the right paper further down is still the paper.
    result = match.verify(record(), [hit(key="x", title="Testing deep learning systems at scale", first_author="Li"),
                                     hit()])
    assert result.verified and result.index == 1


# --- without authors (issue 9.5) ------------------------------------------------------------------

def test_item_without_creators_matches_the_same_title():
    result = match.verify(authorless(), [hit()])
    assert result.verified and result.candidate.doi == "10.1145/3132747.3132785"


def test_item_without_creators_and_year_matches_the_same_title():
    assert match.verify(authorless(year=None), [hit()]).verified


def test_item_without_creators_needs_the_year_within_one():
    assert match.verify(authorless(year=2018), [hit()]).verified
    result = match.verify(authorless(year=2019), [hit()])
    assert not result.verified and "year 2017" in result.reasons


def test_item_without_creators_needs_the_same_title_not_a_near_one():
    result = match.verify(authorless(title="DeepXplore: Automated Whitebox Testing of Deep Learning System"),
                          [hit()])
    assert not result.verified and result.index == 0
    assert "no authors to confirm it" in result.reasons[0]


def test_item_without_creators_and_a_main_title_only_is_not_matched():
    # "Title" against "Title: Subtitle": with authors the same paper, without them maybe another one.
    result = match.verify(authorless(title="DeepXplore"), [hit(main_title="DeepXplore")])
    assert not result.verified


def test_item_without_creators_two_papers_of_one_title_stay_candidates():
    hits = [hit(title="Deep Learning", key="journals/nature/LeCunBH15", year=2015, first_author="LeCun"),
            hit(title="Deep Learning", key="books/daglib/0040158", year=2016, first_author="Goodfellow")]
    result = match.verify(authorless(title="Deep Learning", year=2016), hits)
    assert not result.verified and "another hit comes close" in result.reasons[0]


@pytest.mark.parametrize("ours, theirs", [
    ("Deep Learning", "Deep Learning for Program Repair"),              # a prefix of the hit
    ("Deep Learning for Program Repair", "Deep Learning"),              # a superset of the hit
    ("Learning to Rank", "Learning to Rank 2"),
    ("Failures in distributed systems: a survey", "Failures in distributed systems: a survey revisited"),
    ("Simple testing can prevent most critical failures", "Simple testing can prevent most critical failures, revisited"),
])
@pytest.mark.parametrize("creators", [(), (Creator("Pei", "Kexin"),)])
def test_a_prefix_superset_or_sequel_is_never_accepted(ours, theirs, creators):
    result = match.verify(record(title=ours, creators=creators), [hit(title=theirs)])
    assert not result.verified


def test_a_retracted_hit_stays_a_candidate_even_with_an_exact_title():
    result = match.verify(authorless(), [hit(retracted=True)])
    assert not result.verified and result.index == 0 and "retracted" in result.reasons


def test_a_retracted_twin_makes_the_other_a_question():
    result = match.verify(authorless(), [hit(), hit(key="retracted", doi="10.1/r", retracted=True)])
    assert not result.verified and result.index == 0 and "another hit comes close" in result.reasons[0]


VOCABULARY = "deep learning testing neural systems failure cloud model data graph fuzzing network scale".split()
title_words = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=12)
more_words = st.lists(st.sampled_from(VOCABULARY + ["a", "of", "x"]), max_size=2)


@settings(max_examples=300, deadline=None)
@given(title_words, more_words, more_words, st.booleans())
def test_property_added_words_never_match(title, before, after, with_author):
    """However the words fall, a hit whose title wraps the item's with more words is another paper."""
    ours, theirs = " ".join(title), " ".join(before + title + after)
    if match.normalise_title(ours) == match.normalise_title(theirs):
        return
    creators = (Creator("Pei", "Kexin"),) if with_author else ()
    assert not match.verify(record(title=ours, creators=creators), [hit(title=theirs)]).verified
    assert not match.verify(record(title=theirs, creators=creators), [hit(title=ours)]).verified


# --- preprints and their published versions -------------------------------------------------------

def test_a_preprint_and_its_published_version_are_not_rivals():
    hits = [hit(**PREPRINT), hit()]
    published = match.verify(record(), hits)
    assert published.verified and published.candidate.venue == "SOSP"
    preprint = match.verify(record(item_type="preprint", venue="arXiv"), hits)
    assert preprint.verified and preprint.candidate.is_preprint
    assert match.verify(authorless(), hits).verified


def test_published_version_of_a_preprint():
    preprint = record(item_type="preprint", year=2017)
    found = match.published_version(preprint, [hit(**PREPRINT), hit()])
    assert found is not None and found.key == "conf/sosp/PeiCYJ17"


def test_published_version_needs_the_same_first_author_and_title():
    preprint = record(item_type="preprint")
    assert match.published_version(preprint, [hit(**PREPRINT), hit(first_author="Tian")]) is None
    assert match.published_version(preprint, [hit(**PREPRINT), hit(title="DeepXplore revisited")]) is None
    assert match.published_version(preprint, [hit(**PREPRINT), hit(retracted=True)]) is None
    assert match.published_version(preprint, [hit(**PREPRINT)]) is None


def test_published_version_without_authors_needs_the_same_title():
    preprint = authorless(item_type="preprint")
    assert match.published_version(preprint, [hit()]).key == "conf/sosp/PeiCYJ17"
    assert match.published_version(authorless(title="DeepXplore"), [hit(main_title="DeepXplore")]) is None


def test_published_version_takes_the_earlier_of_a_conference_and_a_journal_version():
    journal = hit(key="journals/cacm/PeiCYJ19", venue="Commun. ACM", year=2019)
    assert match.published_version(record(item_type="preprint"), [journal, hit()]).key == "conf/sosp/PeiCYJ17"
    twin = hit(key="conf/other/PeiCYJ17", venue="Other")
    assert match.published_version(record(item_type="preprint"), [twin, hit()]) is None


# --- one rule for every source --------------------------------------------------------------------

def dblp_hit(**info) -> dict:
    base = {"authors": {"author": [{"@pid": "185/3122", "text": "Kexin Pei"},
                                   {"@pid": "1", "text": "Yinzhi Cao"}]},
            "title": "DeepXplore: Automated Whitebox Testing of Deep Learning Systems.", "venue": "SOSP",
            "year": "2017", "type": "Conference and Workshop Papers", "key": "conf/sosp/PeiCYJ17",
            "doi": "10.1145/3132747.3132785"}
    base.update(info)
    return {"@score": "7", "@id": "1", "info": base}


def crossref_work(**fields) -> dict:
    base = {"DOI": "10.1145/3132747.3132785", "type": "proceedings-article",
            "title": ["DeepXplore"], "subtitle": ["Automated Whitebox Testing of Deep Learning Systems"],
            "author": [{"given": "Kexin", "family": "Pei"}], "issued": {"date-parts": [[2017, 10, 14]]},
            "score": 90.0}
    base.update(fields)
    return base


@pytest.mark.parametrize("item", [record(), authorless(), authorless(year=None)])
def test_crossref_and_dblp_hits_of_one_paper_decide_alike(item):
    from_dblp = match.verify(item, dblp.candidates([dblp_hit()]))
    from_crossref = cr.verify(item, {"items": [crossref_work()]})
    assert from_dblp.verified and from_crossref.verified
    assert from_dblp.candidate.doi == from_crossref.doi


def test_crossref_verify_keeps_its_verdict_for_an_authorless_item():
    # Before issue 9.5 an item without creators was never matched; now the same title is enough.
    verdict = cr.verify(authorless(), {"items": [crossref_work()]})
    assert verdict.verified and verdict.work["DOI"] == "10.1145/3132747.3132785"
    prefix = cr.verify(authorless(title="DeepXplore"), {"items": [crossref_work()]})
    assert not prefix.verified and prefix.work is not None


def test_crossref_retracted_work_is_never_accepted():
    retracted = crossref_work(**{"updated-by": [{"type": "retraction", "DOI": "10.1/retraction",
                                                  "updated": {"date-parts": [[2019, 1, 1]]}}]})
    verdict = cr.verify(record(), {"items": [retracted]})
    assert not verdict.verified and "retracted" in verdict.reasons


def test_crossref_posted_content_and_its_article_are_one_paper():
    preprint = crossref_work(DOI="10.1101/2020.01.01.1", type="posted-content", score=88.0)
    verdict = cr.verify(record(), {"items": [preprint, crossref_work(score=87.0)]})
    assert verdict.verified and verdict.doi == "10.1145/3132747.3132785"
