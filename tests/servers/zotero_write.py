"""The write half of the loopback Zotero Web API v3 ("Write Requests" in Zotero's documentation).

`WriteRoute` answers one POST, PUT or PATCH against one library, called with the library locked:

- `POST <prefix>/items` and `POST <prefix>/collections`: a JSON array of at most 50 objects (413 beyond;
  400 for a body that is not JSON or not an array, or not sent as `application/json`). Each object
  succeeds or fails on its own, and the answer is 200 with Zotero's four maps keyed by the object's index
  in the array: `successful` (the saved object as a GET returns it), `success` (its key), `unchanged`
  (its key: an update that changed nothing) and `failed` (`{"key", "code", "message"}`). The codes are
  Zotero's: 400 for an unknown `itemType`, a field the type does not have, a malformed tag or creator;
  409 for a `collections` entry, `parentItem` or `parentCollection` naming an object that does not
  exist; 412 for a stale object `version`; 428 for a keyed update that gives no version at all.
  A new object without a key gets one from the server; a child item may name a parent created earlier
  in the same array. Objects that carry the key of an existing object update it with PATCH semantics.
- The library version moves once per request however many objects it saved (none when nothing
  changed), and `Last-Modified-Version` carries it.
- `Zotero-Write-Token` (32 characters): a token this library has seen on a request that succeeded gets
  412 "Write token already used" for the whole request; a request that failed does not store its token.
- `If-Unmodified-Since-Version` on a POST is the library version: 412 when the library has moved since.
- `PUT`/`PATCH <prefix>/items/KEY` and `<prefix>/collections/KEY`: the object's version comes from that
  header or the body's `version` (neither: 428), 412 when the object moved since; PATCH merges the given
  properties into the object (arrays such as `collections` and `tags` replace the old ones), PUT replaces
  the object's data. Both answer 204 with the object's new version.

Who may write, and the faults, are the server's business (tests/servers/zotero_api.py).
"""
from __future__ import annotations

import copy
import json
import re

from tests.servers.zotero_schema import COLLECTION_PROPERTIES, Schema

MAX_OBJECTS = 50
KEY_RE = re.compile(r"[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}")
WRITE_TOKEN_LENGTH = 32
# What a saved item carries that the client does not decide: compared apart when spotting "unchanged".
SERVER_SET = ("version", "dateModified")


class ObjectError(Exception):
    """One object of a write failed: an entry of `failed`, or the status of a single-object write."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class RequestError(Exception):
    """The whole write request failed (the server answers `status` with `message` as plain text)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _json_body(body: bytes, content_type: str):
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise RequestError(400, "Content-Type must be application/json")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RequestError(400, "Invalid JSON") from None


def _version(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) and not (isinstance(value, str) and value.isdigit()):
        raise RequestError(400, f"Invalid {what} value")
    return int(value)


class WriteRoute:
    """Answers one write request against one library; returns (status, headers, body bytes)."""

    def __init__(self, lib, schema: Schema, headers):
        self.lib, self.schema, self.headers = lib, schema, headers

    def answer(self, method: str, rest: str, body: bytes) -> tuple[int, dict, bytes]:
        if rest in ("/items", "/collections"):
            if method != "POST":
                raise RequestError(405, "Method not allowed")
            return self.post_many(rest[1:], body)
        m = re.fullmatch(r"/(items|collections)/([A-Z0-9]{8})", rest)
        if m:
            if method not in ("PUT", "PATCH"):
                raise RequestError(405, "Method not allowed")
            return self.write_one(method, m.group(1), m.group(2), body)
        raise RequestError(404, "Not found")

    # --- POST: many objects, one answer per object ----------------------------------------------------

    def post_many(self, kind: str, body: bytes) -> tuple[int, dict, bytes]:
        lib = self.lib
        token = self.headers.get("Zotero-Write-Token")
        if token is not None:
            if len(token) != WRITE_TOKEN_LENGTH:
                raise RequestError(400, f"Write token must be {WRITE_TOKEN_LENGTH} characters")
            if token in lib.write_tokens:
                raise RequestError(412, "Write token already used")
        since = self.headers.get("If-Unmodified-Since-Version")
        if since is not None:
            expected = _version(since, "If-Unmodified-Since-Version")
            if lib.version > expected:
                raise RequestError(412, f"Library has been modified since specified version "
                                        f"(expected {expected}, found {lib.version})")
        objects = _json_body(body, self.headers.get("Content-Type", ""))
        if not isinstance(objects, list):
            raise RequestError(400, "Uploaded data must be a JSON array")
        if len(objects) > MAX_OBJECTS:
            raise RequestError(413, f"Only {MAX_OBJECTS} objects can be saved in a single request")
        result: dict[str, dict] = {"successful": {}, "success": {}, "unchanged": {}, "failed": {}}
        save = self.save_item if kind == "items" else self.save_collection
        build = lib.item_object if kind == "items" else lib.collection_object
        with lib.batch():
            for index, obj in enumerate(objects):
                at = str(index)
                given = obj.get("key") if isinstance(obj, dict) else None
                try:
                    key, changed = save(obj, since is not None)
                except ObjectError as err:
                    result["failed"][at] = {"key": given if isinstance(given, str) else "",
                                            "code": err.code, "message": err.message}
                    continue
                if changed:
                    result["successful"][at] = build(key)
                    result["success"][at] = key
                else:
                    result["unchanged"][at] = key
        if token is not None:
            lib.write_tokens.add(token)
        headers = {"Content-Type": "application/json", "Last-Modified-Version": str(lib.version)}
        return 200, headers, json.dumps(result, ensure_ascii=False).encode("utf-8")

    def _existing(self, table: dict, obj: dict, versioned: bool, noun: str) -> tuple[str | None, dict | None]:
        """(key, current data or None for a new object), after the key and version checks."""
        key = obj.get("key")
        if key is not None and (not isinstance(key, str) or not KEY_RE.fullmatch(key)):
            raise ObjectError(400, "'key' must be an 8-character string of Zotero's key alphabet")
        version = obj.get("version")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise ObjectError(400, "'version' must be an integer")
        current = table.get(key) if key else None
        if current is None:
            if version:
                raise ObjectError(404, f"{noun} doesn't exist (expected version {version}; use 0 instead)")
            return key, None
        if version is None and not versioned:
            raise ObjectError(428, "Either If-Unmodified-Since-Version or object version property must be "
                                   "provided for key-based writes")
        if version is not None and current["version"] > version:
            raise ObjectError(412, f"{noun} has been modified since specified version "
                                   f"(expected {version}, found {current['version']})")
        return key, current

    def save_item(self, obj, versioned: bool) -> tuple[str, bool]:
        if not isinstance(obj, dict):
            raise ObjectError(400, "Invalid value in uploaded data; expected JSON item object")
        key, current = self._existing(self.lib.items, obj, versioned, "Item")
        fields = {k: v for k, v in obj.items() if k != "version"}
        if current is None:
            data = self.checked_item(fields)
            return self.lib.add_item(data, data.pop("collections", []), key=key,
                                     parent=data.pop("parentItem", None) or None), True
        merged = {**{k: v for k, v in current.items() if k != "version"}, **fields}
        data = self.checked_item(merged)
        if _same(data, current):
            return key, False
        self.lib.replace_item(key, data)
        return key, True

    def save_collection(self, obj, versioned: bool) -> tuple[str, bool]:
        if not isinstance(obj, dict):
            raise ObjectError(400, "Invalid value in uploaded data; expected JSON collection object")
        key, current = self._existing(self.lib.collections, obj, versioned, "Collection")
        fields = {k: v for k, v in obj.items() if k != "version"}
        merged = {**{k: v for k, v in (current or {}).items() if k != "version"}, **fields}
        data = self.checked_collection(merged, key)
        if current is None:
            return self.lib.add_collection(data["name"], data["parentCollection"] or None, key=key), True
        if _same(data, current):
            return key, False
        self.lib.replace_collection(key, data)
        return key, True

    # --- PUT / PATCH: one object ---------------------------------------------------------------------

    def write_one(self, method: str, kind: str, key: str, body: bytes) -> tuple[int, dict, bytes]:
        lib = self.lib
        table = lib.items if kind == "items" else lib.collections
        if key not in table:
            raise RequestError(404, "Not found")
        obj = _json_body(body, self.headers.get("Content-Type", ""))
        if not isinstance(obj, dict):
            raise RequestError(400, "Uploaded data must be a JSON object")
        if obj.get("key", key) != key:
            raise RequestError(400, f"Key '{obj.get('key')}' does not match the key in the URL")
        current = table[key]
        header = self.headers.get("If-Unmodified-Since-Version")
        if header is None and obj.get("version") is None:
            raise RequestError(428, "If-Unmodified-Since-Version not provided")
        expected = _version(header if header is not None else obj.get("version"), "version")
        noun = "Item" if kind == "items" else "Collection"
        if current["version"] > expected:
            raise RequestError(412, f"{noun} has been modified since specified version "
                                    f"(expected {expected}, found {current['version']})")
        fields = {k: v for k, v in obj.items() if k != "version"}
        if method == "PATCH":
            merged = {**{k: v for k, v in current.items() if k != "version"}, **fields}
        else:   # PUT: what the body leaves out is gone, as the write docs say
            merged = {"key": key, **fields}
            for name in ("dateAdded", "dateModified"):
                if name in current and name not in merged:
                    merged[name] = current[name]
        try:
            data = self.checked_item(merged) if kind == "items" else self.checked_collection(merged, key)
        except ObjectError as err:
            raise RequestError(err.code, err.message) from None
        if not _same(data, current):
            with lib.batch():
                (lib.replace_item if kind == "items" else lib.replace_collection)(key, data)
        return 204, {"Last-Modified-Version": str(table[key]["version"])}, b""

    # --- validation ----------------------------------------------------------------------------------

    def checked_item(self, data: dict) -> dict:
        """A copy of `data` as Zotero would store it, or ObjectError naming what is wrong."""
        schema, lib = self.schema, self.lib
        item_type = data.get("itemType")
        if item_type is None:
            raise ObjectError(400, "'itemType' property not provided")
        if not schema.is_type(item_type):
            raise ObjectError(400, f"'{item_type}' is not a valid itemType")
        allowed = schema.allowed(item_type)
        known = set(schema.all_fields())
        for name in data:
            if name not in allowed:
                if name in known:
                    raise ObjectError(400, f"'{name}' is not a valid field for type '{item_type}'")
                raise ObjectError(400, f"Invalid property '{name}'")
        for name, value in data.items():
            if name in known and not isinstance(value, str):
                raise ObjectError(400, f"'{name}' must be a string")
        out = copy.deepcopy(data)
        out["tags"] = _tags(out.get("tags", []))
        if "creators" in out:
            out["creators"] = _creators(out["creators"], schema.creator_types(item_type), item_type)
        if not isinstance(out.setdefault("relations", {}), dict):
            raise ObjectError(400, "'relations' must be an object")
        if item_type == "note" and not isinstance(out.setdefault("note", ""), str):
            raise ObjectError(400, "'note' must be a string")
        collections = out.get("collections", [])
        if not isinstance(collections, list) or not all(isinstance(c, str) for c in collections):
            raise ObjectError(400, "'collections' must be an array of collection keys")
        parent = out.get("parentItem") or None
        if item_type in ("note", "attachment"):
            if parent is not None:
                if collections:
                    raise ObjectError(400, "Child items cannot be assigned to collections")
                if parent not in lib.items or lib.items[parent]["itemType"] in ("note", "attachment"):
                    raise ObjectError(409, f"Parent item {parent} doesn't exist")
        elif parent is not None:
            raise ObjectError(400, "Only notes and attachments can be child items")
        for coll in collections:
            if coll not in lib.collections:
                raise ObjectError(409, f"Collection {coll} doesn't exist")
        if out.get("parentItem") is False or out.get("parentItem") == "":
            out.pop("parentItem")
        return out

    def checked_collection(self, data: dict, key: str | None) -> dict:
        for name in data:
            if name not in COLLECTION_PROPERTIES:
                raise ObjectError(400, f"Invalid property '{name}'")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ObjectError(400, "Collection name cannot be empty")
        parent = data.get("parentCollection") or False
        if parent is not False:
            if not isinstance(parent, str):
                raise ObjectError(400, "'parentCollection' must be a collection key or false")
            if parent == key or (key and parent in self.lib.descendants(key)):
                raise ObjectError(400, "Cannot move a collection into itself or one of its subcollections")
            if parent not in self.lib.collections:
                raise ObjectError(409, f"Parent collection {parent} doesn't exist")
        relations = data.get("relations", {})
        if not isinstance(relations, dict):
            raise ObjectError(400, "'relations' must be an object")
        return {**data, "name": name, "parentCollection": parent, "relations": relations}


def _tags(tags) -> list[dict]:
    if not isinstance(tags, list):
        raise ObjectError(400, "'tags' must be an array")
    out = []
    for tag in tags:
        if not isinstance(tag, dict) or not isinstance(tag.get("tag"), str) or not tag["tag"].strip():
            raise ObjectError(400, "Tag must be an object with a non-empty 'tag' string")
        if set(tag) - {"tag", "type"} or tag.get("type", 0) not in (0, 1):
            raise ObjectError(400, f"Invalid tag '{tag['tag']}'")
        out.append(dict(tag))
    return out


def _creators(creators, types: list[str], item_type: str) -> list[dict]:
    if not isinstance(creators, list):
        raise ObjectError(400, "'creators' must be an array")
    for creator in creators:
        if not isinstance(creator, dict):
            raise ObjectError(400, "Creator must be an object")
        kind = creator.get("creatorType", "author")
        if kind not in types:
            raise ObjectError(400, f"'{kind}' is not a valid creator type for item type '{item_type}'")
        names = set(creator) - {"creatorType"}
        if names not in ({"name"}, {"firstName", "lastName"}, {"lastName"}, {"firstName"}) or \
                not all(isinstance(creator[n], str) for n in names):
            raise ObjectError(400, "Creator must have 'name' or 'firstName'/'lastName' strings")
    return copy.deepcopy(creators)


def _same(new: dict, current: dict) -> bool:
    """Would saving `new` leave the stored object as it is? (the server's own stamps aside)"""
    def strip(data: dict) -> dict:
        return {k: v for k, v in data.items() if k not in SERVER_SET and v not in ("", [], {}, False, None)}
    return strip(new) == strip(current)
