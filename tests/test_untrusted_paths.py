"""Issue 22, escapes through symlinks: nothing outside the repository is read or written through a link,
and only regular files are read. Each case runs on a temporary copy of a project pulled from the
loopback Zotero server, with links planted in, out and across; a hypothesis test plants random trees
of them and watches every file the run opens (an audit hook) and every byte outside.
"""
from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from pipeline import cli, config
from pipeline.machinery import files
from pipeline.report import Reporter
from pipeline.stages import Options, StageError, pull
from tests.servers.zotero_api import ZoteroServer
from tests.test_untrusted import KEY, TOP, Project, library

SECRET = "OUTSIDE-SECRET-7f3a"


# --- a project to copy, and a world outside it -----------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    lib = library()
    lib.add_child("GQQD2AAA", note="<p>A summary from Zotero.</p>", tags=[{"tag": "summary"}])
    with ZoteroServer(lib, api_key=KEY) as server:
        yield server


@pytest.fixture(scope="module")
def template(server, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template") / "project"
    root.mkdir()
    project = Project(root, server)
    project.pull()
    project.build()
    return root


def copy_project(template: Path, where: Path) -> Path:
    root = where / "project"
    shutil.copytree(template, root, symlinks=True)
    return root


def make_outside(where: Path, template: Path) -> Path:
    """A folder beside the project that looks like parts of one, every text in it marked SECRET."""
    out = where / "outside"
    (out / "items").mkdir(parents=True)
    for item in (template / "data/raw/zotero/items").iterdir():
        (out / "items" / item.name).write_text(item.read_text().replace("Paper number", SECRET))
    (out / "reviews").mkdir()
    (out / "reviews" / "x.md").write_text(f"---\nkey: GQQD3AAA\nsummary: {SECRET}\n---\n{SECRET}\n")
    (out / "secret.md").write_text(f"---\nkey: GQQD4AAA\nsummary: {SECRET}\n---\n")
    (out / "README.md").write_text(f"# {SECRET}\n")
    (out / "empty").mkdir()
    return out


def outside_state(out: Path) -> dict:
    """Every name, and the bytes and mtime of every file, below `out` (links not followed)."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(out):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st_ = os.lstat(path)
            data = Path(path).read_bytes() if os.path.isfile(path) and not os.path.islink(path) else b""
            state[path] = (st_.st_mtime_ns, data)
    return state


def published(root: Path) -> bytes:
    """Every regular file the project holds (links not followed)."""
    out = b""
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path) and os.path.isfile(path):
                out += Path(path).read_bytes()
    return out


# Exit codes: 0 done; FINISHED, done with errors reported (3 where the CLI tells them apart); 1 stopped.
FINISHED = (0, 3)


def run_cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err):
        code = cli.main(list(args))
    return code, err.getvalue()


# --- every file opened, watched -------------------------------------------------------------------------

OPENED: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if OPENED is not None and event in ("open", "os.listdir", "os.scandir") and args:
        path = args[0]
        if event == "open" and len(args) > 2 and isinstance(args[2], int) and args[2] & os.O_NOFOLLOW:
            return      # an open that never follows the last link: it reads nothing through one
        if isinstance(path, (str, bytes, os.PathLike)):
            OPENED.append(os.fsdecode(path))


sys.addaudithook(_audit)


class Watch:
    """`with Watch() as seen:` records every path opened or listed in between."""

    def __enter__(self) -> list[str]:
        global OPENED
        OPENED = []
        return OPENED

    def __exit__(self, *exc) -> None:
        global OPENED
        OPENED = None


def reached(seen: list[str], out: Path) -> list[str]:
    real = os.path.realpath(out)
    return sorted({p for p in seen if os.path.realpath(p) == real or os.path.realpath(p).startswith(real + os.sep)})


def linked(template: Path, where: Path, spot: str, target: str) -> tuple[Path, Path, dict]:
    """(project, outside, the outside's state) with the project's `spot` replaced by a link to the
    outside's `target`."""
    root = copy_project(template, where)
    out = make_outside(where, template)
    path = root / spot
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
    path.symlink_to(out / target)
    return root, out, outside_state(out)


# --- the cases quoted in the issue --------------------------------------------------------------------------

def test_a_reviews_folder_linked_outside_is_neither_written_nor_read(template, server, tmp_path):
    root, out, before = linked(template, tmp_path, "reviews", "reviews")
    project = Project(root, server)
    with Watch() as seen:
        project.pull()                 # would write the Zotero summary into reviews/
        code, err = run_cli("build", "--root", str(root), "-q")
    assert outside_state(out) == before
    assert not reached(seen, out)
    assert "pull: reviews: refused: it leads outside the repository (a symlink); no review file written" \
        in project.said()
    assert code in FINISHED and SECRET.encode() not in published(root)


def test_a_snapshot_folder_linked_outside_is_refused_in_one_line(template, server, tmp_path):
    root, out, before = linked(template, tmp_path, "data/raw/zotero/items", "items")
    project = Project(root, server)
    with Watch() as seen:
        with pytest.raises(StageError) as err:
            project.pull()
        code, said = run_cli("build", "--root", str(root), "-q")
    assert "data/raw/zotero/items" in str(err.value) and "outside the repository" in str(err.value)
    assert "\n" not in str(err.value)
    assert outside_state(out) == before and not reached(seen, out)
    assert code == 1 and said.count("\n") <= 3 and "Traceback" not in said
    assert SECRET.encode() not in published(root)


def test_an_item_file_linked_outside_is_named_and_not_published(template, tmp_path):
    root, out, _ = linked(template, tmp_path, "data/raw/zotero/items/GQQD3AAA.json", "items/GQQD3AAA.json")
    with Watch() as seen:
        code, said = run_cli("build", "--root", str(root), "--allow-missing", "-q")
    assert not reached(seen, out)
    assert "data/raw/zotero/items/GQQD3AAA.json: refused: a symlink that leads outside the repository" in said
    assert code in FINISHED and SECRET.encode() not in published(root)


def test_an_item_file_linked_outside_is_replaced_by_the_next_pull(template, server, tmp_path):
    root, out, before = linked(template, tmp_path, "data/raw/zotero/items/GQQD3AAA.json", "items/GQQD3AAA.json")
    project = Project(root, server)
    with Watch() as seen:
        assert project.pull() > 1, "damage: a full pass"
    assert not reached(seen, out) and outside_state(out) == before
    item = root / "data/raw/zotero/items/GQQD3AAA.json"
    assert not item.is_symlink() and item.read_bytes() == (template / "data/raw/zotero/items/GQQD3AAA.json").read_bytes()


def test_an_output_folder_linked_outside_writes_no_output(template, tmp_path):
    root, out, before = linked(template, tmp_path, "docs", "empty")
    readme = (root / "README.md").read_bytes()
    (root / "README.md").write_bytes(readme.replace(b"Paper number 1", b"Paper number one"))
    code, said = run_cli("build", "--root", str(root), "-q")
    # pipeline.toml's output paths are checked when the settings load (exit 2); files.guard again on write.
    assert code in (1, 2) and "docs/index.html" in said and "outside the repository" in said
    assert said.count("\n") == 1
    assert outside_state(out) == before
    assert b"Paper number one" in (root / "README.md").read_bytes(), "no output written: all or none"


def test_build_linked_outside_is_one_line(template, tmp_path):
    root, out, before = linked(template, tmp_path, "build", "empty")
    code, said = run_cli("build", "--root", str(root), "-q")
    assert code == 1 and said.count("\n") == 1
    assert said.strip().endswith("build: refused: it leads outside the repository (a symlink)")
    assert outside_state(out) == before


def test_a_readme_linked_outside_is_not_read(template, tmp_path):
    root, out, before = linked(template, tmp_path, "README.md", "README.md")
    code, said = run_cli("build", "--root", str(root), "-q")
    assert code in (1, 2) and "README.md" in said and "outside the repository" in said
    assert said.count("\n") == 1
    assert outside_state(out) == before


def test_links_inside_the_repository_still_work(template, tmp_path):
    root = copy_project(template, tmp_path)
    # data/curated moved elsewhere in the repository, linked back: in, not out.
    (root / "published").mkdir()
    shutil.move(root / "data/curated", root / "published/curated")
    (root / "data/curated").symlink_to(Path("../published/curated"))
    (root / "reviews").mkdir(exist_ok=True)
    (root / "reviews/a.md").write_text("---\nkey: GQQD5AAA\nsummary: Linked inside.\n---\n")
    code, said = run_cli("build", "--root", str(root), "-q")
    assert code in FINISHED, said
    assert b"Linked inside." in (root / "published/curated/papers.csv").read_bytes()


def test_a_link_across_to_another_project_is_refused(template, tmp_path):
    other = copy_project(template, tmp_path / "other")
    root = copy_project(template, tmp_path / "mine")
    shutil.rmtree(root / "data/raw/zotero")
    (root / "data/raw/zotero").symlink_to(other / "data/raw/zotero")
    with Watch() as seen:
        code, said = run_cli("build", "--root", str(root), "-q")
    assert code == 1 and "outside the repository" in said
    assert not reached(seen, other / "data")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("where", ["reviews/fifo.md", "data/raw/zotero/items/GQQD3AAA.json",
                                   "data/raw/zotero/state.json"])
def test_a_fifo_is_named_and_skipped_never_opened(template, tmp_path, where):
    root = copy_project(template, tmp_path)
    path = root / where
    path.parent.mkdir(exist_ok=True)
    if path.exists():
        path.unlink()
    os.mkfifo(path)
    # Opened for reading, a FIFO with no writer blocks for ever: the run ending at all is the test.
    code, said = run_cli("build", "--root", str(root), "--allow-missing", "-q")
    assert f"{where}" in said and "not a regular file" in said
    assert code in FINISHED


def test_the_guard_outside_any_confinement_still_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    with pytest.raises(files.Refused, match="not a regular file"):
        files.read_bytes(fifo)


# --- random trees of links ------------------------------------------------------------------------------------

SPOTS = ["reviews", "reviews/r.md", "data/raw/zotero", "data/raw/zotero/items",
         "data/raw/zotero/items/GQQD2AAA.json", "data/raw/zotero/collections", "data/raw/zotero/state.json",
         "data/raw/zotero/notes", "data/raw/crossref", "data/curated", "data/curated/venues.csv", "build",
         "build/records.json", "docs", "README.md", "data/raw", "data"]
TARGETS = ["@items", "@items/GQQD2AAA.json", "@reviews", "@reviews/x.md", "@secret.md", "@README.md", "@empty",
           "@missing", "=data/raw/zotero/items", "=reviews", "=docs", "=data/curated", "=nowhere",
           "~link0", "~link1"]


@hsettings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(SPOTS), st.sampled_from(TARGETS)), min_size=1, max_size=4,
                unique_by=lambda t: t[0]))
def test_random_symlink_trees_read_and_write_nothing_outside(template, server, links):
    where = Path(tempfile.mkdtemp(prefix="links-"))
    try:
        root = copy_project(template, where)
        out = make_outside(where, template)
        chain = where / "chain"
        chain.mkdir()
        for i, (spot, target) in enumerate(links):
            path = root / spot
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.is_dir():
                shutil.rmtree(path)
            elif not path.parent.is_dir():
                continue                     # its folder became a link already
            kind, name = target[0], target[1:]
            dest = {"@": out / name, "=": root / name, "~": chain / name}[kind]
            path.symlink_to(dest)
            # A link of the chain leads on, out or back in.
            (chain / f"link{i % 2}").unlink(missing_ok=True)
            (chain / f"link{i % 2}").symlink_to(out / "items" if i % 2 else root / "reviews")
        before = outside_state(out)
        with Watch() as seen:
            try:
                Project(root, server).pull()
            except (StageError, config.ConfigError) as exc:   # an output path that leaves: exit 2
                assert "\n" not in str(exc)
            code, said = run_cli("build", "--root", str(root), "--allow-missing", "-q")
        assert outside_state(out) == before, "nothing outside is written"
        assert reached(seen, out) == [], "nothing outside is read"
        assert code in (0, 1, 2, 3) and "Traceback" not in said
        assert SECRET.encode() not in published(root)
    finally:
        shutil.rmtree(where, ignore_errors=True)


@pytest.mark.parametrize("spot", ["data/curated/papers.bib", "data/curated/papers.csv", "README.md"])
def test_check_reads_no_published_file_through_a_link_out(template, tmp_path, spot):
    """A published file linked out of the project stops `check` before any validator runs (the linters
    and TeX would follow the link): the settings refuse it, and the validators read through the guard."""
    root, out, before = linked(template, tmp_path, spot, "secret.md")
    with Watch() as seen:
        code, err = run_cli("check", "--root", str(root), "--offline", "-q")
    assert reached(seen, out) == [] and outside_state(out) == before
    assert code == 2 and "outside the repository" in err and SECRET not in err
