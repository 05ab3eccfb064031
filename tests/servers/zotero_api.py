"""A Zotero Web API v3 server on 127.0.0.1, for the tests and the benchmark.

It speaks real HTTP from a background thread, so pyzotero (and anything else) talks to it exactly as it
would talk to api.zotero.org or to the Zotero 7 desktop's local API:

- `Library` is a mutable model of one user or group library: collections, items (with children and a
  trash), deletions, and a library version that every mutation bumps, as Zotero's does.
- `ZoteroServer` serves one or more libraries with the read half of the protocol: pagination (`start`,
  `limit` capped at 100, `Total-Results`, `Link`), `since`, `format=json|versions|keys`, `itemKey`,
  `itemType` (`note`, `-attachment`, `a || b`), `collectionKey`, `includeTrashed`, `/deleted`,
  `If-Modified-Since-Version` -> 304, both auth header forms (and `?key=`), and, with `local=True`,
  the desktop's `/api` prefix with user 0 and no key.
- Writes (tests/servers/zotero_write.py): POST of items and collections, PUT and PATCH of one object,
  with write tokens, version preconditions and per-object results. Writing needs the server's key and
  write access: `writable=False` makes the key read-only, a set of (type, id) limits it to those
  libraries; a write without it is 403 "Write access denied". `GET /keys/current` (or `/keys/<key>`)
  answers the key's `access` block as api.zotero.org does (a permission it lacks is absent, not false).
  The desktop's local API (`local=True`) stands for Zotero 7, which is read-only: a POST answers 400
  "Endpoint does not support method" and PUT/PATCH 501 "Method not implemented", as its HTTP server
  does (Zotero 10 adds local writes with a key of their own; not modelled).
- The global type/field endpoints (`/itemTypes`, `/itemFields`, `/items/new?itemType=`, ...) come from
  `schema` (tests/servers/zotero_schema.py), the same table writes are checked against.
- Faults come on demand: `fail_next()` queues them, `schedule` maps request numbers to them. Kinds:
  "429", "503", "500" (with `Retry-After` where Zotero sends it), "reset" (connection dropped with no
  answer), "timeout" (the answer comes `slow_seconds` late), "bump" (the library changes just before the
  answer, as if another client synced mid-pass), "backoff" (a normal answer with a `Backoff` header),
  "403", "lost" (the request is carried out, a write applied, then the connection drops before any
  answer: a client retrying with the same write token gets 412), and damaged bodies: "truncated" (half
  of it), "empty", "badutf8" (invalid UTF-8 in the JSON). On a write, the refusals (429, 503, 500, 403)
  and "reset" come before anything is applied.
  Faults of the wire (issue 22): "cut" (the connection closes halfway through the Content-Length),
  "trickle" (the headers, then a byte every `trickle_seconds`), "badencoding" (`Content-Encoding: gzip`
  on a plain body), "redirectloop" (302 to itself), "crosshost" (302 to `localhost`, another host
  name), "shape" (`{"message": "nope"}` in place of the answer), "304" (Not Modified, asked or not).
- Lying paginators (issue 22): `ignore_start` serves the first page whatever `start=` asks;
  `total_results(real)` replaces the `Total-Results` header (None leaves it out).
- It counts requests (`requests`) and keeps a log (`log`) of (method, path, query, status, the auth,
  version, precondition and write-token headers, and the fault the request got).

What it leaves out: DELETE, searches, tags, full-text, file uploads, Atom and the `sort` parameter
(lists come in key order, a stable stand-in for Zotero's default dateModified order).
"""
from __future__ import annotations

import copy
import json
import random
import re
import socket
import struct
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Callable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.servers.loopback import LoopbackServer
from tests.servers.zotero_schema import Schema
from tests.servers.zotero_write import RequestError, WriteRoute

KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"  # the characters Zotero uses in object keys
CHILD_TYPES = ("note", "attachment", "annotation")
WEB_LINK_BASE = "https://api.zotero.org"
LOCAL_LINK_BASE = "http://localhost:23119/api"


def make_key(rng: random.Random) -> str:
    return "".join(rng.choice(KEY_ALPHABET) for _ in range(8))


# --- the library model ------------------------------------------------------------------------------

class Library:
    """One Zotero library. Holds each object's `data`; the API envelope is built when served."""

    def __init__(self, library_type: str = "user", library_id: int = 1, name: str = "testuser",
                 *, seed: int = 0):
        self.type = library_type
        self.id = int(library_id)
        self.name = name
        self.version = 1
        self.items: dict[str, dict] = {}
        self.collections: dict[str, dict] = {}
        self.deleted: dict[str, dict[str, int]] = {"collections": {}, "items": {}, "searches": {}, "tags": {}}
        self.children: dict[str, set[str]] = {}   # parent item key -> child keys, so meta is cheap
        self.write_tokens: set[str] = set()       # Zotero-Write-Token values of writes that succeeded
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self._batch_depth = 0
        self._batch_bumped = False

    # Versions: each mutation is one write, and a write bumps the library version once. Inside
    # `batch()` many mutations share one version, like a multi-object write to the real API.
    @contextmanager
    def batch(self) -> Iterator[None]:
        with self.lock:
            self._batch_depth += 1
            try:
                yield
            finally:
                self._batch_depth -= 1
                if self._batch_depth == 0:
                    self._batch_bumped = False

    def _next_version(self) -> int:
        if self._batch_depth and self._batch_bumped:
            return self.version
        self.version += 1
        self._batch_bumped = bool(self._batch_depth)
        return self.version

    def new_key(self) -> str:
        while True:
            key = make_key(self.rng)
            if key not in self.items and key not in self.collections:
                return key

    def _stamp(self, data: dict) -> dict:
        data["version"] = self._next_version()
        return data

    # collections
    def add_collection(self, name: str, parent: str | None = None, key: str | None = None) -> str:
        with self.lock:
            key = key or self.new_key()
            self.collections[key] = self._stamp({
                "key": key, "name": name, "parentCollection": parent or False, "relations": {},
            })
            self.deleted["collections"].pop(key, None)
            return key

    def rename_collection(self, key: str, name: str) -> None:
        with self.lock:
            self.collections[key]["name"] = name
            self._stamp(self.collections[key])

    def move_collection(self, key: str, parent: str | None) -> None:
        with self.lock:
            self.collections[key]["parentCollection"] = parent or False
            self._stamp(self.collections[key])

    def delete_collection(self, key: str) -> None:
        """Deletes the collection and its sub-collections; their items stay, as in Zotero."""
        with self.lock, self.batch():
            doomed = self.descendants(key) | {key}
            version = self._next_version()
            for k in doomed:
                del self.collections[k]
                self.deleted["collections"][k] = version
            for data in self.items.values():
                if set(data.get("collections", ())) & doomed:
                    data["collections"] = [c for c in data["collections"] if c not in doomed]
                    data["version"] = version

    # items
    def add_item(self, data: dict, collections: tuple[str, ...] | list[str] = (), key: str | None = None,
                 parent: str | None = None) -> str:
        with self.lock:
            data = copy.deepcopy(data)
            key = key or data.get("key") or self.new_key()
            data["key"] = key
            data.setdefault("itemType", "journalArticle")
            data.setdefault("tags", [])
            data.setdefault("relations", {})
            data.setdefault("dateAdded", "2024-01-01T00:00:00Z")
            data.setdefault("dateModified", data["dateAdded"])
            data.pop("deleted", None)
            if parent:
                data["parentItem"] = parent
                data.pop("collections", None)
                self.children.setdefault(parent, set()).add(key)
            elif data["itemType"] in ("annotation",):
                raise ValueError("an annotation needs a parent")
            else:
                data.pop("parentItem", None)
                data["collections"] = list(collections)
            self.items[key] = self._stamp(data)
            self.deleted["items"].pop(key, None)
            return key

    def add_child(self, parent: str, item_type: str = "note", **fields) -> str:
        data = {"itemType": item_type, **fields}
        if item_type == "note":
            data.setdefault("note", "<p>child note</p>")
        return self.add_item(data, parent=parent)

    def modify_item(self, key: str, **fields) -> None:
        with self.lock:
            self.items[key].update(copy.deepcopy(fields))
            self._stamp(self.items[key])

    def replace_item(self, key: str, data: dict) -> None:
        """The item's data becomes `data` (a write's PUT, or a PATCH already merged), children kept in step."""
        with self.lock:
            data = copy.deepcopy(data)
            data["key"] = key
            old_parent = self.items[key].get("parentItem")
            parent = data.get("parentItem") or None
            if old_parent != parent:
                self.children.get(old_parent, set()).discard(key)
                if parent:
                    self.children.setdefault(parent, set()).add(key)
            if parent:
                data.pop("collections", None)
            else:
                data.pop("parentItem", None)
                data.setdefault("collections", [])
            if not data.get("deleted"):
                data.pop("deleted", None)
            self.items[key] = self._stamp(data)

    def replace_collection(self, key: str, data: dict) -> None:
        with self.lock:
            self.collections[key] = self._stamp({**copy.deepcopy(data), "key": key})

    def set_item_collections(self, key: str, collections: list[str]) -> None:
        self.modify_item(key, collections=list(collections))

    def trash_item(self, key: str) -> None:
        self.modify_item(key, deleted=1)

    def restore_item(self, key: str) -> None:
        with self.lock:
            self.items[key].pop("deleted", None)
            self._stamp(self.items[key])

    def delete_item(self, key: str) -> None:
        """Permanent deletion (emptying the trash): children go too."""
        with self.lock, self.batch():
            version = self._next_version()
            for k in [key] + sorted(self.children.pop(key, ())):
                parent = self.items.pop(k).get("parentItem")
                if parent in self.children:
                    self.children[parent].discard(k)
                self.deleted["items"][k] = version

    def touch(self, rng: random.Random | None = None) -> str:
        """Some other client edits one item: what a "bump" fault does mid-pass."""
        rng = rng or self.rng
        with self.lock:
            key = rng.choice(sorted(self.items))
            self.modify_item(key, extra=f"touched at {self.version + 1}")
            return key

    # queries
    def children_of(self, collection: str) -> list[str]:
        return sorted(k for k, c in self.collections.items() if c["parentCollection"] == collection)

    def descendants(self, collection: str) -> set[str]:
        found: set[str] = set()
        todo = [collection]
        while todo:
            for child in self.children_of(todo.pop()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def tree(self, top: str) -> set[str]:
        return {top} | self.descendants(top) if top in self.collections else set()

    def is_top_level(self, data: dict) -> bool:
        return not data.get("parentItem")

    def num_children(self, key: str) -> int:
        return sum(1 for k in self.children.get(key, ()) if not self.items[k].get("deleted"))

    # the API envelope
    def prefix(self, local: bool = False) -> str:
        lib_id = 0 if local and self.type == "user" else self.id
        return f"/{self.type}s/{lib_id}"

    def _library_block(self) -> dict:
        slug = f"groups/{self.id}" if self.type == "group" else self.name
        return {"type": self.type, "id": self.id, "name": self.name,
                "links": {"alternate": {"href": f"https://www.zotero.org/{slug}", "type": "text/html"}}}

    def item_object(self, key: str, local: bool = False) -> dict:
        data = self.items[key]
        base = (LOCAL_LINK_BASE if local else WEB_LINK_BASE) + self.prefix(local)
        links = {"self": {"href": f"{base}/items/{key}", "type": "application/json"},
                 "alternate": {"href": f"https://www.zotero.org/{self.name}/items/{key}", "type": "text/html"}}
        if data.get("parentItem"):
            links["up"] = {"href": f"{base}/items/{data['parentItem']}", "type": "application/json"}
        meta: dict = {}
        creators = data.get("creators") or []
        if creators:
            meta["creatorSummary"] = _creator_summary(creators)
        year = re.search(r"\d{4}", data.get("date", "") or "")
        if year:
            meta["parsedDate"] = year.group(0)
        if self.is_top_level(data) and data["itemType"] not in CHILD_TYPES:
            meta["numChildren"] = self.num_children(key)
        return {"key": key, "version": data["version"], "library": self._library_block(),
                "links": links, "meta": meta, "data": copy.deepcopy(data)}

    def collection_object(self, key: str, local: bool = False) -> dict:
        data = self.collections[key]
        base = (LOCAL_LINK_BASE if local else WEB_LINK_BASE) + self.prefix(local)
        links = {"self": {"href": f"{base}/collections/{key}", "type": "application/json"},
                 "alternate": {"href": f"https://www.zotero.org/{self.name}/collections/{key}",
                               "type": "text/html"}}
        if data["parentCollection"]:
            links["up"] = {"href": f"{base}/collections/{data['parentCollection']}", "type": "application/json"}
        num_items = sum(1 for d in self.items.values() if key in d.get("collections", ()) and not d.get("deleted"))
        return {"key": key, "version": data["version"], "library": self._library_block(), "links": links,
                "meta": {"numCollections": len(self.children_of(key)), "numItems": num_items},
                "data": copy.deepcopy(data)}

    def expected_snapshot(self, top: str, local: bool = False) -> tuple[dict[str, dict], dict[str, dict]]:
        """(items, collections) that a correct pull of `top` must hold, as API objects."""
        with self.lock:
            tree = self.tree(top)
            items = {k: self.item_object(k, local) for k, d in self.items.items()
                     if self.is_top_level(d) and d["itemType"] not in CHILD_TYPES
                     and not d.get("deleted") and set(d.get("collections", ())) & tree}
            return items, {k: self.collection_object(k, local) for k in tree}


def _creator_summary(creators: list[dict]) -> str:
    names = [c.get("lastName") or c.get("name", "") for c in creators if c.get("creatorType", "author") == "author"]
    names = names or [c.get("lastName") or c.get("name", "") for c in creators]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


# --- the server -------------------------------------------------------------------------------------

@dataclass
class Logged:
    method: str
    path: str
    query: dict
    status: int
    headers: dict
    fault: str | None = None


LOGGED_HEADERS = ("Authorization", "Zotero-API-Key", "If-Modified-Since-Version", "Zotero-API-Version",
                  "If-Unmodified-Since-Version", "Zotero-Write-Token")


class ApiError(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(body)
        self.status, self.body = status, body


class ZoteroServer(LoopbackServer):
    """`with ZoteroServer(library, api_key="...") as server:` then point a client at `server.url`."""

    thread_name = "zotero-api"
    poll_interval = 0.02

    def __init__(self, *libraries: Library, api_key: str | None = "", local: bool = False,
                 readable: set[tuple[str, int]] | None = None, retry_after: int = 1,
                 slow_seconds: float = 1.0, page_default: int = 25,
                 writable: bool | set[tuple[str, int]] = True, schema: Schema | None = None):
        self.libraries = {(lib.type, lib.id): lib for lib in libraries}
        self.api_key = api_key            # "" or None: no key needed (public library / local API)
        self.local = local
        self.readable = readable          # libraries the key may read; None = all
        self.writable = writable          # True: every library it reads; False: read-only; or a set
        self.schema = schema or Schema()
        self.retry_after = retry_after
        self.slow_seconds = slow_seconds
        self.page_default = page_default
        self.schedule: dict[int, str] = {}  # request number (1-based) -> fault kind
        self.trickle_seconds = 0.2
        self.ignore_start = False
        self.total_results: Callable[[int], object] | None = None
        self.faults: deque[str] = deque()
        self.bump: Callable[[Library], object] = lambda lib: lib.touch()
        self.requests = 0
        self.log: list[Logged] = []
        self._lock = threading.Lock()

    @property
    def origin(self) -> str:
        assert self._httpd is not None, "use the server as a context manager"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """What to configure as ZOTERO_API_URL."""
        return self.origin + ("/api" if self.local else "")

    # faults and counters
    def fail_next(self, *kinds: str) -> None:
        self.faults.extend(kinds)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests = 0
            self.log.clear()

    def _take_fault(self) -> tuple[int, str | None]:
        with self._lock:
            self.requests += 1
            number = self.requests
            fault = self.schedule.pop(number, None)
            if fault is None and self.faults:
                fault = self.faults.popleft()
            return number, fault

    def _record(self, entry: Logged) -> None:
        with self._lock:
            self.log.append(entry)

    # auth
    @staticmethod
    def _sent_key(headers, query: dict) -> str:
        auth = headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer "):]
        return headers.get("Zotero-API-Key") or query.get("key") or ""

    def check_access(self, headers, query: dict, lib: Library) -> None:
        if self.local or not self.api_key:
            return
        sent = self._sent_key(headers, query)
        if sent != self.api_key:
            raise ApiError(403, "Invalid key" if sent else "Forbidden")
        if self.readable is not None and (lib.type, lib.id) not in self.readable:
            raise ApiError(403, "Forbidden")

    def may_write(self, lib: Library) -> bool:
        if isinstance(self.writable, bool):
            return self.writable
        return (lib.type, lib.id) in self.writable

    def check_write(self, headers, query: dict, lib: Library) -> None:
        """403 unless the request carries the key and the key may write this library."""
        self.check_access(headers, query, lib)
        if not self.api_key or self._sent_key(headers, query) != self.api_key:
            raise ApiError(403, "Forbidden")
        if not self.may_write(lib):
            raise ApiError(403, "Write access denied")

    def key_info(self, key: str) -> dict:
        """What `GET /keys/<key>` answers: the key's owner and its `access` block."""
        users = [lib for (t, _), lib in sorted(self.libraries.items()) if t == "user"]
        owner = users[0] if users else None
        access: dict = {}
        if owner and (self.readable is None or ("user", owner.id) in self.readable):
            access["user"] = {"library": True, "notes": True, **({"write": True} if self.may_write(owner) else {})}
        if isinstance(self.writable, bool) and self.readable is None:
            access["groups"] = {"all": {"library": True, **({"write": True} if self.writable else {})}}
        else:
            groups = [lib for (t, _), lib in sorted(self.libraries.items()) if t == "group"
                      and (self.readable is None or (t, lib.id) in self.readable)]
            access["groups"] = {str(g.id): {"library": True, **({"write": True} if self.may_write(g) else {})}
                                for g in groups}
        return {"key": key, "userID": owner.id if owner else 1, "username": owner.name if owner else "testuser",
                "access": access}

    def find_library(self, kind: str, lib_id: int) -> Library:
        lib_type = kind[:-1]
        if self.local and lib_type == "user":
            users = [lib for (t, _), lib in self.libraries.items() if t == "user"]
            if users and lib_id in (0, users[0].id):
                return users[0]
            raise ApiError(400, "Only the logged-in user's library is available (use user ID 0)")
        lib = self.libraries.get((lib_type, lib_id))
        if lib is None:
            raise ApiError(404, "Not found")
        return lib


class _Handler(BaseHTTPRequestHandler):
    api: ZoteroServer
    protocol_version = "HTTP/1.1"   # keep-alive, like the real API
    disable_nagle_algorithm = True   # headers and body go out in two writes; no 40 ms delayed-ACK stall

    def log_message(self, *args) -> None:  # quiet: the tests read `server.log` instead
        pass

    def do_GET(self) -> None:
        self._serve(lambda path, query, fault: self._answer(path, query, fault))

    def do_POST(self) -> None:
        self._serve(self._write_answer, body=self._read_body())

    do_PUT = do_PATCH = do_POST

    def _read_body(self) -> bytes:
        # Read all of it even when the answer is a refusal: on a kept-alive connection an unread body
        # would be taken for the next request.
        length = self.headers.get("Content-Length", "")
        return self.rfile.read(int(length)) if length.isdigit() else b""

    def _serve(self, answer, body: bytes | None = None) -> None:
        _, fault = self.api._take_fault()
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        path = split.path
        if fault == "reset":
            self._record(path, query, 0, fault)
            self._drop_connection()
            return
        if fault == "timeout":
            time.sleep(self.api.slow_seconds)
        try:
            status, headers, out = answer(path, query, fault) if body is None else answer(path, query, fault, body)
        except ApiError as err:
            status, headers, out = err.status, dict(getattr(err, "headers", {})), err.body.encode()
        self._record(path, query, status, fault)
        if fault == "lost":      # carried out, but the client never hears so
            self._drop_connection()
            return
        if fault in WIRE_FAULTS:
            self._send_badly(fault, status, headers, out)
            return
        self._send(status, headers, out)

    def _send_badly(self, fault: str, status: int, headers: dict, body: bytes) -> None:
        """The wire faults: what a broken proxy, a dying server or a hostile one sends."""
        if fault in ("redirectloop", "crosshost"):
            host = "127.0.0.1" if fault == "redirectloop" else "localhost"
            port = self.api._httpd.server_address[1]
            status, headers, body = 302, {"Location": f"http://{host}:{port}{self.path}"}, b""
        elif fault == "badencoding":
            headers["Content-Encoding"] = "gzip"
        elif fault == "shape":
            body = b'{"message": "nope"}'
        self.send_response(status)
        for name, value in {**headers, "Zotero-API-Version": "3"}.items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if fault == "cut":
                self.wfile.write(body[:len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif fault == "trickle":
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(self.api.trickle_seconds)
            else:
                self.wfile.write(body)
        except OSError:   # the client gave up on us: what the trickle is for
            self.close_connection = True

    def _record(self, path: str, query: dict, status: int, fault: str | None) -> None:
        self.api._record(Logged(self.command, path, query, status,
                                {h: self.headers[h] for h in LOGGED_HEADERS if self.headers.get(h) is not None},
                                fault))

    def _drop_connection(self) -> None:
        # SO_LINGER 0 makes close() send a RST: the client sees a reset, not a polite end of stream.
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True

    def _send(self, status: int, headers: dict, body: bytes) -> None:
        self.send_response(status)
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        headers["Zotero-API-Version"] = "3"
        for name, value in headers.items():
            self.send_header(name, str(value))
        if status != 204:    # a 204 has no body and, by RFC 9110, no Content-Length
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status not in (204, 304):
            self.wfile.write(body)

    def _write_answer(self, path: str, query: dict, fault: str | None, body: bytes) -> tuple[int, dict, bytes]:
        api = self.api
        if api.local:
            if not path.startswith("/api/"):
                raise ApiError(404, "No endpoint found\n")
            # Zotero 7's HTTP server: endpoints of the local API support GET only
            if self.command == "POST":
                raise ApiError(400, "Endpoint does not support method\n")
            raise ApiError(501, "Method not implemented\n")
        match = re.fullmatch(r"/(users|groups)/(\d+)(/.*)?", path)
        if not match:
            raise ApiError(404, "Not found")
        lib = api.find_library(match.group(1), int(match.group(2)))
        api.check_write(self.headers, query, lib)
        if fault in ("429", "503", "500", "403"):
            raise_fault(fault, api.retry_after)
        with lib.lock:
            if fault == "bump":
                api.bump(lib)
            try:
                status, headers, out = WriteRoute(lib, api.schema, self.headers).answer(
                    self.command, match.group(3) or "/", body)
            except RequestError as err:
                raise ApiError(err.status, err.message) from None
        if fault == "backoff":
            headers["Backoff"] = str(api.retry_after)
        return status, headers, out

    # routing
    def _answer(self, path: str, query: dict, fault: str | None) -> tuple[int, dict, bytes]:
        api = self.api
        if api.local:
            if not path.startswith("/api/"):
                raise ApiError(404, "Not found")
            path = path[len("/api"):]
            if path == "/":
                return 200, {}, b"Nothing to see here."
        elif path.startswith("/keys/"):
            return self._key_info(path[len("/keys/"):], query)
        try:
            known = None if (api.local and path == "/items/new") else api.schema.global_answer(path, query)
        except KeyError:
            raise ApiError(400, f"Invalid item type '{query.get('itemType', '')}'") from None
        if known is not None:
            return 200, {"Content-Type": "application/json"}, _json(known)
        match = re.fullmatch(r"/(users|groups)/(\d+)(/.*)?", path)
        if not match:
            raise ApiError(404, "Not found")
        lib = api.find_library(match.group(1), int(match.group(2)))
        api.check_access(self.headers, query, lib)
        if fault in ("429", "503", "500", "403"):
            raise_fault(fault, api.retry_after)
        with lib.lock:
            if fault == "bump":
                api.bump(lib)
            status, headers, body = Route(api, lib, query, self.headers, path).answer(match.group(3) or "/")
        if fault == "304":          # Not Modified, asked or not
            status, body = 304, b""
        elif fault == "backoff":
            headers["Backoff"] = str(api.retry_after)
        elif fault == "truncated":      # a body cut off halfway (a proxy, a dropped stream)
            body = body[:len(body) // 2]
        elif fault == "empty":
            body = b""
        elif fault == "badutf8":        # bytes no UTF-8 decoder accepts, inside the JSON
            body = body.replace(b'"', b'"\xff\xfe', 1) if body else b"\xff"
        return status, headers, body


    def _key_info(self, which: str, query: dict) -> tuple[int, dict, bytes]:
        api = self.api
        sent = api._sent_key(self.headers, query)
        key = sent if which == "current" else which
        if which == "current" and (not api.api_key or sent != api.api_key):
            raise ApiError(403, "Forbidden")
        if not api.api_key or key != api.api_key:
            raise ApiError(404, "Key not found")
        return 200, {"Content-Type": "application/json"}, _json(api.key_info(key))


WIRE_FAULTS = ("cut", "trickle", "badencoding", "redirectloop", "crosshost", "shape")


def raise_fault(kind: str, retry_after: int) -> None:
    if kind == "429":
        err = ApiError(429, "Too Many Requests")
    elif kind == "503":
        err = ApiError(503, "Service Unavailable")
    elif kind == "403":
        err = ApiError(403, "Forbidden")
    else:
        err = ApiError(500, "An error occurred")
    if kind in ("429", "503"):
        raise _WithHeaders(err.status, err.body, {"Retry-After": str(retry_after)})
    raise err


class _WithHeaders(ApiError):
    def __init__(self, status: int, body: str, headers: dict):
        super().__init__(status, body)
        self.headers = headers


class Route:
    """Answers one request against one library (called with the library locked)."""

    def __init__(self, api: ZoteroServer, lib: Library, query: dict, headers, full_path: str):
        self.api, self.lib, self.query, self.headers, self.full_path = api, lib, query, headers, full_path

    def answer(self, rest: str) -> tuple[int, dict, bytes]:
        lib = self.lib
        if rest == "/deleted":
            return self.deleted()
        m = re.fullmatch(r"/items/([A-Z0-9]{8})", rest)
        if m:
            return self.single(lib.items, m.group(1), lib.item_object)
        m = re.fullmatch(r"/collections/([A-Z0-9]{8})", rest)
        if m:
            return self.single(lib.collections, m.group(1), lib.collection_object)
        m = re.fullmatch(r"/items/([A-Z0-9]{8})/children", rest)
        if m:
            self.need(lib.items, m.group(1))
            include_trashed = self.query.get("includeTrashed") in ("1", "true")
            keys = sorted(k for k in lib.children.get(m.group(1), ())
                          if include_trashed or not lib.items[k].get("deleted"))
            return self.items_list(keys)
        m = re.fullmatch(r"/collections/([A-Z0-9]{8})/collections", rest)
        if m:
            self.need(lib.collections, m.group(1))
            return self.collections_list(lib.children_of(m.group(1)))
        m = re.fullmatch(r"(?:/collections/([A-Z0-9]{8}))?/items(/top|/trash)?", rest)
        if m:
            coll, which = m.group(1), m.group(2) or ""
            if coll:
                self.need(lib.collections, coll)
            return self.items_list(self.select_items(coll, which))
        if rest in ("/collections", "/collections/top"):
            keys = [k for k, c in lib.collections.items() if rest == "/collections" or not c["parentCollection"]]
            return self.collections_list(keys)
        raise ApiError(404, "Not found")

    def need(self, table: dict, key: str) -> None:
        if key not in table:
            raise ApiError(404, "Not found")

    def select_items(self, coll: str | None, which: str) -> list[str]:
        trashed = which == "/trash"
        include_trashed = trashed or self.query.get("includeTrashed") in ("1", "true")
        keys = []
        for key, data in self.lib.items.items():
            if which == "/top" and not self.lib.is_top_level(data):
                continue
            if coll and coll not in data.get("collections", ()):
                continue
            if trashed and not data.get("deleted"):
                continue
            if data.get("deleted") and not include_trashed:
                continue
            keys.append(key)
        return keys

    # answers
    def base_headers(self) -> dict:
        return {"Last-Modified-Version": str(self.lib.version)}

    def not_modified(self) -> bool:
        since = self.headers.get("If-Modified-Since-Version")
        return since is not None and since.isdigit() and self.lib.version <= int(since)

    def single(self, table: dict, key: str, build) -> tuple[int, dict, bytes]:
        self.need(table, key)
        obj = build(key, self.api.local)
        return 200, {"Last-Modified-Version": str(obj["version"]), "Content-Type": "application/json"}, _json(obj)

    def filter_keys(self, keys: list[str], table: dict, key_param: str) -> list[str]:
        since = self.query.get("since")
        if since not in (None, ""):
            keys = [k for k in keys if table[k]["version"] > int(since)]
        wanted = self.query.get(key_param)
        if wanted:
            wanted_keys = wanted.split(",")
            if len(wanted_keys) > 50:
                raise ApiError(400, f"Cannot specify more than 50 {key_param} values")
            keys = [k for k in keys if k in set(wanted_keys)]
        return sorted(keys)

    def items_list(self, keys: list[str]) -> tuple[int, dict, bytes]:
        keys = self.filter_item_type(self.filter_keys(keys, self.lib.items, "itemKey"))
        return self.listing(keys, self.lib.items, self.lib.item_object)

    def filter_item_type(self, keys: list[str]) -> list[str]:
        """`itemType=note`, `itemType=-attachment`, `itemType=book || note` (Zotero's search syntax)."""
        wanted = (self.query.get("itemType") or "").strip()
        if not wanted:
            return keys
        if wanted.startswith("-"):
            unwanted = wanted[1:].strip()
            return [k for k in keys if self.lib.items[k]["itemType"] != unwanted]
        types = {t.strip() for t in wanted.split("||")}
        return [k for k in keys if self.lib.items[k]["itemType"] in types]

    def collections_list(self, keys: list[str]) -> tuple[int, dict, bytes]:
        keys = self.filter_keys(keys, self.lib.collections, "collectionKey")
        return self.listing(keys, self.lib.collections, self.lib.collection_object)

    def listing(self, keys: list[str], table: dict, build) -> tuple[int, dict, bytes]:
        headers = self.base_headers()
        if self.not_modified():
            return 304, headers, b""
        fmt = self.query.get("format", "json")
        start, limit = self.window(fmt)
        if self.api.ignore_start:
            start = 0
        page = keys[start:start + limit] if limit is not None else keys[start:]
        headers["Total-Results"] = str(len(keys))
        if self.api.total_results is not None:
            told = self.api.total_results(len(keys))
            if told is None:
                del headers["Total-Results"]
            else:
                headers["Total-Results"] = str(told)
        link = self.link_header(start, limit, len(keys))
        if link:
            headers["Link"] = link
        if fmt == "versions":
            headers["Content-Type"] = "application/json"
            return 200, headers, _json({k: table[k]["version"] for k in page})
        if fmt == "keys":
            return 200, headers, ("\n".join(page) + "\n").encode() if page else b""
        if fmt != "json":
            raise ApiError(400, f"Invalid 'format' value '{fmt}'")
        headers["Content-Type"] = "application/json"
        return 200, headers, _json([build(k, self.api.local) for k in page])

    def window(self, fmt: str) -> tuple[int, int | None]:
        try:
            start = int(self.query.get("start") or 0)
            raw = self.query.get("limit")
            limit = int(raw) if raw not in (None, "") else None
        except ValueError:
            raise ApiError(400, "Invalid 'start' or 'limit'") from None
        if fmt == "json":
            # The web API pages JSON at 25 by default and 100 at most; the local API does not page.
            if limit is None:
                limit = None if self.api.local else self.api.page_default
            limit = min(max(limit, 1), 100) if limit is not None else None
        return max(start, 0), limit

    def link_header(self, start: int, limit: int | None, total: int) -> str:
        if limit is None or total <= limit:
            return ""
        path = ("/api" if self.api.local else "") + self.full_path

        def url(at: int) -> str:
            params = {**self.query, "start": str(at), "limit": str(limit)}
            return f"<{self.api.origin}{path}?{urlencode(params)}>"

        last = ((total - 1) // limit) * limit
        parts = [f'{url(0)}; rel="first"']
        if start > 0:
            parts.append(f'{url(max(start - limit, 0))}; rel="prev"')
        if start + limit < total:
            parts.append(f'{url(start + limit)}; rel="next"')
        parts.append(f'{url(last)}; rel="last"')
        slug = f"groups/{self.lib.id}" if self.lib.type == "group" else self.lib.name
        parts.append(f'<https://www.zotero.org/{slug}/items>; rel="alternate"')
        return ", ".join(parts)

    def deleted(self) -> tuple[int, dict, bytes]:
        since = self.query.get("since")
        if since in (None, "") or not since.isdigit():
            raise ApiError(400, "'since' parameter must be provided")
        headers = {**self.base_headers(), "Content-Type": "application/json"}
        if self.not_modified():
            return 304, headers, b""
        body = {kind: sorted(k for k, v in keys.items() if v > int(since))
                for kind, keys in self.lib.deleted.items()}
        return 200, headers, _json(body)


def _json(obj) -> bytes:
    try:
        return json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:   # a lone surrogate: sent as a JSON escape ("\\ud800"), as Zotero would
        return json.dumps(obj).encode("ascii")


ZoteroServer.handler = _Handler
