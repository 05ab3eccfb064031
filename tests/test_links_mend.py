"""`[links] mend = "archive"`: a link broken long enough is published as its Internet Archive copy,
marked in the README, the CSV and the page; with mending off the outputs are byte for byte the same."""
from __future__ import annotations

import csv
import io
import json

import pytest

from pipeline import config
from pipeline.machinery import files
from pipeline.render import table
from pipeline.report import Reporter
from pipeline.stages import Options, build, changes, check, links
from pipeline.validate import table as table_validator
from tests.test_merge_emit import collection, item

TOP, SEC = "TOPC2345", "SECC2345"
DEAD = "https://gone.example/paper.pdf"
SNAPSHOT = f"https://web.archive.org/web/20230102030405/{DEAD}"


@pytest.fixture
def listed(project):
    z = project / "data/raw/zotero"
    for c in (collection(TOP, "Top"), collection(SEC, "Papers", TOP)):
        files.write_json(z / "collections" / f"{c['key']}.json", c)
    for i in (item("DEAD2345", "A paper whose page is gone", [SEC], url=DEAD),
              item("GOOD2345", "A paper whose page is fine", [SEC], url="https://fine.example/p")):
        files.write_json(z / "items" / f"{i['key']}.json", i)
    files.write_json(z / "state.json", {"source": "zotero-api", "collection": TOP, "version": 1})
    return project


def verdict(url: str, broken_since: str, checked: str = "2026-12-04", archive: str = SNAPSHOT) -> dict:
    doc = {"url": url, "verdict": "broken", "status": 404, "final_url": url, "redirects": [], "reason": "HTTP 404",
           "moved_to": "", "checked": checked, "broken_since": broken_since}
    if archive:
        doc["archive"] = {"url": archive, "timestamp": "20230102030405"}
    return doc


def settings_for(root, mend: str, after: int = 14):
    toml = f'[links]\nmend = "{mend}"\nmend_after_days = {after}\n' if mend else ""
    (root / "pipeline.toml").write_text(toml, encoding="utf-8")
    return config.load(root, environ={})


def outputs(settings) -> dict[str, bytes]:
    build.run(settings, Options(), Reporter(0, io.StringIO()))
    return {p.name: p.read_bytes() for p in settings.paths.outputs}


def test_mending_off_writes_the_same_bytes_whatever_the_verdicts(listed):
    settings = settings_for(listed, "")
    before = outputs(settings)
    links.LinkCache(settings.paths.links).write(verdict(DEAD, "2026-01-01"))
    assert outputs(settings) == before
    assert b"archived" not in before["README.md"] and b"url_status" not in before["papers.csv"]


def test_a_link_broken_long_enough_is_published_as_its_archived_copy(listed):
    settings = settings_for(listed, "archive", after=14)
    links.LinkCache(settings.paths.links).write(verdict(DEAD, "2026-11-20"))     # 14 days before the check
    out = outputs(settings)
    readme = out["README.md"].decode()
    assert f"- [A paper whose page is gone]({SNAPSHOT}) \\[archived\\], *Journal of Tests 2020*" in readme
    assert "- [A paper whose page is fine](https://fine.example/p), *Journal" in readme
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(out["papers.csv"].decode()))}
    assert list(rows["DEAD2345"])[12:14] == ["url", "url_status"]
    assert (rows["DEAD2345"]["url"], rows["DEAD2345"]["url_status"]) == (SNAPSHOT, "archived")
    assert rows["GOOD2345"]["url_status"] == ""
    schema = json.loads(out["datapackage.json"])["resources"][0]["schema"]["fields"]
    assert [f["name"] for f in schema] == list(table.names(True))
    assert '"archived":true' in out["index.html"].decode()
    assert SNAPSHOT.encode() in out["papers.bib"]
    # The CSV validator knows the column is there; the Zotero snapshot still has the dead link.
    assert not [p for p in table_validator.run(settings) if p.code.startswith("csv-format")]
    assert DEAD in (listed / "data/raw/zotero/items/DEAD2345.json").read_text()


@pytest.mark.parametrize("since, archive", [("2026-11-21", SNAPSHOT), ("2026-01-01", "")])
def test_not_mended_before_its_time_or_without_a_copy(listed, since, archive):
    settings = settings_for(listed, "archive", after=14)
    links.LinkCache(settings.paths.links).write(verdict(DEAD, since, archive=archive))
    readme = outputs(settings)["README.md"].decode()
    assert f"- [A paper whose page is gone]({DEAD}), *Journal" in readme and "archived" not in readme


def test_check_lists_broken_links_from_the_cache(listed):
    settings = settings_for(listed, "")
    links.LinkCache(settings.paths.links).write(verdict(DEAD, "2026-11-01"))
    out = io.StringIO()
    assert check.run(settings, Options(), Reporter(1, out))      # a broken link is an error
    text = out.getvalue()
    assert "link-broken (1)" in text
    assert f"error: DEAD2345 (A paper whose page is gone): paper link {DEAD} is broken (HTTP 404); try {SNAPSHOT}" in text
    assert "2 links: 0 ok, 0 moved, 1 broken, 0 need a browser; verdicts " in text and "; 1 never checked" in text


def test_the_sync_pull_request_lists_links_that_broke_or_moved_since_the_last_sync(listed):
    import subprocess

    settings = settings_for(listed, "")
    cache = links.LinkCache(settings.paths.links)
    good = "https://fine.example/p"
    cache.write({**verdict(DEAD, ""), "verdict": "ok", "status": 200, "reason": ""})
    cache.write({**verdict(good, ""), "verdict": "ok", "status": 200, "reason": ""})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=listed, check=True)
    subprocess.run(["git", "add", "-A"], cwd=listed, check=True)
    subprocess.run([*git, "commit", "-qm", "last sync"], cwd=listed, check=True)
    assert set(links.committed_verdicts(settings)) == {DEAD, good}
    cache = links.LinkCache(settings.paths.links)
    cache.write(verdict(DEAD, "2026-12-04"))
    cache.write({**verdict(good, ""), "verdict": "moved", "status": 200, "reason": "",
                 "moved_to": "https://fine.example/new", "redirects": [[301, "https://fine.example/new"]]})
    text = changes.run(settings, Options(), Reporter(0, io.StringIO()), output=None)
    assert "### Links that broke or moved (2)" in text
    assert f"- broken: **A paper whose page is gone** `DEAD2345`: <{DEAD}> HTTP 404" in text
    assert "- moved: **A paper whose page is fine** `GOOD2345`: <https://fine.example/p> moved to <https://fine.example/new>" in text
    # Broken last week too: not news.
    subprocess.run(["git", "add", "-A"], cwd=listed, check=True)
    subprocess.run([*git, "commit", "-qm", "this sync"], cwd=listed, check=True)
    assert "Links that broke" not in changes.run(settings, Options(), Reporter(0, io.StringIO()), output=None)


def test_the_command_offline_on_the_committed_list(tmp_path):
    import shutil
    import subprocess
    import sys

    from tests.conftest import ROOT

    for name in ("pipeline.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("data", "reviews"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.rmtree(tmp_path / "data/raw/links", ignore_errors=True)
    result = subprocess.run([sys.executable, "-m", "pipeline", "links", "--offline", "--root", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("links: offline: ") and "are due a check; answering from the cache" in lines[0]
    assert lines[-1].startswith("links: ") and lines[-1].endswith("never checked (run `python -m pipeline links`)")
    assert not (tmp_path / "data/raw/links").exists()


def test_check_with_links_checks_what_expired_first(project):
    from tests.servers.links_api import ArchiveServer, LinkServer

    with LinkServer() as server, ArchiveServer() as archive:
        z = project / "data/raw/zotero"
        for c in (collection(TOP, "Top"), collection(SEC, "Papers", TOP)):
            files.write_json(z / "collections" / f"{c['key']}.json", c)
        for i in (item("GONE2345", "Gone", [SEC], url=f"{server.url}/s/410"),
                  item("FINE2345", "Fine", [SEC], url=f"{server.url}/ok")):
            files.write_json(z / "items" / f"{i['key']}.json", i)
        files.write_json(z / "state.json", {"source": "zotero-api", "collection": TOP, "version": 1})
        (project / "pipeline.toml").write_text(f'[links]\narchive_api_url = "{archive.api_url}"\n', encoding="utf-8")
        settings = config.load(project, environ={})
        out = io.StringIO()
        assert check.run(settings, Options(), Reporter(1, out), check_links=True)
        assert server.requests == 3          # HEAD /ok; HEAD and GET /s/410
        gone = f"{server.url}/s/410"
        assert archive.asked == [gone]
    assert f"error: GONE2345 (Gone): paper link {gone} is broken (HTTP 410)" in out.getvalue()
    assert "2 links: 1 ok, 0 moved, 1 broken, 0 need a browser; verdicts 0-0 days old" in out.getvalue()
