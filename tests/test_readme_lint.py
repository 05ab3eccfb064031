"""The README passes the linters the awesome-list world uses: awesome-lint (offline rules) and
markdownlint-cli2 (MD051 checks every ToC anchor), run through pipeline.validate.markdown as
`make check` runs them. Skipped where Node or tools/lint/node_modules is missing."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.model import Catalog, Record, Section
from pipeline.render import readme
from pipeline.validate import markdown as lint
from tests.test_readme import CURATOR_INTRO, CURATOR_OUTRO, curator_catalog, nested_catalog

ROOT = Path(__file__).resolve().parents[1]


def project(tmp_path: Path, text: str) -> SimpleNamespace:
    """A scratch project holding `text` as README.md, with this repository's linters and settings."""
    (tmp_path / "tools").mkdir()
    os.symlink(ROOT / "tools" / "lint", tmp_path / "tools" / "lint")
    shutil.copy(ROOT / ".markdownlint-cli2.jsonc", tmp_path / ".markdownlint-cli2.jsonc")
    (tmp_path / "README.md").write_text(text, encoding="utf-8")
    return SimpleNamespace(paths=SimpleNamespace(root=tmp_path, readme=tmp_path / "README.md"))


@pytest.fixture
def linters():
    reason = lint.missing_tools(ROOT)
    if reason:
        pytest.skip(f"Markdown linters unavailable ({reason}): {lint.INSTALL}")


def readme_for(catalog: Catalog) -> str:
    return readme.render(catalog, CURATOR_INTRO + readme.BEGIN + "\n" + readme.END + "\n" + CURATOR_OUTRO)


def errors(problems) -> list[str]:
    return [str(p) for p in problems if p.level == "error"]


@pytest.mark.tools
def test_the_curators_list_passes_both_linters(tmp_path, linters):
    assert errors(lint.run(project(tmp_path, readme_for(curator_catalog())))) == []


@pytest.mark.tools
def test_nested_repeated_tagged_and_reviewed_entries_pass_both_linters(tmp_path, linters):
    base = nested_catalog()
    extra = (
        Record(key="T", title="Tagged & Reviewed: A Study", url="https://t.org/a b", venue_label="FSE", year=2024,
               note="Distinguished paper", tags=("Testing", "LLM [beta]"),
               summary="Shows `code`, **bold** and *italic* text.", review_path="reviews/My Review (v2).md",
               review_text=True, review_status="draft", sections=("TE", "DE")),
        Record(key="U", title="Only a DOI", doi="10.1145/3368089.3409680", venue_label="ESEC/FSE", sections=("D",)),
    )
    catalog = Catalog(title=base.title, sections=base.sections, records=base.records + extra)
    assert errors(lint.run(project(tmp_path, readme_for(catalog)))) == []


@pytest.mark.tools
def test_the_committed_readme_passes_both_linters_as_make_check_runs_them(linters):
    # The hand-written parts too: CI fails on a linter error anywhere in the README the project ships.
    from pipeline import config
    found = errors(lint.run(config.load(ROOT, environ={})))
    assert found == []


@pytest.mark.tools
def test_different_entries_sharing_a_url_are_still_caught(tmp_path, linters):
    catalog = Catalog(sections=(Section("A", "One"), Section("B", "Two")), records=(
        Record(key="X", title="First Paper", url="https://same.org/paper", sections=("A",)),
        Record(key="Y", title="Second Paper", url="https://same.org/paper", sections=("B",)),
    ))
    found = errors(lint.run(project(tmp_path, readme_for(catalog))))
    assert any("double-link" in p for p in found), found


@pytest.mark.tools
def test_problems_name_the_file_and_line(tmp_path, linters):
    text = readme_for(curator_catalog()).replace("## How this List Is Built", "## how this list is built:")
    found = errors(lint.run(project(tmp_path, text)))
    line = text.splitlines().index("## how this list is built:") + 1
    assert any(p.startswith(f"README.md:{line}: markdownlint MD026") for p in found), found
    assert any(p.startswith(f"README.md:{line}: awesome-lint no-heading-punctuation") for p in found), found
    assert all(re.match(r"README\.md:\d+: ", p) for p in found), found


def test_missing_tools_give_one_warning_saying_how_to_install(tmp_path, monkeypatch):
    (tmp_path / "README.md").write_text("# X\n", encoding="utf-8")
    settings = SimpleNamespace(paths=SimpleNamespace(root=tmp_path, readme=tmp_path / "README.md"))
    problems = lint.run(settings)                       # no tools/lint/node_modules here
    assert [(p.level, p.code) for p in problems] == [("warning", "lint-tools-missing")]
    assert lint.INSTALL in problems[0].message
    monkeypatch.setattr(lint.shutil, "which", lambda name: None)
    problems = lint.run(settings)
    assert len(problems) == 1 and "node is not installed" in problems[0].message


def test_a_missing_readme_is_an_error(tmp_path):
    settings = SimpleNamespace(paths=SimpleNamespace(root=tmp_path, readme=tmp_path / "README.md"))
    assert [(p.where, p.level) for p in lint.run(settings)] == [("README.md", "error")]
