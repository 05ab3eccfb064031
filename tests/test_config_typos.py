"""pipeline.toml typos are caught: an unknown table or key, a sort field or a section order name that
matches nothing is one line naming pipeline.toml:LINE and the nearest valid name; every run prints it
and `make check` fails on it. A missing reviews/ is said, and a command outside a project writes nothing."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import pytest

from pipeline import arrange, cli, config
from pipeline.machinery.inputs import read as read_inputs
from pipeline.model import Section
from pipeline.stages import merge
from tests.conftest import ROOT
from tests.test_cli import clean_env, clone  # noqa: F401  (fixtures)


def problems_of(text: str) -> list[str]:
    return [str(p) for p in config.unknown_settings(tomllib.loads(text), config.key_lines(text))]


def test_the_committed_settings_have_no_unknown_key():
    assert problems_of((ROOT / "pipeline.toml").read_text(encoding="utf-8")) == []


def test_an_unknown_table_is_named_with_its_line_and_the_table_meant():
    text = '[list]\ntitle = "X"\n\n[entires]\nsort = ["added"]\n'
    assert problems_of(text) == ["pipeline.toml:4: unknown table [entires], ignored; did you mean [entries]?"]


def test_an_unknown_key_is_named_with_its_line_and_the_key_meant():
    text = '[entries]\n# sort order\nsortt = ["added"]\ntags = "all"\n[reviews]\nsumary_tag = "s"\n'
    assert problems_of(text) == [
        "pipeline.toml:3: unknown key 'sortt' in [entries], ignored; did you mean sort?",
        "pipeline.toml:6: unknown key 'sumary_tag' in [reviews], ignored; did you mean summary_tag?",
    ]


def test_a_name_nothing_resembles_lists_what_is_known():
    [line] = problems_of("[outputs]\nzzz = 'a.txt'\n")
    assert line.startswith("pipeline.toml:2: unknown key 'zzz' in [outputs], ignored; known keys: readme, bib,")


def test_a_key_outside_its_table_says_which_table_holds_it():
    assert problems_of('title = "X"\n[list]\n') == [
        "pipeline.toml:1: unknown table 'title' (outside any table), ignored; did you mean title under [list]?"]


def test_settings_other_stages_read_are_known():
    text = ("[links]\nmax_age_days = 30\nmend = true\ntimeout = 10\nper_host = 2\nrate = 1.5\n"
            "[openalex]\napi_url = 'https://api.openalex.org'\nmailto = 'a@b.org'\n"
            "[arxiv]\napi_url = 'https://export.arxiv.org/api'\n"
            "[push]\nanything = 1\nbatch = [1, 2]\n[suggest]\nlabel = 'accepted'\n")
    assert problems_of(text) == []


def test_key_lines_follow_arrays_strings_and_comments():
    text = ('[sections]\norder = [\n  "A [x]",  # a "quoted" comment\n  # "not an entry"\n  "B",\n]\n'
            'x.y = """\nz = 1\n"""\nw = 2\n')
    lines = config.key_lines(text)
    assert (lines["sections.order"], lines["sections.order[0]"], lines["sections.order[1]"]) == (2, 3, 5)
    assert "sections.order[2]" not in lines
    assert (lines["sections.x.y"], lines["sections.w"]) == (7, 10) and "sections.z" not in lines


def test_a_typo_is_printed_by_every_run_and_fails_check(clone, capsys):
    toml = clone / "pipeline.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("\nsort = ", "\nsortt = "), encoding="utf-8")
    line = toml.read_text(encoding="utf-8").splitlines().index('sortt = ["added"]') + 1
    expected = f"error: pipeline.toml:{line}: unknown key 'sortt' in [entries], ignored; did you mean sort?"
    # The run goes on with the rest of the settings, and its status says it reported an error.
    assert cli.main(["build", "--offline", "--root", str(clone)]) == 3
    assert capsys.readouterr().err.splitlines()[0] == expected
    assert (clone / "build" / "records.json").is_file()
    assert cli.main(["check", "--root", str(clone)]) == 3
    out = capsys.readouterr().err
    assert f"  error: pipeline.toml:{line}: unknown key 'sortt'" in out and out.count("'sortt'") == 1  # listed once


def test_a_section_order_name_that_matches_no_section_names_its_line_and_the_section_meant(clone):
    toml = clone / "pipeline.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"Monitoring",', '"Monitorin",'), encoding="utf-8")
    line = toml.read_text(encoding="utf-8").splitlines().index('  "Monitorin",') + 1
    problems = read_inputs(config.load(clone, environ={})).problems
    [found] = [p for p in problems if p.code == "config-unknown"]
    assert (found.where, found.level) == (f"pipeline.toml:{line}", "warning")
    assert found.message == "[sections] order names 'Monitorin', which is no section of the list (ignored); " \
                            "did you mean 'Monitoring'?"


def test_section_order_names_match_as_the_ordering_does():
    sections = [Section("A", "Background", path=("Background",)),
                Section("B", "Fuzzing", parent="C", path=("Testing", "Fuzzing")), Section("C", "Testing", path=("Testing",))]
    raw = {"A": "01 Background", "B": "Fuzzing", "C": "Testing"}
    order = ("01 Background", "background", "Testing > Fuzzing", "Testing >  Fuzing", "Nothing like it")
    assert arrange.unknown_order_names(sections, order, raw) == [
        (3, "Testing >  Fuzing", "Testing > Fuzzing"), (4, "Nothing like it", "")]


def test_a_missing_reviews_folder_is_reported_not_read_as_no_summaries(clone):
    settings = config.load(clone, environ={})
    assert not [p for p in merge.build(settings).problems if p.code == "reviews-missing"]
    os.rename(clone / "reviews", clone / "reviews.away")
    [found] = [p for p in merge.build(settings).problems if p.code == "reviews-missing"]
    assert (found.where, found.level) == ("reviews", "warning") and "is missing" in found.message
    # A README that links review files makes it an error: every summary and review would be dropped.
    readme = clone / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("\n<!-- END GENERATED", "[Review](reviews/x.md)\n"
                                                                 "<!-- END GENERATED"), encoding="utf-8")
    [found] = [p for p in merge.build(settings).problems if p.code == "reviews-missing"]
    assert found.level == "error" and "git checkout -- reviews" in found.message
    (clone / "reviews").write_text("not a folder")
    [found] = [p for p in merge.build(settings).problems if p.code == "reviews-missing"]
    assert found.level == "error" and "is not a folder" in found.message


@pytest.mark.parametrize("stage", ["build", "sync", "merge", "check", "import-readme"])
def test_a_command_outside_a_project_says_so_and_writes_nothing(tmp_path, stage):
    outside = tmp_path / "somewhere"
    outside.mkdir()
    extra = ["list.md"] if stage == "import-readme" else []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOTERO_", "CROSSREF_", "DBLP_"))}
    done = subprocess.run([sys.executable, "-m", "pipeline", stage, *extra], cwd=outside, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: not inside a list's project: no pipeline.toml in {outside.resolve()} or any folder above it; "
        "run this in the project folder (or pass --root FOLDER)"]
    assert list(outside.iterdir()) == []


def test_a_root_given_without_settings_is_refused(tmp_path, capsys):
    assert cli.main(["build", "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: not inside a list's project: no pipeline.toml in {tmp_path}")
    assert list(tmp_path.iterdir()) == []
