"""`make check` says which validators ran and which were skipped, and why: never "ran" for a skip."""
from __future__ import annotations

import importlib.util
import io

from pipeline import cli, config
from pipeline.report import Reporter
from pipeline.stages import Options, check
from pipeline.validate import bibtex, markdown
from tests.test_cli import clean_env, clone  # noqa: F401  (fixtures)


def built(clone):
    assert cli.main(["sync", "--offline", "-q", "--root", str(clone)]) == 0
    return config.load(clone, environ={})


def test_each_validator_is_listed_as_skipped_with_its_reason(clone, monkeypatch):
    settings = built(clone)
    # (check and markdown share one shutil module)
    monkeypatch.setattr(check.shutil, "which", lambda name: None if name in ("pdftotext", "biber", "node") else "/x")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    status = dict(check.validator_status(settings))
    assert status == {
        "awesome-lint and markdownlint (README.md)":
            "node is not installed (Node 20 or newer); install them with `make lint-tools`",
        "pdflatex + bibtex (papers.bib)": f"pdftotext not installed; install with `{bibtex.INSTALL}`",
        "biber (papers.bib)": f"biber not installed; install with `{bibtex.INSTALL}`",
        "frictionless (papers.csv)": "frictionless not installed; install with `make install`",
    }


def test_a_missing_output_is_the_reason_its_validator_is_skipped(clone):
    settings = built(clone)
    settings.paths.readme.unlink()
    settings.paths.bib.unlink()
    status = dict(check.validator_status(settings))
    assert status["awesome-lint and markdownlint (README.md)"] == "README.md is missing"
    assert status["pdflatex + bibtex (papers.bib)"] == status["biber (papers.bib)"] == "papers.bib is missing"


def test_check_prints_run_and_skipped_and_never_claims_a_skipped_linter_ran(clone, monkeypatch):
    settings = built(clone)
    monkeypatch.setattr(check, "run_validators", lambda settings: [])
    monkeypatch.setattr(markdown, "missing_tools", lambda root: "awesome-lint is not installed in tools/lint")
    monkeypatch.setattr(check.shutil, "which", lambda name: "/usr/bin/" + name)
    out = io.StringIO()
    check.run(settings, Options(), Reporter(1, stream=out))
    lines = out.getvalue().splitlines()
    listing = lines[lines.index("validators:") + 1:][:4]
    assert listing[0] == ("  skipped  awesome-lint and markdownlint (README.md): awesome-lint is not installed "
                          "in tools/lint; install them with `make lint-tools`")
    assert listing[1:3] == ["  run      pdflatex + bibtex (papers.bib)", "  run      biber (papers.bib)"]
    assert not any("markdownlint" in line and "run  " in line for line in lines)


def test_the_markdown_validator_warns_that_it_did_not_run(clone, monkeypatch):
    settings = built(clone)
    monkeypatch.setattr(markdown.shutil, "which", lambda name: None)
    [problem] = markdown.run(settings)
    assert problem.level == "warning" and "skipped (not run)" in problem.message and "make lint-tools" in problem.message
