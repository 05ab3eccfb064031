"""Every error a user can cause ends as one line, exit 2 (usage or configuration) or 1 (the run), never a
traceback; what was already published stays whole. Each case runs the CLI on a temporary copy of the
committed project (tests/test_cli.py's `clone`)."""
from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from pipeline import cli
from pipeline.machinery import files
from tests.conftest import ROOT
from tests.test_cli import clean_env, clone  # noqa: F401  (fixtures)

PUBLISHED = ("README.md", "data/curated/papers.bib", "data/curated/papers.csv")


def run(capsys, root, *args: str) -> tuple[int, list[str]]:
    code = cli.main([*args, "--root", str(root)])
    return code, capsys.readouterr().err.strip().splitlines()


def published(root) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in PUBLISHED if (root / name).is_file()}


def test_a_malformed_api_url_is_one_line_exit_2(clone, capsys, monkeypatch):
    monkeypatch.setenv("ZOTERO_API_URL", "http://[::1")
    assert run(capsys, clone, "sync") == (2, [
        "error: ZOTERO_API_URL (or [zotero] api_url): not a usable URL (Invalid IPv6 URL): 'http://[::1'"])
    assert not (clone / "build").exists()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://ftp.example.org/api", "javascript:alert(1)"])
@pytest.mark.parametrize("variable, table", [("ZOTERO_API_URL", "zotero"), ("CROSSREF_API_URL", "crossref"),
                                             ("DBLP_API_URL", "dblp")])
def test_an_unusable_url_scheme_is_refused_at_load_before_any_request(clone, capsys, monkeypatch, url, variable,
                                                                      table):
    monkeypatch.setenv(variable, url)
    # Refused while reading the settings: no stage starts, so nothing is retried and nothing written.
    assert run(capsys, clone, "sync") == (2, [
        f"error: {variable} (or [{table}] api_url) must be an http:// or https:// URL with a host, not {url!r}"])
    assert not (clone / "build").exists()


def test_an_unusable_url_in_pipeline_toml_is_refused_too(clone, capsys):
    toml = clone / "pipeline.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"https://dblp.org"', '"file:///tmp/x"'), encoding="utf-8")
    code, err = run(capsys, clone, "build")
    assert code == 2 and err == ["error: DBLP_API_URL (or [dblp] api_url) must be an http:// or https:// URL "
                                 "with a host, not 'file:///tmp/x'"]


def test_deeply_nested_toml_is_one_line_exit_2(clone, capsys):
    (clone / "pipeline.toml").write_text("[entries]\nsort = " + "[" * 20_000 + "\n", encoding="utf-8")
    assert run(capsys, clone, "build") == (2, [
        "error: pipeline.toml: nested too deeply to read (arrays or tables inside each other thousands of levels down)"])


def test_the_lock_a_folder_is_one_line_exit_1(clone, capsys):
    (clone / "build" / ".lock").mkdir(parents=True)
    before = published(clone)
    assert run(capsys, clone, "build") == (1, ["error: cannot take the run lock build/.lock: build/.lock is a folder: "
                                               "remove it"])
    assert published(clone) == before


def test_build_a_file_is_one_line_exit_1_and_no_traceback(clone):
    (clone / "build").write_text("not a folder")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOTERO_", "CROSSREF_", "DBLP_"))}
    done = subprocess.run([sys.executable, "-m", "pipeline", "build", "--root", str(clone)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["error: cannot take the run lock build/.lock: build is a file, not a folder: "
                                        "move it away"]
    assert (clone / "build").read_text() == "not a folder"


@pytest.mark.parametrize("target, code", [
    ("README.md", errno.EACCES),                  # a read-only README (its folder, for whoever is not root)
    ("data/curated/papers.bib", errno.EROFS),     # data/curated on a read-only file system
    ("data/curated/papers.csv", errno.ENOSPC),    # a full disk
])
def test_an_output_that_cannot_be_written_is_one_line_and_nothing_published_is_lost(clone, capsys, monkeypatch,
                                                                                       target, code):
    # Simulated, since the tests may run as root, whom permissions do not stop: the file system refuses
    # the write of one output, as it would for a read-only file or folder or a full disk.
    assert run(capsys, clone, "build")[0] == 0
    before = published(clone)
    item = clone / "data/raw/zotero/items/3EM5KXTR.json"         # a changed title: every output changes
    item.write_text(item.read_text(encoding="utf-8").replace("DeepXplore:", "DeepXplore 2:"), encoding="utf-8")
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        name = os.path.basename(str(path))
        if name.startswith(f".{os.path.basename(target)}.") and name.endswith(".tmp"):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", refusing_open)
    status, err = run(capsys, clone, "build")
    assert status == 1
    assert err[-1] == f"error: build: {target}: {os.strerror(code)}"
    assert published(clone)[target] == before[target]          # the refused file is as it was, whole
    readme = (clone / "README.md").read_text(encoding="utf-8")  # and every other one whole, old or new
    assert readme.count("<!-- END GENERATED LIST -->") == 1 and readme.endswith("\n")


def test_a_review_file_nested_20000_deep_is_that_files_problem_not_the_builds(clone, capsys):
    review = sorted((clone / "reviews").glob("*.md"))[0]
    text = review.read_text(encoding="utf-8")
    review.write_text(text.replace("---\n", "---\nnote: " + "[" * 20_000 + "\n", 1), encoding="utf-8")
    code, err = run(capsys, clone, "build")
    assert code == 3            # the build finished, and its status says it reported an error
    assert (clone / "build" / "records.json").is_file() and not any("Traceback" in line for line in err)
    name = review.relative_to(clone)
    assert f"error: {name}:2: broken front matter: nested too deeply (brackets or indentation thousands of " \
           "levels down)" in err
    readme = (clone / "README.md").read_text(encoding="utf-8")
    assert "DeepXplore: Automated Whitebox Testing" in readme and "Debugging Machine Learning Pipelines" in readme
