"""One reader, one pass: every route to the outputs writes the same bytes, and a sync with nothing new
does nothing at all."""
from __future__ import annotations

import contextlib
import io
import os
import shutil
from pathlib import Path

import pytest

from pipeline import cli, config
from pipeline.machinery import files
from pipeline.machinery.crossref_cache import CrossrefCache
from pipeline.machinery.openalex_cache import OpenAlexCache
from pipeline.model import Problem
from pipeline.report import Reporter
from pipeline.stages import Options, emit, merge, sync
from tests.conftest import ROOT
from tests.test_merge_emit import collection, item

TOP, A, B = "TOPC2345", "AAAA2345", "BBBB2345"
OUTPUTS = ("README.md", "data/curated/papers.bib", "data/curated/papers.csv", "data/curated/papers.json",
           "data/curated/datapackage.json", "data/curated/citekeys.json", "build/records.json")
OFFLINE = {"CROSSREF_API_URL": "http://127.0.0.1:9", "DBLP_API_URL": "http://127.0.0.1:9"}


def make_project(root: Path, *, corrupt_cache: bool = False) -> Path:
    shutil.copy(ROOT / "pipeline.toml", root / "pipeline.toml")
    (root / "data/curated").mkdir(parents=True)
    shutil.copy(ROOT / "data/curated/venues.csv", root / "data/curated/venues.csv")
    z = root / "data/raw/zotero"
    files.write_json(z / "state.json", {"source": "import-readme", "collection": TOP, "version": 0})
    for obj in (collection(TOP, "A List"), collection(A, "Testing", TOP), collection(B, "Debugging", TOP)):
        files.write_json(z / "collections" / f"{obj['key']}.json", obj)
    cache = CrossrefCache(root / "data/raw/crossref", {})
    openalex = OpenAlexCache(root / "data/raw/openalex")     # every lookup answered: OpenAlex knows none
    for n in range(6):
        key = f"ITEM2{n + 2}22"
        doi = f"10.1234/paper.{n}"
        files.write_json(z / "items" / f"{key}.json",
                         item(key, f"Paper number {n}", [A if n % 2 else B], DOI=doi))
        cache.write_work(doi, {"DOI": doi, "title": [f"Paper number {n}"], "type": "journal-article",
                               "container-title": ["Journal of Tests"], "issued": {"date-parts": [[2020 + n % 2]]},
                               "author": [{"family": "Lovelace", "given": "Ada"}], "is-referenced-by-count": n})
        openalex.write_work(doi, None, "2026-12-01")
    if corrupt_cache:
        (cache.work_path("10.1234/paper.0")).write_text("{ truncated", encoding="utf-8")
    (root / "reviews").mkdir()
    (root / "reviews/p1.md").write_text("---\nkey: ITEM2322\nsummary: A summary.\n---\n", encoding="utf-8")
    return root


def run(root: Path, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stderr(out), contextlib.redirect_stdout(out):
        code = cli.main([*args, "--root", str(root)])
    assert code == 0, out.getvalue()
    return out.getvalue()


def outputs(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in OUTPUTS}


@pytest.mark.parametrize("corrupt", [False, True], ids=["clean-cache", "corrupt-cache-file"])
def test_every_route_writes_the_same_bytes(tmp_path, monkeypatch, corrupt):
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    by_route = {}
    for route in ("sync", "merge+emit", "make"):
        root = tmp_path / route.replace("+", "-")
        root.mkdir()
        make_project(root, corrupt_cache=corrupt)
        if route == "sync":
            run(root, "sync", "--offline")
        elif route == "merge+emit":
            run(root, "merge")
            run(root, "emit")
        else:   # what `make` runs: merge and emit in one process, the catalog handed over in memory
            assert "$(PY) -m pipeline build" in (Path(__file__).resolve().parents[1] / "Makefile").read_text()
            run(root, "build", "-q")
        by_route[route] = outputs(root)
    first = by_route["sync"]
    for route, got in by_route.items():
        assert got == first, f"{route} differs from sync on {[n for n in got if got[n] != first[n]]}"
    assert b"unreadable Crossref cache file" in first["build/records.json"] or not corrupt


def test_a_sync_with_nothing_new_skips_the_build_and_says_so(tmp_path, monkeypatch):
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    root = make_project(tmp_path)
    first = run(root, "sync")
    assert "merge:" in first and "emit:" in first
    assert (root / "build/sync.json").is_file(), "the enrichment was complete: the fingerprint is recorded"
    before = outputs(root)
    second = run(root, "sync")
    assert "skipped" in second and "merge:" not in second and "emit:" not in second
    assert outputs(root) == before


@pytest.mark.parametrize("change", ["review", "outro", "settings", "snapshot"])
def test_any_changed_input_or_touched_output_rebuilds(tmp_path, monkeypatch, change):
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    root = make_project(tmp_path)
    run(root, "sync")
    if change == "review":
        (root / "reviews/p1.md").write_text("---\nkey: ITEM2322\nsummary: Another summary.\n---\n")
    elif change == "outro":
        with (root / "README.md").open("a", encoding="utf-8") as fh:
            fh.write("\n## License\n\nCC0\n")
    elif change == "settings":
        text = (root / "pipeline.toml").read_text().replace('sort = ["added"]', 'sort = ["title"]')
        (root / "pipeline.toml").write_text(text)
    else:
        os.remove(root / "data/raw/zotero/items/ITEM2222.json")
    out = run(root, "sync")
    assert "skipped" not in out and "merge:" in out
    if change == "review":
        assert "Another summary." in (root / "README.md").read_text()
    if change == "outro":
        assert "## License" in (root / "README.md").read_text()


def test_offline_with_lookups_missing_records_no_fingerprint(tmp_path, monkeypatch):
    """A run that could not look everything up must try again next time, not skip."""
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    root = make_project(tmp_path)
    shutil.rmtree(root / "data/raw/crossref")
    out = run(root, "sync", "--offline")
    assert "could not be looked up" in out
    assert not (root / "build/sync.json").exists()
    assert "skipped" not in run(root, "sync", "--offline")


def test_merge_problems_are_values_not_logger_state(tmp_path):
    """The catalog's problems come from the inputs alone: a reporter that saw enrich's lines first
    changes nothing."""
    root = make_project(tmp_path, corrupt_cache=True)
    settings = config.load(root, environ=OFFLINE)
    noisy = Reporter(0)
    noisy.problem(Problem("elsewhere", "a message from another stage"))
    a = merge.run(settings, Options(), noisy)
    b = merge.build(settings)
    assert a.problems == b.problems and all(p.where != "elsewhere" for p in a.problems)
    assert emit.output_paths(settings)[-1] == settings.paths.citekeys
    assert sync.fingerprint(settings) == sync.fingerprint(settings)
