"""End to end: a fresh copy of the repository builds the committed outputs, byte for byte."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import bibtexparser
import pandas as pd
import pytest

from tests.conftest import ROOT

OUTPUTS = ("README.md", "data/curated/papers.bib", "data/curated/papers.biblatex.bib", "data/curated/papers.csv",
           "data/curated/papers.json", "data/curated/datapackage.json", "data/curated/citekeys.json", "docs/index.html")


def run_pipeline(root, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOTERO_", "CROSSREF_"))}
    env["CROSSREF_API_URL"] = "http://127.0.0.1:9"   # nothing listens: no test reaches the internet
    env["DBLP_API_URL"] = "http://127.0.0.1:9"
    return subprocess.run([sys.executable, "-m", "pipeline", *args, "--root", str(root)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The committed project, copied and synced offline without credentials."""
    import shutil
    root = tmp_path_factory.mktemp("clone")
    for name in ("pipeline.toml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    for name in ("data", "reviews"):
        shutil.copytree(ROOT / name, root / name)
    result = run_pipeline(root, "sync", "--offline")
    assert result.returncode == 0, result.stderr
    return root, result


def test_sync_without_credentials_says_so_in_one_line(built):
    _, result = built
    lines = result.stderr.splitlines()
    assert any("no Zotero credentials" in line and "committed snapshot" in line for line in lines)


def test_the_committed_outputs_are_what_the_pipeline_builds(built):
    root, _ = built
    for name in OUTPUTS:
        assert (root / name).read_bytes() == (ROOT / name).read_bytes(), f"{name} differs from a fresh build: run make sync"


def test_a_second_sync_changes_no_byte(built):
    root, _ = built
    before = {name: (root / name).read_bytes() for name in OUTPUTS}
    assert run_pipeline(root, "sync", "--offline").returncode == 0
    assert {name: (root / name).read_bytes() for name in OUTPUTS} == before


def canonical(line: str) -> str:
    """An entry line with its label as the venue table writes it (the curator's `NeurIps` and
    `Information and Software Technology` print as NeurIPS and IST), and without a label the pipeline
    adds where the curator wrote none (an arXiv link: `*arXiv 2019*`)."""
    from pipeline.rules import venues

    table, _ = venues.parse_table((ROOT / "data/curated/venues.csv").read_text(encoding="utf-8"))
    line = re.sub(r"(\]\(https?://(?:www\.)?arxiv\.org/[^)]*\)), \*arXiv \d{4}\*", r"\1", line)
    return re.sub(r", \*(.+?) (\d{4})\*", lambda m: f", *{venues.label(m.group(1), table) or m.group(1)} {m.group(2)}*", line)


def test_readme_has_every_entry_of_the_curator_list_as_written(built, seed_list):
    root, _ = built
    readme = (root / "README.md").read_text(encoding="utf-8")
    seed_entries = [line for line in seed_list.read_text(encoding="utf-8").splitlines() if line.startswith("- [") and "](http" in line]
    assert len(seed_entries) == 14
    for line in seed_entries:
        # Reviews whose text the list does not contain get no link until the curator writes them.
        expected = canonical(re.sub(r" \[Review(?: \(TBD\))?\]\([^)]*\)$", "", line))
        assert expected in [canonical(x) for x in readme.splitlines()], expected
    assert "[Review" not in readme.split("BEGIN GENERATED LIST")[1]


def test_linked_reviews_exist_as_files_and_check_names_them(built, seed_list):
    root, _ = built
    linked = re.findall(r"\]\((reviews/[^)]+)\)", seed_list.read_text(encoding="utf-8"))
    assert len(linked) == 3
    result = run_pipeline(root, "check")
    for path in linked:
        assert (root / path).is_file()
        assert f"{path}:1: review text missing" in result.stderr


def test_bib_and_csv_have_one_entry_per_paper(built):
    root, _ = built
    with open(root / "data/curated/papers.bib", encoding="utf-8") as fh:
        bib = bibtexparser.load(fh)
    assert len(bib.entries) == 14
    assert len({e["ID"] for e in bib.entries}) == 14
    frame = pd.read_csv(io.StringIO((root / "data/curated/papers.csv").read_text(encoding="utf-8")), dtype=str, keep_default_na=False)
    assert len(frame) == 14 and frame["key"].is_unique


def test_every_stage_has_help():
    for stage in ("pull", "enrich", "merge", "emit", "sync", "check", "import-readme"):
        result = subprocess.run([sys.executable, "-m", "pipeline", stage, "--help"], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0 and "--offline" in result.stdout and "--dry-run" in result.stdout


def test_readme_documents_the_two_commands_and_every_stage():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make sync" in readme and "make test" in readme
    for variable in ("ZOTERO_API_KEY", "ZOTERO_LIBRARY_ID", "ZOTERO_LIBRARY_TYPE", "ZOTERO_COLLECTION", "ZOTERO_API_URL", "CROSSREF_MAILTO"):
        assert variable in readme
