"""import-readme: the curator's Markdown list -> entries, a Zotero-format snapshot and review files."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from pipeline import config, importer
from pipeline.convert import zotero
from pipeline.report import Reporter
from pipeline.stages import Options, StageError, import_readme

SAMPLE = """\
# My List

Intro text.

## Table of Contents

TODO:

## Papers

- [A Paper: With [Brackets]](https://dl.acm.org/doi/abs/10.1145/1.2), *SOSP 2017* (Best paper award) \\[Testing\\] - Does **things**. [Review (TBD)](reviews/A%20Paper.md)
- [Plain](https://example.org/x.pdf)
- [Journal One](https://doi.org/10.1016/J.X.2020.1), *IEEE Transactions on Software Engineering 2020* - Sum. [Review](reviews/j.md)
- this line is broken [oops
- [No year](https://arxiv.org/abs/2101.00001v2), *arXiv*

## Notes

- just a note, not an entry
"""


def test_parse_reads_every_part_of_an_entry():
    parsed = importer.parse(SAMPLE, "list.md")
    assert parsed.title == "My List"
    assert parsed.sections == ["Papers"]
    first = parsed.entries[0]
    assert first.title == "A Paper: With [Brackets]"
    assert first.url == "https://dl.acm.org/doi/abs/10.1145/1.2"
    assert (first.venue, first.year, first.note, first.tags) == ("SOSP", 2017, "Best paper award", ("Testing",))
    assert first.summary == "Does **things**."
    assert (first.review_path, first.review_status) == ("reviews/A Paper.md", "draft")
    assert parsed.entries[2].review_status == "missing"
    assert parsed.entries[3].venue == "arXiv" and parsed.entries[3].year is None


def test_a_malformed_line_is_reported_with_its_line_and_the_rest_imported():
    parsed = importer.parse(SAMPLE, "list.md")
    assert [str(p) for p in parsed.problems] == [
        "list.md:14: not an entry: expected '- [Title](url)' with balanced brackets"
    ]
    assert len(parsed.entries) == 4


def test_intro_keeps_hand_written_text_but_not_the_old_contents():
    parsed = importer.parse(SAMPLE, "list.md")
    assert "Intro text." in parsed.intro and "Table of Contents" not in parsed.intro
    assert parsed.outro.startswith("## Notes")


@pytest.mark.parametrize("line, message", [
    ("- [Title](ftp://x.org/a)", r"not an http\(s\) URL"),
    ("- [](https://x.org)", "no title"),
    ("- [Title](https://x.org) trailing words", "cannot read"),
])
def test_bad_entries_say_what_is_wrong(line, message):
    with pytest.raises(ValueError, match=message):
        importer.parse_entry(line, 1, "S")


def test_snapshot_items_are_zotero_items_with_doi_type_and_venue():
    parsed = importer.parse(SAMPLE, "list.md")
    snap = importer.to_snapshot(parsed, "list.md", datetime(2026, 1, 1, tzinfo=timezone.utc))
    records = {r.title: r for r in (zotero.to_record(i) for i in snap.items.values())}
    paper = records["A Paper: With [Brackets]"]
    assert (paper.item_type, paper.doi, paper.venue_label, paper.year) == ("conferencePaper", "10.1145/1.2", "SOSP", 2017)
    assert paper.tags == ("Testing",) and paper.imported
    journal = records["Journal One"]
    assert (journal.item_type, journal.doi, journal.venue) == ("journalArticle", "10.1016/J.X.2020.1", "IEEE Transactions on Software Engineering")
    preprint = records["No year"]
    assert (preprint.item_type, preprint.arxiv, preprint.venue_label) == ("preprint", "2101.00001", "arXiv")
    assert records["Plain"].item_type == "webpage"
    # dateAdded keeps the list's order
    added = [i["data"]["dateAdded"] for i in sorted(snap.items.values(), key=lambda i: i["data"]["dateAdded"])]
    assert [records[t].date_added for t in ("A Paper: With [Brackets]", "Plain", "Journal One", "No year")] == added


def test_keys_are_stable_and_look_like_zotero_keys():
    a = importer.to_snapshot(importer.parse(SAMPLE, "l.md"), "l.md", datetime(2026, 1, 1, tzinfo=timezone.utc))
    b = importer.to_snapshot(importer.parse(SAMPLE, "l.md"), "l.md", datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert a == b
    for key in list(a.items) + list(a.collections):
        assert len(key) == 8 and set(key) <= set(importer.KEY_ALPHABET)


def test_stage_writes_snapshot_reviews_and_readme_skeleton(project):
    src = project / "list.md"
    src.write_text(SAMPLE, encoding="utf-8")
    settings = config.load(project, environ={})
    reporter = Reporter(0)
    import_readme.run(settings, Options(), reporter, src, date(2026, 1, 1))
    state = json.loads((project / "data/raw/zotero/state.json").read_text())
    assert state["source"] == "import-readme"
    assert len(list((project / "data/raw/zotero/items").glob("*.json"))) == 4
    review = (project / "reviews/A Paper.md").read_text()
    assert review.startswith("---\nkey: ") and "status: draft" in review and "note: Best paper award" in review
    assert review.endswith("---\n"), "no invented review text"
    readme = (project / "README.md").read_text()
    assert "Intro text." in readme and "## Notes" in readme and "BEGIN GENERATED LIST" in readme
    assert [str(p) for p in reporter.problems] == ["list.md:14: not an entry: expected '- [Title](url)' with balanced brackets"]


def test_stage_leaves_existing_review_files_alone(project):
    src = project / "list.md"
    src.write_text(SAMPLE, encoding="utf-8")
    (project / "reviews").mkdir()
    (project / "reviews/j.md").write_text("---\nkey: X\n---\nMy own review.\n")
    import_readme.run(config.load(project, environ={}), Options(), Reporter(0), src, date(2026, 1, 1))
    assert (project / "reviews/j.md").read_text() == "---\nkey: X\n---\nMy own review.\n"


def test_stage_refuses_to_overwrite_a_pulled_snapshot(project):
    src = project / "list.md"
    src.write_text(SAMPLE, encoding="utf-8")
    (project / "data/raw/zotero").mkdir(parents=True)
    (project / "data/raw/zotero/state.json").write_text('{"source": "zotero-api", "version": 5}')
    with pytest.raises(StageError, match="pulled from Zotero"):
        import_readme.run(config.load(project, environ={}), Options(), Reporter(0), src, date(2026, 1, 1))


def test_dry_run_writes_nothing(project):
    src = project / "list.md"
    src.write_text(SAMPLE, encoding="utf-8")
    import_readme.run(config.load(project, environ={}), Options(dry_run=True), Reporter(0), src, date(2026, 1, 1))
    assert sorted(p.name for p in project.iterdir()) == ["list.md", "pipeline.toml"]


def test_the_curator_list_imports_completely(seed_list):
    parsed = importer.parse(seed_list.read_text(encoding="utf-8"), seed_list.name)
    assert parsed.problems == []
    assert len(parsed.entries) == 14
    assert len(parsed.sections) == 6
    linked = [e.review_path for e in parsed.entries if e.review_path]
    assert len(linked) == 3
