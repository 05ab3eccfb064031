"""pipeline/suggest.py: the suggestion form, and reading the issue bodies GitHub makes from it.

Bodies here are written as GitHub renders an issue form (`### Label`, a blank line, the answer, and
`_No response_` for an empty field), then bent the ways real issues are: CRLF line ends, text around the
answers, edited answers, and text meant to break out of the field it was typed into.
"""
from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import suggest
from pipeline.suggest import add_arguments, comment, form_sections, identify, parse_issue, render_form

SECTIONS = ["Background", "ML Bug Detection", "Empirical Studies on Machine Learning Bugs & Challenges"]


def body(identifier="10.1145/3132747.3132785", section="ML Bug Detection", summary="Neuron coverage.",
         tags="Testing, Fuzzing", why="A classic.", title="_No response_", newline="\n") -> str:
    parts = [("DOI, arXiv id, DBLP key or URL", identifier), ("Section", section), ("One-line summary", summary),
             ("Tags", tags), ("Why it belongs", why), ("Title (only for a plain URL)", title)]
    text = "\n\n".join(f"### {label}\n\n{value}" for label, value in parts)
    return text.replace("\n", newline)


def test_a_filled_in_form_becomes_the_add_arguments():
    found = parse_issue(body(), SECTIONS)
    assert found.ok
    assert (found.identifier, found.kind, found.section, found.summary) == (
        "10.1145/3132747.3132785", "doi", "ML Bug Detection", "Neuron coverage.")
    assert found.tags == ("Testing", "Fuzzing") and found.why == "A classic." and found.title == ""
    assert add_arguments(found) == ["add", "10.1145/3132747.3132785", "--section=ML Bug Detection",
                                    "--summary=Neuron coverage.", "--tag=Testing", "--tag=Fuzzing"]


def test_crlf_and_lone_cr_line_ends_read_the_same():
    assert parse_issue(body(newline="\r\n"), SECTIONS) == parse_issue(body(), SECTIONS)
    assert parse_issue(body(newline="\r"), SECTIONS) == parse_issue(body(), SECTIONS)


def test_empty_optional_fields_are_empty_and_required_ones_are_problems():
    found = parse_issue(body(tags="_No response_"), SECTIONS)
    assert found.ok and found.tags == ()
    found = parse_issue(body(identifier="_No response_", section="_No response_"), SECTIONS)
    assert not found.ok
    assert any("no identifier" in p for p in found.problems) and "no section chosen" in found.problems


def test_text_around_the_answers_and_unknown_headings_are_ignored():
    text = "Hello maintainers!\n\n" + body() + "\n\n### My own heading\n\nextra words\n\n---\nsigned"
    found = parse_issue(text, SECTIONS)
    assert found.ok and found.identifier == "10.1145/3132747.3132785"


def test_a_free_text_issue_is_not_a_suggestion():
    found = parse_issue("Please add DeepXplore, it is great. 10.1145/3132747.3132785", SECTIONS)
    assert not found.ok and found.identifier == ""


def test_a_section_not_in_the_list_is_refused_and_one_in_another_case_is_the_lists():
    assert "the section is not one of the list's sections" in parse_issue(body(section="Hacking"), SECTIONS).problems
    assert parse_issue(body(section="ml  bug DETECTION"), SECTIONS).section == "ML Bug Detection"


def test_a_heading_typed_into_the_why_box_takes_over_no_other_field():
    why = "Good paper.\n### Section\n\nBackground\n### DOI, arXiv id, DBLP key or URL\n\nhttps://evil.example/"
    found = parse_issue(body(why=why), SECTIONS)
    assert found.ok and found.section == "ML Bug Detection" and found.identifier == "10.1145/3132747.3132785"
    title_in_why = "Good.\n### Title (only for a plain URL)\n\nForged title"
    found = parse_issue(body(identifier="https://example.org/post", why=title_in_why, title="Real title"), SECTIONS)
    assert found.title == "Real title"


@pytest.mark.parametrize("summary", [
    "[click](javascript:alert(1)) <img src=x onerror=alert(1)> @everyone",
    "-rf --section=Background",
    "line one\u2028line two\u0000\u202e",
])
def test_markdown_and_option_injection_stay_one_plain_value(summary):
    found = parse_issue(body(summary=summary), SECTIONS)
    assert found.ok
    assert "\n" not in found.summary and "\u0000" not in found.summary and "\u202e" not in found.summary
    args = add_arguments(found)
    assert args[3] == "--summary=" + found.summary and args.count("--section=ML Bug Detection") == 1
    shown = comment(found, would_add=True)
    assert f"`{found.summary}`" in shown, "shown only inside a code span"


def test_a_summary_that_is_not_one_line_is_folded_and_a_long_one_refused():
    assert parse_issue(body(summary="two\nlines"), SECTIONS).summary == "two lines"
    assert not parse_issue(body(summary="x" * 301), SECTIONS).ok


@pytest.mark.parametrize("tags, expected", [
    ("Testing,  testing , Fuzzing,", ("Testing", "Fuzzing")),
    ("C++, C#, Dev/Ops", ("C++", "C#", "Dev/Ops")),
])
def test_tags_are_split_trimmed_and_deduplicated(tags, expected):
    assert parse_issue(body(tags=tags), SECTIONS).tags == expected


@pytest.mark.parametrize("tags", ["<script>", "[x](http://e.org)", "a" * 41, "`code`"])
def test_a_tag_that_is_not_plain_is_a_problem(tags):
    assert not parse_issue(body(tags=tags), SECTIONS).ok


@pytest.mark.parametrize("raw, expected", [
    ("10.1145/3132747.3132785", ("doi", "10.1145/3132747.3132785")),
    ("https://doi.org/10.1145/3132747.3132785", ("doi", "10.1145/3132747.3132785")),
    ("doi:10.1145/3132747.3132785", ("doi", "10.1145/3132747.3132785")),
    ("1705.06640", ("arxiv", "1705.06640")),
    ("arXiv:1705.06640v2", ("arxiv", "1705.06640")),
    ("https://arxiv.org/abs/1705.06640", ("arxiv", "1705.06640")),
    ("https://arxiv.org/pdf/1705.06640v1.pdf", ("arxiv", "1705.06640")),
    ("cs/9901002", ("arxiv", "cs/9901002")),
    ("conf/sosp/PeiCYJ17", ("dblp", "conf/sosp/PeiCYJ17")),
    ("https://dblp.org/rec/conf/sosp/PeiCYJ17.html", ("dblp", "conf/sosp/PeiCYJ17")),
    ("<https://example.org/blog/post>", ("url", "https://example.org/blog/post")),
    ("`1705.06640`", ("arxiv", "1705.06640")),
])
def test_identifier_kinds(raw, expected):
    assert identify(raw) == expected


@pytest.mark.parametrize("raw", ["javascript:alert(1)", "ftp://example.org/x", "two words", "DeepXplore",
                                 "file:///etc/passwd", "10.1145/x\u0000y", "https://e.org/" + "a" * 600])
def test_what_is_not_an_identifier(raw):
    assert identify(raw) is None


def test_a_plain_url_needs_a_title():
    found = parse_issue(body(identifier="https://example.org/post"), SECTIONS)
    assert "a plain URL needs a title" in found.problems
    found = parse_issue(body(identifier="https://example.org/post", title="A blog post"), SECTIONS)
    assert found.ok and add_arguments(found)[-1] == "--title=A blog post"


def test_the_comment_lists_problems_or_what_would_be_added():
    bad = parse_issue(body(section="Hacking"), SECTIONS)
    assert "cannot be added" in comment(bad, would_add=True) and "not one of the list's sections" in comment(bad, would_add=True)
    good = parse_issue(body(summary="Has `ticks` in it"), SECTIONS)
    text = comment(good, would_add=True)
    assert "would be added" in text and "``Has `ticks` in it``" in text


# --- the form ------------------------------------------------------------------------------------------

def test_the_form_is_yaml_with_the_sections_as_dropdown_options_in_order():
    text = render_form(SECTIONS + ["Background", "  "])
    doc = yaml.safe_load(text)
    assert doc["labels"] == ["suggestion"] and doc["name"] == "Suggest a paper"
    section = next(e for e in doc["body"] if e.get("id") == "section")
    assert section["type"] == "dropdown" and section["attributes"]["options"] == SECTIONS
    assert form_sections(text) == SECTIONS
    labels = [e["attributes"]["label"] for e in doc["body"] if e["type"] != "markdown"]
    assert labels == [label for _, label in suggest.FIELDS], "the parser reads the headings the form makes"


def test_the_same_sections_give_the_same_bytes():
    assert render_form(list(SECTIONS)) == render_form(list(SECTIONS))
    assert render_form(SECTIONS) != render_form(list(reversed(SECTIONS)))


def test_a_list_without_sections_asks_for_the_section_in_words():
    doc = yaml.safe_load(render_form([]))
    assert next(e for e in doc["body"] if e.get("id") == "section")["type"] == "input"


@settings(deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), max_size=8))
def test_any_section_names_survive_the_yaml(names):
    expected = list(dict.fromkeys(n for n in map(suggest.section_name, names) if n))
    assert form_sections(render_form(names)) == expected


def test_the_committed_form_is_what_render_form_writes_for_the_configured_sections():
    from pathlib import Path

    from pipeline import config

    root = Path(__file__).resolve().parents[1]
    committed = (root / ".github" / "ISSUE_TEMPLATE" / "suggest-paper.yml").read_text(encoding="utf-8")
    assert form_sections(committed), "the committed form offers sections"
    assert committed == render_form(form_sections(committed))


# --- the command ---------------------------------------------------------------------------------------

def test_the_suggestion_command_prints_json_and_exits_by_whether_it_can_be_added(tmp_path, capsys):
    from pipeline.cli import main

    form = tmp_path / "form.yml"
    form.write_text(render_form(SECTIONS), encoding="utf-8")
    issue = tmp_path / "issue.md"
    root = ["--root", str_root()]
    issue.write_text(body(newline="\r\n"), encoding="utf-8")
    assert main(["suggestion", "--issue-body", str(issue), "--form", str(form), *root]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["args"][:2] == ["add", "10.1145/3132747.3132785"]
    issue.write_text(body(section="Hacking"), encoding="utf-8")
    assert main(["suggestion", "--issue-body", str(issue), "--form", str(form), *root]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["args"] == [] and "cannot be added" in out["comment"]


def test_a_missing_issue_body_is_one_line(tmp_path, capsys):
    from pipeline.cli import main

    assert main(["suggestion", "--issue-body", str(tmp_path / "nope.md"), "--root", str_root()]) == 1
    err = capsys.readouterr().err
    assert "nope.md: cannot read the issue body" in err and "Traceback" not in err


def str_root() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parents[1])
