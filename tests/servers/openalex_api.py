"""An OpenAlex works API server on 127.0.0.1, for the tests and the benchmark.

Real HTTP from a background thread, speaking the documented works API (docs.openalex.org, "Get lists of
entities", "Get a single work", "Select fields", "Search works"; "Fetch multiple DOIs in one OpenAlex
API request" on OpenAlex's blog):

- `GET /works?filter=...`: filters are `name:value` pairs joined by commas (AND); within a value `|`
  is OR. Supported: `doi:` (the DOI bare or as `https://doi.org/...`, matched whole and ignoring case),
  `title.search:` (every word of the value in the title, ignoring case) and `is_oa:true|false`.
  Another filter name is a 400 with OpenAlex's `{"error", "message"}` body.
- `GET /works?search=...`: every word of the query in the title; hits carry a `relevance_score`.
- The list answer is OpenAlex's shape: `{"meta": {"count", "db_response_time_ms", "page", "per_page",
  "groups_count"}, "results": [...], "group_by": []}`; `per-page` (or `per_page`) from 1 to 200,
  default 25, else a 400; `page` from 1.
- `GET /works/doi:<doi>`, `/works/https://doi.org/<doi>` and `/works/<W id>`: the work itself, or a 404.
  An id holding `,` or `&` is refused with a 403, as the docs say.
- `select=a,b`: only those root-level fields of each work; a field a work does not have, or a dotted
  one (`open_access.is_oa`), is a 400.
- `mailto=` is accepted and remembered (`mailtos`), as the polite pool's contact address.
- Faults on demand: `throttle_next(n, retry_after)` (429 with `Retry-After`), `fail_next(n, status)`
  (503 by default); `failing = 503` fails every request.
- It counts: `requests`, a `log` of (path, query, status).

Fed with works in OpenAlex's JSON shape (`add_work(work)`; `work(...)` builds one).
"""
from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections import deque
from typing import Iterable

from tests.servers.loopback import Handler, LoopbackServer

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 25
DOI_PREFIX = "https://doi.org/"
FIELDS = ("id", "doi", "title", "display_name", "publication_year", "publication_date", "ids", "language",
          "primary_location", "type", "type_crossref", "indexed_in", "open_access", "authorships",
          "cited_by_count", "biblio", "is_retracted", "is_paratext", "locations", "locations_count",
          "best_oa_location", "referenced_works", "related_works", "updated_date", "created_date",
          "relevance_score")


def _words(value: str) -> list[str]:
    return re.findall(r"\w+", value.casefold())


def _bare_doi(value: str) -> str:
    value = value.strip()
    for prefix in (DOI_PREFIX, "http://doi.org/", "doi:"):
        if value.lower().startswith(prefix):
            value = value[len(prefix):]
    return value.lower()


def work(ident: int, *, doi: str = "", title: str = "A paper", year: int | None = 2020, cited_by: int = 0,
         authors: Iterable[str] = ("Ada Lovelace",), source: dict | None = None, source_type: str = "journal",
         kind: str = "article", is_oa: bool = False, pdf_url: str | None = None, landing_page_url: str | None = None,
         oa_license: str | None = None, retracted: bool = False, updated: str = "2026-11-30T04:12:09.123456",
         extra_locations: Iterable[dict] = ()) -> dict:
    """A work as OpenAlex sends it (the fields a list answer carries), with the values a test names."""
    extra_locations = tuple(extra_locations)
    src = source if source is not None else {
        "id": f"https://openalex.org/S{ident}", "display_name": "Journal of Tests", "type": source_type,
        "issn_l": None, "is_oa": False, "host_organization_name": None}
    primary = {"is_oa": is_oa, "landing_page_url": landing_page_url or (f"{DOI_PREFIX}{doi}" if doi else None),
               "pdf_url": pdf_url, "source": src, "license": oa_license, "version": "publishedVersion"}
    best = dict(primary) if is_oa else None
    return {
        "id": f"https://openalex.org/W{ident}",
        "doi": f"{DOI_PREFIX}{doi.lower()}" if doi else None,
        "title": title,
        "display_name": title,
        "publication_year": year,
        "publication_date": f"{year}-01-01" if year else None,
        "ids": {"openalex": f"https://openalex.org/W{ident}", **({"doi": f"{DOI_PREFIX}{doi.lower()}"} if doi else {})},
        "language": "en",
        "primary_location": primary,
        "type": kind,
        "type_crossref": "journal-article",
        "indexed_in": ["crossref"],
        "open_access": {"is_oa": is_oa, "oa_status": "green" if is_oa else "closed",
                        "oa_url": (pdf_url or landing_page_url) if is_oa else None, "any_repository_has_fulltext": is_oa},
        "authorships": [{"author_position": "first" if i == 0 else "middle",
                         "author": {"id": f"https://openalex.org/A{ident}{i}", "display_name": name, "orcid": None},
                         "institutions": [], "raw_author_name": name} for i, name in enumerate(authors)],
        "cited_by_count": cited_by,
        "biblio": {"volume": None, "issue": None, "first_page": None, "last_page": None},
        "is_retracted": retracted,
        "is_paratext": False,
        "locations": [primary, *extra_locations],
        "locations_count": 1 + len(extra_locations),
        "best_oa_location": best,
        "referenced_works": [],
        "related_works": [],
        "updated_date": updated,
        "created_date": "2020-01-05",
    }


class OpenAlexServer(LoopbackServer):
    thread_name = "openalex-api"

    def __init__(self, works: Iterable[dict] = ()):
        self.works: list[dict] = []
        for w in works:
            self.add_work(w)
        self.failing: int | None = None
        self._faults: deque[tuple[str, object]] = deque()
        self._lock = threading.Lock()
        self.reset_counters()

    # --- data, faults, counters -----------------------------------------------------------------

    def add_work(self, w: dict) -> None:
        self.works.append(dict(w))

    def throttle_next(self, n: int = 1, retry_after: float | str = 1) -> None:
        self._faults.extend([("throttle", retry_after)] * n)

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        self._faults.extend([("fail", status)] * n)

    def reset_counters(self) -> None:
        self.requests = 0
        self.log: list[tuple[str, str, int]] = []
        self.mailtos: list[str] = []

    def arrive(self, params: dict[str, str]) -> tuple[str, object] | None:
        with self._lock:
            self.requests += 1
            if "mailto" in params:
                self.mailtos.append(params["mailto"])
            fault = self._faults.popleft() if self._faults else None
        if fault is None and self.failing:
            return ("fail", self.failing)
        return fault

    # --- the protocol ---------------------------------------------------------------------------

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, dict]:
        """(status, JSON body) for a GET."""
        select = [f for f in params.get("select", "").split(",") if f]
        bad = next((f for f in select if f not in FIELDS), None)
        if bad:
            return 400, _error("Invalid query parameters error.", f"{bad} is not a valid select field.")
        if path.startswith("/works/"):
            return self.single(path[len("/works/"):], select)
        if path != "/works":
            return 404, _error("Not found", f"{path} is not a known endpoint.")
        try:
            per_page = int(params.get("per-page", params.get("per_page", DEFAULT_PER_PAGE)))
            page = int(params.get("page", 1))
        except ValueError:
            return 400, _error("Invalid query parameters error.", "per-page and page must be integers.")
        if not 1 <= per_page <= MAX_PER_PAGE or page < 1:
            return 400, _error("Invalid query parameters error.", f"per-page must be between 1 and {MAX_PER_PAGE}.")
        found = list(self.works)
        scored = "search" in params
        for name, value in _filters(params.get("filter", "")):
            if name == "doi":
                wanted = {_bare_doi(v) for v in value.split("|")}
                found = [w for w in found if w.get("doi") and _bare_doi(w["doi"]) in wanted]
            elif name == "title.search":
                words = _words(value)
                found = [w for w in found if set(words) <= set(_words(w.get("title") or ""))]
            elif name == "is_oa":
                wanted_oa = {v.strip().lower() == "true" for v in value.split("|")}
                found = [w for w in found if bool((w.get("open_access") or {}).get("is_oa")) in wanted_oa]
            else:
                return 400, _error("Invalid query parameters error.", f"{name} is not a valid field to filter by.")
        if scored:
            words = _words(params["search"])
            found = [dict(w, relevance_score=float(len(words)) / (1 + len(_words(w.get("title") or ""))))
                     for w in found if set(words) <= set(_words(w.get("title") or ""))]
            found.sort(key=lambda w: -w["relevance_score"])
        results = found[(page - 1) * per_page: page * per_page]
        return 200, {
            "meta": {"count": len(found), "db_response_time_ms": 7, "page": page, "per_page": per_page,
                     "groups_count": None},
            "results": [_selected(w, select) for w in results],
            "group_by": [],
        }

    def single(self, ident: str, select: list[str]) -> tuple[int, dict]:
        if "," in ident or "&" in ident:
            return 403, _error("Forbidden", "An id may not hold ',' or '&'.")
        if ident.lower().startswith(("doi:", DOI_PREFIX, "http://doi.org/")):
            doi = _bare_doi(ident)
            found = next((w for w in self.works if w.get("doi") and _bare_doi(w["doi"]) == doi), None)
        else:
            found = next((w for w in self.works if str(w.get("id", "")).rsplit("/", 1)[-1].lower() == ident.lower()),
                         None)
        if found is None:
            return 404, _error("Not found", f"{ident} does not exist.")
        return 200, _selected(found, select)


def _filters(value: str) -> list[tuple[str, str]]:
    out = []
    for part in value.split(","):
        if part:
            name, _, rest = part.partition(":")
            out.append((name.strip(), rest))
    return out


def _selected(w: dict, select: list[str]) -> dict:
    return {k: w[k] for k in select if k in w} if select else w


def _error(error: str, message: str) -> dict:
    return {"error": error, "message": message}


class _Handler(Handler):
    api: OpenAlexServer

    def do_GET(self) -> None:
        api = self.api
        split = urllib.parse.urlsplit(self.path)
        # The id in /works/<id> may itself be a URL (https://doi.org/...): keep the path as sent, decoded.
        path = urllib.parse.unquote(split.path)
        path = path if path.startswith("/works/") else path.rstrip("/") or "/"
        params = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        fault = api.arrive(params)
        headers: dict[str, str] = {}
        if fault and fault[0] == "throttle":
            status, body = 429, _error("Too Many Requests", "Rate limit exceeded")
            headers["Retry-After"] = str(fault[1])
        elif fault and fault[0] == "fail":
            status, body = int(fault[1]), _error("Service Unavailable", "Try again later")
        else:
            status, body = api.answer(path, params)
        with api._lock:
            api.log.append((path, split.query, status))
        self.reply(status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode("utf-8"))


OpenAlexServer.handler = _Handler
