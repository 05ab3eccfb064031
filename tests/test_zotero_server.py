"""The Zotero emulator speaks the Web API well enough that pyzotero cannot tell it from api.zotero.org.

Everything here goes through real HTTP on 127.0.0.1: pyzotero where it has a method for the request,
plain httpx2 where we need to see the raw status and headers.
"""
from __future__ import annotations

import httpx2
import pytest
from pyzotero import errors as pyzotero_errors
from pyzotero import zotero

from tests.servers.zotero_api import Library, ZoteroServer
from tests.zotero_library import fixture_library, generated_library, require_shared

KEY = "Zk7QwErTy8UiOp3AsDfGh2Jk"


def small_library(n: int = 60) -> tuple[Library, str, str]:
    lib = Library("user", 1, "tester")
    top = lib.add_collection("Top")
    sub = lib.add_collection("Sub", top)
    for i in range(n):
        lib.add_item({"itemType": "journalArticle", "title": f"Paper {i:03d}"}, [top if i % 2 else sub])
    return lib, top, sub


def client_for(server: ZoteroServer, lib: Library, key: str | None = KEY, **kw) -> zotero.Zotero:
    zot = zotero.Zotero(lib.id, lib.type, api_key=key, **kw)
    zot.endpoint = server.url
    return zot


@pytest.fixture
def served():
    lib, top, sub = small_library()
    with ZoteroServer(lib, api_key=KEY, retry_after=0) as server:
        yield server, lib, top, sub


def test_pyzotero_pages_through_link_headers(served):
    server, lib, _, _ = served
    zot = client_for(server, lib)
    first = zot.top(limit=25)
    assert len(first) == 25
    assert set(zot.links) >= {"next", "last", "first", "self"}
    assert zot.request.headers["Total-Results"] == "60"
    everything = zot.everything(zot.top(limit=25))
    assert sorted(o["data"]["title"] for o in everything) == [f"Paper {i:03d}" for i in range(60)]
    assert zot.num_items() == 60


def test_link_repeats_the_query_and_caps_limit_at_100(served):
    server, lib, _, _ = served
    with httpx2.Client() as http:
        r = http.get(f"{server.url}/users/1/items", params={"limit": 500, "locale": "en-US", "since": 0},
                     headers={"Zotero-API-Key": KEY})
        assert r.status_code == 200 and len(r.json()) == 60
        r = http.get(f"{server.url}/users/1/items", params={"limit": 7, "locale": "en-US"},
                     headers={"Zotero-API-Key": KEY})
        nxt = r.links["next"]["url"]
        assert "locale=en-US" in nxt and "start=7" in nxt and "limit=7" in nxt
        assert r.links["last"]["url"].endswith("start=56") or "start=56" in r.links["last"]["url"]
        r = http.get(f"{server.url}/users/1/items", headers={"Zotero-API-Key": KEY})
        assert len(r.json()) == 25, "the web API pages at 25 by default"


def test_versions_since_and_format_keys(served):
    server, lib, top, sub = served
    zot = client_for(server, lib)
    all_versions = zot.item_versions()
    assert len(all_versions) == 60
    v = int(zot.request.headers["Last-Modified-Version"])
    changed = sorted(all_versions)[:3]
    for key in changed:
        lib.modify_item(key, title="edited")
    assert sorted(zot.item_versions(since=v)) == changed
    assert zot.collection_versions(since=v) == {}
    lib.rename_collection(sub, "Renamed")
    assert list(zot.collection_versions(since=v)) == [sub]
    keys = zot.items(format="keys", limit=None)
    assert sorted(keys.decode().split()) == sorted(all_versions)
    picked = zot.items(itemKey=",".join(changed))
    assert sorted(o["key"] for o in picked) == changed


def test_if_modified_since_version_gives_304(served):
    server, lib, _, _ = served
    zot = client_for(server, lib)
    zot.items(limit=1)
    version = zot.request.headers["Last-Modified-Version"]
    zot.client.headers["If-Modified-Since-Version"] = version
    with pytest.raises(pyzotero_errors.HTTPError):
        zot.collection_versions(since=int(version))
    assert zot.request.status_code == 304
    assert zot.request.headers["Last-Modified-Version"] == version
    lib.touch()
    zot.url_params = None
    assert zot.collection_versions(since=int(version)) == {}
    assert zot.request.status_code == 200


def test_both_auth_header_forms_and_403(served):
    server, lib, _, _ = served
    with httpx2.Client() as http:
        url = f"{server.url}/users/1/items/top"
        assert http.get(url, headers={"Zotero-API-Key": KEY}).status_code == 200
        assert http.get(url, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        assert http.get(url, params={"key": KEY}).status_code == 200
        assert http.get(url, headers={"Zotero-API-Key": "wrong"}).status_code == 403
        assert http.get(url).status_code == 403
    with pytest.raises(pyzotero_errors.UserNotAuthorisedError):
        client_for(server, lib, key="nope").top()
    assert server.log[-1].headers["Authorization"] == "Bearer nope"


def test_key_may_lack_access_to_a_library():
    lib, group = Library("user", 1), Library("group", 77, "group")
    with ZoteroServer(lib, group, api_key=KEY, readable={("user", 1)}) as server:
        assert client_for(server, lib).top() == []
        with pytest.raises(pyzotero_errors.UserNotAuthorisedError):
            client_for(server, group).top()


def test_collections_tree_trash_children_and_deleted(served):
    server, lib, top, sub = served
    zot = client_for(server, lib)
    assert [c["key"] for c in zot.collections_top()] == [top]
    assert [c["key"] for c in zot.collections_sub(top)] == [sub]
    assert {c["key"] for c in zot.all_collections(top)} == {top, sub}, "needs meta.numCollections"
    assert zot.collection(top)["meta"] == {"numCollections": 1, "numItems": 30}
    assert len(zot.everything(zot.collection_items_top(sub))) == 30
    v = int(zot.request.headers["Last-Modified-Version"])
    key = zot.top(limit=1)[0]["key"]
    note = lib.add_child(key, "note")
    assert [c["key"] for c in zot.children(key)] == [note]
    assert zot.item(key)["meta"]["numChildren"] == 1
    assert note not in {o["key"] for o in zot.everything(zot.top())}
    lib.trash_item(key)
    assert key not in {o["key"] for o in zot.everything(zot.top())}
    assert [o["key"] for o in zot.trash()] == [key]
    assert key in zot.item_versions(since=v, includeTrashed=1)
    lib.delete_item(key)
    assert zot.deleted(since=v) == {"collections": [], "items": sorted([key, note]), "searches": [], "tags": []}


def test_local_api_prefix_user_zero_and_no_default_paging():
    lib, top, _ = small_library(130)
    with ZoteroServer(lib, local=True) as server:
        assert server.url.endswith("/api")
        zot = zotero.Zotero(0, "user", local=True)
        zot.endpoint = server.url
        assert len(zot.everything(zot.top(limit=50))) == 130   # Link paths carry /api: pyzotero strips it
        assert "Authorization" not in server.log[-1].headers
        with httpx2.Client() as http:
            assert len(http.get(f"{server.url}/users/0/items/top").json()) == 130
            assert http.get(f"{server.url}/users/1/items/top").status_code == 200
            assert http.get(f"{server.url}/users/5/items/top").status_code == 400
            assert http.get(f"{server.url}/").status_code == 200


def test_faults_on_demand_and_request_log(served):
    server, lib, _, _ = served
    with httpx2.Client(headers={"Zotero-API-Key": KEY}) as http:
        url = f"{server.url}/users/1/items/top"
        server.fail_next("429", "503", "500", "backoff")
        r = http.get(url)
        assert (r.status_code, r.headers["Retry-After"]) == (429, "0")
        r = http.get(url)
        assert (r.status_code, r.headers["Retry-After"]) == (503, "0")
        assert http.get(url).status_code == 500
        r = http.get(url)
        assert r.status_code == 200 and r.headers["Backoff"] == "0"
        before = lib.version
        server.fail_next("bump")
        assert int(http.get(url).headers["Last-Modified-Version"]) == before + 1
        server.fail_next("reset")
        with pytest.raises(httpx2.TransportError):
            http.get(url)
    assert server.requests == 6
    assert [e.status for e in server.log] == [429, 503, 500, 200, 200, 0]
    server.reset_counts()
    assert server.requests == 0 and server.log == []


def test_pyzotero_survives_a_429_with_retry_after(served):
    server, lib, _, _ = served
    zot = client_for(server, lib)
    server.fail_next("429")
    assert len(zot.top(limit=5)) == 5
    assert [e.status for e in server.log] == [429, 200]


def test_fixture_library_round_trips_the_recorded_items():
    require_shared()
    built = fixture_library()
    with ZoteroServer(built.library, api_key=KEY) as server:
        zot = client_for(server, built.library)
        item = zot.item("KBFTPTI4")
        assert item["data"]["extra"] == "DOI: 10.2307/j.ctt46nwk9.16"
        assert set(item) == {"key", "version", "library", "links", "meta", "data"}
        algorithms = zot.everything(zot.collection_items_top("CSB4KZUU"))
        types = {o["data"]["itemType"] for o in algorithms}
        assert {"conferencePaper", "journalArticle", "preprint", "attachment"} <= types
        annotations = zot.children("MWVZPK6B")
        assert {o["data"]["itemType"] for o in annotations} == {"annotation"}


def test_generated_library_is_realistic():
    built = generated_library(400, seed=3)
    items, colls = built.library.expected_snapshot(built.top)
    types = {o["data"]["itemType"] for o in items.values()}
    assert {"conferencePaper", "journalArticle", "preprint"} <= types
    assert any("DOI: " in o["data"].get("extra", "") and "DOI" not in o["data"] for o in items.values())
    assert any(len(o["data"]["collections"]) == 2 for o in items.values())
    assert any(c["data"]["parentCollection"] not in (False, built.top) for c in colls.values()), "nested"
    assert len(built.library.items) > len(items), "children, trash and outside items exist too"
