"""The labelled test set itself: well-formed, as large and as varied as issue 9 asks, true to the curator's list."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from tests import labelset
from tests.labelset import KEY_ALPHABET, item_key, load

ALL = load()
BY_GROUP = {g: load(g) for g in labelset.GROUPS}
ITEM_TYPES = {"conferencePaper", "journalArticle", "preprint", "blogPost", "webpage", "thesis", "report", "book"}
DATELESS_OK = {"webpage", "report"}
CATEGORIES = {"acm-doi", "ieee-doi", "usenix", "ml-proceedings", "arxiv-published", "arxiv-preprint", "journal",
              "workshop", "thesis", "report", "blog", "webpage"}
TRAPS = {"prefix-title", "superset-title", "revisited-sequel", "retracted", "different-paper"}
DBLP_TYPES = {"Conference and Workshop Papers", "Journal Articles", "Informal and Other Publications",
              "Books and Theses", "Parts in Books or Collections"}


def norm(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def test_sizes():
    assert len(BY_GROUP["curator"]) == 40       # 41 entries: one paper is listed in two sections
    assert sum(len(p.sections) for p in BY_GROUP["curator"]) == 41
    assert len(BY_GROUP["curator"]) + len(BY_GROUP["field"]) >= 150
    assert len(BY_GROUP["field"]) >= 120
    assert 40 <= len(BY_GROUP["heldout"]) <= 60


def test_ids_and_zotero_keys_are_unique():
    ids = [p.id for p in ALL]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    keys = [item_key(i) for i in ids]
    assert len(set(keys)) == len(keys)
    assert all(len(k) == 8 and set(k) <= set(KEY_ALPHABET) for k in keys)


@pytest.mark.parametrize("paper", ALL, ids=lambda p: p.id)
def test_expected_label(paper):
    e = paper.expected
    assert isinstance(e.label, str) and e.label == e.label.strip()
    assert e.year is None or 1990 <= e.year <= 2026
    if not e.label:     # a year alone, or nothing, only for a report or a web page
        assert paper.zotero["itemType"] in DATELESS_OK, "only reports and web pages print a year alone"
    else:
        assert e.year, "a label comes with a year"
    if paper.category == "arxiv-published":
        assert e.published_label == f"{e.label} {e.year}" and e.label != "arXiv"
    if paper.category == "arxiv-preprint":
        assert e.label == "arXiv"
    if e.note and e.note.startswith("curator slip"):
        assert e.curator and e.curator != e.text


@pytest.mark.parametrize("paper", ALL, ids=lambda p: p.id)
def test_zotero_item_shape(paper):
    z = paper.zotero
    assert z["itemType"] in ITEM_TYPES
    assert z["title"] and isinstance(z["creators"], list)
    for c in z["creators"]:
        assert c["creatorType"] == "author"
        assert set(c) in ({"creatorType", "firstName", "lastName"}, {"creatorType", "name"})
    assert z["tags"] == [] and z["collections"] == [] and z["relations"] == {}
    assert "key" not in z and "version" not in z
    if z["itemType"] == "preprint":
        assert z["repository"] == "arXiv" and z["DOI"].startswith("10.48550/arXiv.")
        assert z["archiveID"] == "arXiv:" + z["DOI"].removeprefix("10.48550/arXiv.")
    if z["itemType"] == "blogPost":
        assert z["blogTitle"] and z["date"]


@pytest.mark.parametrize("paper", BY_GROUP["curator"], ids=lambda p: p.id)
def test_no_curator_label_in_the_item(paper):
    """The item is written from public records; the label the curator writes must come from the pipeline.
    (The held-out list sometimes writes USENIX's own acronym, 'NSDI 20', which the proceedings title holds.)"""
    label = paper.expected.curator
    if not label or not re.search(r"[A-Za-z]", label):
        return
    text = json.dumps(paper.zotero, ensure_ascii=False)
    assert label not in text


@pytest.mark.parametrize("paper", ALL, ids=lambda p: p.id)
def test_crossref_shape(paper):
    w = paper.crossref
    if w is None:
        return
    assert w["type"] in {"proceedings-article", "journal-article", "posted-content", "report"}
    assert isinstance(w["title"], list) and w["title"][0]
    assert isinstance(w["container-title"], list)
    assert not w["DOI"].startswith("10.48550/"), "arXiv DOIs are DataCite's, not Crossref's"
    parts = w["issued"]["date-parts"][0]
    assert 1990 <= parts[0] <= 2026
    for a in w["author"]:
        assert "family" in a or "name" in a
    if w["type"] == "journal-article":
        assert w["short-container-title"]
    if paper.trap == "retracted":
        assert any(u["type"] == "retraction" for u in w["updated-by"])


@pytest.mark.parametrize("paper", ALL, ids=lambda p: p.id)
def test_dblp_hit_shape(paper):
    for hit in paper.dblp:
        assert set(hit) == {"@score", "@id", "info", "url"}
        info = hit["info"]
        assert info["title"].endswith((".", "?", "!"))
        assert info["type"] in DBLP_TYPES
        assert info["url"] == f"https://dblp.org/rec/{info['key']}"
        authors = info["authors"]["author"]
        people = authors if isinstance(authors, list) else [authors]
        assert isinstance(authors, dict) == (len(people) == 1), "one author is an object, several a list"
        assert all(set(a) == {"@pid", "text"} for a in people)
        if info["venue"] == "CoRR":
            arxiv = info["volume"].removeprefix("abs/")
            assert info["type"] == "Informal and Other Publications"
            assert info["key"] == "journals/corr/abs-" + arxiv.replace(".", "-")
            assert info["ee"] == f"https://arxiv.org/abs/{arxiv}"


@pytest.mark.parametrize("paper", [p for p in ALL if p.category == "arxiv-published"], ids=lambda p: p.id)
def test_published_preprints_come_with_both_versions(paper):
    venues = [h["info"]["venue"] for h in paper.dblp]
    assert "CoRR" in venues and any(v != "CoRR" for v in venues)


def test_every_category_is_represented():
    cats = Counter(p.category for p in BY_GROUP["curator"] + BY_GROUP["field"])
    assert CATEGORIES <= set(cats), CATEGORIES - set(cats)
    assert any(p.zotero["itemType"] == "journalArticle" and p.crossref is None for p in ALL), "a journal without DOI"
    assert any(not p.zotero["creators"] for p in BY_GROUP["curator"]), "items saved without creators"


def test_every_trap_kind_is_present():
    traps = Counter(p.trap for p in ALL if p.trap)
    assert TRAPS <= set(traps), TRAPS - set(traps)
    for p in ALL:
        own = norm(p.title)
        others = [norm(h["info"]["title"]) for h in p.dblp if norm(h["info"]["title"]) != own]
        if p.trap == "same-title-other-venue":
            years = {h["info"]["year"] for h in p.dblp if norm(h["info"]["title"]) == own}
            assert len(years) >= 2, f"{p.id}: the same title at another venue and year must come back too"
        if p.trap in ("prefix-title", "superset-title", "revisited-sequel", "sequel", "different-paper"):
            assert others, f"{p.id}: a {p.trap} trap needs another paper among the hits"
        if p.trap == "prefix-title":
            assert any(o.startswith(own + " ") for o in others), p.id
        if p.trap == "superset-title":
            assert any(own.startswith(o + " ") for o in others), p.id
        if p.trap == "revisited-sequel":
            assert any("revisit" in o for o in others + [own]), p.id
        if p.trap == "retracted":
            assert p.crossref and p.crossref["updated-by"], p.id


def test_curator_slips_are_marked():
    slips = [p for p in BY_GROUP["curator"] if p.expected.curator and p.expected.curator != p.expected.text]
    assert {p.id for p in slips} >= {"self-checking-dnns"}
    for p in slips:
        assert p.expected.note, p.id
    self_checking = next(p for p in slips if p.id == "self-checking-dnns")
    assert self_checking.expected.text == "ICSE 2021" and self_checking.expected.curator == "ICSE 2022"


def test_curator_entries_match_the_shared_list(shared_dir):
    readme = (shared_dir / "fixtures" / "lists" / "orderlab-head" / "README.md").read_text(encoding="utf-8")
    body = readme.split("<!--")[0]
    entries = [e for e in re.findall(r"^- \[(.+?)\]\((.+?)\)(?:, \*([^*]+)\*)?", body, flags=re.M)
               if not e[1].startswith("#")]          # the table of contents links to anchors
    assert len(entries) == 41
    listed = Counter(norm(t) for t, _, _ in entries)
    ours = Counter()
    for p in BY_GROUP["curator"]:
        ours[norm(p.list_title)] += len(p.sections)
    assert listed == ours
    labels = {norm(t): (lab or "") for t, _, lab in entries}
    for p in BY_GROUP["curator"]:
        assert p.expected.curator == labels[norm(p.list_title)], p.id


def test_helpers_feed_the_servers():
    papers = load("curator")
    items = labelset.zotero_items(papers, "ABCD2345")
    assert len(items) == len(papers)
    one = items[0]
    assert set(one) == {"key", "version", "library", "links", "meta", "data"}
    assert one["data"]["key"] == one["key"] and one["data"]["collections"] == ["ABCD2345"]
    assert labelset.zotero_items(papers, "ABCD2345") == items            # stable keys
    works = labelset.crossref_works(load())
    dois = [w["DOI"].lower() for w in works]
    assert len(dois) == len(set(dois))
    hits = labelset.dblp_hits(papers)
    assert set(hits) == {p.title for p in papers}
    body = labelset.dblp_response("q", hits["DeepXplore: Automated Whitebox Testing of Deep Learning Systems"])
    block = body["result"]["hits"]
    assert block["@total"] == str(len(block["hit"])) and block["@first"] == "0"
    assert labelset.dblp_response("q", [])["result"]["hits"]["@sent"] == "0"


def test_unknown_group_is_refused():
    with pytest.raises(ValueError, match="unknown labelset group"):
        load("nope")
