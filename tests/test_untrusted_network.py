"""Issue 22, servers that never finish and silent gaps: each case quoted in the issue, against the loopback
Zotero server (tests/servers/zotero_api.py) and its faults, in a scratch project.

Every case is bounded by design: the policy's request deadline is a second here, the server's trickle a
tenth of a second a byte, and no test sleeps on the policy's clock.
"""
from __future__ import annotations

import dataclasses
import gzip
import random

import pytest

from pipeline.machinery import files
from pipeline.machinery.inputs import read as read_inputs
from pipeline.sources import http, zotero
from pipeline.stages import StageError
from tests.test_untrusted import ALPHA, KEY, TOP, Project, library, paper
from tests.servers.zotero_api import ZoteroServer


class Fast(Project):
    """The scratch project with a policy whose deadlines are short."""

    deadline = 1.0

    def policy(self) -> zotero.RetryPolicy:
        return dataclasses.replace(zotero.default_policy(), sleep=lambda s: None, rng=random.Random(0),
                                   deadline=self.deadline, timeout=1.0)


@pytest.fixture
def proj(tmp_path):
    lib = library()
    with ZoteroServer(lib, api_key=KEY) as server:
        root = tmp_path / "project"
        root.mkdir()
        yield Fast(root, server), lib


def snapshot(project: Project) -> dict:
    return {p: p.read_bytes() for p in project.zdir.rglob("*") if p.is_file()}


def one_line(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message and KEY not in message
    return message


# --- 2. one deadline per request; an answer is whole or a failure --------------------------------------

def test_a_trickling_body_is_cut_off_at_the_request_deadline(proj):
    project, lib = proj
    project.pull()
    before = snapshot(project)
    lib.modify_item("GQQD2AAA", title="Changed")
    project.server.trickle_seconds = 0.1
    project.server.schedule = {2: "trickle"}     # the item versions: ~30 bytes, 3 s at this pace
    with pytest.raises(StageError) as err:
        project.pull()
    assert "sent no complete answer within 1 s" in one_line(err)
    assert snapshot(project) == before


@pytest.mark.parametrize("fault", ["cut", "badencoding"])
def test_a_body_cut_short_or_badly_encoded_is_retried_not_passed_on(proj, fault):
    project, lib = proj
    project.server.schedule = {2: fault}         # the first page of the first collection's items
    project.pull()
    assert files.snapshot_state(project.zdir)["complete"] is True
    items, _ = lib.expected_snapshot(TOP)
    assert {p.stem for p in (project.zdir / "items").iterdir()} == set(items)
    assert [e.path for e in project.server.log].count(project.server.log[1].path) >= 2, "asked again"


@pytest.mark.parametrize("fault", ["cut", "badencoding"])
def test_a_body_always_broken_ends_in_one_line(proj, fault):
    project, _ = proj
    project.server.fail_next(*[fault] * 20)
    with pytest.raises(StageError) as err:
        project.pull()
    message = one_line(err)
    assert "did not answer" in message and ("cut short" in message or "Content-Encoding" in message)
    assert not project.zdir.exists() or not list(project.zdir.rglob("*.json"))


@pytest.mark.parametrize("fault, said", [("redirectloop", "in a loop"),
                                         ("crosshost", "to another host (localhost): refused")])
def test_redirect_loops_and_other_hosts_are_one_line(proj, fault, said):
    project, _ = proj
    project.server.schedule = {1: fault}
    with pytest.raises(StageError) as err:
        project.pull()
    assert said in one_line(err)
    if fault == "crosshost":   # the key never travelled: nothing was asked of the other host name
        assert len(project.server.log) == 1


def test_a_same_host_redirect_is_followed(tmp_path):
    with ZoteroServer(library(), api_key=KEY) as server:
        server.schedule = {1: "redirectloop"}    # 302 to its own URL: the second time, a loop
        client = http.make_client(server.url, policy=http.RetryPolicy(sleep=lambda s: None), name="Test")
        with pytest.raises(http.SourceUnavailable, match="in a loop"):
            client.get("/users/1/collections", headers={"Zotero-API-Key": KEY})
        server.schedule = {}
        # A redirect to another URL of the same host is followed, headers kept.
        answer = client.get("/users/1/collections", headers={"Zotero-API-Key": KEY})
        assert answer.status_code == 200 and answer.headers["total-results"] == "3"


def test_the_stage_deadline_stops_every_further_request():
    now = [0.0]
    policy = http.RetryPolicy(sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0],
                              stage_deadline=10.0)
    with ZoteroServer(library(), api_key=KEY) as server:
        client = http.make_client(server.url, policy=policy, name="Zotero")
        assert client.get("/users/1/collections", headers={"Zotero-API-Key": KEY}).status_code == 200
        now[0] += 11
        with pytest.raises(http.SourceUnavailable, match="stopped after 10 s"):
            client.get("/users/1/collections")
        with pytest.raises(http.SourceUnavailable, match="stopped after 10 s"):
            client.get("/users/1/items")
        assert server.requests == 1


def test_a_gzip_body_that_is_whole_still_decodes():
    """The policy decodes what it reads itself now; a real gzip answer must still come through."""
    from tests.test_http_policy import Scripted

    body = gzip.compress(b'{"ok": true}')
    server = Scripted((200, {"Content-Encoding": "gzip"}))
    server.body = body
    try:
        with http.make_client(server.url, policy=http.RetryPolicy(sleep=lambda s: None)) as client:
            assert client.get("/x").json() == {"ok": True}
    finally:
        server.close()


# --- 3. pagination checked against itself ----------------------------------------------------------------

def many(lib, n: int) -> None:
    with lib.batch():
        for i in range(n):
            lib.add_item(paper(f"Bulk paper {i}"), [ALPHA])


@pytest.mark.parametrize("told, said", [
    (lambda real: None, "sent no Total-Results"),
    (lambda real: "lots", "sent no Total-Results"),
    (lambda real: "-5", "sent no Total-Results"),
    (lambda real: real - 100, "gave more objects than its Total-Results"),
    (lambda real: real - 3, "gave more objects than its Total-Results"),
    (lambda real: real + 10, "ended after"),
])
def test_a_lying_total_ends_the_full_pass_with_an_error_and_keeps_the_snapshot(proj, told, said):
    project, lib = proj
    many(lib, 130)
    project.pull()
    before = snapshot(project)
    files.remove(project.zdir / files.STATE)     # the next pull is a full pass
    before.pop(project.zdir / files.STATE)
    project.server.total_results = lambda real: told(real) if real > 50 else real
    with pytest.raises(StageError) as err:
        project.pull()
    assert "does not add up" in one_line(err) and said in str(err.value)
    assert snapshot(project) == before


def test_a_count_header_is_ascii_digits_only():
    assert zotero._number(" 42 ") == 42
    assert [zotero._number(v) for v in ("1\u00b2", "\u0661", "-5", "", None, "4 2")] == [None] * 6


def test_a_total_that_grows_between_pages_is_an_error(proj):
    project, lib = proj
    many(lib, 130)
    grown = iter(range(131, 10_000))
    project.server.total_results = lambda real: next(grown) if real > 50 else real
    with pytest.raises(StageError) as err:
        project.pull()
    assert "changed its Total-Results from 131 to 132" in one_line(err)


def test_a_server_that_ignores_start_is_given_up_on_the_second_page(proj):
    project, lib = proj
    many(lib, 130)
    project.server.ignore_start = True
    project.server.total_results = lambda real: 1_000_000 if real > 50 else real
    with pytest.raises(StageError) as err:
        project.pull()
    assert "repeated objects of an earlier page at start=100" in one_line(err)
    assert project.server.requests < 10


def test_a_total_of_exactly_a_page_is_confirmed_by_an_empty_page(proj):
    project, lib = proj
    many(lib, 100 - 3)    # with the library's own 3 Alpha items: 100 in Alpha
    project.pull()
    pages = [e.query.get("start") for e in project.server.log if e.path.endswith(f"{ALPHA}/items/top")]
    assert pages == ["0", "100"]
    assert len(list((project.zdir / "items").iterdir())) == 100 + 3


@pytest.mark.parametrize("how", ["restored", "stored-ahead"])
def test_a_version_behind_the_stored_one_makes_a_full_pass_saying_why(proj, how):
    project, lib = proj
    project.pull()
    if how == "restored":        # the library goes back to an older state, with an older version
        with lib.lock:
            del lib.items["GQQD2AAA"]
            lib.version -= 3
    else:                        # the stored version is far ahead of the server's
        state = files.snapshot_state(project.zdir)
        files.write_json(project.zdir / files.STATE, {**state, "version": state["version"] + 1000})
    project.pull()
    said = project.said()
    assert f"is at version {lib.version}, behind the" in said and "reading the whole collection again" in said
    assert files.snapshot_state(project.zdir)["version"] == lib.version
    items, _ = lib.expected_snapshot(TOP)
    assert {p.stem for p in (project.zdir / "items").iterdir()} == set(items)
    assert project.pull() == 1, "in step again: one request"


def test_an_item_file_holding_another_item_is_named_and_fetched_again(proj):
    project, lib = proj
    project.pull()
    good = snapshot(project)
    other = project.zdir / "items" / "GQQD3AAA.json"
    other.write_bytes((project.zdir / "items" / "GQQD2AAA.json").read_bytes())
    catalog_problems = [str(p) for p in read_inputs(project.settings).problems]
    assert any("items/GQQD3AAA.json" in p and "holds item 'GQQD2AAA', not GQQD3AAA" in p for p in catalog_problems)
    assert project.pull() > 1
    assert snapshot(project) == good


# --- 4. shape-wrong answers and a 304 nobody asked for ----------------------------------------------------

def test_a_304_to_an_unconditional_request_is_an_error_line(proj):
    project, lib = proj
    project.pull()
    before = snapshot(project)
    lib.modify_item("GQQD2AAA", title="Changed")
    project.server.schedule = {2: "304"}         # the item versions, asked without a condition
    with pytest.raises(StageError) as err:
        project.pull()
    assert "304 Not Modified to an unconditional request" in one_line(err)
    assert snapshot(project) == before


@pytest.mark.parametrize("number", [1, 2, 3])
def test_a_zotero_answer_of_the_wrong_shape_is_an_error_line(proj, number):
    project, lib = proj
    project.pull()
    before = snapshot(project)
    lib.modify_item("GQQD2AAA", title="Changed")
    project.server.schedule = {number: "shape"}
    with pytest.raises(StageError) as err:
        project.pull()
    one_line(err)
    assert snapshot(project) == before


# Crossref answers of the wrong shape: the item's problem, not the run's -----------------------------------

@pytest.mark.parametrize("body", [b'{"status": "ok", "message": "nope"}', b'[1, 2]', b'"text"',
                                  b'{"message": {"items": "nope"}}', b'{"message": {"items": [{"DOI": 5}]}}'])
def test_a_crossref_answer_of_the_wrong_shape_leaves_the_items_with_their_zotero_metadata(tmp_path, body):
    from pipeline.stages import enrich
    from tests.crossref_fixtures import generate_works
    from tests.test_enrich_stage import FAST, make_project, run, settings_for
    from tests.servers.crossref_api import CrossrefServer

    works = generate_works(3, seed=2)
    make_project(tmp_path, works)
    with CrossrefServer(works, limits=FAST) as server:
        settings = settings_for(tmp_path, server)
        server.malformed_next(10, body)          # the batch and each DOI asked again on its own
        summary, out = run(settings)
    assert summary.failed == 3 and summary.found == 0
    assert "no work the pipeline can read" in out or "no list of works" in out or "not an object" in out
    assert not (tmp_path / "data/raw/crossref/works").exists() or not list((tmp_path / "data/raw/crossref/works").iterdir())
    # The items are still there, with their Zotero metadata, for merge to publish.
    records, _ = enrich.load_records(settings)
    assert len(records) == 3 and all(r.title for r in records)


@pytest.mark.parametrize("field, value", [("author", 5), ("title", "A string"), ("updated-by", True),
                                          ("issued", [2020]), ("DOI", None)])
def test_a_cached_crossref_work_of_the_wrong_shape_is_named_not_used(tmp_path, field, value):
    from pipeline.rules import enrichment
    from pipeline.model import Record
    from pipeline.machinery.crossref_cache import CrossrefCache
    from tests.crossref_fixtures import generate_works

    work = generate_works(1, seed=3)[0]
    cache = CrossrefCache(tmp_path / "data/raw/crossref", {})
    cache.write_work(work["DOI"], {**work, field: value})
    record = Record(key="ABCD2345", title="Zotero's own title", doi=work["DOI"])
    enriched, problems = enrichment.apply(record, cache)
    assert enriched.title == "Zotero's own title"
    assert any(p.code == "cache-corrupt" and "not a Crossref work" in p.message for p in problems)


@pytest.mark.parametrize("body", [b'{"result": "nope"}', b'[]', b'{"result": {"hits": 5}}'])
def test_a_dblp_answer_of_the_wrong_shape_is_a_failed_search_not_a_crash(body):
    from pipeline.sources.dblp import DblpClient
    from tests.test_http_policy import Scripted

    server = Scripted()
    server.body = body
    try:
        with DblpClient(server.url, policy=http.RetryPolicy(sleep=lambda s: None), interval=0) as client:
            outcome = client.search({"q": "a title"})
    finally:
        server.close()
    assert outcome.kind == "failed" and "not a DBLP search result" in outcome.reason


def test_a_server_error_body_reaches_the_message_with_its_control_characters_escaped():
    from pipeline.sources.crossref import CrossrefClient, CrossrefError
    from tests.test_http_policy import Scripted

    server = Scripted((400, {}))
    server.body = b"\x1b[2J\x1b[31mbad request\x07"
    try:
        with CrossrefClient(server.url, policy=http.RetryPolicy(sleep=lambda s: None)) as client:
            with pytest.raises(CrossrefError) as err:
                client.work("10.1/x")
    finally:
        server.close()
    message = str(err.value)
    assert "\x1b" not in message and "\x07" not in message and "\\x1b[31mbad request" in message


def test_a_307_repeats_a_write_with_its_body_on_the_same_host():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append((self.path, body))
            if self.path == "/old":
                self.send_response(307)
                self.send_header("Location", "/new")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        with http.make_client(url, policy=http.RetryPolicy(sleep=lambda s: None)) as client:
            assert client.post("/old", content=b'{"a": 1}').status_code == 200
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert seen == [("/old", b'{"a": 1}'), ("/new", b'{"a": 1}')]
