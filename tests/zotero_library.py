"""Zotero libraries for the emulator: one built from the recorded fixtures, and generated ones.

`fixture_library()` files the recorded items of `../shared/fixtures/zotero/` into a small collection
tree (nested sections, an item in two sections, child attachments and annotations, a standalone note,
and a part of the library outside the tree). `generated_library(n)` makes a realistic library of n
entries by code, for the larger tests and the benchmark. Both return the Library and the key of the
top collection that a pull is configured with.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from tests.servers.zotero_api import Library

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ZOTERO_FIXTURES = SHARED / "fixtures" / "zotero"


def require_shared() -> Path:
    """The recorded Zotero fixtures, or a skip that says why they are missing."""
    import pytest

    if not ZOTERO_FIXTURES.is_dir():
        pytest.skip(f"recorded fixtures not found at {ZOTERO_FIXTURES} (the ../shared folder is absent)")
    return ZOTERO_FIXTURES


def _load(name: str) -> list[dict]:
    return json.loads((ZOTERO_FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class Built:
    library: Library
    top: str
    sections: list[str]   # sub-collection keys, depth-first


def fixture_library(seed: int = 7) -> Built:
    lib = Library("user", 1, "testuser", seed=seed)
    top = lib.add_collection("Machine Learning Reliability", key="MLR2TQP4")   # a Zotero key: no O, 0 or 1
    # The recordings name three collections of the web-library test user; we nest one of them.
    algorithms = lib.add_collection("Algorithms", top, key="CSB4KZUU")
    music = lib.add_collection("Music perception", top, key="4VM2BFHN")
    history = lib.add_collection("Book history", music, key="9WZDZ7YA")
    for name, coll in (("web-library/test-user-get-items-in-collection-algorithms.json", algorithms),
                       ("web-library/test-user-collection-items.json", music),
                       ("web-library/test-user-get-items-golden.json", history)):
        for obj in _load(name):
            lib.add_item(obj["data"], [coll], key=obj["key"])
    lib.set_item_collections("Z77UB935", [history, algorithms])   # one paper in two sections
    # Outside the tree: the public "Z" library's collections and items, as recorded.
    for obj in sorted(_load("pyzotero/collections_doc.json"), key=lambda o: bool(o["data"]["parentCollection"])):
        lib.add_collection(obj["data"]["name"], obj["data"]["parentCollection"] or None, key=obj["key"])
    for obj in _load("pyzotero/items_doc.json"):
        lib.add_item(obj["data"], obj["data"]["collections"], key=obj["key"])
    # Children: recorded attachments under the first paper, recorded annotations under one of them.
    for obj in _load("web-library/test-user-children.json"):
        lib.add_item(obj["data"], parent="G5I8928Z", key=obj["key"])
    for obj in _load("web-library/test-user-reader-children.json"):
        lib.add_item(obj["data"], parent="MWVZPK6B", key=obj["key"])
    return Built(lib, top, [algorithms, music, history])


# --- generated libraries --------------------------------------------------------------------------

# Roughly what an ML-reliability reading list holds.
ITEM_TYPES = [("conferencePaper", 40), ("journalArticle", 30), ("preprint", 18), ("bookSection", 4),
              ("report", 3), ("thesis", 2), ("webpage", 2), ("book", 1)]
DOI_FIELD_TYPES = {"conferencePaper", "journalArticle", "preprint"}
VENUES = ["NeurIPS", "ICML", "ICLR", "ICSE", "FSE", "ISSTA", "AAAI", "CVPR", "TOSEM", "JMLR"]
WORDS = ("robust adversarial testing neural coverage verification fairness drift calibration "
         "uncertainty repair fuzzing certified explanation shift benchmark safety monitoring").split()
SECTION_NAMES = ["Testing", "Verification", "Robustness", "Fairness", "Explainability", "Uncertainty",
                 "Data quality", "Monitoring", "Repair", "Security", "Benchmarks", "Surveys"]


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize()


def _item_data(rng: random.Random, n: int) -> dict:
    item_type = rng.choices([t for t, _ in ITEM_TYPES], [w for _, w in ITEM_TYPES])[0]
    year = rng.randint(2012, 2025)
    data = {
        "itemType": item_type,
        "title": _title(rng),
        "creators": [{"creatorType": "author", "firstName": rng.choice("ABCDEFGHJK") + ".",
                      "lastName": f"Author{rng.randint(1, 500)}"} for _ in range(rng.randint(1, 6))],
        "date": f"{year}-{rng.randint(1, 12):02d}",
        "url": f"https://example.org/paper/{n}",
        "abstractNote": "",
        "extra": "",
        "tags": [{"tag": rng.choice(WORDS)}] + ([{"tag": "auto", "type": 1}] if rng.random() < 0.2 else []),
        "dateAdded": f"{year}-01-01T00:00:00Z",
    }
    doi = f"10.{rng.randint(1000, 9999)}/gen.{n}"
    if item_type in DOI_FIELD_TYPES:
        data["DOI"] = doi if rng.random() < 0.8 else ""
        venue_field = {"conferencePaper": "proceedingsTitle", "journalArticle": "publicationTitle",
                       "preprint": "repository"}[item_type]
        data[venue_field] = rng.choice(VENUES) if item_type != "preprint" else "arXiv"
    elif item_type in ("bookSection", "report", "thesis") and rng.random() < 0.6:
        data["extra"] = f"DOI: {doi}"   # older schemas kept a DOI in Extra
    return data


def generated_library(n: int, seed: int = 1, *, sections: int = 12, outside: float = 0.1,
                      two_sections: float = 0.03, children: float = 0.2, trashed: float = 0.01,
                      library_type: str = "user", library_id: int = 1) -> Built:
    """n entries in a nested tree of `sections` sub-collections, plus the rest of a real library:
    items outside the tree, child notes and attachments, trashed items, a standalone note."""
    rng = random.Random(seed)
    lib = Library(library_type, library_id, "curator", seed=seed)
    top = lib.add_collection("Awesome ML Reliability")
    tree: list[str] = []
    for i in range(sections):
        parent = top if i < max(1, sections * 2 // 3) or not tree else rng.choice(tree)
        tree.append(lib.add_collection(SECTION_NAMES[i % len(SECTION_NAMES)] + ("" if i < 12 else f" {i}"), parent))
    inbox = lib.add_collection("Inbox")
    teaching = lib.add_collection("Teaching", None)
    lib.add_collection("Old", teaching)
    for i in range(n):
        colls = [rng.choice(tree)]
        if rng.random() < two_sections:
            colls.append(rng.choice([c for c in tree if c != colls[0]]))
        key = lib.add_item(_item_data(rng, i), colls)
        if rng.random() < children:
            lib.add_child(key, rng.choice(["note", "attachment"]), title="PDF")
    for i in range(int(n * outside)):
        lib.add_item(_item_data(rng, n + i), [rng.choice([inbox, teaching])])
    for key in rng.sample(sorted(lib.items), int(n * trashed)):
        if not lib.items[key].get("parentItem"):
            lib.trash_item(key)
    lib.add_item({"itemType": "note", "note": "<p>reading plan</p>"}, [top])
    return Built(lib, top, tree)


def change_items(built: Built, k: int, rng: random.Random) -> list[str]:
    """Edit k entries of the tree: titles mostly, a few moves between sections."""
    items, _ = built.library.expected_snapshot(built.top)
    keys = rng.sample(sorted(items), k)
    for i, key in enumerate(keys):
        if i % 10 == 9:
            built.library.set_item_collections(key, [rng.choice(built.sections)])
        else:
            built.library.modify_item(key, title=_title(rng))
    return keys


# --- notes: a curator's summary and review, as Zotero 7's note editor writes them ----------------------

REVIEW_NOTE = (
    '<div data-schema-version="8"><h1>Review</h1>\n'
    '<p>The paper tests <strong>deep learning</strong> systems with <span style="color: #ff2020">neuron '
    'coverage</span>; see <a href="https://example.org/deepxplore">the artifact</a>.</p>\n'
    '<ul><li><p>Strengths</p><ul><li><p>finds <em>thousands</em> of bugs</p></li></ul></li>'
    '<li><p>Weaknesses</p></li></ul>\n'
    '<table><tr><th>Model</th><th>Errors</th></tr><tr><td>LeNet</td><td>1,500</td></tr></table>\n'
    '<script>alert("review")</script><p onclick="steal()">Worth reading.</p></div>'
)
SUMMARY_NOTE = '<div data-schema-version="8"><p>Introduces <strong>neuron coverage</strong> to guide testing.</p></div>'
UNTAGGED_SUMMARY_NOTE = '<div data-schema-version="8"><p>Summary: Finds <em>silent</em> errors.</p></div>'
PRIVATE_NOTE = '<div data-schema-version="8"><p>Ask Alice about this one.</p></div>'


def add_notes(lib: Library, parent: str, *, summary: str | None = SUMMARY_NOTE, review: str | None = REVIEW_NOTE,
              private: bool = True) -> dict[str, str]:
    """Child notes under `parent` as a curator files them: {"summary"|"review"|"private": note key}."""
    keys = {}
    if summary is not None:
        keys["summary"] = lib.add_child(parent, "note", note=summary, tags=[{"tag": "summary"}])
    if review is not None:
        keys["review"] = lib.add_child(parent, "note", note=review, tags=[{"tag": "review"}, {"tag": "to read"}])
    if private:
        keys["private"] = lib.add_child(parent, "note", note=PRIVATE_NOTE)
    return keys
