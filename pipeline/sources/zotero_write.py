"""Zotero writes: the only code that creates or changes objects in a Zotero library (Web API v3).

`push` and `add` write through here; reads stay with `ZoteroClient` (pipeline/sources/zotero.py),
whose HTTP client, retry policy and key this writer shares, so a write meets a struggling server the
way a read does (`Backoff`, `Retry-After`, 429, 5xx and dropped connections in `sources/http.py`).

What the write protocol asks of a client, and how it is met here:

- At most 50 objects per request (`MAX_OBJECTS`); a larger list is the caller's mistake.
- Every POST carries a fresh `Zotero-Write-Token`. The transport resends the very same request when the
  answer is lost (a dropped connection after the server applied it), and Zotero refuses a token it has
  seen with 412: the write happened once, and the caller learns it must read again (`WriteReplayed`).
- `If-Unmodified-Since-Version` carries the library version the caller planned against; a library
  that moved meanwhile is a 412 too (`LibraryMoved`): read again, plan again, go on.
- The answer's `successful` / `success` / `unchanged` / `failed` maps come back as one `WriteResult`,
  per object, so one bad object is that object's problem and not the batch's.

The desktop's local API is read-only (Zotero 7 serves GET only), so writing needs the Web API and a key
with write access; `access()` asks the server what the key may do before anything is written.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx2

from pipeline.sources import http
from pipeline.sources.zotero import AccessDenied, BadRequest, NotFound, Unavailable, UnexpectedResponse, ZoteroError

MAX_OBJECTS = 50        # the most objects one write request may carry


class WriteRefused(AccessDenied):
    """The key (or the server) does not allow writing to this library."""


class LibraryMoved(ZoteroError):
    """412: the library changed since the version we planned against."""


class WriteReplayed(LibraryMoved):
    """412 to a write token already used: an earlier try of this very request was applied."""


@dataclass(frozen=True)
class Failure:
    code: int
    message: str


@dataclass
class WriteResult:
    """What one write request did, by the index of each object in the request."""

    created: dict[int, str] = field(default_factory=dict)        # index -> key (successful)
    objects: dict[int, dict] = field(default_factory=dict)       # index -> the object as stored
    unchanged: dict[int, str] = field(default_factory=dict)
    failed: dict[int, Failure] = field(default_factory=dict)
    version: int = 0                                              # the library version after the write


def write_token() -> str:
    return secrets.token_hex(16)      # 32 hex characters, as the protocol asks


class ZoteroWriter:
    """Writes to the library a `ZoteroClient` reads. Each method makes exactly one request."""

    def __init__(self, client, api_key: str):
        self.client = client
        self.local = client.local
        self._http: httpx2.Client = client._http
        self._key = api_key
        self.prefix = f"/{client.library_type}s/{client.library_id or '0'}"
        self.label = client.label

    @property
    def requests(self) -> int:
        return self.client.requests

    def _headers(self, **extra: str) -> dict[str, str]:
        headers = {"Zotero-API-Version": "3", **extra}
        if self._key:
            headers["Zotero-API-Key"] = self._key
        return headers

    def access(self) -> dict | None:
        """The key's `access` block (`{"user": {...}, "groups": {...}}`), or None on the local API."""
        if self.local:
            return None
        response = self._send("GET", "/keys/current", what="the API key's permissions")
        body = _json(response, f"the API key's permissions for {self.label}")
        if not isinstance(body, dict) or not isinstance(body.get("access"), dict):
            raise UnexpectedResponse(f"Zotero sent no access block for the API key of {self.label}")
        return body["access"]

    def can_write(self, access: dict | None) -> bool:
        if access is None:
            return False
        if self.client.library_type == "user":
            return bool((access.get("user") or {}).get("write"))
        groups = access.get("groups") or {}
        grant = groups.get(str(self.client.library_id)) or groups.get("all") or {}
        return bool(grant.get("write"))

    def create(self, kind: str, objects: list[dict], library_version: int) -> WriteResult:
        """POST up to 50 new `kind` ("items" or "collections") objects, planned at `library_version`."""
        if not 0 < len(objects) <= MAX_OBJECTS:
            raise ValueError(f"a write carries 1 to {MAX_OBJECTS} objects, not {len(objects)}")
        headers = self._headers(**{"Zotero-Write-Token": write_token(),
                                   "If-Unmodified-Since-Version": str(library_version),
                                   "Content-Type": "application/json"})
        response = self._send("POST", f"{self.prefix}/{kind}", what=f"new {kind}", json=objects, headers=headers)
        return _result(response, self.label, kind)

    def update_item(self, key: str, changes: dict, version: int) -> int:
        """PATCH one item (the fields in `changes` replace the stored ones); the new library version."""
        headers = self._headers(**{"If-Unmodified-Since-Version": str(version), "Content-Type": "application/json"})
        response = self._send("PATCH", f"{self.prefix}/items/{key}", what=f"item {key}", json=changes,
                              headers=headers)
        return _version(response, self.label)

    def _send(self, method: str, path: str, *, what: str, json: Any = None,
              headers: dict | None = None) -> httpx2.Response:
        try:
            response = self._http.request(method, path, json=json, headers=headers or self._headers())
        except http.SourceUnavailable as exc:
            raise Unavailable(f"{exc} (writing {what} to {self.label})") from None
        except httpx2.HTTPError as exc:
            raise Unavailable(f"Zotero did not answer ({type(exc).__name__}) writing {what} to {self.label}") from None
        status = response.status_code
        if status < 300:
            return response
        body = response.text[:200].strip().casefold()
        if status == 412:
            if "write token" in body:
                raise WriteReplayed(f"an earlier try of the write of {what} to {self.label} was applied "
                                    "(its answer was lost)", status)
            raise LibraryMoved(f"{self.label} changed while {what} were being written (HTTP 412)", status)
        if status in (401, 403):
            raise WriteRefused(f"the API key cannot write to {self.label} (HTTP {status}): give it write access "
                               "at zotero.org/settings/keys", status)
        if status == 404:
            raise NotFound(f"{self.label} not found (HTTP 404) writing {what}: check ZOTERO_LIBRARY_TYPE and "
                           "ZOTERO_LIBRARY_ID", status)
        if status == 400:
            raise BadRequest(f"Zotero rejected the write of {what} to {self.label} (HTTP 400)", status)
        if status == 409:
            raise ZoteroError(f"{self.label} is locked by another write (HTTP 409); try again shortly", status)
        if status == 413:
            raise BadRequest(f"the write of {what} to {self.label} was too large (HTTP 413)", status)
        raise ZoteroError(f"Zotero answered HTTP {status} writing {what} to {self.label}", status)


def _json(response: httpx2.Response, what: str) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeError):
        raise UnexpectedResponse(f"Zotero sent an unreadable answer for {what}") from None


def _version(response: httpx2.Response, label: str) -> int:
    raw = response.headers.get("last-modified-version", "")
    if not raw.isdigit():
        raise UnexpectedResponse(f"Zotero sent no Last-Modified-Version with a write to {label}")
    return int(raw)


def _result(response: httpx2.Response, label: str, kind: str) -> WriteResult:
    body = _json(response, f"the write of {kind} to {label}")
    if not isinstance(body, dict):
        raise UnexpectedResponse(f"Zotero answered the write of {kind} to {label} with {type(body).__name__}")
    result = WriteResult(version=_version(response, label))
    successful = body.get("successful") if isinstance(body.get("successful"), dict) else {}
    for index, key in (body.get("success") or {}).items():
        if str(index).isdigit() and isinstance(key, str):
            result.created[int(index)] = key
            obj = successful.get(str(index))
            if isinstance(obj, dict):
                result.objects[int(index)] = obj
    for index, key in (body.get("unchanged") or {}).items():
        if str(index).isdigit():
            result.unchanged[int(index)] = str(key)
    for index, failure in (body.get("failed") or {}).items():
        if str(index).isdigit():
            failure = failure if isinstance(failure, dict) else {}
            code = failure.get("code")
            result.failed[int(index)] = Failure(code if isinstance(code, int) else 0,
                                                " ".join(str(failure.get("message") or "no reason given").split())[:200])
    return result
