"""Right paper, right label (issue 9): the labelled set of real papers, saved as the Zotero Connector saves
them, synced through pull -> enrich -> merge against loopback Zotero, Crossref and DBLP servers, prints the
label a researcher of the field writes, and never takes one paper for another."""
from __future__ import annotations

import pytest

from tests import labelrun, labelset


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    papers = labelset.load("curator") + labelset.load("field")
    return papers, labelrun.sync(papers, tmp_path_factory.mktemp("labels") / "project", rounds=2)


def test_at_least_97_percent_of_labels_are_the_fields_and_no_paper_is_taken_for_another(labelled):
    papers, run = labelled
    assert len(papers) >= 150
    score = labelset.score(papers, run.printed)
    assert score.agreement >= 0.97, score.wrong
    assert labelrun.wrong_papers(papers, run) == []


def test_the_curators_list_comes_out_with_the_curators_labels_and_the_slips_are_listed(tmp_path):
    """The curator's own labels, kept in Zotero as a `Venue:` line and the date (as import-readme writes
    them), are what the list prints; where the curator slipped, the sources' year is shown and `make
    check` lists the disagreement."""
    import dataclasses

    papers = []
    for p in labelset.load("curator"):
        if p.expected.curator:
            *label, year = p.expected.curator.split()
            zotero = dict(p.zotero, date=year if year.isdigit() else p.zotero.get("date", ""))
            if label or not year.isdigit():
                venue = " ".join(label) if year.isdigit() else p.expected.curator
                zotero["extra"] = "\n".join(x for x in (zotero.get("extra", ""), f"Venue: {venue}") if x)
            p = dataclasses.replace(p, zotero=zotero)
        papers.append(p)
    run = labelrun.sync(papers, tmp_path / "curator")
    slips = {p.id for p in papers if (p.expected.note or "").startswith("curator slip")}
    assert len(slips) >= 3
    shown_as_written = [p.id for p in papers if p.expected.curator and run.printed[p.id] == p.expected.curator]
    assert set(shown_as_written) >= {p.id for p in papers if p.expected.curator} - slips
    listed = {pr.where for pr in run.catalog.problems if pr.code in ("year-disagrees", "venue-disagrees")}
    assert {labelset.item_key(pid) for pid in slips} <= listed


def test_preprints_show_their_published_venue_and_check_says_so(labelled):
    papers, run = labelled
    published = [p for p in papers if p.category == "arxiv-published"]
    assert published
    for p in published:
        record = run.records[p.id]
        assert run.printed[p.id] == p.expected.text
        assert record.arxiv, "the CSV keeps the arXiv id"
    messages = [pr.message for pr in run.catalog.problems if pr.code == "published-version"]
    assert any(m.startswith("preprint now published at OSDI 2025") for m in messages)


def test_traps_stay_candidates(labelled):
    papers, run = labelled
    traps = [p for p in papers if p.trap]
    assert {p.trap for p in traps} >= {"prefix-title", "superset-title", "revisited-sequel", "retracted"}
    for p in traps:
        assert run.printed[p.id] == p.expected.text, p.id


def test_a_no_change_sync_asks_crossref_and_dblp_nothing(labelled):
    _, run = labelled
    assert (run.crossref_requests, run.dblp_requests, run.zotero_requests) == (0, 0, 1)


def test_a_held_out_list_agrees_with_its_curator(tmp_path):
    papers = labelset.load("heldout")
    run = labelrun.sync(papers, tmp_path / "heldout")
    score = labelset.score(papers, run.printed)
    assert score.agreement >= 0.95, score.wrong
    assert labelrun.wrong_papers(papers, run) == []


def test_a_sync_verifies_each_hit_once_and_prints_the_same_list(tmp_path, monkeypatch):
    """enrich verifies search hits to know what to fetch next; merge, reading the same inputs in a sync,
    takes those verdicts instead of verifying again, and the list is what separate runs give."""
    from pipeline.rules import match

    papers = labelset.load("curator")
    calls: list[tuple] = []
    real = match.verify

    def counted(record, candidates):
        candidates = list(candidates)
        calls.append((match.reads(record), tuple(c.key for c in candidates)))
        return real(record, candidates)

    monkeypatch.setattr(match, "verify", counted)
    apart = labelrun.sync(papers, tmp_path / "apart")
    separate = list(calls)
    calls.clear()
    together = labelrun.sync(papers, tmp_path / "together", shared=True)
    assert together.printed == apart.printed
    assert together.catalog.records == apart.catalog.records
    assert len(calls) == len(set(calls)), "a verdict was worked out twice"
    assert len(separate) > len(set(separate)) and len(calls) < len(separate)


def test_the_curators_label_prints_in_the_fields_spelling_when_the_table_knows_it():
    """A list's `*NeurIps 2015*` or `[Arxiv18]` is the curator's word for NeurIPS and arXiv: printed as the
    field writes them. A label the table reads as another venue (or does not know) stays as written."""
    from pipeline.convert import zotero
    from pipeline.machinery.crossref_cache import read_venues

    table, _ = read_venues(labelrun.ROOT / "data/curated/venues.csv")

    def label(written: str) -> tuple[str, str]:
        return zotero.venue_label({"itemType": "conferencePaper", "extra": f"Venue: {written}"}, table)

    assert label("NeurIps") == ("NeurIPS", "curator")
    assert label("Arxiv") == ("arXiv", "curator")
    assert label("Oakland") == ("Oakland", "curator")          # the table's S&P, but the curator's own name
    assert label("My Workshop") == ("My Workshop", "curator")
