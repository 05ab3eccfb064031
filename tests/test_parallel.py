"""Work shared out between cores (machinery/parallel.py) gives what one core gives, byte for byte."""
from __future__ import annotations

import contextlib
import io
import os
import shutil
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import cli
from pipeline.machinery import parallel
from pipeline.model import Record

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ("README.md", "data/curated/papers.bib", "data/curated/papers.biblatex.bib", "data/curated/papers.csv",
             "data/curated/papers.json", "data/curated/datapackage.json", "data/curated/citekeys.json",
             "docs/index.html", "build/records.json")

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here: the work runs on one core")


@needs_fork
def test_results_come_back_in_the_order_of_the_jobs():
    jobs = [lambda i=i: (i, os.getpid(), "x" * i) for i in range(7)]
    got = parallel.run(jobs, [1, 9, 2, 8, 3, 7, 4], workers=3)
    assert [g[0] for g in got] == list(range(7))
    assert [g[2] for g in got] == ["x" * i for i in range(7)]
    assert len({g[1] for g in got}) == 3            # three processes did the work


@needs_fork
def test_a_child_that_fails_has_its_share_done_here():
    parent = os.getpid()

    def flaky():
        if os.getpid() != parent:
            os._exit(3)          # a child dying without an answer (killed, out of memory...)
        return "done here"

    assert parallel.run([lambda: "first", flaky], workers=2) == ["first", "done here"]


@needs_fork
def test_an_error_is_raised_as_itself():
    def broken():
        raise KeyError("no such section")

    with pytest.raises(KeyError, match="no such section"):
        parallel.run([lambda: 1, broken], workers=2)


def test_one_worker_runs_everything_here():
    parent = os.getpid()
    assert parallel.run([os.getpid, os.getpid], workers=1) == [parent, parent]


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=30), st.integers(1, 6))
def test_shares_hold_every_job_once(weights, n):
    shares = parallel.shares(weights, n)
    assert sorted(i for share in shares for i in share) == list(range(len(weights)))
    assert len(shares) <= n


@given(st.lists(st.integers(), max_size=50), st.integers(1, 8), st.sampled_from([1.0, 1.2, 2.0]))
def test_chunks_keep_the_order_and_lose_nothing(items, n, lead):
    pieces = parallel.chunks(items, n, lead)
    assert [x for piece in pieces for x in piece] == items
    assert all(pieces) or not items
    rest = [len(p) for p in pieces[1:]]
    assert max(rest, default=0) - min(rest, default=0) <= 1
    if lead == 1.0:
        assert max(len(p) for p in pieces) - min(len(p) for p in pieces) <= 1


def _project(tmp_path: Path, name: str) -> Path:
    """A copy of this repository's list: the committed snapshot, reviews, caches and settings."""
    root = tmp_path / name
    for part in ("data", "reviews"):
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, root / part)
    shutil.copy(ROOT / "pipeline.toml", root / "pipeline.toml")
    shutil.copy(ROOT / "README.md", root / "README.md")
    return root


def _build(root: Path) -> dict[str, bytes]:
    out = io.StringIO()
    with contextlib.redirect_stderr(out), contextlib.redirect_stdout(out):
        assert cli.main(["build", "--offline", "--root", str(root)]) == 0, out.getvalue()
    return {name: (root / name).read_bytes() for name in PUBLISHED}


@needs_fork
def test_the_list_builds_to_the_same_bytes_on_one_core_or_two(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSREF_API_URL", "http://127.0.0.1:9")
    one = _build(_project(tmp_path, "one"))
    monkeypatch.setattr(parallel, "MIN_ITEMS", 0)    # share out even a small list
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    forked = []
    real_fork = parallel._fork
    monkeypatch.setattr(parallel, "_fork", lambda *a: forked.append(1) or real_fork(*a))
    two = _build(_project(tmp_path, "two"))
    assert len(forked) == 3        # the snapshot read, the merge and the writers were each shared out
    assert [n for n in PUBLISHED if one[n] != two[n]] == []


def test_records_json_lists_each_records_fields_in_the_declared_order(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSREF_API_URL", "http://127.0.0.1:9")
    root = _project(tmp_path, "order")
    _build(root)
    records = orjson.loads((root / "build/records.json").read_bytes())["records"]
    assert records
    assert {tuple(r) for r in records} == {tuple(Record.__dataclass_fields__)}


@needs_fork
def test_no_child_is_left_running_when_this_share_fails(monkeypatch):
    def broken_here():
        raise ValueError("first share")

    forked, waited = [], []
    real_fork, real_collect = parallel._fork, parallel._collect
    monkeypatch.setattr(parallel, "_fork", lambda *a: forked.append(real_fork(*a)) or forked[-1])
    monkeypatch.setattr(parallel, "_collect", lambda pid, fd: waited.append(pid) or real_collect(pid, fd))
    with pytest.raises(ValueError, match="first share"):
        parallel.run([broken_here, lambda: 2], workers=2)
    assert [pid for pid, _ in forked] == waited and waited
    with pytest.raises(ChildProcessError):
        os.waitpid(waited[0], os.WNOHANG)     # reaped: no zombie left
