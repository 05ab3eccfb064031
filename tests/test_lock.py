"""One writing run at a time (build/.lock), and temporary files of a killed run swept at the next start."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from pipeline import cli
from pipeline.machinery import files
from pipeline.stages import StageError
from tests.conftest import ROOT
from tests.test_cli import clean_env, clone  # noqa: F401  (fixtures)

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pipeline.machinery import files
    with files.project_lock(Path(sys.argv[1])):
        print("held", flush=True)
        time.sleep(60)
""")


@pytest.fixture
def holder(clone):
    """Another process holding the clone's lock, as a running sync would."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(clone / "build")], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    yield proc
    proc.kill()
    proc.wait()


def test_a_second_run_stops_at_once_naming_the_first(clone, holder, capsys):
    before = {p: p.read_bytes() for p in (clone / "data").rglob("*") if p.is_file()}
    for stage in ("sync", "merge", "emit", "pull", "enrich"):
        assert cli.main([stage, "--offline", "--root", str(clone)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"error: another run is writing this project (process {holder.pid} holds build/.lock); "
                       f"wait for it to finish, then run {stage} again"]
    assert {p: p.read_bytes() for p in (clone / "data").rglob("*") if p.is_file()} == before
    # Reading stages and dry runs write nothing, so they do not wait.
    assert cli.main(["merge", "--dry-run", "--root", str(clone)]) == 0


def test_a_killed_holder_leaves_no_lock_behind(clone, holder, capsys):
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert cli.main(["merge", "--root", str(clone)]) == 0
    assert (clone / "build" / "records.json").is_file()


def test_the_lock_is_exclusive_and_released(tmp_path):
    with files.project_lock(tmp_path / "build"):
        with pytest.raises(StageError, match=f"process {os.getpid()} holds build/.lock"):
            with files.project_lock(tmp_path / "build"):
                pass
    with files.project_lock(tmp_path / "build"):
        pass


def test_temporary_files_of_a_killed_run_are_removed_at_start(clone, capsys):
    stale = [clone / "data/raw/zotero/items/.ABCD2345.json.4242.0.tmp",
             clone / "data/raw/crossref/.works.json.4242.7.tmp",
             clone / "data/curated/.papers.csv.99.1.tmp",
             clone / "reviews/.some-review.md.99.2.tmp",
             clone / ".README.md.99.3.tmp"]
    kept = [clone / "data/raw/crossref/.notes.tmp",          # not a name write_bytes makes
            clone / "data/raw/zotero/items/ABCD2345.json.tmp",
            clone / "tools/.x.js.1.2.tmp"]                   # outside the folders the pipeline writes
    for path in stale + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half")
    assert cli.main(["sync", "--offline", "--root", str(clone)]) == 0
    assert "removed 5 temporary file(s) left by an interrupted run" in capsys.readouterr().err
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)


def test_syncs_started_while_another_runs_are_refused_through_the_command_line(clone):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOTERO_", "CROSSREF_"))}
    env["CROSSREF_API_URL"] = "http://127.0.0.1:9"
    command = [sys.executable, "-m", "pipeline", "sync", "--offline", "--root", str(clone)]
    # The lock held here stands for a sync in progress; holding it makes the overlap certain.
    with files.project_lock(clone / "build"):
        procs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [1, 1]
    assert all("another run is writing this project" in err for _, err in results)
