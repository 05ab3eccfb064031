"""Shared test fixtures: the project root, ../shared (skipped where absent), a scratch project."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the recorded fixtures live beside the repository only in CI "
                    "and on the developers' machines")
    return SHARED


@pytest.fixture
def seed_list(shared_dir) -> Path:
    return shared_dir / "seed" / "curator-list.md"


@pytest.fixture
def project(tmp_path) -> Path:
    """An empty project folder with this repository's pipeline.toml."""
    shutil.copy(ROOT / "pipeline.toml", tmp_path / "pipeline.toml")
    return tmp_path


@pytest.fixture(autouse=True)
def no_outside_services(monkeypatch):
    """A test that forgets to name its loopback servers reaches a closed local port, never the internet."""
    for name in ("CROSSREF_API_URL", "DBLP_API_URL", "ZOTERO_API_URL", "ARXIV_API_URL", "OPENALEX_API_URL"):
        if name not in __import__("os").environ:
            monkeypatch.setenv(name, "http://127.0.0.1:9")
