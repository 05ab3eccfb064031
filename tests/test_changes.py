"""The pull request description the weekly sync writes: run on a real sync with changes, and on hostile rows."""
from __future__ import annotations

import io

import cmarkgfm

from pipeline.model import Problem
from pipeline.render import changes as render_changes
from pipeline.report import Reporter
from pipeline.stages import Options, changes, emit, merge
from tests.servers.zotero_api import ZoteroServer
from tests.test_pull import KEY, Run
from tests.zotero_library import generated_library


def sync(run: Run) -> None:
    run.pull()
    quiet = Reporter(0, io.StringIO())
    emit.run(run.settings, Options(offline=True), quiet, merge.run(run.settings, Options(offline=True), quiet))


def test_the_description_of_a_sync_with_changes(tmp_path):
    built = generated_library(30, seed=3, children=0.0, trashed=0.0)
    lib = built.library
    with ZoteroServer(lib, api_key=KEY) as server:
        run = Run(tmp_path, server, built.top)
        sync(run)
        before = tmp_path / "papers.before.csv"
        before.write_bytes(run.settings.paths.csv.read_bytes())
        listed = sorted(lib.expected_snapshot(built.top)[0])
        new = lib.add_item({"itemType": "journalArticle", "title": "A brand new paper", "date": "2025"},
                           [built.sections[0]])
        lib.modify_item(listed[0], title="Retitled <script>alert(1)</script> paper")
        gone_title = lib.items[listed[1]]["title"]
        lib.trash_item(listed[1])
        sync(run)
        report = tmp_path / "check.txt"
        report.write_text("candidate (1)\n  warning: ABCD2345: ```fence``` in a title\n", encoding="utf-8")
        out = tmp_path / "body.md"
        text = changes.run(run.settings, Options(), Reporter(0, io.StringIO()), before=before, report=report,
                           output=out)
    assert out.read_text(encoding="utf-8") == text
    assert "1 new, 1 removed, 1 changed" in text
    new_part = text.split("### New papers (1)")[1].split("###")[0]
    assert "A brand new paper" in new_part and new in new_part
    assert gone_title in text.split("### Removed papers (1)")[1].split("###")[0]
    changed = text.split("### Changed labels (1)")[1].split("##")[0]
    assert "Retitled" in changed and "title:" in changed and listed[0] in changed
    html = cmarkgfm.github_flavored_markdown_to_html(text)
    assert "<script" not in html, "titles cannot inject markup into the pull request"
    assert "<code>" in html and "```fence```" in html, "the check report stays inside its fence"


def test_problems_are_grouped_for_the_curator():
    row = {"key": "ABCD2345", "title": "T", "venue_label": "ICSE", "year": "2020", "sections": "Testing"}
    problems = [Problem("ABCD2345", "retracted: Crossref lists retraction notice 10.1/x", "error", "retracted"),
                Problem("ABCD2345", "Crossref candidate doi: 10.1/y", "warning", "candidate"),
                Problem("ABCD2345", "year: Zotero 2020, Crossref 2021", "warning", "year-disagrees"),
                Problem("reviews/t.md:7", "both changed", "error", "review-conflict")]
    text = render_changes.render([row], [dict(row, venue_label="FSE")], problems)
    assert "### Changed labels (1)" in text and "venue_label: ICSE → FSE" in text
    for heading in ("Retractions (1)", "Candidates to check (1)", "Disagreements with Crossref (1)",
                    "Reviews edited on both sides (1)"):
        assert f"### {heading}" in text
    assert "**T** `ABCD2345`" in text
    assert render_changes.render([row], [row], []).startswith("## What this sync changes\n\n0 new, 0 removed, 0 changed")
