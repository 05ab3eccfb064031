"""Issue 13, untrusted by default: each attack found by the adversarial test is a regression test here.

The Zotero side is the loopback server of tests/servers/zotero_api.py, serving the hostile data; every
test runs the stages as the CLI does (pull -> merge -> emit) in a scratch project and looks at what
reached the disk.
"""
from __future__ import annotations

import dataclasses
import io
import json
import os
import random
import resource
import time
from pathlib import Path

import pytest

from pipeline import config
from pipeline.machinery import files
from pipeline.machinery.crossref_cache import read_venues
from pipeline.machinery.inputs import FIELD_LIMIT
from pipeline.machinery.inputs import read as read_inputs
from pipeline.render import csljson, table
from pipeline.render.urls import safe_url
from pipeline.report import Reporter
from pipeline.rules import curate
from pipeline.sources import zotero
from pipeline.stages import Options, StageError, emit, merge, pull
from tests.servers.zotero_api import Library, ZoteroServer

KEY = "Zk7QwErTy8UiOp3AsDfGh2Jk"
TOP, ALPHA, BETA = "TQP23456", "AQP23456", "BQP23456"


def library() -> Library:
    lib = Library("user", 1, "testuser", seed=3)
    lib.add_collection("Reliability", key=TOP)
    lib.add_collection("01 Alpha", TOP, key=ALPHA)
    lib.add_collection("02 Beta", TOP, key=BETA)
    for i in range(6):
        lib.add_item(paper(f"Paper number {i}", url=f"https://example.org/{i}"),
                     [ALPHA if i % 2 else BETA], key=f"GQQD{i + 2}AAA")
    return lib


def paper(title: str, **data) -> dict:
    body = {"itemType": "journalArticle", "title": title, "date": "2021", "publicationTitle": "J. Tests",
            "creators": [{"creatorType": "author", "firstName": "Ada", "lastName": "Lovelace"}]}
    body.update(data)
    return body


class Project:
    """A scratch project wired to one loopback Zotero server."""

    def __init__(self, root: Path, server: ZoteroServer):
        (root / "pipeline.toml").write_text('[entries]\nsort = ["title"]\n', encoding="utf-8")
        self.root, self.server = root, server
        self.settings = config.load(root, environ={
            "ZOTERO_API_URL": server.url, "ZOTERO_LIBRARY_ID": "1", "ZOTERO_LIBRARY_TYPE": "user",
            "ZOTERO_COLLECTION": TOP, "ZOTERO_API_KEY": KEY})
        self.out = io.StringIO()

    @property
    def zdir(self) -> Path:
        return self.settings.paths.zotero

    def policy(self) -> zotero.RetryPolicy:
        return dataclasses.replace(zotero.default_policy(), sleep=lambda s: None, rng=random.Random(0))

    def pull(self, **options) -> int:
        self.server.reset_counts()
        pull.run(self.settings, Options(**options), Reporter(1, self.out), policy=self.policy())
        return self.server.requests

    def build(self, **options):
        catalog = merge.run(self.settings, Options(offline=True, **options), Reporter(1, self.out))
        emit.run(self.settings, Options(offline=True, **options), Reporter(1, self.out), catalog)
        return catalog

    def outputs(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.root)): p.read_bytes() for p in emit.output_paths(self.settings)
                if p.is_file()}

    def said(self) -> str:
        return self.out.getvalue()


@pytest.fixture
def served():
    lib = library()
    with ZoteroServer(lib, api_key=KEY) as server:
        yield lib, server


@pytest.fixture
def proj(tmp_path, served):
    lib, server = served
    root = tmp_path / "project"
    root.mkdir()
    return Project(root, server), lib


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --- 1. paths from data -------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["../../../escaped", "AB/CD", "..", "ABCDEFG1", "ABCDEFGHI", "abcdefgh", ""])
def test_item_keys_outside_zotero_alphabet_are_skipped_and_named(proj, tmp_path, bad):
    project, lib = proj
    with lib.lock:   # the emulator stores whatever key it is given, as a hostile server would send it
        lib.items[bad] = {**paper("Hostile key"), "key": bad, "collections": [ALPHA], "version": lib.version,
                          "tags": [], "relations": {}, "dateAdded": "2024-01-01T00:00:00Z"}
    before = tree(tmp_path)
    project.pull()
    written = tree(tmp_path) - before
    assert written and all(w.startswith(("project/data", "project/build")) for w in written), written
    assert {p.name for p in (project.zdir / "items").iterdir()} == {f"GQQD{i + 2}AAA.json" for i in range(6)}
    assert not list(project.zdir.rglob("*/*/*")), "no sub-folder made from a key"
    line = next(l for l in project.said().splitlines() if "skipped an item" in l)
    assert repr(bad)[:30] in line and "'Hostile key'" in line
    catalog = project.build()
    assert len(catalog.records) == 6


def test_collection_key_with_a_path_is_skipped(proj, tmp_path):
    project, lib = proj
    with lib.lock:
        lib.collections["../../x"] = {"key": "../../x", "name": "Evil", "parentCollection": TOP,
                                      "version": lib.version, "relations": {}}
    before = tree(tmp_path)
    project.pull()
    assert all(w.startswith(("project/data", "project/build")) for w in tree(tmp_path) - before)
    assert sorted(p.stem for p in (project.zdir / "collections").iterdir()) == sorted([TOP, ALPHA, BETA])
    assert "skipped a collection with key '../../x'" in project.said()


def test_a_review_symlink_out_of_reviews_is_refused(proj, tmp_path):
    project, lib = proj
    project.pull()
    secret = tmp_path / "secret.txt"
    secret.write_text("---\nkey: GQQD2AAA\nsummary: THE SECRET\n---\n", encoding="utf-8")
    reviews = project.root / "reviews"
    reviews.mkdir()
    (reviews / "leak.md").symlink_to(secret)
    (reviews / "ok.md").write_text("---\nkey: GQQD3AAA\nsummary: a fine summary\n---\n", encoding="utf-8")
    catalog = project.build()
    messages = [str(p) for p in catalog.problems]
    assert "reviews/leak.md:1: refused: it links to a file outside reviews/" in messages
    published = b"".join(project.outputs().values())
    assert b"THE SECRET" not in published and str(secret).encode() not in published
    assert b"a fine summary" in published


# --- 2. no single item blocks the list ------------------------------------------------------------------

def test_a_lone_surrogate_and_a_100kb_title_do_not_stop_the_list(proj):
    project, lib = proj
    lib.add_item(paper("Broken \ud800 surrogate"), [ALPHA], key="SURR2345")
    lib.add_item(paper("T" * 100_000), [BETA], key="HUGE2345")
    project.pull()
    assert files.snapshot_state(project.zdir)["complete"] is True
    stored = files.read_json(project.zdir / "items" / "SURR2345.json")
    assert stored["data"]["title"] == "Broken \ufffd surrogate"
    assert "SURR2345: lone surrogate(s) in the item's text, stored as U+FFFD" in project.said()
    catalog = project.build()
    assert len(catalog.records) == 8
    huge = next(r for r in catalog.records if r.key == "HUGE2345")
    assert len(huge.title) <= FIELD_LIMIT
    assert any(p.where == "HUGE2345" and "truncated" in p.message and "100,000" in p.message
               for p in catalog.problems)
    out = project.outputs()
    assert b"Paper number 5" in out["README.md"] and b"Broken \xef\xbf\xbd surrogate" in out["README.md"]
    assert max(len(line) for line in out["data/curated/papers.bib"].splitlines()) < 3 * FIELD_LIMIT


def test_enrich_query_from_a_huge_title_is_bounded(proj):
    """The Crossref query is built from the record inputs.read gives, whose title is bounded."""
    project, lib = proj
    lib.add_item(paper("word " * 30_000), [BETA], key="HUGE2345")
    project.pull()
    inputs = read_inputs(project.settings)
    assert max(len(r.title) for r in inputs.records) <= FIELD_LIMIT
    import httpx2

    from pipeline.convert import crossref as cr
    huge = next(r for r in inputs.records if r.key == "HUGE2345")
    request = httpx2.Request("GET", "https://api.crossref.org/works", params=cr.search_params(huge))
    assert len(str(request.url)) < 20_000     # httpx2 refused the 100 KB query ("query too long")


def test_a_failed_write_leaves_the_previous_snapshot_whole(proj, monkeypatch):
    project, lib = proj
    project.pull()
    before = {p: p.read_bytes() for p in project.zdir.rglob("*") if p.is_file()}
    for i in range(6):
        lib.modify_item(f"GQQD{i + 2}AAA", title=f"Renamed {i}")
    lib.add_item(paper("Brand new"), [ALPHA], key="NEWW2345")
    real, calls = files.write_bytes, []

    def failing(path, data, **kw):
        calls.append(path)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real(path, data, **kw)

    monkeypatch.setattr(files, "write_bytes", failing)
    with pytest.raises(StageError, match="previous snapshot is restored"):
        project.pull()
    monkeypatch.undo()
    after = {p: p.read_bytes() for p in project.zdir.rglob("*") if p.is_file()}
    assert after == before
    project.pull()
    assert files.snapshot_state(project.zdir)["version"] == lib.version
    assert len(list((project.zdir / "items").iterdir())) == 7


# --- 3. bounded YAML ------------------------------------------------------------------------------------

BILLION_LAUGHS = """---
key: GQQD2AAA
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
---
"""


def test_the_alias_bomb_is_refused_at_once_with_its_line():
    assert len(BILLION_LAUGHS.encode()) < 400
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    review, problems = curate.parse_review(BILLION_LAUGHS, "reviews/bomb.md")
    assert time.process_time() - started < 5     # a generous bound: unbounded it ran for minutes
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 50_000   # KB
    assert review is None
    assert [str(p) for p in problems] == ["reviews/bomb.md:3: broken front matter: anchors and aliases "
                                          "(&name, *name) are not allowed"]


def test_oversized_front_matter_is_refused():
    text = "---\nkey: GQQD2AAA\n" + "summary: x\n" + "# padding\n" * 10_000 + "---\n"
    review, problems = curate.parse_review(text, "reviews/big.md")
    assert review is None and "front matter longer than" in str(problems[0])
    assert str(problems[0]).startswith("reviews/big.md:2:")


def test_plain_front_matter_still_loads():
    review, problems = curate.parse_review("---\nkey: GQQD2AAA\nsummary: 'A: b'\nyear: 2020\n---\n", "r.md")
    assert review is not None and review.key == "GQQD2AAA" and not problems


# --- 4. the snapshot heals ------------------------------------------------------------------------------

def damage_item(project: Project) -> Path:
    path = project.zdir / "items" / "GQQD3AAA.json"
    path.write_bytes(path.read_bytes()[:40])
    return path


def damage_collection(project: Project) -> Path:
    path = project.zdir / "collections" / f"{ALPHA}.json"
    path.write_bytes(b"\xff\xfe not json")
    return path


def damage_state(project: Project) -> Path:
    path = project.zdir / files.STATE
    path.write_text('{"source": "zotero-api", "vers', encoding="utf-8")
    return path


@pytest.mark.parametrize("damage", [damage_item, damage_collection, damage_state])
def test_damage_is_refused_offline_and_healed_online(proj, damage):
    project, lib = proj
    project.pull()
    project.build()
    published = project.outputs()
    good = {p: p.read_bytes() for p in project.zdir.rglob("*") if p.is_file()}
    damaged = damage(project)
    if damage is damage_state:    # loses no entry: published as before, the damage reported
        catalog = project.build()
        assert project.outputs() == published
        assert [p.code for p in catalog.problems if p.code.startswith("zotero")] == ["zotero-state"]
    else:
        with pytest.raises(StageError, match="refusing to publish"):
            project.build()
        assert project.outputs() == published, "outputs untouched"
        assert f"{damaged.relative_to(project.root)}" in project.said()
        records_json = project.settings.paths.records.read_bytes()
        # Told to, it publishes what it has.
        catalog = merge.run(project.settings, Options(offline=True, allow_missing=True), Reporter(0))
        assert len(catalog.records) == (5 if damage is damage_item else 3)
        project.settings.paths.records.write_bytes(records_json)
    # Online, the next pull fetches what is missing, although nothing changed in the library.
    requests = project.pull()
    assert requests > 1
    assert {p: p.read_bytes() for p in project.zdir.rglob("*") if p.is_file()} == good
    project.build()
    assert project.outputs() == published
    assert project.pull() == 1, "healed: back to one request"


def test_damaged_state_is_one_line_for_the_reader(proj):
    project, _ = proj
    project.pull()
    damage_state(project)
    problems = read_inputs(project.settings).problems
    assert [p.where for p in problems] == ["data/raw/zotero/state.json:1"]
    assert "damaged sync state" in problems[0].message and "\n" not in problems[0].message


# --- 5. every error a line ------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["truncated", "empty", "badutf8"])
def test_a_damaged_zotero_body_is_one_line_and_changes_nothing(proj, fault):
    project, lib = proj
    project.pull()
    before = {p: p.read_bytes() for p in project.zdir.rglob("*") if p.is_file()}
    lib.modify_item("GQQD2AAA", title="Changed")
    project.server.schedule = {2: fault}     # 1: collection versions, 2: the item versions
    with pytest.raises(StageError) as err:
        project.pull()
    message = str(err.value)
    assert "\n" not in message and "unreadable answer" in message and KEY not in message
    assert {p: p.read_bytes() for p in project.zdir.rglob("*") if p.is_file()} == before


def test_venue_table_with_invalid_utf8_is_a_line_per_row(tmp_path):
    path = tmp_path / "venues.csv"
    path.write_bytes(b"venue,label\nJournal of Tests,JT\nBad \xff\xfe row,BR\nOther,OT\n")
    table_, problems = read_venues(path)
    assert table_ and len(table_) == 2
    assert [str(p) for p in problems] == ["venues.csv:3: not UTF-8 (row ignored)"]


# --- 6. outputs safe for their readers -------------------------------------------------------------------

HOSTILE_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd",
                "vbscript:msgbox(1)", "//evil.example/x", " java\tscript:alert(1)", "https://"]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_safe_url_drops_what_is_not_http(url):
    assert safe_url(url) == ""


@pytest.mark.parametrize("url", ["https://example.org/a?b=c#d", "http://example.org", "HTTPS://EXAMPLE.ORG/x"])
def test_safe_url_keeps_http(url):
    assert safe_url(url) == url


def test_no_hostile_url_reaches_json_or_csv(proj):
    project, lib = proj
    for i, url in enumerate(HOSTILE_URLS):
        lib.add_item(paper(f"Hostile link {i}", url=url), [ALPHA], key=f"URLQ{i + 2}AAA")
    project.pull()
    project.build()
    out = project.outputs()
    items = json.loads(out["data/curated/papers.json"])
    assert all(i.get("URL", "https://").startswith(("https://", "http://")) for i in items)
    for name in ("data/curated/papers.json", "data/curated/papers.csv", "README.md"):
        text = out[name].decode().casefold()
        for bad in ("javascript:", "data:text", "file:///", "vbscript:", "//evil.example"):
            assert bad not in text, (name, bad)
    from pipeline.analysis import load_papers
    papers = load_papers(project.settings.paths.csv)
    assert set(papers.loc[papers["title"].str.startswith("Hostile link"), "url"].fillna("")) == {""}


def test_renderers_filter_urls_without_a_stage():
    from pipeline.model import Record
    records = [Record(key="ABCD2345", title="x", url="javascript:alert(1)"),
               Record(key="ABCD2346", title="y", url="https://ok.example/")]
    keys = {"ABCD2345": "a", "ABCD2346": "b"}
    rendered = csljson.render(records, keys) + table.render_csv(records, keys)
    assert "javascript" not in rendered and "https://ok.example/" in rendered


def test_nothing_escapes_with_a_symlinked_reviews_folder(proj, tmp_path):
    project, _ = proj
    project.pull()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.md").write_text("---\nkey: GQQD2AAA\nsummary: OUTSIDE\n---\n", encoding="utf-8")
    (project.root / "reviews").mkdir()
    os.symlink(outside, project.root / "reviews" / "linked")
    catalog = project.build()
    # Python 3.11's glob does not descend into it; where a glob would, the realpath check refuses it.
    assert all(not r.review_path for r in catalog.records)
    assert b"OUTSIDE" not in b"".join(project.outputs().values())


def test_a_configured_collection_that_is_no_key_is_one_line(proj, tmp_path):
    project, _ = proj
    project.settings = dataclasses.replace(project.settings, collection="../x")
    before = tree(tmp_path)
    with pytest.raises(StageError, match=r"the collection '\.\./x' \(ZOTERO_COLLECTION\) is not a Zotero"):
        project.pull()
    assert tree(tmp_path) == before


def test_merge_on_a_damaged_snapshot_exits_non_zero_in_one_line_unless_allowed(proj, capsys):
    from pipeline import cli
    project, _ = proj
    project.pull()
    project.build()
    published = project.outputs()
    damage_item(project)
    capsys.readouterr()
    assert cli.main(["merge", "--root", str(project.root), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("error: data/raw/zotero/items/GQQD3AAA.json: unreadable item GQQD3AAA")
    assert err[-1].startswith("error: merge: 1 damaged file(s)") and "--allow-missing" in err[-1]
    assert project.outputs() == published
    # Allowed, it publishes without the damaged item, and still exits 3: an error was reported.
    assert cli.main(["merge", "--allow-missing", "--root", str(project.root), "-q"]) == 3
    assert cli.main(["emit", "--allow-missing", "--root", str(project.root), "-q"]) == 0
    assert b"Paper number 1" not in project.outputs()["README.md"]


def test_no_hostile_url_reaches_the_bib():
    from pipeline.model import Record
    from pipeline.render import bibtex
    records = [Record(key=f"ABCD{i + 2}AAA", title=f"t{i}", url=url) for i, url in enumerate(HOSTILE_URLS)]
    bib = bibtex.render(records, {r.key: f"k{i}" for i, r in enumerate(records)}).casefold()
    for bad in ("javascript:", "data:text", "file:///", "vbscript:", "//evil.example"):
        assert bad not in bib
