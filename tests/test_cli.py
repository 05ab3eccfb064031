"""The command line: one clear line per failure, exit codes, no secret in anything printed."""
from __future__ import annotations

import io

from pipeline import cli
from pipeline.model import Problem
from pipeline.report import Reporter


def test_a_stage_that_cannot_run_fails_with_one_line(project, capsys):
    code = cli.main(["emit", "--root", str(project)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines() == ["error: build/records.json is missing: run `python -m pipeline merge` first"]


def test_bad_configuration_is_exit_2(project, capsys, monkeypatch):
    monkeypatch.setenv("ZOTERO_LIBRARY_TYPE", "team")
    assert cli.main(["merge", "--root", str(project)]) == 2
    assert capsys.readouterr().err.startswith("error: ZOTERO_LIBRARY_TYPE")


def test_reporter_redacts_secrets_and_holds_warnings_for_check():
    out = io.StringIO()
    reporter = Reporter(1, stream=out, secrets=["s3cretKEY"])
    reporter.info("calling https://x/?key=s3cretKEY")
    reporter.problem(Problem("K", "a warning", "warning"))
    reporter.problem(Problem("K", "an error s3cretKEY"))
    assert out.getvalue() == "calling https://x/?key=***\nerror: K: an error ***\n"
    assert len(reporter.problems) == 2


def test_quiet_shows_only_errors():
    out = io.StringIO()
    reporter = Reporter(0, stream=out)
    reporter.info("done")
    reporter.problem(Problem("K", "bad"))
    assert out.getvalue() == "error: K: bad\n"


def test_progress_is_silent_off_a_terminal():
    out = io.StringIO()
    reporter = Reporter(1, stream=out)
    assert list(reporter.track(range(3), "work")) == [0, 1, 2]
    assert out.getvalue() == ""
