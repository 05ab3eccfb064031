"""The Crossref response cache in data/raw/crossref (committed, so a fresh clone builds offline).

Layout, one small file per lookup so a refresh of one paper is a one-file git diff:

    works/<doi, percent-encoded>.json    the work (`message` of GET /works/{doi}), or a not-found
                                         marker {"DOI", "status": 404, "message"}
    queries/<sha1 of the query>.json     {"query": {the parameters}, "message": {the response message}}

Files are canonical JSON (sorted keys) and hold nothing that changes between two fetches of unchanged
metadata: Crossref's `indexed` stamp (re-set every few days) and, for works, the `score` of the search
that found them are dropped, and so is the `reference` list (large, and nothing here reads it).

enrich writes through `write_work`/`write_search`; merge reads through `work`/`search` (the `Lookup`
that `pipeline.rules.enrichment.apply` takes). A file that cannot be read raises `CorruptCacheEntry`: merge
reports it and treats it as absent, enrich reports it and fetches it again.
"""
from __future__ import annotations

import functools
import hashlib
import urllib.parse
from pathlib import Path
from typing import Mapping

from pipeline.convert import crossref as cr
from pipeline.machinery import files
from pipeline.machinery.cache import JsonCache
from pipeline.machinery.seam import Lines, Plan, WorksAndSearches, add_search, needs
from pipeline.model import CorruptCacheEntry, Problem, Record
from pipeline.rules import enrichment
from pipeline.rules import venues as venue_table
from pipeline.rules.venues import VenueTable

WORKS = "works"
QUERIES = "queries"
VOLATILE = ("indexed", "reference")
MAX_NAME = 150   # bytes of a file name; most file systems allow 255, leave room for the temp prefix


@functools.lru_cache(maxsize=1 << 16)    # Crossref's and OpenAlex's caches name each DOI's file alike: once
def work_filename(doi: str) -> str:
    """A DOI as a file name that is safe everywhere: lower case, percent-encoded, long ones hashed."""
    doi = doi.strip().lower()
    name = urllib.parse.quote(doi, safe="-._()")
    if len(name) > MAX_NAME:
        name = f"{name[:100]}~{hashlib.sha1(doi.encode()).hexdigest()}"
    return name + ".json"


def query_params(query: Mapping | str) -> dict:
    """A search's parameters; a bare string is a `query.bibliographic` with the default rows."""
    if isinstance(query, str):
        return {"query.bibliographic": query, "rows": cr.SEARCH_ROWS}
    return dict(query)


def slim_work(work: Mapping, *, keep_score: bool = False) -> dict:
    out = {k: v for k, v in work.items() if k not in VOLATILE}
    if not keep_score:
        out.pop("score", None)
    return out


def slim_message(message: Mapping) -> dict:
    out = dict(message)
    out["items"] = [slim_work(w, keep_score=True) for w in message.get("items") or () if isinstance(w, dict)]
    return out


def read_venues(path: Path, name: str = "") -> tuple[VenueTable, list[Problem]]:
    """The venue table of data/curated/venues.csv, the one reader of it (`name` is how problems name
    the file, its file name by default). A row that is not UTF-8 is skipped and named, not the table."""
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        return venue_table.EMPTY, []
    try:
        data = files.read_bytes(path)
    except OSError as exc:
        return venue_table.EMPTY, [Problem(f"{name}:1", f"unreadable: {exc.strerror or exc}", "warning",
                                           "venue-table")]
    return venue_table.table_from_bytes(data, name)


class CrossrefCache(JsonCache):
    """Read (and, for enrich, write) access to data/raw/crossref. Reads are memoised per instance."""

    def __init__(self, folder: Path, venues: Path | Mapping[str, str] | VenueTable | None = None):
        super().__init__(folder)
        self.problems: list[Problem] = []
        # The venue table rides along for callers that hand this cache to `enrichment.apply` alone.
        if venues is None:
            venues = self.folder.parent.parent / "curated" / "venues.csv"   # the default layout
        if isinstance(venues, (Mapping, VenueTable)):
            self.venues = venues
        else:
            self.venues, self.problems = read_venues(Path(venues))

    @classmethod
    def for_settings(cls, settings) -> "CrossrefCache":
        return cls(settings.paths.crossref, settings.paths.venues)

    # --- paths ----------------------------------------------------------------------------------

    def work_path(self, doi: str) -> Path:
        return self.folder / WORKS / work_filename(doi)

    def query_path(self, query: Mapping | str) -> Path:
        return self.folder / QUERIES / f"{cr.query_id(query_params(query))}.json"

    # --- reading --------------------------------------------------------------------------------

    def work(self, doi: str) -> dict | None:
        """The cached work for `doi`, the not-found marker, or None when not cached."""
        def check(doc):
            if cr.is_not_found(doc):
                return "" if isinstance(doc.get("DOI"), str) else "not a Crossref work"
            why = cr.shape_problem(doc)
            return f"not a Crossref work: {why}" if why else ""
        return self._read(self.file(WORKS, work_filename(doi)), check)

    def search(self, query: Mapping | str) -> dict | None:
        """The cached response `message` of a search, or None when not cached."""
        def check(doc):
            why = cr.message_problem(doc)
            if not why and any(cr.shape_problem(w) for w in doc["message"]["items"]):
                why = "a hit is no Crossref work"
            return f"not a Crossref search response: {why}" if why else ""
        doc = self._read(self.file(QUERIES, f"{cr.query_id(query_params(query))}.json"), check)
        return doc["message"] if doc else None

    def state(self, path_of, key) -> str:
        """'cached', 'missing' or 'corrupt', for enrich's plan."""
        getter = self.work if path_of == WORKS else self.search
        try:
            return "cached" if getter(key) is not None else "missing"
        except CorruptCacheEntry:
            return "corrupt"

    # --- writing (enrich only) ------------------------------------------------------------------

    def write_work(self, doi: str, work: Mapping | None) -> bool:
        """Cache a work (None: Crossref answered 404). Returns True when the file's bytes changed."""
        doc = cr.not_found_marker(doi.lower()) if work is None else slim_work(work)
        path = self.work_path(doi)
        return self._write(path, doc)

    def write_search(self, query: Mapping | str, message: Mapping) -> bool:
        params = query_params(query)
        return self._write(self.query_path(params), {"query": params, "message": slim_message(message)})


# --- Crossref on the source seam (machinery/seam.py) ---------------------------------------------------

class Crossref(WorksAndSearches):
    """Crossref: works by DOI, 50 a request; a bibliographic search for a paper with no DOI, whose hit,
    verified by the rule merge applies too (`convert.crossref.verify`), is also cached as a work."""

    name = "crossref"
    label = "Crossref"
    settings = ("crossref_api_url", "crossref_mailto")
    rule = staticmethod(enrichment.from_crossref)
    query_id = staticmethod(cr.query_id)
    after = ()          # it reads no other source: asked about every record at once
    batch = 50          # sources/crossref.py BATCH_SIZE (not imported: a build never loads the HTTP client)

    def folder(self, settings) -> Path:
        return settings.paths.crossref

    def cache(self, settings) -> CrossrefCache:
        return CrossrefCache(settings.paths.crossref, {})   # the venue table rides on inputs.Lookups

    def plan(self, records: list[Record], lookups, refresh: bool = False) -> tuple[Plan, list[Problem]]:
        return plan(records, lookups.caches[self.name], refresh)

    def follow_up(self, records, lookups, found: set[str]) -> Plan | None:
        cache = lookups.caches[self.name]
        dois = sorted(d for d in found if cache.state(WORKS, d) != "cached")
        return Plan(dois=dois) if dois else None

    def found_dois(self, records, lookups) -> set[str]:
        return set()      # a DOI Crossref found by search is cached as a work in the same round

    def client(self, settings, on_wait):
        from pipeline.sources.crossref import CrossrefClient

        return CrossrefClient(settings.crossref_api_url, settings.crossref_mailto, on_wait=on_wait)

    def store(self, outcome, todo: Plan, lookups, tally) -> None:
        cache = lookups.caches[self.name]
        if isinstance(outcome.key, str):          # a DOI
            if outcome.kind == "not-found":
                tally.not_found += 1
                cache.write_work(outcome.key, None)
            else:
                tally.found += 1
                cache.write_work(outcome.key, outcome.value)
            return
        searchers = todo.searchers[cr.query_id(outcome.key)]
        cache.write_search(outcome.key, outcome.value)
        verdict = enrichment.judged(lookups, "crossref", outcome.key, searchers[0],
                                    lambda: cr.verify(searchers[0], outcome.value))
        if verdict.verified:
            tally.verified += 1
            cache.write_work(verdict.doi, verdict.work)

    def account(self, tally, todo: Plan, summary, first: bool) -> None:
        summary.found += tally.found
        summary.failed += tally.failed
        if first:
            summary.dois += len(todo.dois)
            summary.queries += len(todo.queries)
            summary.not_found += tally.not_found
            summary.verified += tally.verified
            summary.requests += tally.requests

    def lines(self, settings, records: int, todo: Plan, tally=None) -> Lines:
        wanted = f"{len(todo.dois)} DOIs and {len(todo.queries)} searches"
        done = failed = ""
        if tally is not None:
            done = (f"enrich: {tally.found} works and {tally.not_found} unknown DOIs of {len(todo.dois)}; "
                    f"{len(todo.queries)} searches, {tally.verified} verified; {tally.requests} requests")
            failed = (f"enrich: {{why}}: {tally.failed_items} items not looked up; they keep their Zotero "
                      "metadata and `make check` lists them")
        return Lines(
            nothing=f"enrich: {records} items, nothing to look up: the Crossref cache has them all",
            offline=(f"enrich: --offline: {todo.items} items could not be looked up ({wanted} not in the "
                     "Crossref cache); they keep their Zotero metadata"),
            dry_run=f"enrich: would look up {wanted} on Crossref ({settings.crossref_api_url})",
            before=("" if settings.crossref_mailto
                    else "enrich: no CROSSREF_MAILTO: using Crossref's public pool (slower limits)"),
            done=done, failed=failed)


def plan(records: list[Record], cache: CrossrefCache, refresh: bool = False) -> tuple[Plan, list[Problem]]:
    """What to fetch for `records`, and a Problem per unreadable cache file (those are fetched again).
    Items with a DOI are looked up by DOI; papers without one get a bibliographic search."""
    todo, problems = Plan(), []
    wanted_dois: set[str] = set()
    needed = needs(cache, "Crossref", refresh, problems)
    for record in records:
        if record.lookup_doi:
            if record.doi.lower() not in wanted_dois and needed(WORKS, record.doi, record):
                wanted_dois.add(record.doi.lower())
                todo.dois.append(record.doi)
            continue
        if record.item_type in enrichment.NOT_PAPERS:
            continue
        params = cr.search_params(record)
        if params is not None:
            add_search(todo, record, params, cr.query_id(params), needed)
    return todo, problems


SOURCE = Crossref()
