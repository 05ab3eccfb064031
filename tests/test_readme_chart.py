"""The README's charts (readme.charts): papers per year and per section as Mermaid `xychart-beta`
blocks in the generated block, which GitHub draws. Read back with cmark-gfm, GitHub's parser."""
from __future__ import annotations

import re

import cmarkgfm
import pytest

from pipeline.model import Catalog, Record, Section
from pipeline.render import readme
from tests.test_readme import CURATOR_INTRO, CURATOR_OUTRO, curator_catalog
from tests.test_readme_lint import errors, linters, project  # noqa: F401  (linters is a fixture)


def full(catalog: Catalog) -> str:
    return readme.render(catalog, CURATOR_INTRO + readme.BEGIN + "\n" + readme.END + "\n" + CURATOR_OUTRO)


def charts(text: str) -> list[dict]:
    """Each ```mermaid block of `text` as {kind, title, labels, counts, max}."""
    out = []
    for body in re.findall(r"^```mermaid\n(.*?)^```$", text, re.S | re.M):
        lines = [line.strip() for line in body.splitlines()]
        axis = next(line for line in lines if line.startswith("x-axis"))
        out.append({
            "kind": lines[0],
            "title": re.match(r'title "(.*)"$', lines[1]).group(1),
            "labels": re.findall(r'"([^"]*)"', axis),
            "counts": [int(n) for n in re.search(r"bar \[(.*)\]", body).group(1).split(", ")],
            "max": int(re.search(r"--> (\d+)", body).group(1)),
        })
    return out


def test_the_curators_list_shows_papers_per_year_and_per_section():
    catalog = curator_catalog()
    text = full(catalog)
    years, sections = charts(text)
    papers = {r.key: r for r in catalog.records if not r.hidden and r.sections}
    dated = [r.year for r in papers.values() if r.year]
    assert years["kind"] == "xychart-beta" and years["title"] == "Papers per year"
    assert years["labels"] == [str(y) for y in range(min(dated), max(dated) + 1)]       # ascending, no gaps
    assert years["counts"] == [dated.count(y) for y in range(min(dated), max(dated) + 1)]
    assert years["max"] == max(years["counts"])
    assert sections["kind"] == "xychart-beta horizontal" and sections["title"] == "Papers per section"
    toc = re.findall(r"^- \[(.+?)\]\(#[^)]*\) \((\d+)\)$", text, re.M)       # the Contents list's counts
    assert sections["counts"] == [int(n) for _name, n in toc]
    assert len(sections["labels"]) == len(toc)
    # Inside the generated block, between the Contents list and the first section.
    block = text[text.index(readme.BEGIN):text.index(readme.END)]
    assert block.index("## Contents") < block.index("```mermaid") < block.index("\n## Background")


def test_a_paper_in_two_sections_counts_once_per_year_and_once_in_each_section():
    catalog = Catalog(sections=(Section("A", "One"), Section("B", "Two")), records=(
        Record(key="X", title="Both", url="https://x.org", year=2020, sections=("A", "B")),
        Record(key="Y", title="One only", url="https://y.org", year=2022, sections=("A",)),
        Record(key="Z", title="Undated", url="https://z.org", sections=("B",)),
        Record(key="H", title="Hidden", url="https://h.org", year=2021, sections=("A",), hidden=True),
    ))
    years, sections = charts(full(catalog))
    assert (years["labels"], years["counts"]) == (["2020", "2021", "2022"], [1, 0, 1])
    assert (sections["labels"], sections["counts"]) == (["One", "Two"], [2, 2])


def test_long_spans_sum_the_early_years_into_the_first_bar():
    records = tuple(Record(key=f"K{y}", title=f"P{y}", url=f"https://e.org/{y}", year=y, sections=("A",))
                    for y in (1950, 1960, 1990, 2001, 2024))
    [years] = charts(full(Catalog(sections=(Section("A", "Only"),), records=records)))
    assert len(years["labels"]) == readme.CHART_YEARS
    assert years["labels"][0] == "until 2001" and years["labels"][-1] == "2024"
    assert years["counts"][0] == 4 and sum(years["counts"]) == 5


def test_no_chart_without_a_dated_paper():
    catalog = Catalog(sections=(Section("A", "One"), Section("B", "Two")),
                      records=(Record(key="X", title="T", url="https://x.org", sections=("A", "B")),))
    assert "```mermaid" not in full(catalog)


HOSTILE = ('Say "hi" [x] #1; <b>', "```\n# Heading", "x" * 80, "%%{init: {}}%%", "-->", "Ünïcödé 数据",
           "A & B: (c) d's / e+f")


def test_hostile_section_names_make_plain_labels_and_leave_the_readme_intact():
    sections = tuple(Section(f"S{i}", name) for i, name in enumerate(HOSTILE))
    records = tuple(Record(key=f"K{i}", title=f"T{i}", url=f"https://e.org/{i}", year=2000 + i,
                           sections=(f"S{i}",)) for i in range(len(HOSTILE)))
    text = full(Catalog(title="L", sections=sections, records=records))
    _years, chart = charts(text)
    for label in chart["labels"]:
        assert not set(label) & set('"[]#;<>%`{}\n') and 0 < len(label) <= readme.CHART_LABEL
    assert chart["labels"][2] == "x" * (readme.CHART_LABEL - 1) + "\u2026"
    assert chart["labels"][5] == "Ünïcödé 数据" and chart["labels"][6] == "A & B: (c) d's / e+f"
    html = cmarkgfm.github_flavored_markdown_to_html(text)
    assert html.count('<pre lang="mermaid">') == 2
    assert len(re.findall(r"<li><a href=\"https://e.org/\d\">", html)) == len(HOSTILE)   # every entry still there


def test_the_same_catalog_gives_the_same_charts():
    assert charts(full(curator_catalog())) == charts(full(curator_catalog()))


@pytest.mark.tools
def test_a_readme_with_charts_and_hostile_sections_passes_both_linters(tmp_path, linters):  # noqa: F811
    sections = tuple(Section(f"S{i}", name.replace("\n", " ")) for i, name in enumerate(HOSTILE))
    records = tuple(Record(key=f"K{i}", title=f"Paper {i}", url=f"https://e.org/{i}", year=1990 + 5 * i,
                           sections=(f"S{i}",)) for i in range(len(HOSTILE)))
    text = full(Catalog(title="L", sections=sections, records=records))
    assert text.count("```mermaid") == 2
    assert errors(readme_lint_run(tmp_path, text)) == []


def readme_lint_run(tmp_path, text):
    from pipeline.validate import markdown as lint
    return lint.run(project(tmp_path, text))
