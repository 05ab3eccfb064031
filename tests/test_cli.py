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


# --- setup that forgives: settings, credentials and the root through the command line ----------------

import shutil  # noqa: E402

import pytest  # noqa: E402

from tests.conftest import ROOT  # noqa: E402
from tests.test_config import set_toml  # noqa: E402


@pytest.fixture
def clean_env(monkeypatch):
    """No Zotero or Crossref settings from the machine running the tests."""
    import os
    for name in list(os.environ):
        if name.startswith(("ZOTERO_", "CROSSREF_", "DBLP_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CROSSREF_API_URL", "http://127.0.0.1:9")   # nothing listens: no test reaches the internet


@pytest.fixture
def clone(tmp_path, clean_env):
    """The committed project: settings, snapshot, caches and reviews."""
    root = tmp_path / "clone"
    root.mkdir()
    for name in ("pipeline.toml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    for name in ("data", "reviews"):
        shutil.copytree(ROOT / name, root / name)
    return root


@pytest.mark.parametrize("table, value, key", [
    ("entries", "sort = 5", "[entries] sort"),
    ("outputs", "readme = 5", "[outputs] readme"),
    ("sections", 'order = "Background"', "[sections] order"),
    ("outputs", 'bib = "README.md"', "[outputs] bib"),
    ("outputs", 'readme = "../../outside/README.md"', "[outputs] readme"),
])
def test_a_wrong_setting_is_exit_2_and_one_line(project, capsys, clean_env, table, value, key):
    set_toml(project, table, value)
    assert cli.main(["merge", "--root", str(project)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: pipeline.toml: {key}")


def test_a_value_instead_of_a_table_is_exit_2(project, capsys, clean_env):
    (project / "pipeline.toml").write_text('zotero = "x"\n')
    assert cli.main(["merge", "--root", str(project)]) == 2
    assert capsys.readouterr().err.startswith("error: pipeline.toml: zotero must be a table")


def test_a_utf16_dotenv_is_exit_2_not_a_traceback(project, capsys, clean_env):
    (project / ".env").write_bytes("ZOTERO_LIBRARY_ID=1\n".encode("utf-16"))
    assert cli.main(["merge", "--root", str(project)]) == 2
    assert capsys.readouterr().err.strip() == "error: .env: saved as UTF-16; save it as UTF-8 (one NAME=value per line)"


@pytest.mark.parametrize("dotenv, missing", [
    ("ZOTERO_API_KEY=s3cretKEY\nZOTERO_COLLECTION=ABCD2345\n", "ZOTERO_LIBRARY_ID"),
    ("ZOTERO_API_KEY=s3cretKEY\nZOTERO_LIBRARY_ID=123\n", "ZOTERO_COLLECTION"),
])
def test_partial_credentials_stop_pull_and_sync_naming_the_variable(clone, capsys, dotenv, missing):
    (clone / ".env").write_text(dotenv)
    for stage in ("pull", "sync"):
        assert cli.main([stage, "--root", str(clone)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"error: {missing} not set, but ZOTERO_API_KEY is")
        assert "s3cret" not in err[0]
    # Offline, Zotero is not asked, so nothing is missing.
    assert cli.main(["pull", "--offline", "--root", str(clone)]) == 0


def test_no_credentials_at_all_builds_from_the_snapshot_in_one_line(clone, capsys):
    assert cli.main(["pull", "--root", str(clone)]) == 0
    err = capsys.readouterr().err
    assert "no Zotero credentials" in err and "building from the committed snapshot" in err


def test_stages_run_from_a_subfolder_work_on_the_project(clone, capsys, monkeypatch):
    monkeypatch.chdir(clone / "reviews")
    assert cli.main(["merge"]) == 0
    assert (clone / "build" / "records.json").is_file()
    assert not (clone / "reviews" / "build").exists()
    listing = clone.parent / "list.md"
    listing.write_text("# A list\n\n## Things\n\n- [A paper](https://example.org/a) - a summary.\n")
    shutil.rmtree(clone / "data" / "raw" / "zotero")
    assert cli.main(["import-readme", str(listing)]) == 0
    assert (clone / "data" / "raw" / "zotero" / "state.json").is_file()
    assert not (clone / "reviews" / "data").exists()


def test_root_given_wins_over_the_search(clone, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(clone / "reviews")
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(clone / "pipeline.toml", other / "pipeline.toml")
    assert cli.main(["merge", "--root", str(other)]) == 1          # an empty project: no snapshot there
    assert not (clone / "build").exists()


def test_emit_dry_run_after_emit_shows_no_change(clone, capsys):
    assert cli.main(["merge", "--root", str(clone)]) == 0
    assert cli.main(["emit", "--root", str(clone)]) == 0
    capsys.readouterr()
    assert cli.main(["emit", "--dry-run", "--root", str(clone)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 file(s) would change" in err
    # and a real change still shows, as a diff that touches only the changed row
    csv = clone / "data" / "curated" / "papers.csv"
    rows = csv.read_bytes().split(b"\r\n")
    csv.write_bytes(b"\r\n".join(rows[:2] + rows[3:]))
    assert cli.main(["emit", "--dry-run", "--root", str(clone)]) == 0
    out, err = capsys.readouterr()
    assert "1 file(s) would change" in err
    assert sum(line.startswith("+") and not line.startswith("+++") for line in out.splitlines()) == 1


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_zotero_is_one_line_naming_host_and_port(clone):
    import os
    import subprocess
    import sys
    port = closed_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOTERO_", "CROSSREF_", "DBLP_"))}
    env.update(ZOTERO_API_URL=f"http://127.0.0.1:{port}", ZOTERO_API_KEY="s3cretKEY", ZOTERO_LIBRARY_ID="123",
               ZOTERO_COLLECTION="ABCD2345", CROSSREF_API_URL=f"http://127.0.0.1:{port}")
    before = {p: p.read_bytes() for p in (clone / "data").rglob("*") if p.is_file()}
    result = subprocess.run([sys.executable, "-m", "pipeline", "sync", "--root", str(clone)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: pull: Zotero unreachable at ") and f"127.0.0.1:{port}" in line
    assert "Traceback" not in result.stderr and "s3cret" not in result.stderr + result.stdout
    assert {p: p.read_bytes() for p in (clone / "data").rglob("*") if p.is_file()} == before
