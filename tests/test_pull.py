"""pull against the Zotero emulator over real HTTP: request counts, incremental changes, faults, secrecy.

Every test checks the snapshot on disk against what the emulator says the library holds, so "the pull
is cheap" is never bought with "the pull is wrong".
"""
from __future__ import annotations

import io
import json
import math
import dataclasses
import random
from pathlib import Path

import pytest

from pipeline import config
from pipeline.machinery import files
from pipeline.report import Reporter
from pipeline.sources import zotero
from pipeline.stages import Options, StageError, pull
from tests.servers.zotero_api import Library, ZoteroServer
from tests.zotero_library import change_items, fixture_library, generated_library, require_shared

KEY = "Zk7QwErTy8UiOp3AsDfGh2Jk"   # shaped like a real Zotero key: 24 letters and digits


class Run:
    """One project folder wired to one emulator; `pull()` runs the stage as the CLI would."""

    def __init__(self, root: Path, server: ZoteroServer, top: str, *, key: str | None = KEY,
                 library_type: str = "user", library_id: str = "1"):
        env = {"ZOTERO_API_URL": server.url, "ZOTERO_LIBRARY_ID": library_id,
               "ZOTERO_LIBRARY_TYPE": library_type, "ZOTERO_COLLECTION": top}
        if key:
            env["ZOTERO_API_KEY"] = key
        self.settings = config.load(root, environ=env)
        self.server, self.top = server, top
        self.sleeps: list[float] = []
        self.out = io.StringIO()

    @property
    def dir(self) -> Path:
        return self.settings.paths.zotero

    def policy(self, **kw) -> zotero.RetryPolicy:
        return dataclasses.replace(zotero.default_policy(), sleep=self.sleeps.append, rng=random.Random(0), **kw)

    def pull(self, options: Options = Options(), **policy) -> int:
        """Runs the stage; returns the number of HTTP requests the server saw."""
        self.server.reset_counts()
        # No secrets handed to the reporter: a leak must show up, not be redacted away.
        pull.run(self.settings, options, Reporter(1, self.out), policy=self.policy(**policy))
        return self.server.requests

    def state(self) -> dict:
        return files.snapshot_state(self.dir)

    def files(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.dir)): p.read_bytes() for p in sorted(self.dir.rglob("*")) if p.is_file()}

    def assert_matches(self, library: Library) -> None:
        items, colls = library.expected_snapshot(self.top, local=self.server.local)
        got = pull.read_snapshot(self.dir)
        assert got.items == {k: pull.normalize(o, files.ITEMS) for k, o in items.items()}
        assert got.collections == {k: pull.normalize(o, files.COLLECTIONS) for k, o in colls.items()}
        state = self.state()
        assert state["version"] == library.version and state["complete"] is True


@pytest.fixture
def fixture_run(tmp_path):
    require_shared()
    built = fixture_library()
    with ZoteroServer(built.library, api_key=KEY) as server:
        yield Run(tmp_path, server, built.top), built


@pytest.fixture
def generated_run(tmp_path):
    built = generated_library(600, seed=11)
    with ZoteroServer(built.library, api_key=KEY) as server:
        yield Run(tmp_path, server, built.top), built


def entries(built) -> int:
    return len(built.library.expected_snapshot(built.top)[0])


# --- what a pull keeps --------------------------------------------------------------------------------

def test_first_pull_of_the_recorded_library(fixture_run):
    run, built = fixture_run
    run.pull()
    run.assert_matches(built.library)
    stored = set(files.snapshot_objects(run.dir, files.ITEMS))
    assert {"UMPPCXU4", "ZKT5WURW", "Q6ALXLJG"}.isdisjoint(stored), "standalone attachments/notes are not entries"
    assert {"MWVZPK6B", "4KTXPJNC"}.isdisjoint(stored), "children are not entries"
    assert "X42A7DEE" not in stored, "items outside the collection tree stay out"
    assert "Z77UB935" in stored and "KBFTPTI4" in stored
    assert set(files.snapshot_objects(run.dir, files.COLLECTIONS)) == {built.top, *built.sections}
    item = files.read_json(run.dir / "items" / "KBFTPTI4.json")
    assert set(item) == {"key", "version", "library", "links", "meta", "data"}
    raw = (run.dir / "items" / "KBFTPTI4.json").read_text()
    assert raw == files.dump_json(json.loads(raw)), "canonical JSON, sorted keys"
    state = run.state()
    assert state["source"] == "zotero-api" and state["library"] == {"type": "user", "id": "1"}
    assert state["collection"] == built.top


def test_first_pull_costs_pages_plus_one_request_per_collection(generated_run):
    run, built = generated_run
    requests = run.pull()
    run.assert_matches(built.library)
    n, subcollections = entries(built), len(built.sections)
    assert requests <= math.ceil(n / 100) + subcollections + 3, requests


def test_no_change_pull_is_one_request_and_touches_nothing(generated_run):
    run, built = generated_run
    run.pull()
    before = {p: p.stat().st_mtime_ns for p in run.dir.rglob("*.json")}
    assert run.pull() == 1
    entry = run.server.log[0]
    assert entry.status == 304 and entry.headers["If-Modified-Since-Version"] == str(built.library.version)
    assert {p: p.stat().st_mtime_ns for p in run.dir.rglob("*.json")} == before


@pytest.mark.parametrize("k", [1, 12, 120])
def test_k_changed_items_cost_about_k_over_50(generated_run, k):
    run, built = generated_run
    run.pull()
    before = {p: p.stat().st_mtime_ns for p in run.dir.rglob("*.json")}
    changed = change_items(built, k, random.Random(k))
    requests = run.pull()
    run.assert_matches(built.library)
    # collections?since, items/top?since, the notes' versions, deleted?since, then the items 50 a request
    assert requests <= math.ceil(k / 50) + 4, requests
    rewritten = {p.stem for p, t in before.items() if p.exists() and p.stat().st_mtime_ns != t}
    assert rewritten == set(changed) | {"state"}, "an unchanged item keeps its file untouched"


def test_trash_restore_and_permanent_deletion(generated_run):
    run, built = generated_run
    lib = built.library
    run.pull()
    keys = sorted(files.snapshot_objects(run.dir, files.ITEMS))
    lib.trash_item(keys[0])
    lib.delete_item(keys[1])
    run.pull()
    run.assert_matches(lib)
    assert not (run.dir / "items" / f"{keys[0]}.json").exists()
    assert not (run.dir / "items" / f"{keys[1]}.json").exists()
    lib.restore_item(keys[0])
    run.pull()
    run.assert_matches(lib)
    assert (run.dir / "items" / f"{keys[0]}.json").exists()


def test_moves_renames_and_renesting_follow(generated_run):
    run, built = generated_run
    lib = built.library
    run.pull()
    key = sorted(files.snapshot_objects(run.dir, files.ITEMS))[5]
    lib.set_item_collections(key, [built.sections[-1]])
    lib.rename_collection(built.sections[0], "Renamed section")
    run.pull()
    run.assert_matches(lib)
    assert files.read_json(run.dir / "collections" / f"{built.sections[0]}.json")["data"]["name"] == "Renamed section"
    # A section leaves the tree (its items go), and an outside collection with a child joins it.
    leaving = built.sections[1]
    lib.move_collection(leaving, None)
    outside = lib.add_collection("Outside parent")
    inner = lib.add_collection("Outside child", outside)
    with lib.batch():
        joined = [lib.add_item({"title": f"outside {i}"}, [inner]) for i in range(3)]
    run.pull()
    lib.move_collection(outside, built.sections[2])
    requests = run.pull()
    run.assert_matches(lib)
    stored = set(files.snapshot_objects(run.dir, files.ITEMS))
    assert set(joined) <= stored
    assert leaving not in set(files.snapshot_objects(run.dir, files.COLLECTIONS))
    assert requests <= 8


def test_deleting_a_section_removes_it_and_its_only_items(fixture_run):
    run, built = fixture_run
    run.pull()
    built.library.delete_collection(built.sections[2])   # "Book history", nested under "Music perception"
    run.pull()
    run.assert_matches(built.library)
    assert "Z77UB935" in set(files.snapshot_objects(run.dir, files.ITEMS)), "still filed in Algorithms"
    assert "KBFTPTI4" not in set(files.snapshot_objects(run.dir, files.ITEMS))


def test_child_notes_and_attachments_change_nothing(fixture_run):
    run, built = fixture_run
    run.pull()
    before = run.files()
    built.library.add_child("G5I8928Z", "note")
    built.library.add_child("G5I8928Z", "attachment", title="PDF")
    run.pull()
    run.assert_matches(built.library)
    after = run.files()
    assert {k: v for k, v in after.items() if k != "state.json"} == {k: v for k, v in before.items() if k != "state.json"}


def test_an_imported_snapshot_is_replaced_entirely(fixture_run):
    run, built = fixture_run
    files.write_json(run.dir / "items" / "IMPORT01.json", {"key": "IMPORT01", "meta": {"imported": True}})
    files.write_json(run.dir / "collections" / "IMPORTC1.json", {"key": "IMPORTC1"})
    files.write_json(run.dir / "state.json", {"source": "import-readme"})
    # The imported paper is not in the collection: a pull would drop it from the list, so it refuses
    # (push first), unless told to publish the collection as it is.
    with pytest.raises(StageError, match="holds none of the 1 papers imported"):
        run.pull()
    assert (run.dir / "items" / "IMPORT01.json").exists()
    run.pull(Options(allow_missing=True))
    run.assert_matches(built.library)
    assert not (run.dir / "items" / "IMPORT01.json").exists()
    assert not (run.dir / "collections" / "IMPORTC1.json").exists()


def test_an_interrupted_write_is_repaired_by_a_full_pass(generated_run):
    run, built = generated_run
    run.pull()
    change_items(built, 5, random.Random(1))
    state = run.state()
    files.write_json(run.dir / "state.json", {**state, "complete": False, "version": None})
    stray = sorted(files.snapshot_objects(run.dir, files.ITEMS))[0]
    files.write_json(run.dir / "items" / f"{stray}.json", {"half": "written"})
    requests = run.pull()
    run.assert_matches(built.library)
    assert requests > 5, "a full pass, not an incremental one"


def test_another_collection_or_library_means_a_full_pass(generated_run):
    run, built = generated_run
    run.pull()
    files.write_json(run.dir / "state.json", {**run.state(), "collection": "ZZZZZZZZ"})
    assert run.pull() > 3
    run.assert_matches(built.library)


# --- options and messages -----------------------------------------------------------------------------

def test_without_credentials_it_says_so_in_one_line(tmp_path):
    settings = config.load(tmp_path, environ={})
    out = io.StringIO()
    pull.run(settings, Options(), Reporter(1, out))
    assert out.getvalue().count("\n") == 1 and "committed snapshot" in out.getvalue()
    assert not (tmp_path / "data").exists()


def test_offline_makes_no_request(generated_run):
    run, _ = generated_run
    assert run.pull(Options(offline=True)) == 0
    assert not run.dir.exists()


def test_dry_run_prints_the_changes_and_writes_nothing(generated_run, capsys):
    run, built = generated_run
    run.pull(Options(dry_run=True))
    assert not run.dir.exists()
    assert "would add item" in capsys.readouterr().out
    run.pull()
    before = run.files()
    changed = change_items(built, 2, random.Random(2))
    run.pull(Options(dry_run=True))
    out = capsys.readouterr().out
    assert all(f"would update item {k}" in out for k in changed)
    assert f"would record library version {built.library.version}" in out
    assert run.files() == before


def test_403_names_the_library_never_the_key(tmp_path):
    lib, group = Library("user", 1), Library("group", 4242, "team")
    top = group.add_collection("Top")
    with ZoteroServer(lib, group, api_key=KEY, readable={("user", 1)}) as server:
        run = Run(tmp_path, server, top, library_type="group", library_id="4242")
        with pytest.raises(StageError) as err:
            run.pull()
    message = str(err.value)
    assert "group library 4242" in message and "cannot read" in message
    assert "\n" not in message and KEY not in message and "Bearer" not in message


def test_a_missing_collection_is_one_clear_line(generated_run):
    run, built = generated_run
    run.settings = config.load(run.settings.paths.root, environ={
        "ZOTERO_API_URL": run.server.url, "ZOTERO_LIBRARY_ID": "1", "ZOTERO_COLLECTION": "NQPE2345",
        "ZOTERO_API_KEY": KEY})
    with pytest.raises(StageError, match=r"collection NQPE2345 not found in user library 1"):
        run.pull()


def test_local_api_needs_no_key(tmp_path):
    built = generated_library(150, seed=5)
    with ZoteroServer(built.library, local=True) as server:
        run = Run(tmp_path, server, built.top, key=None, library_id="0")
        run.pull()
        run.assert_matches(built.library)
        assert all("Authorization" not in e.headers for e in server.log)
        assert run.pull() == 1
        assert run.state()["api"] == "local"


def test_group_library(tmp_path):
    built = generated_library(80, seed=9, library_type="group", library_id=777)
    with ZoteroServer(built.library, api_key=KEY) as server:
        run = Run(tmp_path, server, built.top, library_type="group", library_id="777")
        run.pull()
        run.assert_matches(built.library)
        assert all(e.path.startswith("/groups/777/") for e in server.log)


# --- faults -------------------------------------------------------------------------------------------

def test_transient_faults_are_retried_with_the_servers_waits(generated_run):
    run, built = generated_run
    run.server.retry_after = 7
    run.server.fail_next("429", "503", "500", "reset", "backoff")
    run.pull()
    run.assert_matches(built.library)
    assert run.sleeps[:2] == [7.0, 7.0], "Retry-After is honoured for 429 and 503"
    # The 500 and the reset are the third and fourth tries of the same request: 4 s and 8 s ceilings.
    assert 2 <= run.sleeps[2] <= 4 and 4 <= run.sleeps[3] <= 8, "exponential backoff with jitter"
    assert 7.0 - 1 < run.sleeps[4] <= 7.0, "Backoff on a 200 delays the next request"


def test_a_timeout_is_retried(generated_run):
    run, built = generated_run
    run.server.slow_seconds = 0.5
    run.server.fail_next("timeout")
    run.pull(timeout=0.1)
    run.assert_matches(built.library)


def test_waits_are_capped(generated_run):
    run, _ = generated_run
    run.server.fail_next(*["500"] * 8)
    run.pull(attempts=9, cap=5.0)
    assert max(run.sleeps) <= 5.0 and len(run.sleeps) == 8


def test_giving_up_leaves_the_previous_snapshot(generated_run):
    run, built = generated_run
    run.pull()
    before = run.files()
    change_items(built, 3, random.Random(3))
    run.server.fail_next(*["503"] * 20)
    with pytest.raises(StageError) as err:
        run.pull(attempts=3)
    assert "\n" not in str(err.value) and "unchanged" in str(err.value)
    assert run.files() == before


def test_a_version_change_mid_pass_restarts_the_pass(generated_run):
    run, built = generated_run
    run.server.schedule = {3: "bump"}
    run.pull()
    run.assert_matches(built.library)
    assert len(run.sleeps) == 1, "one wait before the restart"


def test_a_library_that_never_holds_still_fails_cleanly(generated_run):
    run, built = generated_run
    run.pull()
    before = run.files()
    built.library.touch()
    run.server.schedule = {n: "bump" for n in range(2, 200, 2)}
    with pytest.raises(StageError, match="kept changing"):
        run.pull(passes=3)
    assert run.files() == before
    assert run.state()["version"] < built.library.version


def test_two_hundred_runs_with_random_faults_never_mix(tmp_path):
    """Each run ends with the snapshot equal to the library, or byte-equal to the one before it."""
    rng = random.Random(20240611)
    built = generated_library(40, seed=4, sections=4)
    lib = built.library
    kinds = ["429", "503", "500", "reset", "bump", "backoff"]
    outcomes = {"ok": 0, "failed": 0}
    with ZoteroServer(lib, api_key=KEY, retry_after=1) as server:
        run = Run(tmp_path, server, built.top)
        for _ in range(200):
            curator_edits(lib, built, rng)
            server.schedule = {n: rng.choice(kinds) for n in range(1, 16) if rng.random() < 0.35}
            before = run.files()
            try:
                run.pull(attempts=3, passes=2)
            except StageError as exc:
                outcomes["failed"] += 1
                assert run.files() == before
                assert "\n" not in str(exc) and KEY not in str(exc)
            else:
                outcomes["ok"] += 1
                run.assert_matches(lib)
            server.schedule = {}
    print(outcomes)
    assert outcomes["ok"] > 100 and outcomes["failed"] > 5, outcomes
    assert KEY not in run.out.getvalue()


def curator_edits(lib: Library, built, rng: random.Random) -> None:
    entries_now = sorted(lib.expected_snapshot(built.top)[0])
    action = rng.choice(["none", "edit", "edit", "move", "trash", "delete", "add", "rename", "renest", "child"])
    if action == "edit" and entries_now:
        lib.modify_item(rng.choice(entries_now), title=f"edited {rng.random()}")
    elif action == "move" and entries_now:
        lib.set_item_collections(rng.choice(entries_now), [rng.choice(built.sections)])
    elif action == "trash" and entries_now:
        lib.trash_item(rng.choice(entries_now))
    elif action == "delete" and entries_now:
        lib.delete_item(rng.choice(entries_now))
    elif action == "add":
        lib.add_item({"title": f"new {rng.random()}"}, [rng.choice(built.sections)])
    elif action == "rename":
        lib.rename_collection(rng.choice(built.sections), f"Section {rng.randint(1, 99)}")
    elif action == "renest":
        section = rng.choice(built.sections[1:])
        lib.move_collection(section, rng.choice([built.top, built.sections[0], None]))
    elif action == "child" and entries_now:
        lib.add_child(rng.choice(entries_now), "note")


# --- the key ------------------------------------------------------------------------------------------

def test_the_key_never_reaches_a_file_or_the_terminal(generated_run, capsys):
    run, built = generated_run
    run.pull()
    change_items(built, 3, random.Random(4))
    run.pull(Options(dry_run=True))
    run.server.fail_next(*["503"] * 10)
    with pytest.raises(StageError) as retry_error:
        run.pull(attempts=2)
    run.server.readable = set()
    with pytest.raises(StageError) as auth_error:
        run.pull()
    run.server.readable = None
    run.server.fail_next("reset", "reset", "reset")
    with pytest.raises(StageError) as reset_error:
        run.pull(attempts=3)
    captured = capsys.readouterr()
    texts = [captured.out, captured.err, run.out.getvalue(), str(retry_error.value), str(auth_error.value),
             str(reset_error.value), repr(run.settings)]
    assert all(KEY not in text for text in texts)
    for path in run.settings.paths.root.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert all(e.headers.get("Authorization") == f"Bearer {KEY}" for e in run.server.log), "sent as a header"
    assert all("key" not in e.query for e in run.server.log), "never in a URL"
