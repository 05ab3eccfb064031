"""Issue 22, bounded output: a title, summary, note, tag list and so a README line have a published
maximum (cut with a warning); a date no calendar has stays text and gives no year; a dateAdded or
dateModified that is no timestamp is dropped, so the CSV always meets its schema. Against the loopback
Zotero server, in a scratch project (tests/test_untrusted.py's)."""
from __future__ import annotations

import csv
import io
import json

import pytest

from pipeline.machinery.inputs import (FIELD_LIMIT, NOTE_LIMIT, README_LINE_LIMIT, SUMMARY_LIMIT, TAG_COUNT_LIMIT,
                                    TAG_LIMIT)
from tests.test_untrusted import ALPHA, BETA, paper, proj, served  # noqa: F401 (fixtures)


def test_the_published_limits_bound_a_readme_line():
    # Title, URL, note, tags and summary at their limits, every character of the texts escaped
    # (doubled), plus the line's own markup: within the published README line limit.
    worst = 2 * (FIELD_LIMIT + NOTE_LIMIT + TAG_COUNT_LIMIT * (TAG_LIMIT + 4) + SUMMARY_LIMIT) + FIELD_LIMIT + 500
    assert worst <= README_LINE_LIMIT


def rows(project) -> dict[str, dict]:
    text = project.outputs()["data/curated/papers.csv"].decode("utf-8")
    return {row["key"]: row for row in csv.DictReader(io.StringIO(text))}


def test_ten_thousand_tags_and_a_50kb_summary_make_a_bounded_readme_line(proj):
    project, lib = proj
    tags = [{"tag": f"tag-{i:05d}-" + "x" * 80} for i in range(10_000)]
    lib.add_item(paper("Tagged to death", tags=tags, url="https://example.org/t"), [ALPHA], key="TAGS2345")
    project.pull()
    (project.root / "reviews").mkdir()
    (project.root / "reviews/long.md").write_text(
        "---\nkey: TAGS2345\nsummary: " + "word " * 10_000 + "\nnote: " + "n" * 3000 + "\n---\n", encoding="utf-8")
    catalog = project.build()
    record = next(r for r in catalog.records if r.key == "TAGS2345")
    assert len(record.tags) == TAG_COUNT_LIMIT and all(len(t) <= TAG_LIMIT for t in record.tags)
    assert len(record.summary) <= SUMMARY_LIMIT and len(record.note) <= NOTE_LIMIT
    warning = next(p for p in catalog.problems if p.where == "TAGS2345" and "cut for publishing" in p.message)
    assert "summary (49,999 characters)" in warning.message and "tags (10,000" in warning.message
    readme = project.outputs()["README.md"].decode("utf-8")
    line = next(l for l in readme.splitlines() if "Tagged to death" in l)
    assert len(line) < 3000 and line.endswith("word…"), "the summary, cut, still ends the line"
    assert max(len(l) for l in readme.splitlines()) <= README_LINE_LIMIT


@pytest.mark.parametrize("date", ["2024-13-45", "2023-02-29", "2021-04-31T00:00:00Z"])
def test_an_impossible_date_stays_text_and_gives_no_year(proj, date):
    project, lib = proj
    lib.add_item(paper("Dated impossibly", date=date), [BETA], key="DATE2345")
    project.pull()
    catalog = project.build()
    record = next(r for r in catalog.records if r.key == "DATE2345")
    assert record.year is None and record.date == date[:10]
    assert any(p.where == "DATE2345" and p.code == "bad-date" and "impossible date" in p.message
               for p in catalog.problems)
    out = project.outputs()
    row = rows(project)["DATE2345"]
    assert row["year"] == "" and row["date"] == date[:10]
    csl = next(i for i in json.loads(out["data/curated/papers.json"]) if i["title"] == "Dated impossibly")
    assert "issued" not in csl
    assert b"13-45" not in out["data/curated/papers.biblatex.bib"]


def test_a_real_leap_day_is_kept():
    from pipeline.convert.zotero import parse_date
    assert parse_date("2024-02-29") == (2024, "2024-02-29")
    assert parse_date("1993-00-00") == (1993, "1993")


@pytest.mark.parametrize("added", ["yesterday", "2024-13-01T00:00:00Z", "2024-01-01T25:61:00Z", "20240101"])
def test_a_date_added_that_is_no_timestamp_is_dropped_and_the_csv_meets_its_schema(proj, added):
    pytest.importorskip("frictionless")
    from pipeline.validate.table import frictionless_check

    project, lib = proj
    lib.add_item(paper("Added whenever", dateAdded=added, dateModified=added), [ALPHA], key="WHEN2345")
    project.pull()
    catalog = project.build()
    assert any(p.where == "WHEN2345" and "dateAdded" in p.message and "dropped" in p.message
               for p in catalog.problems)
    row = rows(project)["WHEN2345"]
    assert row["date_added"] == "" and row["date_modified"] == ""
    assert frictionless_check(project.settings.paths.datapackage, "papers.csv") == []
