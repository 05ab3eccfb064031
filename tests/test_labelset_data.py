"""The labelled test set itself: well-formed, as large and as varied as issue 9 asks, true to the curator's list.

Each check walks every paper and reports all offenders at once, by paper id.
"""
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
YEAR_ONLY_TYPES = {"webpage", "report"}
CATEGORIES = {"acm-doi", "ieee-doi", "usenix", "ml-proceedings", "arxiv-published", "arxiv-preprint", "journal",
              "workshop", "thesis", "report", "blog", "webpage"}
TRAPS = {"prefix-title", "superset-title", "revisited-sequel", "retracted", "different-paper"}
DBLP_TYPES = {"Conference and Workshop Papers", "Journal Articles", "Informal and Other Publications",
              "Books and Theses", "Parts in Books or Collections"}
CROSSREF_TYPES = {"proceedings-article", "journal-article", "posted-content", "report"}


def norm(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def offenders(check, papers=ALL) -> list[str]:
    """The ids of the papers `check` finds fault with, with its reason."""
    out = []
    for p in papers:
        reason = check(p)
        if reason:
            out.append(f"{p.id}: {reason}")
    return out


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


def check_expected(p) -> str | None:
    e = p.expected
    if e.label != e.label.strip() or (e.year is not None and not 1990 <= e.year <= 2026):
        return f"bad label or year {e!r}"
    if not e.label and p.zotero["itemType"] not in YEAR_ONLY_TYPES:
        return "only reports and web pages print a year alone (or nothing)"
    if e.label and not e.year:
        return "a label comes with a year"
    if p.category == "arxiv-published" and (e.published_label != e.text or e.label == "arXiv"):
        return "a published preprint shows its published venue"
    if p.category == "arxiv-preprint" and e.label != "arXiv":
        return "a preprint shows arXiv"
    if (e.note or "").startswith(("curator slip", "list slip")) and e.curator == e.text:
        return "a slip differs from the truth"
    return None


def test_expected_labels():
    assert offenders(check_expected) == []


def check_zotero(p) -> str | None:
    z = p.zotero
    if z["itemType"] not in ITEM_TYPES or not z["title"] or not isinstance(z["creators"], list):
        return "item type, title or creators"
    for c in z["creators"]:
        if c["creatorType"] != "author" or set(c) not in ({"creatorType", "firstName", "lastName"},
                                                          {"creatorType", "name"}):
            return f"creator {c}"
    if z["tags"] != [] or z["collections"] != [] or z["relations"] != {} or "key" in z or "version" in z:
        return "library fields belong to zotero_items()"
    if z["itemType"] == "preprint" and not (
            z["repository"] == "arXiv" and z["DOI"].startswith("10.48550/arXiv.")
            and z["archiveID"] == "arXiv:" + z["DOI"].removeprefix("10.48550/arXiv.")):
        return "an arXiv preprint names arXiv, its id and its DataCite DOI"
    if z["itemType"] == "blogPost" and not (z["blogTitle"] and z["date"]):
        return "a blog post has a blog and a date"
    return None


def test_zotero_items_are_connector_shaped():
    assert offenders(check_zotero) == []


def test_zotero_fields_are_the_schemas(shared_dir):
    schema = json.loads((shared_dir / "fixtures" / "zotero" / "zotero-schema" / "schema.json").read_text("utf-8"))
    fields = {t["itemType"]: {f["field"] for f in t["fields"]} for t in schema["itemTypes"]}
    library = {"itemType", "title", "creators", "tags", "collections", "relations", "dateAdded", "dateModified"}

    def check(p):
        z = p.zotero
        extra = set(z) - fields[z["itemType"]] - library
        return f"fields not in the schema for {z['itemType']}: {sorted(extra)}" if extra else None
    assert offenders(check) == []


def test_no_curator_label_in_the_curators_items():
    """The items are written from public records: the label the curator writes must come from the pipeline.
    (The held-out list sometimes writes USENIX's own acronym, 'NSDI 20', which the proceedings title holds.)"""
    def check(p):
        label = p.expected.curator
        if label and re.search(r"[A-Za-z]", label) and label in json.dumps(p.zotero, ensure_ascii=False):
            return f"the item holds {label!r}"
        return None
    assert offenders(check, BY_GROUP["curator"]) == []


def check_crossref(p) -> str | None:
    for w in (p.crossref, p.crossref_published):
        if w is None:
            continue
        if w["type"] not in CROSSREF_TYPES or not (isinstance(w["title"], list) and w["title"][0]):
            return "type or title"
        if not isinstance(w["container-title"], list) or w["DOI"].startswith("10.48550/"):
            return "container or an arXiv DOI (DataCite's, not Crossref's)"
        if not 1990 <= w["issued"]["date-parts"][0][0] <= 2026:
            return "issued"
        if any("family" not in a and "name" not in a for a in w["author"]):
            return "author without a family name"
        if w["type"] == "journal-article" and not w["short-container-title"]:
            return "journal without a short container title"
        if w["type"] == "proceedings-article" and not w["event"]["name"]:
            return "proceedings without an event"
    if p.trap == "retracted" and not any(u["type"] == "retraction" for u in p.crossref["updated-by"]):
        return "a retracted record says so in updated-by"
    return None


def test_crossref_messages_are_crossref_shaped():
    assert offenders(check_crossref) == []


def check_dblp(p) -> str | None:
    for hit in p.dblp:
        info = hit["info"]
        if set(hit) != {"@score", "@id", "info", "url"} or info["url"] != f"https://dblp.org/rec/{info['key']}":
            return "hit keys or url"
        if not info["title"].endswith((".", "?", "!")) or info["type"] not in DBLP_TYPES:
            return f"title or type of {info['key']}"
        authors = info["authors"]["author"]
        people = authors if isinstance(authors, list) else [authors]
        if isinstance(authors, dict) != (len(people) == 1):
            return "one author is an object, several a list"
        if not all(set(a) == {"@pid", "text"} for a in people):
            return "author fields"
        if info["venue"] == "CoRR":
            arxiv = info["volume"].removeprefix("abs/")
            if (info["type"] != "Informal and Other Publications" or info["ee"] != f"https://arxiv.org/abs/{arxiv}"
                    or info["key"] != "journals/corr/abs-" + arxiv.replace(".", "-")):
                return f"CoRR record {info['key']}"
    if p.category == "arxiv-published":
        venues = [h["info"]["venue"] for h in p.dblp]
        if "CoRR" not in venues or all(v == "CoRR" for v in venues):
            return "a published preprint comes back from DBLP in both versions"
    return None


def test_dblp_hits_are_dblp_shaped():
    assert offenders(check_dblp) == []


def test_every_category_is_represented():
    cats = Counter(p.category for p in BY_GROUP["curator"] + BY_GROUP["field"])
    assert CATEGORIES <= set(cats), CATEGORIES - set(cats)
    assert any(p.zotero["itemType"] == "journalArticle" and p.crossref is None for p in ALL), "a journal without DOI"
    assert any(not p.zotero["creators"] for p in BY_GROUP["curator"]), "items saved without creators"
    assert any(p.expected.curator == "2025" and p.expected.label == "" for p in BY_GROUP["curator"]), "a year alone"


def check_trap(p) -> str | None:
    own = norm(p.title)
    others = [norm(h["info"]["title"]) for h in p.dblp if norm(h["info"]["title"]) != own]
    if p.trap == "same-title-other-venue":
        if len({h["info"]["year"] for h in p.dblp if norm(h["info"]["title"]) == own}) < 2:
            return "the same title at another venue and year comes back too"
    if p.trap in ("prefix-title", "superset-title", "revisited-sequel", "sequel", "different-paper") and not others:
        return "another paper among the hits"
    if p.trap == "prefix-title" and not any(o.startswith(own + " ") for o in others):
        return "a hit whose title starts with this one"
    if p.trap == "superset-title" and not any(own.startswith(o + " ") for o in others):
        return "a hit whose title this one starts with"
    if p.trap == "revisited-sequel" and not any("revisit" in o for o in others + [own]):
        return "a 'revisited' title"
    if p.trap == "retracted" and not (p.crossref and p.crossref.get("updated-by")):
        return "Crossref's updated-by"
    return None


def test_every_trap_kind_is_present_and_real():
    traps = Counter(p.trap for p in ALL if p.trap)
    assert TRAPS <= set(traps), TRAPS - set(traps)
    assert offenders(check_trap) == []


def test_curator_slips_are_marked():
    slips = {p.id: p for p in BY_GROUP["curator"] if p.expected.curator and p.expected.curator != p.expected.text}
    assert "self-checking-dnns" in slips
    assert [i for i, p in slips.items() if not p.expected.note] == []
    assert slips["self-checking-dnns"].expected.text == "ICSE 2021"
    assert slips["self-checking-dnns"].expected.curator == "ICSE 2022"


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
    assert [p.id for p in BY_GROUP["curator"] if p.expected.curator != labels[norm(p.list_title)]] == []


def test_heldout_names_its_source():
    source = BY_GROUP["heldout"][0].source["source"]
    assert source["repo"] and re.fullmatch(r"[0-9a-f]{40}", source["commit"])
    assert all(p.expected.curator for p in BY_GROUP["heldout"])


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
    assert "10.1109/tse.2019.2962027" in dois                          # a preprint's published version
    hits = labelset.dblp_hits(papers)
    assert set(hits) == {p.title for p in papers}
    body = labelset.dblp_response("q", hits["DeepXplore: Automated Whitebox Testing of Deep Learning Systems"])
    block = body["result"]["hits"]
    assert block["@total"] == str(len(block["hit"])) and block["@first"] == "0"
    assert "hit" not in labelset.dblp_response("q", [])["result"]["hits"]


def test_unknown_group_is_refused():
    with pytest.raises(ValueError, match="unknown labelset group"):
        load("nope")


def test_score_counts_agreement():
    papers = load("curator")
    truth = {p.id: p.expected.text for p in papers}
    perfect = labelset.score(papers, truth)
    assert perfect.right == perfect.total == len(papers) and perfect.agreement == 1.0 and perfect.wrong == []
    assert perfect.as_curator < perfect.with_curator                    # the curator's slips differ from the truth
    as_written = labelset.score(papers, {p.id: p.expected.curator for p in papers})
    assert as_written.as_curator == as_written.with_curator == len(papers)
    assert ("self-checking-dnns", "ICSE 2022", "ICSE 2021") in as_written.wrong
    assert labelset.score(papers, {}).right == sum(1 for p in papers if not p.expected.text)
