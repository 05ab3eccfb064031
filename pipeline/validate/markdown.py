"""The README judged by the tools the awesome-list world uses: awesome-lint (its offline rules,
tools/lint/awesome-lint-offline.mjs) and markdownlint-cli2 (with MD051, which checks every ToC anchor
against the headings the way GitHub makes them).

Both are Node programs pinned in tools/lint/package.json. Where Node or the packages are missing,
`run` returns one warning saying how to install them and never fails: the pipeline itself does not
need Node, only the check does.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from pipeline.machinery import files
from pipeline.model import Problem

INSTALL = "make lint-tools"   # npm ci in tools/lint: the versions package-lock.json pins
TIMEOUT = 180  # seconds per tool; a cold start on a slow CI machine takes a few

# "README.md:12:3: error awesome-list-item: message" (our awesome-lint runner)
_AWESOME_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<level>error|warning) (?P<rule>\S+): (?P<msg>.*)$")
# "README.md:73:1 error MD060/table-column-style Table column style [...]" (markdownlint-cli2)
_MARKDOWNLINT_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+)(?::(?P<col>\d+))? (?P<level>error|warning) (?P<rule>\S+) (?P<msg>.*)$")


def tools_dir(root: Path) -> Path:
    return root / "tools" / "lint"


def missing_tools(root: Path) -> str:
    """Why the linters cannot run here ("" when they can)."""
    if not shutil.which("node"):
        return "node is not installed (Node 20 or newer)"
    modules = tools_dir(root) / "node_modules"
    for package in ("awesome-lint", "markdownlint-cli2"):
        if not (modules / package / "package.json").is_file():
            return f"{package} is not installed in tools/lint"
    return ""


def skipped(settings) -> str:
    """Why `run` will not lint the README ("" when both linters run): what `make check` lists."""
    readme = Path(settings.paths.readme)
    if not readme.is_file():
        return f"{_relative(readme, Path(settings.paths.root))} is missing"
    reason = missing_tools(Path(settings.paths.root))
    return f"{reason}; install them with `{INSTALL}`" if reason else ""


def run(settings) -> list[Problem]:
    """Problems both linters find in `settings.paths.readme`; each names `file:line`."""
    root = Path(settings.paths.root)
    readme = Path(settings.paths.readme)
    where = _relative(readme, root)
    if not readme.is_file():
        return [Problem(where, "the README is missing: run `make` to build it", "error", "readme-missing")]
    files.guard(readme, read=True)      # the linters follow symlinks; the pipeline does not
    reason = skipped(settings)
    if reason:
        return [Problem("tools/lint", f"Markdown linters skipped (not run): {reason}",
                        "warning", "lint-tools-missing")]
    tools = tools_dir(root)
    node = shutil.which("node")
    problems = _lint(
        "awesome-lint", [node, str(tools / "awesome-lint-offline.mjs"), where], root, _AWESOME_RE)
    command = [node, str(tools / "node_modules" / "markdownlint-cli2" / "markdownlint-cli2-bin.mjs")]
    config = root / ".markdownlint-cli2.jsonc"
    if config.is_file():
        command += ["--config", str(config)]
    problems += _lint("markdownlint", command + [where], root, _MARKDOWNLINT_RE)
    return problems


def _lint(tool: str, command: list[str], cwd: Path, pattern: re.Pattern) -> list[Problem]:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return [Problem("tools/lint", f"{tool} did not finish in {TIMEOUT} s", "error", f"{tool}-failed")]
    except OSError as exc:
        return [Problem("tools/lint", f"{tool} could not start: {exc}", "error", f"{tool}-failed")]
    problems = []
    for line in (done.stdout + "\n" + done.stderr).splitlines():
        match = pattern.match(line.strip())
        if match:
            problems.append(Problem(
                f"{match['file']}:{match['line']}", f"{tool} {match['rule']}: {match['msg']}",
                match["level"], tool))
    if done.returncode != 0 and not any(p.level == "error" for p in problems):
        # The tool failed without saying where: show its last words rather than pass silently.
        tail = " ".join((done.stderr or done.stdout).split())[-300:] or f"exit status {done.returncode}"
        problems.append(Problem("tools/lint", f"{tool} failed: {tail}", "error", f"{tool}-failed"))
    return problems


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
