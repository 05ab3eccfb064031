"""Zotero: the only code that speaks HTTP to the Zotero Web API or the Zotero 7 desktop's local API.

It asks through pyzotero and adds what pyzotero leaves to its callers:

- Retries. The shared transport of `pipeline/sources/http.py` sits under pyzotero's HTTP client and
  owns every wait (`Backoff`, `Retry-After`, capped jittered backoff, a bound on how long we wait at
  all). The waiting goes through `RetryPolicy.sleep`, so tests replace it and never sleep. pyzotero
  never sees a 429 or a `Backoff` header (it would sleep on its own clock); when the retries run out
  the caller gets `Unavailable`.
- Version watching. Every answer carries `Last-Modified-Version`. Between `begin_pass()` calls the client
  remembers the first one and raises `LibraryChanged` when another differs: Zotero's sync rule for a
  library that someone edits while we read it.
- Conditional reads. `If-Modified-Since-Version` goes on the one request that asks for it; a 304, which
  pyzotero raises as an error, comes back as `None`.
- Pagination checked against itself (issue 22): every page must carry a numeric `Total-Results`, the
  same on every page; no page may repeat an object of an earlier one; the pages must add up to the
  total, neither fewer (a page that ends early) nor more. A listing that does not add up raises
  `UnexpectedResponse`, so a pass never stores a list with a silent gap.
- One error hierarchy. pyzotero's exceptions (and their text, which holds URLs and server bodies) stay in
  here; callers get a `ZoteroError` subclass chosen by status code, with a one-line message we wrote
  that names the library, never the key.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

import httpx2
from pyzotero import errors as pyzotero_errors
from pyzotero import zotero

from pipeline.sources import http

PAGE = 100        # the most the Web API returns per page
KEY_BATCH = 50    # the most keys one itemKey= / collectionKey= request may name


# --- errors -----------------------------------------------------------------------------------------

class ZoteroError(http.SourceError):
    """Zotero could not give us what we asked for. The message is one line and holds no secret."""

    status: int | None = None

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class AccessDenied(ZoteroError):
    """401/403: the key (or the desktop's settings) does not allow reading the library."""


class NotFound(ZoteroError):
    """404: the library or collection does not exist (or the key cannot see that it does)."""


class BadRequest(ZoteroError):
    """400: the server rejected the request itself."""


class Unavailable(ZoteroError):
    """429, 5xx, timeouts or dropped connections, still failing after every retry."""


class UnexpectedResponse(ZoteroError):
    """An answer that does not fit the protocol (missing version header, wrong body shape)."""


class LibraryChanged(ZoteroError):
    """Last-Modified-Version moved during a pass: someone edited the library while we read it."""


# --- retries: the shared policy (pipeline/sources/http.py), with Zotero's own defaults ------------------

RetryPolicy = http.RetryPolicy
retry_after_seconds = http.retry_after_seconds


def default_policy() -> http.RetryPolicy:
    # Zotero asks clients to back off generously; a sync is rare, so waiting longer beats failing.
    return http.RetryPolicy(attempts=6, base=1.0, cap=60.0, timeout=30.0)


# --- the client -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    body: Any
    version: int
    total: int | None


class ZoteroClient:
    """Read access to one library (writes: `sources/zotero_write.py`, on this client's connection).
    Every method makes the requests it names and no others."""

    def __init__(self, library_type: str, library_id: str, api_key: str, api_url: str,
                 label: str, policy: RetryPolicy | None = None,
                 on_wait: Callable[[float, str], None] | None = None):
        self.policy = policy or default_policy()
        self.label = label
        self.library_type, self.library_id = library_type, library_id
        self.local = api_url.rstrip("/").endswith("/api")
        self._http = http.make_client(api_url, policy=self.policy, name="Zotero", on_wait=on_wait,
                                      trust_env=not self.local)
        self.transport = http.transport_of(self._http)
        self._zot = zotero.Zotero(library_id or "0", library_type, api_key=None if self.local else api_key,
                                  local=self.local, client=self._http)
        self._zot.endpoint = api_url.rstrip("/")
        self._pass_version: int | None = None

    @property
    def requests(self) -> int:
        return self.transport.requests

    def close(self) -> None:
        self._http.close()

    def begin_pass(self) -> None:
        self._pass_version = None

    @property
    def pass_version(self) -> int | None:
        return self._pass_version

    # reads
    def collection(self, key: str) -> dict:
        """One collection object (NotFound when the library has no such collection)."""
        answer = self._call("collection", key, what=f"collection {key}")
        if not isinstance(answer.body, dict) or "data" not in answer.body:
            raise UnexpectedResponse(f"Zotero sent something other than a collection for {key} of {self.label}")
        return answer.body

    def collections_page(self, start: int) -> Answer:
        return self._call("collections", what="the collections", limit=PAGE, start=start)

    def collection_top_items_page(self, collection: str, start: int) -> Answer:
        return self._call("collection_items_top", collection, what=f"collection {collection}",
                          limit=PAGE, start=start)

    def all_collections(self) -> Iterator[dict]:
        yield from self._pages(self.collections_page, "the collections")

    def collection_top_items(self, collection: str) -> Iterator[dict]:
        yield from self._pages(lambda start: self.collection_top_items_page(collection, start),
                               f"collection {collection}")

    def changed_collections(self, since: int) -> dict[str, int] | None:
        """{key: version} of collections changed after `since`; None when nothing in the library changed."""
        answer = self._call("collection_versions", what="the collection versions", since=since,
                            if_modified_since=since)
        return None if answer is None else self._versions(answer.body)

    def changed_top_items(self, since: int) -> dict[str, int]:
        """{key: version} of top-level items changed after `since`, trashed ones included."""
        answer = self._call("top", what="the item versions", format="versions", since=since,
                            includeTrashed=1, limit=None)
        return self._versions(answer.body)

    # notes: children of the listed items, so neither `items/top` nor a collection's items name them
    def notes_page(self, start: int) -> Answer:
        return self._call("items", what="the notes", itemType="note", limit=PAGE, start=start)

    def all_notes(self) -> Iterator[dict]:
        """Every note of the library outside the trash (child and standalone), 100 a request."""
        yield from self._pages(self.notes_page, "the notes")

    def changed_notes(self, since: int) -> dict[str, int]:
        """{key: version} of notes changed after `since`, trashed ones included."""
        answer = self._call("items", what="the note versions", format="versions", since=since,
                            itemType="note", includeTrashed=1, limit=None)
        return self._versions(answer.body)

    def child_notes(self, parent: str) -> Iterator[dict]:
        """The notes under one item."""
        yield from self._pages(lambda start: self._call(
            "children", parent, what=f"the notes of item {parent}", itemType="note", limit=PAGE, start=start),
            f"the notes of item {parent}")

    def items_by_key(self, keys: list[str]) -> list[dict]:
        if len(keys) > KEY_BATCH:
            raise ValueError(f"at most {KEY_BATCH} keys per request")
        answer = self._call("items", what="items by key", itemKey=",".join(keys), includeTrashed=1,
                            limit=KEY_BATCH)
        return self._objects(answer.body)

    def deleted(self, since: int) -> dict[str, list[str]]:
        answer = self._call("deleted", what="the deleted objects", since=since, limit=None)
        body = answer.body
        if not (isinstance(body, dict) and all(isinstance(keys, list) and all(isinstance(k, str) for k in keys)
                                               for keys in body.values())):
            raise UnexpectedResponse(f"Zotero answered the deleted objects of {self.label} with something other "
                                     "than lists of keys")
        return {kind: list(keys) for kind, keys in body.items()}

    # plumbing
    def _pages(self, fetch: Callable[[int], Answer], what: str) -> Iterator[dict]:
        # Paged by `start` rather than by following Link, so a retried page is the same page and
        # pyzotero's per-instance link state never matters. A server that ignores `start`, or whose
        # Total-Results is missing, moves or lies, is caught here (issue 22): otherwise a listing ends
        # early with exit 0, or never ends.
        start, total, seen = 0, None, set()
        while True:
            answer = fetch(start)
            objects = self._objects(answer.body)
            if answer.total is None:
                raise self._miscount(what, "sent no Total-Results (or not a number)")
            if total is not None and answer.total != total:
                raise self._miscount(what, f"changed its Total-Results from {total} to {answer.total} between pages")
            total = answer.total
            keys = [str(o["key"]) for o in objects]
            if seen.intersection(keys) or len(set(keys)) < len(keys):
                raise self._miscount(what, f"repeated objects of an earlier page at start={start}")
            seen.update(keys)
            if len(seen) > total:
                raise self._miscount(what, f"gave more objects than its Total-Results ({total})")
            yield from objects
            start += len(objects)
            if not objects:
                if start < total:
                    raise self._miscount(what, f"ended after {start} objects of its Total-Results {total}")
                return
            # A full last page is followed by one more request: an empty page confirms the total,
            # a page with objects shows the total was too low.
            if start >= total and len(objects) < PAGE:
                return

    def _miscount(self, what: str, why: str) -> "UnexpectedResponse":
        return UnexpectedResponse(f"Zotero's listing of {what} of {self.label} does not add up: it {why}")

    def _call(self, method: str, *args: Any, what: str, if_modified_since: int | None = None,
              **params: Any) -> Answer | None:
        zot = self._zot
        # pyzotero leaves its parameters behind when a request raises; a stale `since` must not leak
        # into the next request.
        zot.url_params = None
        zot.links = None
        if if_modified_since is not None:
            self._http.headers["If-Modified-Since-Version"] = str(if_modified_since)
        try:
            body = getattr(zot, method)(*args, **params)
        except http.SourceUnavailable as exc:
            raise Unavailable(f"{exc} (reading {what} of {self.label})") from None
        except pyzotero_errors.PyZoteroError:
            response = zot.request
            if response is not None and response.status_code == 304:
                if if_modified_since is None:
                    raise UnexpectedResponse(f"Zotero answered 304 Not Modified to an unconditional request for "
                                             f"{what} of {self.label}") from None
                self._check_version(response, what)
                return None
            raise self._error(response, what) from None
        except (ValueError, UnicodeError, KeyError, TypeError, IndexError, AttributeError):
            # A body cut short, empty, not UTF-8 or not JSON: pyzotero's parse fails with whatever its
            # parser raised (JSONDecodeError, UnicodeDecodeError...). One line, no body, no URL.
            raise UnexpectedResponse(f"Zotero sent an unreadable answer (empty, cut short or not UTF-8 JSON) "
                                     f"for {what} of {self.label}") from None
        finally:
            self._http.headers.pop("If-Modified-Since-Version", None)
        response = zot.request
        version = self._check_version(response, what)
        total = response.headers.get("total-results")
        return Answer(body, version, _number(total))

    def _check_version(self, response: httpx2.Response, what: str) -> int:
        version = _number(response.headers.get("last-modified-version"))
        if version is None:
            raise UnexpectedResponse(f"Zotero sent no Last-Modified-Version with {what} of {self.label}")
        if self._pass_version is None:
            self._pass_version = version
        elif version != self._pass_version:
            raise LibraryChanged(
                f"{self.label} moved from version {self._pass_version} to {version} during the pull"
            )
        return version

    def _error(self, response: httpx2.Response | None, what: str) -> ZoteroError:
        status = response.status_code if response is not None else None
        if status in (401, 403):
            if self.local:
                return AccessDenied(
                    f"the Zotero desktop refused to share {self.label} (HTTP {status}): turn on 'Allow other "
                    "applications on this computer to communicate with Zotero' in Settings > Advanced",
                    status)
            return AccessDenied(
                f"the API key cannot read {self.label} (HTTP {status}): give the key read access to this "
                "library at zotero.org/settings/keys, or check ZOTERO_LIBRARY_TYPE and ZOTERO_LIBRARY_ID",
                status)
        if status == 404:
            return NotFound(f"{what} of {self.label} not found (HTTP 404)", status)
        if status == 400:
            return BadRequest(f"Zotero rejected the request for {what} of {self.label} (HTTP 400)", status)
        return ZoteroError(f"Zotero answered HTTP {status} for {what} of {self.label}", status)

    def _objects(self, body: Any) -> list[dict]:
        if not isinstance(body, list) or not all(isinstance(o, dict) and "key" in o and isinstance(o.get("data"), dict)
                                                 for o in body):
            raise UnexpectedResponse(f"Zotero sent something other than a list of objects for {self.label}")
        return body

    def _versions(self, body: Any) -> dict[str, int]:
        if not isinstance(body, dict) or not all(isinstance(v, int) for v in body.values()):
            raise UnexpectedResponse(f"Zotero sent something other than a version map for {self.label}")
        return {str(k): int(v) for k, v in body.items()}


def _number(header: str | None) -> int | None:
    """A header holding a count or a version: ASCII digits only (`str.isdigit` takes '²')."""
    text = (header or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def connect(settings, policy: RetryPolicy | None = None,
            on_wait: Callable[[float, str], None] | None = None) -> ZoteroClient:
    """A client for the library named in the settings. The key is revealed here, to pyzotero, only."""
    return ZoteroClient(
        library_type=settings.library_type,
        library_id=settings.library_id,
        api_key=settings.api_key.reveal(),
        api_url=settings.zotero_api_url,
        label=settings.library_label,
        policy=policy,
        on_wait=on_wait,
    )
