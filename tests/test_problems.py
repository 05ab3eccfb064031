"""One problem channel (issue 19 item 3): every stage reports through `Problem` values, a stop is one
exception type converted from a source's error in one place, and the CLI decides the exit status from
the problems alone (0 ok, 1 stopped, 2 settings, 3 finished with errors).

The source checks below fail when a module prints, keeps its problems as strings, or turns a source's
error into a stop by hand again; the runs below follow a failed lookup and a Zotero error to the CLI.
"""
from __future__ import annotations

import ast
import io
import shutil
from pathlib import Path

import pytest

from pipeline import cli
from pipeline.model import Problem
from pipeline.report import Reporter
from pipeline.sources import SourceError
from pipeline.stages import StageError, source_errors
from tests.crossref_fixtures import generate_works
from tests.servers.zotero_api import Library, ZoteroServer
from tests.test_enrich_stage import make_project

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"
# The two rooms that talk to the person running the pipeline.
SPEAKERS = {PACKAGE / "report.py", PACKAGE / "cli.py"}
# The rooms that report: their problems are Problem values. (suggest.py's problems are sentences for an
# issue comment, not a stage's report.)
REPORTING = ("stages", "machinery", "sources")
# What a source raises when it cannot answer (pipeline/sources/): only `stages.source_errors` turns one
# into a StageError. A handler of one particular answer (`zotero.NotFound`: the collection is not there)
# may say what that answer means instead.
SOURCE_ERRORS = {"SourceError", "SourceUnavailable", "ZoteroError", "CrossrefError", "ArxivError", "OpenAlexError",
                 "DblpError", "Unavailable"}
LOG_CALLS = {"debug", "info", "warning", "warn", "error", "exception", "critical"}


def package_modules(*rooms: str) -> list[Path]:
    if not rooms:
        return sorted(PACKAGE.rglob("*.py"))
    return sorted(p for room in rooms for p in (PACKAGE / room).rglob("*.py"))


def tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def is_text(node: ast.AST) -> bool:
    """A string built in place: a literal, an f-string, or a sum or format of them."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return True
    if isinstance(node, ast.BinOp):
        return is_text(node.left) or is_text(node.right)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format" \
        and is_text(node.func.value)


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


# --- the source checks ----------------------------------------------------------------------------------

def test_nothing_but_the_reporter_and_the_cli_prints():
    said = []
    for path in package_modules():
        if path in SPEAKERS:
            continue
        for node in ast.walk(tree(path)):
            if not isinstance(node, ast.Call):
                continue
            name = dotted(node.func)
            if (name == "print" or name in ("sys.stderr.write", "sys.stdout.write", "warnings.warn")
                    or name.startswith("logging.")
                    or (name.split(".")[0] in ("log", "logger") and name.rsplit(".", 1)[-1] in LOG_CALLS)):
                said.append(f"{where(path, node)}: {name}()")
    assert not said, "report through reporter.problem / reporter.info / reporter.out:\n" + "\n".join(said)


def one_problems_parts(function: ast.AST) -> set[str]:
    """Lists a function joins into the message of one Problem (`Problem(k, "; ".join(parts))`): the parts
    of a sentence, not problems of their own."""
    joined = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and dotted(node.func).rsplit(".", 1)[-1] == "Problem":
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "join":
                    joined |= {dotted(a) for a in inner.args}
    return joined


def test_problems_are_never_kept_as_strings():
    found = []
    for path in package_modules(*REPORTING):
        module = tree(path)
        parts: dict[int, set[str]] = {}
        for function in ast.walk(module):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                joined = one_problems_parts(function)
                for n in ast.walk(function):
                    parts.setdefault(id(n), set()).update(joined)
        for node in ast.walk(module):
            # problems.append("...") / plan.problems.extend([f"..."]) / problems += ["..."]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("append", "extend", "insert") \
                    and dotted(node.func.value).endswith("problems") \
                    and dotted(node.func.value) not in parts.get(id(node), ()):
                args = node.args[-1:]
                values = args[0].elts if args and isinstance(args[0], (ast.List, ast.Tuple)) else args
                if any(is_text(v) for v in values):
                    found.append(where(path, node))
            elif isinstance(node, ast.AugAssign) and dotted(node.target).endswith("problems") \
                    and isinstance(node.value, (ast.List, ast.Tuple)) and any(is_text(v) for v in node.value.elts):
                found.append(where(path, node))
            # problems: list[str]
            elif isinstance(node, (ast.AnnAssign, ast.arg)):
                name = dotted(node.target) if isinstance(node, ast.AnnAssign) else node.arg
                annotation = ast.unparse(node.annotation) if node.annotation is not None else ""
                if name.endswith("problems") and "str" in annotation:
                    found.append(where(path, node))
    assert not found, "a problem is a model.Problem, not a string:\n" + "\n".join(found)


def test_a_source_error_becomes_a_stop_only_through_source_errors():
    by_hand = []
    for path in package_modules():
        if path == PACKAGE / "stages" / "__init__.py":
            continue        # source_errors itself
        for node in ast.walk(tree(path)):
            if not isinstance(node, ast.ExceptHandler) or node.type is None:
                continue
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            if not {dotted(c).rsplit(".", 1)[-1] for c in caught} & SOURCE_ERRORS:
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Raise) and inner.exc is not None and "StageError" in ast.unparse(inner.exc):
                    by_hand.append(where(path, node))
    assert not by_hand, "use `with source_errors(stage, what_stands):`\n" + "\n".join(by_hand)


# --- the channel's parts --------------------------------------------------------------------------------

def test_source_errors_names_the_stage_and_what_stands():
    with pytest.raises(StageError) as err, source_errors("pull", "data/raw/zotero is unchanged"):
        raise SourceError("Zotero answered HTTP 500 for the items of user library 1")
    assert str(err.value) == "pull: Zotero answered HTTP 500 for the items of user library 1; data/raw/zotero is unchanged"
    assert err.value.problem == Problem("", str(err.value), "fatal", "stopped")
    with pytest.raises(StageError, match="^refusing$"), source_errors("pull"):
        raise StageError("refusing")         # a stop passes as it is


@pytest.mark.parametrize("levels, code, status", [
    ((), 0, 0),
    (("notice", "warning"), 0, 0),
    (("notice", "error"), 0, 3),
    (("warning",), 3, 3),                    # `check` found errors of its own
    (("error", "fatal"), 0, 1),
])
def test_exit_status_comes_from_the_problems(levels, code, status):
    reporter = Reporter(0, stream=io.StringIO())
    for level in levels:
        reporter.problem(Problem("K", "m", level))
    assert cli.exit_status("merge", reporter, code) == status


def test_settings_that_cannot_be_read_are_exit_2():
    reporter = Reporter(0, stream=io.StringIO())
    reporter.problem(Problem("", "ZOTERO_LIBRARY_TYPE must be user or group", "fatal", "config"))
    assert cli.exit_status("merge", reporter) == 2


def test_each_level_is_one_line_shown_as_much_as_it_matters():
    def said(verbosity: int) -> list[str]:
        out = io.StringIO()
        reporter = Reporter(verbosity, stream=out)
        for level in ("notice", "warning", "error", "fatal"):
            reporter.problem(Problem("" if level == "fatal" else "ABCD2345", f"a {level}", level))
        return out.getvalue().splitlines()

    assert said(0) == ["error: ABCD2345: a error", "error: a fatal"]
    assert said(1) == ["ABCD2345: a notice", "error: ABCD2345: a error", "error: a fatal"]
    assert said(2) == ["ABCD2345: a notice", "warning: ABCD2345: a warning", "error: ABCD2345: a error",
                       "error: a fatal"]


# --- to the CLI -----------------------------------------------------------------------------------------

@pytest.fixture
def reporters(monkeypatch) -> list[Reporter]:
    """The Reporter each `cli.main` makes, to read the problems it was handed."""
    made: list[Reporter] = []

    class Kept(Reporter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(cli, "Reporter", Kept)
    return made


def test_a_failed_lookup_reaches_the_cli_as_a_notice_and_the_run_succeeds(tmp_path, reporters, capsys):
    make_project(tmp_path, generate_works(2))
    shutil.copy(ROOT / "pipeline.toml", tmp_path / "pipeline.toml")
    # Every source is a closed port on 127.0.0.1 (conftest): each round fails, the items keep their metadata.
    code = cli.main(["enrich", "--root", str(tmp_path)])
    (reporter,) = reporters
    failed = [p for p in reporter.problems if p.code == "lookup-failed"]
    assert failed and all(p.level == "notice" and p.where == "enrich" for p in failed)
    assert any("2 items not looked up" in p.message for p in failed)
    assert code == 0
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if "not looked up" in line] == [str(p) for p in failed]


def test_a_zotero_error_reaches_the_cli_as_a_stop_with_exit_1(project, reporters, capsys, monkeypatch):
    library = Library()
    top = library.add_collection("Awesome Things")
    with ZoteroServer(library, api_key="Pk7QwErTy8UiOp3AsDfGh2Jk") as server:
        for name, value in {"ZOTERO_API_URL": server.url, "ZOTERO_LIBRARY_ID": "1", "ZOTERO_COLLECTION": top,
                            "ZOTERO_API_KEY": "Wr0ngKeyWr0ngKeyWr0ngKey"}.items():
            monkeypatch.setenv(name, value)
        code = cli.main(["pull", "--root", str(project)])
    (reporter,) = reporters
    (stop,) = [p for p in reporter.problems if p.level == "fatal"]
    assert stop.code == "stopped" and stop.message.startswith("pull: ")
    assert stop.message.endswith("; data/raw/zotero is unchanged")
    assert code == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"error: {stop.message}"
    assert "Wr0ngKey" not in err and "Traceback" not in err
