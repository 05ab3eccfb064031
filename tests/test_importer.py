"""import-readme: the shapes of list entries it reads, the Zotero-format snapshot and review files."""
from __future__ import annotations

import json
import tomllib
from datetime import date, datetime, timezone

import pytest

from pipeline import config
from pipeline.convert import zotero
from pipeline.markdown_in import importer, listwords
from pipeline.report import Reporter
from pipeline.stages import Options, StageError, import_readme

SAMPLE = """\
# My List

Intro text.

## Table of Contents

- [Papers](#papers)
  - [Deep](#deep)

## Papers

- [A Paper: With [Brackets]](https://dl.acm.org/doi/abs/10.1145/1.2), *SOSP 2017* (Best paper award) \\[Testing\\] - Does **things**. [Review (TBD)](reviews/A%20Paper.md)
- [Plain](https://example.org/x.pdf)
- [Journal One](https://doi.org/10.1016/J.X.2020.1), *IEEE Transactions on Software Engineering 2020* - Sum. [Review](reviews/j.md)
- this line is broken [oops
- [No year](https://arxiv.org/abs/2101.00001v2), *arXiv*

### Deep

* [ICLR'14] [Nested](https://example.org/n) — In a sub-section.

## Notes

- just a note, not an entry
"""


def parse(text=SAMPLE):
    return importer.parse(text, "list.md")


def test_parse_reads_every_part_of_an_entry():
    parsed = parse()
    assert parsed.title == "My List"
    assert parsed.sections == [("Papers",), ("Papers", "Deep")]
    first = parsed.entries[0]
    assert first.title == "A Paper: With [Brackets]"
    assert first.url == "https://dl.acm.org/doi/abs/10.1145/1.2"
    assert (first.venue, first.year, first.note, first.tags) == ("SOSP", 2017, "Best paper award", ("Testing",))
    assert first.summary == "Does **things**."
    assert (first.review_path, first.review_status) == ("reviews/A Paper.md", "draft")
    assert parsed.entries[2].review_status == "missing"
    assert parsed.entries[3].venue == "arXiv" and parsed.entries[3].year is None
    nested = parsed.entries[4]
    assert (nested.section, nested.venue, nested.year, nested.summary) == (("Papers", "Deep"), "ICLR", 2014, "In a sub-section.")


def test_a_malformed_line_is_reported_with_its_line_and_why_and_the_rest_imported():
    parsed = parse()
    assert [(str(p), p.code) for p in parsed.problems] == [
        ("list.md:15: no link for 'this line is broken [oops': expected a [pdf](url) or [paper](url) link after it", "no-link")]
    assert len(parsed.entries) == 5


def test_intro_keeps_hand_written_text_but_not_the_table_of_contents():
    parsed = parse()
    assert "Intro text." in parsed.intro
    assert "Table of Contents" not in parsed.intro and "(#papers)" not in parsed.intro
    assert parsed.outro.startswith("## Notes")


# One entry per shape the importer reads: (source, title, url, venue, year, tags, summary).
SHAPES = [
    ("- [T](https://x.org/a), *ICSE 2021* \\[A\\] \\[B\\] - S.", "T", "https://x.org/a", "ICSE", 2021, ("A", "B"), "S."),
    ("* [T](https://x.org/a), *NSDI 2024* [Training] [Inference] — S.", "T", "https://x.org/a", "NSDI", 2024, ("Training", "Inference"), "S."),
    ("+ [T](https://x.org/a) – S – with dashes", "T", "https://x.org/a", "", None, (), "S – with dashes"),
    ("- [T](https://x.org/a): S", "T", "https://x.org/a", "", None, (), "S"),
    ("- [T](https://x.org/a), *2025* [Training] — S", "T", "https://x.org/a", "", 2025, ("Training",), "S"),
    ("1. [T](https://x.org/a) ICSE'21 `fuzzing` `gpu`", "T", "https://x.org/a", "ICSE", 2021, ("fuzzing", "gpu"), ""),
    ("- [ICSE'21] [T](https://x.org/a) - S", "T", "https://x.org/a", "ICSE", 2021, (), "S"),
    ("* [ICLR14] [T](https://x.org/a) - A. Author and B. Author.", "T", "https://x.org/a", "ICLR", 2014, (), ""),
    ("* [CVPR17 Workshop] [T](https://x.org/a)", "T", "https://x.org/a", "CVPR Workshop", 2017, (), ""),
    ("- (OSDI 2020) [T](https://x.org/a)", "T", "https://x.org/a", "OSDI", 2020, (), ""),
    ("- [T](https://x.org/a) (SOSP 2019) \\[Tag\\]", "T", "https://x.org/a", "SOSP", 2019, ("Tag",), ""),
    ("- [T](https://x.org/a) [SOSP'19]", "T", "https://x.org/a", "SOSP", 2019, (), ""),
    ("- `tag` [T](https://x.org/a)", "T", "https://x.org/a", "", None, ("tag",), ""),
    ("1. **A Bold Title.** AI Open 2020. [paper](https://doi.org/10.1/x)", "A Bold Title", "https://doi.org/10.1/x", "AI Open", 2020, (), ""),
    ("2. **A Bold Title** *NeurIPS 2019* [[pdf](https://x.org/p.pdf)] [[code](https://github.com/c)]",
     "A Bold Title", "https://x.org/p.pdf", "NeurIPS", 2019, (), ""),
    ("- **A Bold Title** (2016), K. He et al. [[pdf]](https://x.org/p.pdf)", "A Bold Title", "https://x.org/p.pdf", "", 2016, (), ""),
    ("- **[Linked Bold](https://x.org/b)** - S", "Linked Bold", "https://x.org/b", "", None, (), "S"),
    ("- [[pdf](https://x.org/p.pdf)] **Links First** (ICML 2019)", "Links First", "https://x.org/p.pdf", "ICML", 2019, (), ""),
]


@pytest.mark.parametrize("source, title, url, venue, year, tags, summary", SHAPES, ids=[s[0][:30] for s in SHAPES])
def test_entry_shapes(source, title, url, venue, year, tags, summary):
    e = importer.parse_entry(source, 7, ("S",))
    assert (e.title, e.url, e.venue, e.year, e.tags, e.summary) == (title, url, venue, year, tags, summary)


@pytest.mark.parametrize("line, kind, message", [
    ("- [Title](ftp://x.org/a)", "not-http", r"not an http\(s\) URL"),
    ("- just words", "no-link", "no link"),
    ("- [pdf](https://x.org/a.pdf)", "no-title", "no title"),
])
def test_bad_entries_say_what_is_wrong(line, kind, message):
    with pytest.raises(importer.EntryError, match=message) as info:
        importer.parse_entry(line, 1, ("S",))
    assert info.value.kind == kind


@pytest.mark.parametrize("source, name", [
    ("[Survey papers](#content)", "Survey papers"),
    ("📖Trending Topics ([©️back👆🏻](#paperlist))", "Trending Topics"),
    ("Models [back to top](#top)", "Models"),
    ("Tools from [Acme](https://acme.org)", "Tools from Acme"),
    ("**Bold** :star: heading", "Bold heading"),
])
def test_heading_names(source, name):
    assert importer.heading_name(source) == name


def test_a_companion_link_is_not_a_title():
    with pytest.raises(importer.EntryError, match="no title"):
        importer.parse_entry("- [code](https://github.com/x)", 1, ("S",))
    assert importer.parse_entry("- [Paper: a < b > c](https://x.org) :star:", 1).title == "Paper: a < b > c"


def test_a_bold_title_with_an_empty_link_is_imported_without_one_and_reported():
    parsed = parse("# L\n\n## P\n\n1. **Lost Link.** AAAI 2020. [paper]()\n")
    assert [(e.title, e.url, e.venue, e.year) for e in parsed.entries] == [("Lost Link", "", "AAAI", 2020)]
    assert [(str(p), p.code) for p in parsed.problems] == [
        ("list.md:5: no link for 'Lost Link': imported without one", "imported-without-link")]


TABLE_LIST = """\
# Table List

## Contents

* 📖[Pruning](#pruning)🔥

## Pruning

Papers on pruning.

| Title | Venue | Year | Paper | Code |
|---|:---:|---|---|---|
| SparseGPT: One-Shot Pruning | ICML | 2023 | [pdf](https://arxiv.org/abs/2301.00774) | [code](https://github.com/s) |
| [Wanda](https://example.org/wanda) | ICLR'24 | | | |
| 🔥[**Tag**] Only Code | | 2024.05 | ⚠️ | [[repo]](https://github.com/only) |
| | | 2020 | [pdf](https://x.org/empty-title) | |

| Name of tool | Stars |
|---|---|
| thing | 5 |
"""


def test_a_table_list_reads_title_venue_year_and_links():
    parsed = importer.parse(TABLE_LIST, "t.md")
    rows = [(e.line, e.section, e.title, e.url, e.venue, e.year, e.tags) for e in parsed.entries]
    assert rows == [
        (13, ("Pruning",), "SparseGPT: One-Shot Pruning", "https://arxiv.org/abs/2301.00774", "ICML", 2023, ()),
        (14, ("Pruning",), "Wanda", "https://example.org/wanda", "ICLR", 2024, ()),
        (15, ("Pruning",), "Only Code", "https://github.com/only", "", 2024, ("Tag",)),
    ]
    assert [(str(p), p.code) for p in parsed.problems] == [
        ("t.md:16: the title cell is empty", "no-title"),
        ("t.md:18: a table with no Title or Paper column: its 1 row(s) are not imported (header: Name of tool | Stars)",
         "table-without-title"),
    ]
    assert parsed.sections == [("Pruning",)] and "Contents" not in parsed.intro


NUMBERED_LIST = """\
# Must-read papers

## [Survey papers](#content)

1. **Graph Neural Networks: A Review.** AI Open 2020. [paper](https://doi.org/10.1016/j.aiopen.2021.01.001)

    *Jie Zhou, Ganqu Cui.*

1. **A Comprehensive Survey.** arxiv 2019. [[pdf](https://arxiv.org/pdf/1901.00596.pdf)] [[code](https://github.com/x)]

## Models
### Basic Models ([back](#content))
1. **Semi-Supervised Classification with GCNs.** ICLR 2017. [paper](https://arxiv.org/abs/1609.02907)
"""


def test_a_numbered_bold_title_list_with_nested_headings():
    parsed = importer.parse(NUMBERED_LIST, "n.md")
    assert parsed.problems == []
    assert parsed.sections == [("Survey papers",), ("Models",), ("Models", "Basic Models")]
    assert [(e.line, e.section, e.title, e.url, e.venue, e.year) for e in parsed.entries] == [
        (5, ("Survey papers",), "Graph Neural Networks: A Review", "https://doi.org/10.1016/j.aiopen.2021.01.001", "AI Open", 2020),
        (9, ("Survey papers",), "A Comprehensive Survey", "https://arxiv.org/pdf/1901.00596.pdf", "arxiv", 2019),
        (13, ("Models", "Basic Models"), "Semi-Supervised Classification with GCNs", "https://arxiv.org/abs/1609.02907", "ICLR", 2017),
    ]


def test_code_blocks_comments_and_quoted_headings_are_not_entries_or_sections():
    text = ("# L\n\n> ### Quoted\n\n## P\n\n- [A](https://x.org/a)\n\n```\n## Not a heading\n- [B](https://x.org/b)\n```\n\n"
            "<!--\n- [C](https://x.org/c)\n-->\n")
    parsed = importer.parse(text, "l.md")
    assert [e.title for e in parsed.entries] == ["A"] and parsed.sections == [("P",)]


def test_linked_text_between_entries_is_reported_not_dropped():
    text = "# L\n\n## P\n\n- [A](https://x.org/a)\n\nSee also [this](https://x.org/see).\n\n###### [Heading](https://x.org/h)\n\n- [B](https://x.org/b)\n"
    parsed = importer.parse(text, "l.md")
    assert [(str(p), p.code) for p in parsed.problems] == [
        ("l.md:7: text outside a list or table with a link is not an entry (not imported)", "text-with-links"),
        ("l.md:9: a heading with a link is not an entry (not imported)", "heading-with-link"),
    ]


def test_snapshot_items_are_zotero_items_with_doi_type_venue_and_the_label_in_extra():
    parsed = parse()
    snap = importer.to_snapshot(parsed, "list.md", datetime(2026, 1, 1, tzinfo=timezone.utc))
    records = {r.title: r for r in (zotero.to_record(i) for i in snap.items.values())}
    paper = records["A Paper: With [Brackets]"]
    assert (paper.item_type, paper.doi, paper.venue_label, paper.year) == ("conferencePaper", "10.1145/1.2", "SOSP", 2017)
    assert paper.tags == ("Testing",) and paper.imported
    data = {i["data"]["title"]: i["data"] for i in snap.items.values()}
    assert zotero.extra_fields(data["A Paper: With [Brackets]"]["extra"]) == {"venue": "SOSP"}
    assert data["A Paper: With [Brackets]"]["date"] == "2017"
    assert data["Plain"]["extra"] == ""
    journal = records["Journal One"]
    assert (journal.item_type, journal.doi, journal.venue) == ("journalArticle", "10.1016/J.X.2020.1", "IEEE Transactions on Software Engineering")
    preprint = records["No year"]
    assert (preprint.item_type, preprint.arxiv, preprint.venue_label) == ("preprint", "2101.00001", "arXiv")
    assert records["Plain"].item_type == "webpage"
    # dateAdded keeps the list's order
    added = [i["data"]["dateAdded"] for i in sorted(snap.items.values(), key=lambda i: i["data"]["dateAdded"])]
    assert [records[t].date_added for t in ("A Paper: With [Brackets]", "Plain", "Journal One", "No year", "Nested")] == added


def test_nested_sections_are_nested_collections():
    parsed = parse()
    snap = importer.to_snapshot(parsed, "list.md", datetime(2026, 1, 1, tzinfo=timezone.utc))
    by_name = {c["data"]["name"]: c["data"] for c in snap.collections.values()}
    assert by_name["My List"]["parentCollection"] is False
    assert by_name["Papers"]["parentCollection"] == by_name["My List"]["key"]
    assert by_name["Deep"]["parentCollection"] == by_name["Papers"]["key"]
    nested = next(i["data"] for i in snap.items.values() if i["data"]["title"] == "Nested")
    assert nested["collections"] == [by_name["Deep"]["key"]]


def test_tags_keep_the_order_written():
    snap = importer.to_snapshot(importer.parse("# L\n## S\n- [T](https://x.org), *X 2020* [Zeta] [Alpha]\n", "l.md"),
                                "l.md", datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert [t["tag"] for t in next(iter(snap.items.values()))["data"]["tags"]] == ["Zeta", "Alpha"]


def test_keys_are_stable_and_look_like_zotero_keys():
    a = importer.to_snapshot(parse(), "l.md", datetime(2026, 1, 1, tzinfo=timezone.utc))
    b = importer.to_snapshot(parse(), "l.md", datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert a == b
    for key in list(a.items) + list(a.collections):
        assert len(key) == 8 and set(key) <= set(importer.KEY_ALPHABET)


def test_an_item_in_two_sections_with_two_summaries_gets_a_summary_per_section():
    parsed = importer.parse("# L\n## A\n- [T](https://x.org) - one\n## B\n### C\n- [T](https://x.org) - two\n", "l.md")
    key = importer.item_key(parsed.entries[0])
    assert importer.review_front_matter(parsed.entries, key, sections=parsed.sections) == {
        "key": key, "summary": {"A": "one", "C": "two"}}
    assert importer.section_name(("B", "C"), [("A", "C"), ("B", "C")]) == "B > C", "a shared name is a path"
    same = importer.parse("# L\n## A\n- [T](https://x.org) - one\n## B\n- [T](https://x.org) - one\n", "l.md")
    assert importer.review_front_matter(same.entries, key) == {"key": key, "summary": "one"}


@pytest.mark.parametrize("link, expected", [
    ("reviews/My Review.md", "reviews/My Review.md"),
    ("./reviews/x.md", "reviews/x.md"),
    ("../../etc/passwd.md", "reviews/T-itle.md"),
    ("reviews/sub/x.md", "reviews/T-itle.md"),
    ("notes/x.txt", "reviews/T-itle.md"),
])
def test_review_paths_stay_in_reviews(link, expected):
    entry = importer.Entry(line=1, section=("S",), title="T itle", url="https://x.org", review_path=link.removeprefix("./"))
    assert importer.review_path(entry) == expected


TOML = """\
# comment kept
[list]
title = "X"   # also kept

[sections]
# Section order by name
order = [
  "Old",  # a comment with a ] bracket
  "Older ]",
]
other = 1

[entries]
sort = ["added"]
"""


def test_section_order_is_rewritten_and_every_other_byte_kept():
    new = importer.with_section_order(TOML, ["A", 'B "quoted"', "A > C"])
    assert tomllib.loads(new)["sections"]["order"] == ["A", 'B "quoted"', "A > C"]
    before, after = TOML.split("order = ", 1)[0], TOML.split("\n]\n", 1)[1]
    assert new.startswith(before + "order = [\n") and new.endswith("\n]\n" + after)
    assert tomllib.loads(new)["sections"]["other"] == 1


ORDER_A = 'order = [\n  "A",\n]'


@pytest.mark.parametrize("text, expected", [
    ("", f"[sections]\n{ORDER_A}\n"),
    ("[list]\ntitle = 'x'\n", f"[list]\ntitle = 'x'\n\n[sections]\n{ORDER_A}\n"),
    ("[sections]\n# none yet\n\n[entries]\nsort = []\n", f"[sections]\n{ORDER_A}\n# none yet\n\n[entries]\nsort = []\n"),
    ("[sections]\norder = []  # empty\n", f"[sections]\n{ORDER_A}  # empty\n"),
])
def test_section_order_is_added_where_there_was_none(text, expected):
    assert importer.with_section_order(text, ["A"]) == expected


# --- the stage ---------------------------------------------------------------------------------------

def run(project, text=SAMPLE, **kwargs):
    src = project / "list.md"
    src.write_text(text, encoding="utf-8")
    reporter = Reporter(0)
    import_readme.run(config.load(project, environ={}), kwargs.pop("options", Options()), reporter, src,
                      date(2026, 1, 1), **kwargs)
    return reporter


def test_stage_writes_snapshot_reviews_readme_skeleton_and_section_order(project):
    reporter = run(project)
    state = json.loads((project / "data/raw/zotero/state.json").read_text())
    assert state["source"] == "import-readme"
    assert len(list((project / "data/raw/zotero/items").glob("*.json"))) == 5
    assert len(list((project / "data/raw/zotero/collections").glob("*.json"))) == 3
    review = (project / "reviews/A Paper.md").read_text()
    assert review.startswith("---\nkey: ") and "status: draft" in review and "note: Best paper award" in review
    assert review.endswith("---\n"), "no invented review text"
    readme = (project / "README.md").read_text()
    assert "Intro text." in readme and "## Notes" in readme and "BEGIN GENERATED LIST" in readme
    assert readme.startswith("# My List [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n")
    assert [str(p) for p in reporter.problems] == [
        "list.md:15: no link for 'this line is broken [oops': expected a [pdf](url) or [paper](url) link after it",
        "list.md:12: review file 'reviews/A Paper.md' not found beside list.md: the review is marked missing",
        "list.md:14: review file 'reviews/j.md' not found beside list.md: the review is marked missing"]
    assert config.load(project, environ={}).section_order == ("Papers", "Papers > Deep")


def test_stage_ends_with_a_count_of_what_was_read_and_skipped(project, capsys):
    import io
    out = io.StringIO()
    src = project / "list.md"
    src.write_text(SAMPLE, encoding="utf-8")
    import_readme.run(config.load(project, environ={}), Options(), Reporter(1, stream=out), src, date(2026, 1, 1))
    printed = out.getvalue().strip().splitlines()
    assert printed[-1].startswith("import-readme: read 5 entries (5 items) in 2 sections from list.md; "
                                  "skipped 1 line(s): 1 no-link; 4 doubtful; 3 review file(s) (0 with review text)")
    # Without -v, every skipped or doubtful line is printed as FILE:line: why, and kept in build/.
    assert printed[:5] == [
        "list.md:13: doubtful: 'Plain': a title of under three words, no venue and no year (imported; check it)",
        "list.md:14: doubtful: 'Journal One': a title of under three words (imported; check it)",
        "list.md:15: no link for 'this line is broken [oops': expected a [pdf](url) or [paper](url) link after it",
        "list.md:16: doubtful: 'No year': a title of under three words (imported; check it)",
        "list.md:20: doubtful: 'Nested': a title of under three words (imported; check it)",
    ]
    assert (project / "build/import-report.txt").read_text().splitlines() == printed[:5]


def test_stage_refuses_a_project_that_has_a_list_and_names_replace(project):
    run(project)
    with pytest.raises(StageError, match=r"already has a list \(5 items in data/raw/zotero\); "
                                         r"`import-readme list.md --replace` starts it over"):
        run(project)


def test_stage_refuses_to_overwrite_a_pulled_snapshot_without_replace(project):
    (project / "data/raw/zotero").mkdir(parents=True)
    (project / "data/raw/zotero/state.json").write_text('{"source": "zotero-api", "version": 5}')
    with pytest.raises(StageError, match="--replace"):
        run(project)


def test_replace_starts_over_snapshot_reviews_readme_and_section_order(project):
    run(project)
    (project / "reviews/mine.md").write_text("---\nkey: ZZZZZZZZ\n---\nAn old review.\n")
    (project / "README.md").write_text("old intro\n")
    toml_before = (project / "pipeline.toml").read_text()
    smaller = "# Other\n\n## Only\n\n- [Kept](https://x.org/k), *OSDI 2020* - New.\n"
    run(project, smaller, replace=True)
    items = list((project / "data/raw/zotero/items").glob("*.json"))
    assert len(items) == 1 and len(list((project / "data/raw/zotero/collections").glob("*.json"))) == 2
    assert sorted(p.name for p in (project / "reviews").iterdir()) == ["Kept.md"]
    assert (project / "README.md").read_text().startswith("# Other [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n\n<!-- BEGIN GENERATED LIST")
    toml_after = (project / "pipeline.toml").read_text()
    assert tomllib.loads(toml_after)["sections"]["order"] == ["Only"]
    head = toml_before.split("order = [", 1)[0]
    tail = toml_before.split("order = [", 1)[1].split("]\n", 1)[1]
    assert toml_after == head + 'order = [\n  "Only",\n]\n' + tail


def test_review_files_beside_the_list_become_review_bodies(project):
    src_dir = project / "incoming"
    (src_dir / "reviews").mkdir(parents=True)
    (src_dir / "reviews/My Long Review.md").write_text("### Motivation\n\nWhy it matters.\n")
    (src_dir / "reviews/plain.md").write_text("---\nkey: OLD\n---\nBody after old front matter.\n")
    (src_dir / "list.md").write_text(
        "# L\n\n## S\n\n"
        "- [A](https://x.org/a), *ICSE 2020* - Sum A. [Review](./reviews/My%20Long%20Review.md)\n"
        "- [B](https://x.org/b) - Sum B. [Review](reviews/plain.md)\n"
        "- [C](https://x.org/c) - Sum C. [Review](reviews/absent.md)\n")
    reporter = Reporter(0)
    import_readme.run(config.load(project, environ={}), Options(), reporter, src_dir / "list.md", date(2026, 1, 1))
    a = (project / "reviews/My Long Review.md").read_text()
    assert a.startswith("---\nkey: ") and "summary: Sum A.\n" in a and "status" not in a
    assert a.endswith("---\n\n### Motivation\n\nWhy it matters.\n")
    assert (project / "reviews/plain.md").read_text().endswith("---\n\nBody after old front matter.\n")
    assert "status: missing" in (project / "reviews/absent.md").read_text()
    assert [str(p) for p in reporter.problems] == [
        "list.md:7: review file 'reviews/absent.md' not found beside list.md: the review is marked missing"]


def test_dry_run_writes_nothing(project):
    run(project, options=Options(dry_run=True))
    assert sorted(p.name for p in project.iterdir()) == ["list.md", "pipeline.toml"]


def test_the_curator_seed_list_imports_completely(seed_list):
    parsed = importer.parse(seed_list.read_text(encoding="utf-8"), seed_list.name)
    assert parsed.problems == []
    assert len(parsed.entries) == 14
    assert len(parsed.sections) == 6
    linked = [e.review_path for e in parsed.entries if e.review_path]
    assert len(linked) == 3


GENERATED = """\
# L [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)

Intro.

<!-- BEGIN GENERATED LIST: edit Zotero and reviews/, not this block; `make sync` rewrites it -->

## Contents

- [Papers](#papers) (1)
  - [Deep](#deep) (1)
- [How it is built](#how-it-is-built)

## Papers

### Deep

- [A](https://x.org/a), *ICSE 2020* \\[T\\] - S. [Review](reviews/A.md)

<!-- END GENERATED LIST -->

## How it is built

- **Sections** are the headings, see [the docs](https://example.org/docs).
- [ ] a to-do
"""


def test_a_readme_the_pipeline_wrote_imports_back_without_its_markers_contents_or_prose():
    parsed = importer.parse(GENERATED, "README.md")
    assert [(e.section, e.title, e.venue, e.year, e.tags, e.summary) for e in parsed.entries] == [
        (("Papers", "Deep"), "A", "ICSE", 2020, ("T",), "S.")]
    assert parsed.problems == []
    assert "BEGIN GENERATED" not in parsed.intro and "Contents" not in parsed.intro and "Intro." in parsed.intro
    assert parsed.outro.startswith("## How it is built") and "END GENERATED" not in parsed.outro


# --- issue 18: the shapes of real lists, each with a line as the list writes it ------------------------

# (source, title, url, venue, year): one line per shape, quoted from a real list where one had it.
REAL_SHAPES = [
    # title-first rows with |-separated cells (hoya012/awesome-anomaly-detection)
    ("- Deep Learning for Anomaly Detection: A Survey  | **[arXiv' 19]** |[`[pdf]`](https://arxiv.org/pdf/1901.03407.pdf)",
     "Deep Learning for Anomaly Detection: A Survey", "https://arxiv.org/pdf/1901.03407.pdf", "arXiv", 2019),
    ("- Truth Will Out: Departure-Based Process-Level Detection of Stealthy Attacks on Control Systems  | **[ACM CCS '18]** "
     "| [`[pdf]`](https://research.chalmers.se/publication/507989/file/507989_Fulltext.pdf)",
     "Truth Will Out: Departure-Based Process-Level Detection of Stealthy Attacks on Control Systems",
     "https://research.chalmers.se/publication/507989/file/507989_Fulltext.pdf", "ACM CCS", 2018),
    ("- [**ALOCC**]Adversarially Learned One-Class Classifier for Novelty Detection  | **[CVPR' 18]** |  "
     "[`[pdf]`](https://arxiv.org/pdf/1802.09088.pdf) [`[code]`](https://github.com/khalooei/ALOCC-CVPR2018)",
     "Adversarially Learned One-Class Classifier for Novelty Detection", "https://arxiv.org/pdf/1802.09088.pdf", "CVPR", 2018),
    ("- Graph Convolutional Label Noise Cleaner | [CVPR'19] | [`[pdf]`](https://x.org/p.pdf)",
     "Graph Convolutional Label Noise Cleaner", "https://x.org/p.pdf", "CVPR", 2019),
    # a venue and no link: imported without one (and named by parse)
    ("- Timeseries Anomaly Detection using Temporal Hierarchical One-Class Network | **[NeurIPS' 20]** ",
     "Timeseries Anomaly Detection using Temporal Hierarchical One-Class Network", "", "NeurIPS", 2020),
    # [VENUE YEAR] Title. Authors. [[paper]](url) [[code]](url)
    ("- [ICML 2019] Certified Adversarial Robustness via Randomized Smoothing. Jeremy Cohen, Elan Rosenfeld. "
     "[[paper]](https://arxiv.org/abs/1902.02918) [[code]](https://github.com/locuslab/smoothing)",
     "Certified Adversarial Robustness via Randomized Smoothing", "https://arxiv.org/abs/1902.02918", "ICML", 2019),
    # the link on the venue, or on a [paper] word
    ("- Towards Deep Learning Models Resistant to Adversarial Attacks. [ICLR 2018](https://openreview.net/forum?id=rJzIBfZAb)",
     "Towards Deep Learning Models Resistant to Adversarial Attacks", "https://openreview.net/forum?id=rJzIBfZAb", "ICLR", 2018),
    ("- Neural Cleanse: Identifying and Mitigating Backdoor Attacks [[paper]](https://x.org/nc.pdf)",
     "Neural Cleanse: Identifying and Mitigating Backdoor Attacks", "https://x.org/nc.pdf", "", None),
    # a quoted title in an author-first citation
    ('- A. Madry, A. Makelov. "Towards Deep Learning Models Resistant to Adversarial Attacks." In Proc. ICLR, 2018. '
     "[pdf](https://arxiv.org/pdf/1706.06083.pdf)",
     "Towards Deep Learning Models Resistant to Adversarial Attacks", "https://arxiv.org/pdf/1706.06083.pdf", "ICLR", 2018),
    # numbered lists (thunlp/GNNPapers)
    ("1. **Graph Neural Networks: A Review of Methods and Applications.** AI Open 2020. "
     "[paper](https://arxiv.org/pdf/1812.08434)",
     "Graph Neural Networks: A Review of Methods and Applications", "https://arxiv.org/pdf/1812.08434", "AI Open", 2020),
    # bold title, year, venue, authors (saltudelft/ml4se)
    ("- **Concrete Type Inference for Code Optimization using Machine Learning with SMT Solving** (2023), OOPSLA'23, "
     "Ye, Fangke, et al. [[pdf]](https://dl.acm.org/doi/pdf/10.1145/3622825)",
     "Concrete Type Inference for Code Optimization using Machine Learning with SMT Solving",
     "https://dl.acm.org/doi/pdf/10.1145/3622825", "OOPSLA", 2023),
    ("- **Type Prediction With Program Decomposition and Fill-in-the-Type Training** (2023), arxiv, Cassano, Federico, "
     "et al. [[pdf]](https://arxiv.org/pdf/2305.17145)",
     "Type Prediction With Program Decomposition and Fill-in-the-Type Training", "https://arxiv.org/pdf/2305.17145",
     "arxiv", 2023),
    # badges, emoji and star shields per entry are dropped
    ("- 🔥 [Deep Residual Learning for Image Recognition](https://arxiv.org/abs/1512.03385) "
     "[![stars](https://img.shields.io/github/stars/x/y)](https://github.com/x/y) :star:",
     "Deep Residual Learning for Image Recognition", "https://arxiv.org/abs/1512.03385", "", None),
    # a label in full-width brackets or in code, a badge that says it links the arXiv paper
    ("- 【CVPR 2018】Robust Physical-World Attacks on Deep Learning Models [[paper]](https://x.org/p)",
     "Robust Physical-World Attacks on Deep Learning Models", "https://x.org/p", "CVPR", 2018),
    ("- `CVPR 2018` Robust Physical-World Attacks on Deep Learning Models [[paper]](https://x.org/p)",
     "Robust Physical-World Attacks on Deep Learning Models", "https://x.org/p", "CVPR", 2018),
    ("- [![arXiv](https://img.shields.io/badge/arXiv-1707.08945-b31b1b.svg)](https://arxiv.org/abs/1707.08945) "
     "Robust Physical-World Attacks on Deep Learning Models",
     "Robust Physical-World Attacks on Deep Learning Models", "https://arxiv.org/abs/1707.08945", "", None),
    # the label closing the authors' sentence after a plain title
    ("* Robust Physical-World Attacks on Deep Learning Models. Eykholt et al. CVPR 2018. [[PDF](https://x.org/p.pdf)]",
     "Robust Physical-World Attacks on Deep Learning Models", "https://x.org/p.pdf", "CVPR", 2018),
    # a bold title, the authors' sentence, then the label (in emphasis or plain)
    ("* **Robust Physical-World Attacks on Deep Learning Models**, Eykholt, K. et al., *CVPR 2018*. [[pdf]](https://x.org/p.pdf)",
     "Robust Physical-World Attacks on Deep Learning Models", "https://x.org/p.pdf", "CVPR", 2018),
    ("- **Deep Residual Learning for Image Recognition**. He, Zhang. CVPR 2016. [[paper]](https://x.org/r)",
     "Deep Residual Learning for Image Recognition", "https://x.org/r", "CVPR", 2016),
    # a two-word title cell; short cells (a date, a keyword) before a linked title; a label as the summary
    ("- Deep Compression | **[ICLR' 16]** | [pdf](https://x.org/dc.pdf)", "Deep Compression", "https://x.org/dc.pdf", "ICLR", 2016),
    ("- 2017-06 | Transformers | Google | [Attention Is All You Need](https://arxiv.org/abs/1706.03762) | NeurIPS",
     "Attention Is All You Need", "https://arxiv.org/abs/1706.03762", "", None),
    ("- [Attention Is All You Need](https://arxiv.org/abs/1706.03762) [[code](https://github.com/t)] - *NeurIPS 2017*",
     "Attention Is All You Need", "https://arxiv.org/abs/1706.03762", "NeurIPS", 2017),
    # a label closing a link entry's authors; words with a year that name no venue stay the summary
    ("* [Robust Physical-World Attacks on Deep Learning Models](https://x.org/p), Eykholt, Evtimov, CVPR 2018",
     "Robust Physical-World Attacks on Deep Learning Models", "https://x.org/p", "CVPR", 2018),
    ("- [Some Blog Post About Things](https://x.org/b) - written in 2023.", "Some Blog Post About Things",
     "https://x.org/b", "", None),
    # Chinese and mixed-language titles
    ("- [基于图神经网络的推荐系统综述 (A Survey of GNN Recommenders)](https://x.org/zh.pdf) - 中文综述",
     "基于图神经网络的推荐系统综述 (A Survey of GNN Recommenders)", "https://x.org/zh.pdf", "", None),
]


@pytest.mark.parametrize("source, title, url, venue, year", REAL_SHAPES, ids=[s[0][:40] for s in REAL_SHAPES])
def test_real_list_shapes(source, title, url, venue, year):
    e = importer.parse_entry(source, 3, ("S",))
    assert (e.title, e.url, e.venue, e.year) == (title, url, venue, year)


# Labels in every spelling lists use.
@pytest.mark.parametrize("text, label", [
    ("ICML'19", ("ICML", 2019)), ("ICML 19", ("ICML", 2019)), ("[ICML 2019]", ("ICML", 2019)),
    ("NIPS 2017", ("NIPS", 2017)), ("ISMB 2018", ("ISMB", 2018)), ("[[ISMB 2018]]", ("ISMB", 2018)),
    ("**[arXiv' 19]**", ("arXiv", 2019)), ("ACM CCS '18", ("ACM CCS", 2018)), ("Finalized Nov. 2020", None),
])
def test_label_spellings(text, label):
    assert importer.parse_label(text) == label


@pytest.mark.parametrize("text", ["[arXiv' 19]", "**CVPR 2020**", "pdf", "paper", "code", "Python", "project",
                                  "https://arxiv.org/abs/1", "![badge](https://img.shields.io/x)", "2019"])
def test_never_a_title(text):
    assert importer.not_a_title(text)


# --- issue 18 "Why": each misreading, as it was reported --------------------------------------------

def test_the_bold_bracketed_label_is_never_the_title_and_its_bib_is_not_the_label():
    e = importer.parse_entry("- Deep Learning for Anomaly Detection: A Survey  | **[arXiv' 19]** |"
                             "[`[pdf]`](https://arxiv.org/pdf/1901.03407.pdf)", 1)
    assert (e.title, e.venue, e.year) == ("Deep Learning for Anomaly Detection: A Survey", "arXiv", 2019)


SUB_BULLETS = """\
# Robustness

## Attacks

- **Explaining and Harnessing Adversarial Examples**
  - [[Python]](https://github.com/x/fgsm)
  - [[paper]](https://arxiv.org/abs/1412.6572)
- **Towards Evaluating the Robustness of Neural Networks**
  - [[paper]](https://arxiv.org/abs/1608.04644)

## Defenses

**Certified Defenses against Adversarial Examples**
- [[paper]](https://arxiv.org/abs/1801.09344)

**Feature Squeezing: Detecting Adversarial Examples** [[paper]](https://arxiv.org/abs/1704.01155)
"""


def test_bold_titles_with_links_as_sub_bullets_keep_their_titles_and_sections():
    parsed = importer.parse(SUB_BULLETS, "r.md")
    assert [(e.line, e.section, e.title, e.url) for e in parsed.entries] == [
        (5, ("Attacks",), "Explaining and Harnessing Adversarial Examples", "https://arxiv.org/abs/1412.6572"),
        (8, ("Attacks",), "Towards Evaluating the Robustness of Neural Networks", "https://arxiv.org/abs/1608.04644"),
        (13, ("Defenses",), "Certified Defenses against Adversarial Examples", "https://arxiv.org/abs/1801.09344"),
        (16, ("Defenses",), "Feature Squeezing: Detecting Adversarial Examples", "https://arxiv.org/abs/1704.01155"),
    ]
    assert parsed.sections == [("Attacks",), ("Defenses",)]
    assert parsed.problems == []


def test_a_published_venue_label_wins_and_trailing_labels_are_labels_not_summaries():
    icml = importer.parse_entry("- Anomaly Detection With Multiple-Hypotheses Predictions  | **[ICML' 19]** |  "
                                "[`[pdf]`](https://arxiv.org/pdf/1810.13292v5.pdf)", 1)
    assert (icml.venue, icml.year) == ("ICML", 2019)
    nips = importer.parse_entry("- [Attention Is All You Need](https://arxiv.org/abs/1706.03762), NIPS 2017", 1)
    assert (nips.venue, nips.year, nips.summary) == ("NIPS", 2017, "")
    ismb = importer.parse_entry("- [Deep Learning in Biology](https://x.org/b) [[ISMB 2018]]", 1)
    assert (ismb.venue, ismb.year, ismb.tags) == ("ISMB", 2018, ())
    dated = importer.parse_entry("- [A Living Survey of Things](https://x.org/s) (Finalized Nov. 2020)", 1)
    assert (dated.venue, dated.year, dated.note) == ("", None, "Finalized Nov. 2020")


def test_the_published_label_is_what_the_readme_prints_for_an_arxiv_link(project):
    text = ("# L\n\n## P\n\n- Anomaly Detection With Multiple-Hypotheses Predictions | **[ICML' 19]** | "
            "[`[pdf]`](https://arxiv.org/pdf/1810.13292v5.pdf)\n- [Attention Is All You Need](https://arxiv.org/abs/1706.03762), NIPS 2017\n")
    run(project, text)
    from pipeline.stages import emit, merge
    settings = config.load(project, environ={})
    emit.run(settings, Options(offline=True), Reporter(0), merge.run(settings, Options(offline=True), Reporter(0)))
    lines = [line for line in (project / "README.md").read_text().splitlines() if line.startswith("- [") and "](#" not in line]
    assert lines == ["- [Anomaly Detection With Multiple-Hypotheses Predictions](https://arxiv.org/pdf/1810.13292v5.pdf), *ICML 2019*",
                     "- [Attention Is All You Need](https://arxiv.org/abs/1706.03762), *NIPS 2017*"]


ABSOLUTE_TOC = """\
# Awesome Things [![Awesome](https://cdn.rawgit.com/sindresorhus/awesome/d7305f38/media/badge.svg)](https://github.com/sindresorhus/awesome)

Intro as written.

- [Attacks](https://github.com/someone/awesome-things#attacks)
- [Defenses](https://github.com/someone/awesome-things/blob/master/README.md#defenses)

## Attacks

- [Paper One on Attacks](https://x.org/1), *CCS 2020*

## Defenses

- [Paper Two on Defenses](https://x.org/2), *S&P 2021*

## Contact

- [e-mail](mailto:me@example.org)
- [blog](https://example.org/blog)
- [pull request](https://github.com/someone/awesome-things/pulls)

Thanks for reading.
"""


def test_the_frame_stays_a_frame_absolute_contents_contact_and_an_existing_badge():
    parsed = importer.parse(ABSOLUTE_TOC, "a.md")
    assert parsed.sections == [("Attacks",), ("Defenses",)]
    assert [e.title for e in parsed.entries] == ["Paper One on Attacks", "Paper Two on Defenses"]
    assert "Intro as written." in parsed.intro and "#attacks" not in parsed.intro
    assert parsed.outro == ("## Contact\n\n- [e-mail](mailto:me@example.org)\n- [blog](https://example.org/blog)\n"
                            "- [pull request](https://github.com/someone/awesome-things/pulls)\n\nThanks for reading.\n")
    assert importer.with_badge(parsed.intro, "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)") == parsed.intro


HEADINGS_AND_HTML = """\
# Supply Chain Papers

## Papers

#### 2025

##### USENIX Security

- ChainFuzz: Exploiting Upstream Vulnerabilities in Open-Source Supply Chains
  - [Paper](https://www.usenix.org/conference/usenixsecurity25/presentation/deng) | [PDF](https://x.org/deng.pdf)

##### IEEE S&P (Oakland)

- Obstacles to Practical Supply Chain Risk Management for Digital Components
  - [Paper](https://ieeexplore.ieee.org/document/11121660)

## Older

<details><summary><b>Older:</b></i></summary>
<div>
- **Learning to Represent Programs with Graphs** (2018), ICLR'18, Allamanis, M., et al. [[pdf]](https://arxiv.org/pdf/1711.00740)
</div>
</details>

## Tables

<table>
<tr><th>Paper</th><th>Venue</th></tr>
<tr><td><a href="https://x.org/gcn">Semi-Supervised Classification with Graph Convolutional Networks</a></td><td>ICLR 2017</td></tr>
</table>

| 已录制 | 年份 | 名字 | 简介 |
| --- | --- | --- | --- |
| ✅ | 2012 | [AlexNet](https://papers.nips.cc/paper/4824.pdf) | 深度学习热潮的奠基作 |

| Model | Where | Stars |
| --- | --- | --- |
| x | [Graph Attention Networks](https://arxiv.org/abs/1710.10903) | [![s](https://img.shields.io/x)](https://github.com/g) |
"""


def test_headings_give_labels_and_html_tables_details_and_other_columns_are_read():
    parsed = importer.parse(HEADINGS_AND_HTML, "h.md")
    got = [(e.line, e.title, e.url, e.venue, e.year) for e in parsed.entries]
    assert got == [
        (9, "ChainFuzz: Exploiting Upstream Vulnerabilities in Open-Source Supply Chains",
         "https://www.usenix.org/conference/usenixsecurity25/presentation/deng", "USENIX Security", 2025),
        (14, "Obstacles to Practical Supply Chain Risk Management for Digital Components",
         "https://ieeexplore.ieee.org/document/11121660", "IEEE S&P", 2025),
        (21, "Learning to Represent Programs with Graphs", "https://arxiv.org/pdf/1711.00740", "ICLR", 2018),
        (29, "Semi-Supervised Classification with Graph Convolutional Networks", "https://x.org/gcn", "ICLR", 2017),
        (34, "AlexNet", "https://papers.nips.cc/paper/4824.pdf", "", 2012),
        (38, "Graph Attention Networks", "https://arxiv.org/abs/1710.10903", "", None),
    ]
    assert parsed.entries[4].summary == "深度学习热潮的奠基作"


def test_lines_that_are_not_papers_are_named_not_imported_and_doubtful_ones_listed():
    text = ("# L\n\n## P\n\n- **[arXiv' 19]** | [pdf](https://x.org/a)\n- [[Python]](https://github.com/x)\n"
            "- https://x.org/bare\n- [Solid Paper Title Here](https://x.org/p), *ICSE 2020*\n"
            "- [GAN](https://x.org/gan)\n- [Solid Paper Title Here](https://x.org/other), *ICSE 2020*\n")
    parsed = importer.parse(text, "l.md")
    assert [e.title for e in parsed.entries] == ["Solid Paper Title Here", "GAN", "Solid Paper Title Here"]
    assert [(p.where, p.code) for p in parsed.problems] == [("l.md:5", "no-title"), ("l.md:6", "no-title"),
                                                           ("l.md:7", "no-link")]
    assert [str(p) for p in parsed.doubtful] == [
        "l.md:9: doubtful: 'GAN': a title of under three words, no venue and no year (imported; check it)",
        "l.md:10: doubtful: 'Solid Paper Title Here': the same title as line 8 (imported; check it)"]


def test_more_than_twenty_findings_print_twenty_a_count_and_where_the_rest_are(project):
    import io
    rows = "".join(f"- plain line number {n} without anything\n" for n in range(25))
    src = project / "list.md"
    src.write_text(f"# L\n\n## P\n\n- [Real Paper Title Here](https://x.org/r), *OSDI 2020*\n{rows}", encoding="utf-8")
    out = io.StringIO()
    import_readme.run(config.load(project, environ={}), Options(), Reporter(1, stream=out), src, date(2026, 1, 1))
    printed = out.getvalue().splitlines()
    assert printed[0].startswith("list.md:6: no link for 'plain line number 0 without anything'")
    assert printed[20] == "... and 5 more line(s): all 25 are in build/import-report.txt"
    assert len((project / "build/import-report.txt").read_text().splitlines()) == 25


def test_make_check_carries_the_import_findings_until_the_next_import(project):
    import io

    from pipeline.stages import check, emit, merge
    run(project)
    settings = config.load(project, environ={})
    emit.run(settings, Options(offline=True), Reporter(0), merge.run(settings, Options(offline=True), Reporter(0)))
    out = io.StringIO()
    check.run(settings, Options(offline=True), Reporter(1, stream=out))
    assert "  warning: list.md:15: no link for 'this line is broken [oops'" in out.getvalue()
    run(project, SAMPLE.replace("- this line is broken [oops\n", ""), replace=True)
    out = io.StringIO()
    check.run(config.load(project, environ={}), Options(offline=True), Reporter(1, stream=out))
    assert "this line is broken" not in out.getvalue()


def test_a_paper_column_of_pdf_links_is_the_link_column_and_the_titles_come_from_another():
    text = ("# L\n\n## P\n\n| Paper | Name | Venue |\n|---|---|---|\n"
            "| [pdf](https://x.org/1) | Robust Physical-World Attacks on Deep Models | CVPR 2018 |\n"
            "| [PDF](https://x.org/2) | Another Long Paper Title Here | ICML 2019 |\n")
    parsed = importer.parse(text, "t.md")
    assert [(e.title, e.url, e.venue, e.year) for e in parsed.entries] == [
        ("Robust Physical-World Attacks on Deep Models", "https://x.org/1", "CVPR", 2018),
        ("Another Long Paper Title Here", "https://x.org/2", "ICML", 2019)]


@pytest.mark.parametrize("text", ["arXiv:1707.08945", "10.1145/3132747.3132785"])
def test_an_identifier_is_not_a_title(text):
    assert importer.not_a_title(text) == "an identifier"


@pytest.mark.parametrize("section, label", [
    (("Papers 2020",), ("", 2020)), (("2020", "NeurIPS"), ("NeurIPS", 2020)), (("ICLR 2020",), ("ICLR", 2020)),
    (("Research", "2025", "IEEE S&P (Oakland)"), ("IEEE S&P", 2025)), (("2024", "Workshop Papers"), ("", 2024)),
    (("Attacks", "White-box Attack"), ("", None)),
])
def test_headings_that_give_a_label(section, label):
    assert importer.heading_label(section) == label


def test_a_bold_paragraph_with_a_paper_link_is_an_entry_and_a_bold_note_is_prose():
    text = ("# L\n\n## P\n\n- [A Real Paper Title](https://x.org/a), *ICSE 2020*\n\n**Note:** see [this](https://x.org/n)\n\n"
            "**A Bold Paper Title** [[paper]](https://x.org/b)\n\n- [Another Real Paper](https://x.org/c), *ICSE 2021*\n")
    parsed = importer.parse(text, "l.md")
    assert [e.title for e in parsed.entries] == ["A Real Paper Title", "A Bold Paper Title", "Another Real Paper"]
    assert [str(p) for p in parsed.problems] == ["l.md:7: text outside a list or table with a link is not an entry (not imported)"]


def test_a_refused_import_keeps_the_last_report_and_a_list_of_nothing_says_which_lines(project):
    run(project)
    before = (project / "build/import-report.txt").read_text()
    with pytest.raises(StageError, match="already has a list"):
        run(project, "# Other\n\n## S\n\n- just words\n")
    assert (project / "build/import-report.txt").read_text() == before
    with pytest.raises(StageError, match="no entries could be read"):
        run(project, "# Other\n\n## S\n\n- just words here\n- [pdf](https://x.org/a.pdf)\n", replace=True)
    assert (project / "build/import-report.txt").read_text().splitlines() == [
        "list.md:1: no entries found: expected list items like '- [Title](url)' or a table with a Title column",
        "list.md:5: no link for 'just words here': expected a [pdf](url) or [paper](url) link after it",
        "list.md:6: no title: expected '[Title](url)' or '**Title**' before the other links"]


# --- authors after the title ---------------------------------------------------------------------

@pytest.mark.parametrize("text, names, et_al", [
    ("Ye, Fangke, et al.", ("Ye", "Fangke"), True),
    ("GUO, HANYANG, et al.", ("GUO", "HANYANG"), True),
    ("G. Hinton et al.", ("G. Hinton",), True),
    ("Lehmann, Daniel and Pradel, Michael", ("Lehmann", "Daniel", "Pradel", "Michael"), False),
    ("Mukherjee, M. and Hellendoorn, V.J.", ("Mukherjee", "M.", "Hellendoorn", "V.J"), False),
    ("Eghbali, A., & Pradel, M.", ("Eghbali", "A.", "Pradel", "M"), False),
    ("Laurens van der Maaten and Geoffrey Hinton.", ("Laurens van der Maaten", "Geoffrey Hinton"), False),
    ("Seyed-Mohsen Moosavi-Dezfooli, Alhussein Fawzi, and Pascal Frossard.",
     ("Seyed-Mohsen Moosavi-Dezfooli", "Alhussein Fawzi", "Pascal Frossard"), False),
])
def test_author_lists_are_read_as_names(text, names, et_al):
    assert listwords.author_names(text) == (names, et_al)


@pytest.mark.parametrize("text", [
    "Transformer, Attention and Diffusion", "BERT, GPT and T5", "Python and Java",
    "The white paper that you must read.", "A seminal paper on the hidden technical debt in ML systems.",
    "Studies real-world misuse patterns of ML cloud APIs.", "深度学习热潮的奠基作", "Zifan Guo",
    "Characterizes bug patterns in LLM frameworks, and offers mitigation guidance.",
])
def test_summaries_are_not_author_lists(text):
    assert listwords.author_names(text) is None


@pytest.mark.parametrize("source, authors, summary, venue, year", [
    ("- **Type Inference** (2020), arxiv 2020, Ye, Fangke, et al. [[pdf]](https://arxiv.org/pdf/2009.05949.pdf)",
     "Ye, Fangke, et al.", "", "arxiv", 2020),
    ("- **RepoFusion** (2023), arxiv, Shrivastava, Disha, et al., [[pdf]](https://arxiv.org/pdf/2306.10998)",
     "Shrivastava, Disha, et al.", "", "arxiv", 2023),
    ("* [KDD16] [Why Should I Trust You?](https://arxiv.org/abs/1602.04938) - Marco Tulio Ribeiro, Sameer Singh, "
     "and Carlos Guestrin. [[code]](https://github.com/m/lime), [[slides]](https://x.org/s), [[code (mnist)]](https://x.org/v)",
     "Marco Tulio Ribeiro, Sameer Singh, and Carlos Guestrin", "", "KDD", 2016),
    ("- [Hidden Technical Debt](https://x.org/p.pdf), *NeurIPS 2015* - A seminal paper on the hidden debt.",
     "", "A seminal paper on the hidden debt.", "NeurIPS", 2015),
])
def test_authors_after_the_title_are_not_the_summary(source, authors, summary, venue, year):
    e = importer.parse_entry(source, 3)
    assert (e.authors, e.summary, e.venue, e.year) == (authors, summary, venue, year)


def test_a_complete_given_family_list_becomes_the_items_creators():
    e = importer.parse_entry("* [T](https://x.org/a) - Laurens van der Maaten and Geoffrey E. Hinton.", 1)
    data = importer.item_data(e, "ABCD2345", "COLL0001", "2026-01-01T00:00:00Z")
    assert [(c["firstName"], c["lastName"], c["creatorType"]) for c in data["creators"]] == [
        ("Laurens", "van der Maaten", "author"), ("Geoffrey E.", "Hinton", "author")]
    # "et al." or "Family, Given" lists cannot be split without guessing: no creators, Crossref fills them.
    for text in ("- **T** (2020), Ye, Fangke, et al. [[pdf]](https://x.org/p.pdf)",
                 "- **T** (2020), Lehmann, Daniel and Pradel, Michael [[pdf]](https://x.org/p.pdf)"):
        assert importer.item_data(importer.parse_entry(text, 1), "ABCD2345", "C", "2026-01-01T00:00:00Z")["creators"] == []


@pytest.mark.parametrize("source, kinds, item_type, extra", [
    ("- [T](https://arxiv.org/abs/2506.14813), *OSDI 2025* - x", {"OSDI": "conference"}, "conferencePaper",
     "Venue: OSDI\narXiv: 2506.14813"),
    ("- [T](https://arxiv.org/abs/2506.14813), *arXiv 2025* - x", {"arXiv": "preprint"}, "preprint", "Venue: arXiv"),
    ("- [T](https://arxiv.org/abs/2506.14813) - x", {}, "preprint", ""),
    ("- [T](https://dl.acm.org/doi/10.1/x), *TOSEM 2024* - x", {"TOSEM": "journal"}, "journalArticle", "Venue: TOSEM"),
    # Without the venue table, the words of the label decide.
    ("- [T](https://x.org/p), *IEEE Transactions on Reliability 2020*", {}, "journalArticle",
     "Venue: IEEE Transactions on Reliability"),
    ("- [T](https://x.org/p), *TOSEM 2024*", {}, "conferencePaper", "Venue: TOSEM"),
])
def test_the_item_type_follows_the_venue_tables_kind(source, kinds, item_type, extra):
    data = importer.item_data(importer.parse_entry(source, 1), "ABCD2345", "C", "2026-01-01T00:00:00Z",
                              kind_of=lambda name: kinds.get(name, ""))
    assert (data["itemType"], data["extra"]) == (item_type, extra)
