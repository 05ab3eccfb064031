"""pipeline.convert.crossref: Crossref works -> record fields, venue labels, and search verification."""
from __future__ import annotations

import copy

import pytest

from pipeline.convert import crossref as cr
from pipeline.model import Creator, Record
from pipeline.rules import venues
from tests.crossref_fixtures import cassettes_or_skip, generate_works, recorded_works

VENUES, _ = venues.parse_table("venue,label,kind\n"
                               "ACM Transactions on Software Engineering and Methodology,TOSEM,journal\n"
                               "ESEC/FSE,FSE,conference\nSymposium on Operating Systems Principles,SOSP,conference\n")


def work(**fields) -> dict:
    base = {"DOI": "10.1145/3368089.3409754", "title": ["Deep learning testing"], "type": "journal-article",
            "author": [{"given": "Kexin", "family": "Pei", "sequence": "first"}],
            "issued": {"date-parts": [[2021, 5, 1]]}, "score": 90.0}
    base.update(fields)
    return base


def record(**fields) -> Record:
    base = dict(key="ABCD2345", title="Deep learning testing", creators=(Creator("Pei", "Kexin"),), year=2021)
    base.update(fields)
    return Record(**base)


# --- fields -----------------------------------------------------------------------------------------

def test_generated_work_gives_every_field():
    w = generate_works(1, seed=3)[0]
    w.update({"type": "proceedings-article", "event": {"name": "2017 Symposium", "acronym": "SOSP '17"},
              "container-title": ["Proceedings of the 26th Symposium on Operating Systems Principles"]})
    f = cr.work_fields(w, VENUES)
    assert f["doi"] == w["DOI"].lower()
    assert f["venue_label"] == "SOSP"
    assert f["item_type"] == "conferencePaper"
    assert f["citations"] == w["is-referenced-by-count"]
    assert f["year"] == w["issued"]["date-parts"][0][0]
    assert f["pages"] == w["page"]
    assert f["creators"][0].family == w["author"][0]["family"]


@pytest.mark.parametrize("value, expected", [
    ({"date-parts": [[None]]}, (None, "")),
    ({"date-parts": [[2012, 3]]}, (2012, "2012-03")),
    ({"date-parts": [["2012", "3", "21"]]}, (2012, "2012-03-21")),
    ({"date-parts": []}, (None, "")),
    (None, (None, "")),
])
def test_date_parts_tolerates_gaps(value, expected):
    assert cr.date_parts(value) == expected


def test_year_falls_back_when_issued_is_null():
    w = work(issued={"date-parts": [[None]]}, **{"published-print": {"date-parts": [[2003, 5]]}})
    assert cr.work_year(w) == (2003, "2003-05")


def test_markup_and_entities_are_cleaned():
    w = work(title=["<i>Treebase</i>: an R package"], **{"container-title": ["Big Data &amp; Society"]})
    f = cr.work_fields(w)
    assert f["title"] == "Treebase: an R package"
    assert f["venue"] == "Big Data & Society"


@pytest.mark.parametrize("fields, label", [
    ({"event": {"acronym": "SOSP '17"}, "container-title": ["Proceedings (XYZ)"]}, "SOSP"),
    ({"container-title": ["2021 IEEE/ACM 43rd International Conference on Software Engineering (ICSE)"]}, "ICSE"),
    ({"container-title": ["Proceedings of the 2015 International Workshop on X - DISCS '15"]}, "DISCS"),
    ({"event": {"acronym": "ESEC/FSE 2020"}}, "FSE"),                              # table renames
    ({"container-title": ["ACM Transactions on Software Engineering and Methodology"],
      "short-container-title": ["ACM Trans. Softw. Eng. Methodol."]}, "TOSEM"),   # table over short title
    ({"container-title": ["Proceedings of the 26th Symposium on Operating Systems Principles"]}, "SOSP"),
    # Not in the table: no label (the caller shows the full name, never an ISO abbreviation).
    ({"container-title": ["Scientific Reports"], "short-container-title": ["Sci Rep"]}, ""),
    ({"container-title": ["PLoS ONE"], "short-container-title": ["PLoS ONE"]}, "PLoS ONE"),  # reads as an acronym
])
def test_venue_label_order(fields, label):
    assert cr.venue_label(work(**fields), VENUES) == label


def test_notices_dedupe_retraction_watch_and_skip_new_versions():
    updated = {"date-parts": [[2023, 2, 1]]}
    w = work(**{"updated-by": [
        {"type": "retraction", "DOI": "10.1/r", "source": "retraction-watch", "updated": updated},
        {"type": "retraction", "DOI": "10.1/R", "source": "publisher", "updated": updated},
        {"type": "new_version", "DOI": "10.1/v2", "source": "publisher"},
    ]})
    (notice,) = cr.notices(w)
    assert (notice.kind, notice.doi, notice.date, notice.source) == ("retraction", "10.1/r", "2023-02-01", "publisher")


def test_published_version_of_a_preprint():
    w = work(type="posted-content", relation={"is-preprint-of": [
        {"id-type": "doi", "id": "10.1029/2020MS002386", "asserted-by": "subject"}]})
    assert cr.work_fields(w)["published_doi"] == "10.1029/2020ms002386"


def test_not_found_marker_round_trip():
    assert cr.is_not_found(cr.not_found_marker("10.1/x"))
    assert not cr.is_not_found(work())


# --- searching --------------------------------------------------------------------------------------

def test_search_params_and_query_id_are_stable():
    params = cr.search_params(record())
    assert params == {"query.bibliographic": "Deep learning testing Pei 2021", "rows": cr.SEARCH_ROWS}
    assert cr.query_id(params) == cr.query_id(dict(reversed(list(params.items()))))
    assert cr.search_params(record(title=" ")) is None


def hits(*works) -> dict:
    return {"items": list(works), "total-results": len(works)}


def test_verified_hit():
    verdict = cr.verify(record(title="Deep Learning Testing."), hits(work(), work(DOI="10.1/other",
                        title=["Unrelated"], score=20.0)))
    assert verdict.verified and verdict.doi == "10.1145/3368089.3409754"


def test_year_within_one_is_accepted_two_is_not():
    assert cr.verify(record(year=2022), hits(work())).verified
    verdict = cr.verify(record(year=2023), hits(work()))
    assert not verdict.verified and "year 2021" in verdict.reasons


@pytest.mark.parametrize("change, reason", [
    (dict(creators=(Creator("Tian", "Yuchi"),)), "first author pei"),
    (dict(title="Deep learning testing at scale with metamorphic relations"), "similar"),
    (dict(year=None), "no year to compare"),
])
def test_weaker_matches_are_candidates(change, reason):
    verdict = cr.verify(record(**change), hits(work()))
    assert not verdict.verified
    assert any(reason in r for r in verdict.reasons)


def test_runner_up_too_close_is_a_candidate():
    verdict = cr.verify(record(), hits(work(score=50.0), work(DOI="10.1/other", score=40.0)))
    assert not verdict.verified and verdict.doi == "10.1145/3368089.3409754"
    assert "not clearly ahead" in verdict.reasons[-1]


def test_top_hit_another_paper_offers_the_right_one_as_candidate():
    other = work(DOI="10.1/other", title=["A survey of something else"], score=80.0)
    verdict = cr.verify(record(), hits(other, work(score=30.0)))
    assert not verdict.verified
    assert verdict.doi == "10.1145/3368089.3409754"
    assert verdict.reasons[0] == "not the top hit"


def test_unrelated_hits_offer_no_candidate():
    verdict = cr.verify(record(), hits(work(DOI="10.1/x", title=["Ocean carbon flux"])))
    assert not verdict.verified and verdict.work is None
    assert cr.verify(record(), hits()).work is None


# --- the recorded responses -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def recorded():
    return recorded_works(cassettes_or_skip())


@pytest.mark.shared
@pytest.mark.parametrize("doi, year, label, citations", [
    ("10.1145/2831244.2831252", 2015, "DISCS", 1),             # event acronym "DISCS '15"
    ("10.1145/2834800.2834802", 2015, "E2SC", 6),
    ("10.1145/2832099.2832103", 2015, "NDM", 1),
    ("10.1371/journal.pone.0033693", 2012, "PLoS ONE", 72),    # a name that reads as an acronym
    ("10.1038/srep16696", 2015, None, 110),                    # no ISO abbreviation as a label
    ("10.1109/icdcsw.2003.1203662", None, None, 4),            # issued [[null]], event without acronym
    ("10.1038/nnano.2014.279", 2014, None, 44),
    ("10.1016/j.tcs.2015.06.001", 2015, None, 9),
])
def test_recorded_works(recorded, doi, year, label, citations):
    f = cr.work_fields(recorded[doi], {})
    assert f["doi"] == doi
    assert f.get("year") == year
    assert f.get("venue_label") == label
    assert f["citations"] == citations


@pytest.mark.shared
def test_recorded_correction_retraction_shapes(recorded):
    corrected = cr.work_fields(recorded["10.1371/journal.pone.0033693"])
    assert [n.kind for n in corrected["notices"]] == ["correction"]
    notice = cr.updates_to(recorded["10.1111/ijal.12281"])           # the corrigendum itself
    assert notice[0].kind == "correction" and notice[0].doi == "10.1111/ijal.12157"


@pytest.mark.shared
def test_recorded_preprint_points_at_its_published_version(recorded):
    f = cr.work_fields(recorded["10.1002/essoar.10504562.1"])
    assert f["item_type"] == "preprint" and f["published_doi"] == "10.1029/2020ms002386"


@pytest.mark.shared
def test_recorded_query_whose_top_hit_is_another_paper_is_rejected():
    # habanero's recorded search "ecology" by Carl Boettiger: 20 hits, top "The forecast trap".
    interaction = next(i for i in cassettes_or_skip() if i.source.endswith("test_works_field_queries.yaml"))
    message = interaction.json()["message"]
    second = message["items"][1]
    curator = Record(key="BOET2018", title="From noise to knowledge: how randomness generates novel "
                     "phenomena and reveals information", creators=(Creator("Boettiger", "Carl"),), year=2018)
    verdict = cr.verify(curator, message)
    assert not verdict.verified
    assert verdict.doi == second["DOI"].lower()        # offered to the curator, never applied
    # And the top hit itself, for a record that is that paper, is not clearly ahead either (35.5 vs 34.9).
    top = Record(key="BOET2022", title="The forecast trap", creators=(Creator("Boettiger", "Carl"),), year=2022)
    assert not cr.verify(top, message).verified
    assert cr.verify(top, {"items": [copy.deepcopy(message["items"][0])]}).verified
