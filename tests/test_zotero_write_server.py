"""The loopback Zotero server's write half answers as api.zotero.org's "Write Requests" page says.

Raw HTTP (httpx2) where the status, headers and maps are the point; pyzotero's own write calls where the
point is that a real client cannot tell the loopback server from api.zotero.org.
"""
from __future__ import annotations

import json
import re

import httpx2
import pytest
from pyzotero import errors as pyzotero_errors
from pyzotero import zotero

from tests.servers.zotero_api import Library, ZoteroServer
from tests.servers.zotero_schema import BUILT_IN, COMMON, Schema
from tests.zotero_library import require_shared

KEY = "Wr1teK3yWr1teK3yWr1teK3y"
TOKEN = "0123456789abcdef0123456789abcdef"
OBJECT_KEYS = {"key", "version", "library", "links", "meta", "data"}


def fresh() -> tuple[Library, str]:
    lib = Library("user", 1, "tester")
    return lib, lib.add_collection("Top")


@pytest.fixture
def served():
    lib, top = fresh()
    with ZoteroServer(lib, api_key=KEY, retry_after=0) as server:
        yield server, lib, top


@pytest.fixture
def http():
    with httpx2.Client(timeout=5) as client:
        yield client


def post(http, server, what: str, objects, *, token: str | None = None, since: int | None = None,
         key: str = KEY, content_type: str = "application/json", raw: bytes | None = None, lib_path="/users/1"):
    headers = {"Zotero-API-Key": key, "Content-Type": content_type, "Zotero-API-Version": "3"}
    if token is not None:
        headers["Zotero-Write-Token"] = token
    if since is not None:
        headers["If-Unmodified-Since-Version"] = str(since)
    body = raw if raw is not None else json.dumps(objects).encode()
    return http.post(f"{server.url}{lib_path}/{what}", content=body, headers=headers)


def send_one(http, server, method: str, what: str, key: str, obj: dict, since: int | None = None):
    headers = {"Zotero-API-Key": KEY, "Content-Type": "application/json"}
    if since is not None:
        headers["If-Unmodified-Since-Version"] = str(since)
    return http.request(method, f"{server.url}/users/1/{what}/{key}", content=json.dumps(obj).encode(),
                        headers=headers)


def paper(title: str, collections=(), **fields) -> dict:
    return {"itemType": "conferencePaper", "title": title, "collections": list(collections), "tags": [],
            "relations": {}, **fields}


def client_for(server: ZoteroServer, lib: Library, key: str = KEY) -> zotero.Zotero:
    zot = zotero.Zotero(lib.id, lib.type, api_key=key)
    zot.endpoint = server.url
    return zot


# --- POST: the answer's shape ----------------------------------------------------------------------

def test_post_answers_four_maps_with_the_saved_objects_and_the_new_library_version(served, http):
    server, lib, top = served
    r = post(http, server, "collections", [{"name": "Testing", "parentCollection": top}, {"name": "Fuzzing"}])
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"successful", "success", "unchanged", "failed"}
    assert body["unchanged"] == {} and body["failed"] == {}
    assert set(body["success"]) == set(body["successful"]) == {"0", "1"}
    saved = body["successful"]["0"]
    assert set(saved) == OBJECT_KEYS and saved["key"] == body["success"]["0"]
    assert saved["data"]["name"] == "Testing" and saved["data"]["parentCollection"] == top
    assert body["successful"]["1"]["data"]["parentCollection"] is False
    assert r.headers["Last-Modified-Version"] == str(lib.version)
    listed = http.get(f"{server.url}/users/1/collections/{top}/collections", headers={"Zotero-API-Key": KEY}).json()
    assert [c["data"]["name"] for c in listed] == ["Testing"]


def test_one_request_moves_the_library_version_once_however_many_objects(served, http):
    server, lib, top = served
    before = lib.version
    r = post(http, server, "items", [paper(f"P{i}", [top]) for i in range(5)])
    assert lib.version == before + 1
    assert {o["version"] for o in r.json()["successful"].values()} == {lib.version}


def test_the_server_makes_keys_in_zoteros_alphabet_and_keeps_a_key_the_client_gives(served, http):
    server, lib, top = served
    r = post(http, server, "items", [paper("No key", [top]), {**paper("Own key", [top]), "key": "ABCD2345"}])
    success = r.json()["success"]
    assert re.fullmatch(r"[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}", success["0"])
    assert success["1"] == "ABCD2345" and lib.items["ABCD2345"]["title"] == "Own key"


def test_more_than_50_objects_is_413_and_nothing_is_written(served, http):
    server, lib, top = served
    before = (lib.version, len(lib.items))
    r = post(http, server, "items", [paper(f"P{i}", [top]) for i in range(51)])
    assert r.status_code == 413
    assert (lib.version, len(lib.items)) == before
    assert post(http, server, "items", [paper(f"P{i}", [top]) for i in range(50)]).status_code == 200


# --- per-object validation -------------------------------------------------------------------------

@pytest.mark.parametrize("bad, message", [
    ({"itemType": "paperback", "title": "x"}, "'paperback' is not a valid itemType"),
    ({"title": "x"}, "'itemType' property not provided"),
    (paper("x", publicationTitle="A journal's field"), "'publicationTitle' is not a valid field for type"),
    (paper("x", inventedField="?"), "Invalid property 'inventedField'"),
    (paper("x", tags=["plain string"]), "Tag must be an object"),
    (paper("x", creators=[{"creatorType": "programmer", "name": "X"}]), "not a valid creator type"),
])
def test_an_invalid_object_fails_alone_with_400(served, http, bad, message):
    server, lib, top = served
    body = post(http, server, "items", [paper("Good", [top]), bad, paper("Also good", [top])]).json()
    assert set(body["success"]) == {"0", "2"}
    assert body["failed"]["1"]["code"] == 400 and message in body["failed"]["1"]["message"]
    assert sorted(d["title"] for d in lib.items.values()) == ["Also good", "Good"]


def test_an_item_in_a_collection_that_does_not_exist_is_409(served, http):
    server, lib, top = served
    body = post(http, server, "items", [paper("Lost", ["NOPE2345"])]).json()
    assert body["failed"]["0"] == {"key": "", "code": 409, "message": "Collection NOPE2345 doesn't exist"}
    assert not lib.items


def test_a_child_note_needs_a_parent_that_exists_or_comes_earlier_in_the_array(served, http):
    server, lib, top = served
    orphan = {"itemType": "note", "note": "<p>x</p>", "parentItem": "NOPE2345", "tags": [], "relations": {}}
    body = post(http, server, "items", [orphan]).json()
    assert body["failed"]["0"]["code"] == 409 and "Parent item NOPE2345" in body["failed"]["0"]["message"]
    parent = {**paper("Parent", [top]), "key": "PARE2345"}
    child = {"itemType": "note", "note": "<p>summary</p>", "parentItem": "PARE2345",
             "tags": [{"tag": "summary"}], "relations": {}}
    body = post(http, server, "items", [parent, child]).json()
    assert set(body["success"]) == {"0", "1"}
    children = http.get(f"{server.url}/users/1/items/PARE2345/children", headers={"Zotero-API-Key": KEY}).json()
    assert [c["data"]["note"] for c in children] == ["<p>summary</p>"]
    assert "collections" not in children[0]["data"]


def test_a_parent_created_after_its_child_in_the_array_is_too_late(served, http):
    server, lib, top = served
    child = {"itemType": "note", "note": "n", "parentItem": "LATE2345", "tags": [], "relations": {}}
    body = post(http, server, "items", [child, {**paper("Parent", [top]), "key": "LATE2345"}]).json()
    assert body["failed"]["0"]["code"] == 409 and body["success"] == {"1": "LATE2345"}


def test_a_collection_under_a_missing_parent_is_409_and_a_nameless_one_400(served, http):
    server, lib, _ = served
    body = post(http, server, "collections", [{"name": "Orphan", "parentCollection": "NOPE2345"},
                                              {"name": ""}]).json()
    assert body["failed"]["0"]["code"] == 409 and body["failed"]["1"]["code"] == 400
    assert len(lib.collections) == 1


# --- write tokens ----------------------------------------------------------------------------------

def test_a_write_token_already_used_in_this_library_is_412_for_the_whole_request(served, http):
    server, lib, top = served
    assert post(http, server, "items", [paper("Once", [top])], token=TOKEN).status_code == 200
    version = lib.version
    again = post(http, server, "items", [paper("Twice", [top])], token=TOKEN)
    assert again.status_code == 412 and "Write token already used" in again.text
    assert [d["title"] for d in lib.items.values()] == ["Once"] and lib.version == version


def test_a_request_that_failed_does_not_spend_its_token(served, http):
    server, lib, top = served
    stale = post(http, server, "items", [paper("Stale", [top])], token=TOKEN, since=lib.version - 1)
    assert stale.status_code == 412
    server.fail_next("429")
    assert post(http, server, "items", [paper("Throttled", [top])], token=TOKEN).status_code == 429
    assert post(http, server, "items", [paper("Finally", [top])], token=TOKEN).status_code == 200
    assert [d["title"] for d in lib.items.values()] == ["Finally"]


def test_a_write_token_must_have_32_characters(served, http):
    server, lib, top = served
    assert post(http, server, "items", [paper("x", [top])], token="short").status_code == 400
    assert not lib.items


# --- version preconditions -------------------------------------------------------------------------

def test_post_with_a_stale_library_version_is_412_and_a_current_one_goes_through(served, http):
    server, lib, top = served
    current = lib.version
    lib.add_item(paper("Someone else's"), [top])          # the library moves on
    r = post(http, server, "items", [paper("Mine", [top])], since=current)
    assert r.status_code == 412 and f"expected {current}, found {lib.version}" in r.text
    assert post(http, server, "items", [paper("Mine", [top])], since=lib.version).status_code == 200


def test_a_bump_fault_moves_the_library_just_before_a_write_so_its_precondition_fails(served, http):
    server, lib, top = served
    lib.add_item(paper("Existing"), [top])
    server.fail_next("bump")
    assert post(http, server, "items", [paper("Mine", [top])], since=lib.version).status_code == 412


def test_patch_merges_fields_replaces_arrays_and_answers_204_with_the_new_version(served, http):
    server, lib, top = served
    other = lib.add_collection("Other")
    key = lib.add_item(paper("Title", [top], date="2017", tags=[{"tag": "old"}]), [top])
    version = lib.items[key]["version"]
    r = send_one(http, server, "PATCH", "items", key, {"collections": [other], "tags": [{"tag": "new"}],
                                                      "DOI": "10.1/x"}, since=version)
    assert r.status_code == 204 and r.content == b""
    data = lib.items[key]
    assert r.headers["Last-Modified-Version"] == str(data["version"]) and data["version"] > version
    assert (data["title"], data["date"], data["DOI"]) == ("Title", "2017", "10.1/x")
    assert data["collections"] == [other] and data["tags"] == [{"tag": "new"}]


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_an_object_write_with_a_stale_version_is_412_and_with_none_428(served, http, method):
    server, lib, top = served
    key = lib.add_item(paper("Title"), [top])
    seen = lib.items[key]["version"]
    lib.modify_item(key, title="Changed elsewhere")
    assert send_one(http, server, method, "items", key, {**paper("Mine"), "version": seen}).status_code == 412
    assert send_one(http, server, method, "items", key, paper("Mine"), since=seen).status_code == 412
    assert send_one(http, server, method, "items", key, paper("Mine")).status_code == 428
    assert lib.items[key]["title"] == "Changed elsewhere"
    fresh_version = lib.items[key]["version"]
    assert send_one(http, server, method, "items", key, {**paper("Mine"), "version": fresh_version}).status_code == 204
    assert lib.items[key]["title"] == "Mine"


def test_put_replaces_the_item_so_a_field_left_out_is_gone(served, http):
    server, lib, top = served
    key = lib.add_item(paper("Title", [top], date="2017"), [top])
    r = send_one(http, server, "PUT", "items", key, paper("Title", [top]), since=lib.items[key]["version"])
    assert r.status_code == 204 and "date" not in lib.items[key]


def test_put_and_patch_of_a_collection_rename_it_and_check_its_version(served, http):
    server, lib, top = served
    version = lib.collections[top]["version"]
    r = send_one(http, server, "PUT", "collections", top, {"key": top, "version": version, "name": "Renamed",
                                                           "parentCollection": False})
    assert r.status_code == 204 and lib.collections[top]["name"] == "Renamed"
    assert send_one(http, server, "PATCH", "collections", top, {"name": "Again"}, since=version).status_code == 412
    assert send_one(http, server, "PATCH", "collections", top, {"name": "Again"},
                    since=lib.collections[top]["version"]).status_code == 204
    assert lib.collections[top]["name"] == "Again"


def test_a_keyed_post_updates_with_patch_semantics_or_reports_unchanged_412_and_428(served, http):
    server, lib, top = served
    key = lib.add_item(paper("Title", date="2017"), [top])
    version = lib.items[key]["version"]
    body = post(http, server, "items", [{"key": key, "version": version, "DOI": "10.1/y"}]).json()
    assert body["success"] == {"0": key} and lib.items[key]["date"] == "2017" and lib.items[key]["DOI"] == "10.1/y"
    now = lib.items[key]["version"]
    body = post(http, server, "items", [{"key": key, "version": now, "DOI": "10.1/y"},
                                        {"key": key, "version": version, "title": "Stale"},
                                        {"key": key, "title": "No version"}]).json()
    assert body["unchanged"] == {"0": key} and body["success"] == {}
    assert body["failed"]["1"]["code"] == 412 and body["failed"]["2"]["code"] == 428
    assert lib.items[key]["version"] == now, "nothing changed, so the version stays"


# --- malformed bodies --------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, content_type", [
    (b"{not json", "application/json"),
    (b'{"name": "an object, not an array"}', "application/json"),
    (b"\xff\xfe", "application/json"),
    (b'[{"name": "x"}]', "text/plain"),
])
def test_a_body_that_is_not_a_json_array_is_400(served, http, raw, content_type):
    server, lib, _ = served
    r = post(http, server, "collections", None, raw=raw, content_type=content_type)
    assert r.status_code == 400
    assert len(lib.collections) == 1


# --- who may write -----------------------------------------------------------------------------------

def test_a_read_only_key_reads_but_every_write_is_403():
    lib, top = fresh()
    key = lib.add_item(paper("Title"), [top])
    with ZoteroServer(lib, api_key=KEY, writable=False) as server, httpx2.Client(timeout=5) as http:
        assert http.get(f"{server.url}/users/1/items", headers={"Zotero-API-Key": KEY}).status_code == 200
        r = post(http, server, "items", [paper("New", [top])])
        assert r.status_code == 403 and r.text == "Write access denied"
        assert send_one(http, server, "PATCH", "items", key, {"title": "x"}, since=lib.version).status_code == 403
        assert len(lib.items) == 1 and lib.items[key]["title"] == "Title"


def test_write_access_to_one_library_only():
    user, top = fresh()
    group = Library("group", 77, "lab")
    with ZoteroServer(user, group, api_key=KEY, writable={("group", 77)}) as server, \
            httpx2.Client(timeout=5) as http:
        assert post(http, server, "collections", [{"name": "x"}]).status_code == 403
        assert post(http, server, "collections", [{"name": "x"}], lib_path="/groups/77").status_code == 200


def test_a_write_without_the_key_or_with_another_is_403(served, http):
    server, lib, top = served
    assert post(http, server, "items", [paper("x", [top])], key="").status_code == 403
    assert post(http, server, "items", [paper("x", [top])], key="someone-else").status_code == 403
    assert not lib.items


def test_the_desktop_local_api_is_read_only_as_zotero_7_is():
    lib, top = fresh()
    key = lib.add_item(paper("Title"), [top])
    with ZoteroServer(lib, local=True) as server, httpx2.Client(timeout=5) as http:
        r = http.post(f"{server.url}/users/0/items", json=[paper("x", [top])])
        assert r.status_code == 400 and "does not support method" in r.text
        r = http.patch(f"{server.url}/users/0/items/{key}", json={"title": "x"},
                       headers={"If-Unmodified-Since-Version": str(lib.version)})
        assert r.status_code == 501
        assert http.get(f"{server.url}/users/0/items").status_code == 200
    assert len(lib.items) == 1 and lib.items[key]["title"] == "Title"


def test_keys_current_tells_a_client_what_the_key_may_do():
    user, _ = fresh()
    group = Library("group", 77, "lab")
    with ZoteroServer(user, group, api_key=KEY) as server, httpx2.Client(timeout=5) as http:
        info = http.get(f"{server.url}/keys/current", headers={"Zotero-API-Key": KEY}).json()
        assert info == {"key": KEY, "userID": 1, "username": "tester",
                        "access": {"user": {"library": True, "notes": True, "write": True},
                                   "groups": {"all": {"library": True, "write": True}}}}
        assert http.get(f"{server.url}/keys/{KEY}").json() == info
        assert http.get(f"{server.url}/keys/current").status_code == 403
        assert http.get(f"{server.url}/keys/NotTheKey").status_code == 404
    with ZoteroServer(user, group, api_key=KEY, writable={("group", 77)}) as server, \
            httpx2.Client(timeout=5) as http:
        access = http.get(f"{server.url}/keys/current", headers={"Zotero-API-Key": KEY}).json()["access"]
        assert access == {"user": {"library": True, "notes": True},
                          "groups": {"77": {"library": True, "write": True}}}


# --- faults ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, status", [("429", 429), ("503", 503), ("500", 500), ("403", 403)])
def test_a_refused_write_is_not_applied(served, http, kind, status):
    server, lib, top = served
    server.fail_next(kind)
    r = post(http, server, "items", [paper("x", [top])], token=TOKEN)
    assert r.status_code == status and not lib.items
    if kind in ("429", "503"):
        assert r.headers["Retry-After"] == "0"


def test_a_backoff_fault_applies_the_write_and_asks_the_client_to_slow_down(served, http):
    server, lib, top = served
    server.fail_next("backoff")
    r = post(http, server, "items", [paper("x", [top])])
    assert r.status_code == 200 and r.headers["Backoff"] == "0" and len(lib.items) == 1


def test_a_reset_drops_the_connection_before_anything_is_written(served, http):
    server, lib, top = served
    server.fail_next("reset")
    with pytest.raises(httpx2.TransportError):
        post(http, server, "items", [paper("x", [top])], token=TOKEN)
    assert not lib.items
    assert post(http, server, "items", [paper("x", [top])], token=TOKEN).status_code == 200


def test_a_lost_answer_leaves_the_write_applied_and_the_token_spent(served, http):
    server, lib, top = served
    server.fail_next("lost")
    with pytest.raises(httpx2.TransportError):
        post(http, server, "items", [paper("Written once", [top])], token=TOKEN)
    retry = post(http, server, "items", [paper("Written once", [top])], token=TOKEN)
    assert retry.status_code == 412
    found = http.get(f"{server.url}/users/1/collections/{top}/items/top", headers={"Zotero-API-Key": KEY}).json()
    assert [o["data"]["title"] for o in found] == ["Written once"]
    assert [(e.method, e.status, e.fault) for e in server.log] == [("POST", 200, "lost"), ("POST", 412, None),
                                                                  ("GET", 200, None)]


def test_the_log_records_each_write_with_its_token_and_precondition(served, http):
    server, lib, top = served
    before = lib.version
    post(http, server, "items", [paper("x", [top])], token=TOKEN, since=before)
    key = next(iter(lib.items))
    send_one(http, server, "PATCH", "items", key, {"title": "y"}, since=lib.items[key]["version"])
    writes = [e for e in server.log if e.method in ("POST", "PATCH", "PUT")]
    assert [(e.method, e.path, e.status) for e in writes] == [("POST", "/users/1/items", 200),
                                                              ("PATCH", f"/users/1/items/{key}", 204)]
    assert writes[0].headers["Zotero-Write-Token"] == TOKEN
    assert writes[0].headers["If-Unmodified-Since-Version"] == str(before)
    assert "If-Unmodified-Since-Version" in writes[1].headers and server.requests == 2


# --- pyzotero ----------------------------------------------------------------------------------------

def test_pyzotero_creates_collections_items_and_notes_and_updates_an_item(served):
    server, lib, top = served
    zot = client_for(server, lib)
    made = zot.create_collections([{"name": "Testing", "parentCollection": top}])
    section = made["success"]["0"]
    template = zot.item_template("conferencePaper")
    template.update(title="DeepXplore", collections=[section], DOI="10.1145/3132747.3132785",
                    creators=[{"creatorType": "author", "firstName": "Kexin", "lastName": "Pei"}],
                    tags=[{"tag": "testing"}])
    made = zot.create_items([template])
    assert made["failed"] == {}
    item_key = made["success"]["0"]
    note = zot.create_items([{"itemType": "note", "note": "<p>Neuron coverage.</p>",
                              "tags": [{"tag": "summary"}], "collections": [], "relations": {}}],
                            parentid=item_key)
    assert note["failed"] == {}
    item = zot.item(item_key)
    item["data"]["extra"] = "Venue: SOSP"
    assert zot.update_item(item["data"]) is True
    again = zot.item(item_key)
    assert again["data"]["extra"] == "Venue: SOSP" and again["data"]["collections"] == [section]
    assert [c["data"]["note"] for c in zot.children(item_key)] == ["<p>Neuron coverage.</p>"]
    assert [c["data"]["name"] for c in zot.collections_sub(top)] == ["Testing"]
    assert zot.key_info()["access"]["user"]["write"] is True


def test_pyzotero_sees_a_stale_library_as_its_precondition_error(served):
    server, lib, top = served
    zot = client_for(server, lib)
    seen = lib.version
    lib.add_item(paper("Meanwhile"), [top])
    with pytest.raises(pyzotero_errors.PreConditionFailedError):
        zot.create_items([paper("Mine", [top])], last_modified=seen)
    item = zot.item(next(iter(lib.items)))
    lib.modify_item(item["key"], title="Moved on")
    with pytest.raises(pyzotero_errors.PreConditionFailedError):
        zot.update_item(item["data"])


def test_pyzotero_gets_403_from_a_read_only_key():
    lib, top = fresh()
    with ZoteroServer(lib, api_key=KEY, writable=False) as server:
        zot = client_for(server, lib)
        assert "write" not in zot.key_info()["access"]["user"]
        with pytest.raises(pyzotero_errors.UserNotAuthorisedError):
            zot.create_collections([{"name": "x"}])


# --- the schema ----------------------------------------------------------------------------------------

@pytest.mark.shared
def test_the_built_in_types_agree_with_zoteros_schema():
    path = require_shared() / "zotero-schema" / "schema.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    real = Schema.from_json(doc)
    for item_type, (fields, creators) in BUILT_IN.items():
        assert set(real.types[item_type][0]) == set(fields.split()) | set(COMMON), item_type
        assert real.types[item_type][1] == creators.split(), item_type
    assert real.name("proceedingsTitle") == "Proceedings Title" and len(real.types) >= 30
