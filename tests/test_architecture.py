"""The direction of imports (STYLE.md): cli -> stages -> machinery -> {sources, convert, rules, markdown_in,
render} -> {model, config}.

Pure rooms never reach for files, the network or the stages; only sources speak HTTP; only config
reads the environment. A change that breaks the shape fails here, not in review.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
PURE = ["model.py", "convert", "render", "rules", "markdown_in", "arrange.py", "analysis.py", "suggest.py"]
IO_MODULES = {"pipeline.stages", "pipeline.machinery", "pipeline.sources", "pipeline.cli", "pipeline.validate"}
NETWORK = {"httpx", "httpx2", "pyzotero", "habanero", "requests", "urllib.request", "socket"}


def modules(*names: str) -> list[Path]:
    out = []
    for name in names:
        path = PACKAGE / name
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", modules(*PURE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_rooms_import_no_io_room_and_no_network(path):
    names = imports(path)
    assert not {n for n in names if any(n == m or n.startswith(m + ".") for m in IO_MODULES)}
    assert not names & NETWORK


def test_model_imports_nothing_of_ours():
    assert not {n for n in imports(PACKAGE / "model.py") if n.startswith("pipeline")}


def test_only_sources_speak_http():
    for path in modules("."):
        if "sources" in path.parts:
            continue
        assert not imports(path) & NETWORK, path


def test_only_config_reads_the_environment():
    for path in modules("."):
        if path.name == "config.py":
            continue
        assert "os.environ" not in path.read_text(encoding="utf-8") and "getenv" not in path.read_text(encoding="utf-8"), path


def test_renderers_import_no_stage_machinery_rules_or_ordering():
    # A renderer turns the catalog into bytes; what a field says, and the order and tree of the sections
    # (Catalog.tree), were decided before it (issue 19).
    for path in modules("render"):
        names = imports(path)
        assert not {n for n in names if n.split(".")[:2] in (["pipeline", "stages"], ["pipeline", "machinery"],
                                                              ["pipeline", "rules"], ["pipeline", "arrange"])}, path
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "pipeline":
                assert not {a.name for a in node.names} & {"arrange", "stages", "machinery", "rules"}, path


def test_stages_holds_only_what_the_cli_runs():
    from pipeline.cli import STAGES
    stages = {p.stem for p in (PACKAGE / "stages").glob("*.py")} - {"__init__"}
    # `suggestion` reads two files and prints; cli.py answers it without a stage module.
    assert stages == {name.replace("-", "_") for name in STAGES} - {"suggestion"}


def test_machinery_imports_no_stage():
    # The machinery may raise the stages' StageError (the package's __init__), never call a stage.
    for path in modules("machinery"):
        assert not {n for n in imports(path) if n.startswith("pipeline.stages.")}, path
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "pipeline.stages":
                assert {a.name for a in node.names} <= {"Options", "StageError"}, path
