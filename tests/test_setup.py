"""The Makefile's setup: .venv follows the Python that made it, `make sync` installs only what the
pipeline needs and `make test` adds the test tools, and a Python that is too old is one line.

make runs here against fake interpreters (shell scripts that answer the Makefile's questions and log
what they are asked to do), so no test builds a real environment or reaches a package index.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

FAKE = """#!/bin/sh
# A fake Python {version}: answers the Makefile's questions, logs what it is asked to run.
LOG="{log}"
case "$1" in
  --version) echo "Python {version}" ;;
  -c) case "$2" in
        *version_info*) [ "{old}" = "no" ] ;;
        *version.split*) echo "{version}" ;;
        *executable*) echo "$0" ;;
        *) true ;;
      esac ;;
  -m) if [ "$2" = venv ]; then
        mkdir -p "$3/bin" && sed "s|^# A fake|# A fake venv|" "$0" > "$3/bin/python" && chmod +x "$3/bin/python"
        echo "venv by $0" >> "$LOG"
      else
        shift; echo "$*" >> "$LOG"
      fi ;;
esac
"""


def fake_python(folder: Path, name: str, version: str, log: Path, old: bool = False) -> Path:
    path = folder / name
    path.write_text(FAKE.format(version=version, log=log, old="yes" if old else "no"))
    path.chmod(0o755)
    return path


@pytest.fixture
def project(tmp_path):
    """A folder with the Makefile, pyproject.toml and a lint lock file: all make needs here."""
    root = tmp_path / "project"
    (root / "tools" / "lint").mkdir(parents=True)
    for name in ("Makefile", "pyproject.toml", "tools/lint/package-lock.json"):
        shutil.copy(ROOT / name, root / name)
    return root


class Make:
    def __init__(self, root: Path, log: Path):
        self.root, self.log = root, log

    def __call__(self, target: str, python: Path) -> subprocess.CompletedProcess:
        self.log.write_text("")
        return subprocess.run(["make", "--no-print-directory", target, f"PYTHON={python}", "ARGS=--offline"],
                              cwd=self.root, capture_output=True, text=True, timeout=60)

    def actions(self) -> list[str]:
        return self.log.read_text().splitlines()


@pytest.fixture
def make(project, tmp_path):
    return Make(project, tmp_path / "log")


def test_sync_installs_the_runtime_only_and_test_adds_the_test_extra(make, tmp_path):
    py = fake_python(tmp_path, "python3.11", "3.11.9", make.log)
    assert make("sync", py).returncode == 0
    assert make.actions() == [f"venv by {py}", "pip install --quiet --upgrade pip", "pip install --quiet -e .",
                              "pipeline sync --offline"]
    assert (make.root / ".venv" / ".python").read_text().strip() == f"3.11.9 {py}"
    assert make("sync", py).returncode == 0
    assert make.actions() == ["pipeline sync --offline"]            # nothing installed twice
    assert make("test", py).returncode == 0
    assert make.actions() == ["pip install --quiet -e .[test]", "pytest --offline"]
    assert make("test", py).returncode == 0
    assert make.actions() == ["pytest --offline"]


def test_another_python_rebuilds_the_venv(make, tmp_path):
    old = fake_python(tmp_path, "python3.11", "3.11.9", make.log)
    new = fake_python(tmp_path, "python3.12", "3.12.1", make.log)
    assert make("test", old).returncode == 0
    result = make("sync", new)
    assert result.returncode == 0
    assert f"making .venv with Python 3.12.1 {new}" in result.stdout
    assert make.actions() == [f"venv by {new}", "pip install --quiet --upgrade pip", "pip install --quiet -e .",
                              "pipeline sync --offline"]
    # the test tools belonged to the old .venv: make test installs them again
    assert make("test", new).returncode == 0
    assert make.actions() == ["pip install --quiet -e .[test]", "pytest --offline"]


def test_a_broken_venv_is_rebuilt(make, tmp_path):
    py = fake_python(tmp_path, "python3.11", "3.11.9", make.log)
    assert make("sync", py).returncode == 0
    (make.root / ".venv" / "bin" / "python").unlink()     # its interpreter gone, as after an OS upgrade
    assert make("sync", py).returncode == 0
    assert make.actions()[0] == f"venv by {py}"


def test_a_venv_from_before_the_stamp_is_kept_when_its_python_matches(make, tmp_path):
    py = fake_python(tmp_path, "python3.11", "3.11.9", make.log)
    assert make("sync", py).returncode == 0
    (make.root / ".venv" / ".python").unlink()
    assert make("sync", py).returncode == 0
    assert f"venv by {py}" not in make.actions()


def test_a_python_too_old_is_one_line_and_no_venv(make, tmp_path):
    py = fake_python(tmp_path, "python3", "3.10.13", make.log, old=True)
    result = make("sync", py)
    assert result.returncode != 0
    assert result.stdout.strip() == (f"error: the pipeline needs Python 3.11 or newer; {py} is Python 3.10.13 "
                                     "(try: make PYTHON=python3.11 sync)")
    assert not (make.root / ".venv").exists() and make.actions() == []


def test_help_lists_the_linters_target():
    result = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True)
    assert "make lint-tools" in result.stdout
