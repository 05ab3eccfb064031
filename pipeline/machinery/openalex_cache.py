"""OpenAlex on the source seam: its response cache in data/raw/openalex (committed, so a fresh clone
builds offline) and what enrich asks it.

Layout, one small file per lookup, as for Crossref:

    works/<doi, as crossref_cache.work_filename>.json   {"asked": "YYYY-MM-DD", "work": {the work}}, or a
                                                        not-found marker {"doi", "status": 404}
    queries/<sha1 of the query>.json                    {"query", "asked", "results": [the works]}

`asked` is the day of the answer: the day its citation count was true (`convert.openalex.citation_fields`).
Works keep only the fields the converter reads, less `updated_date` and `relevance_score`, which move
without the work changing.

What is asked: every DOI a record has once the sources before OpenAlex have answered (Crossref's
canonical DOI, DBLP's), 50 to a request; a title search only for a paper no source before found
(`convert.openalex.SEARCHED`). The rule that turns a cached work into fields is `convert.openalex.rule`.
"""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Mapping

from pipeline.convert import openalex as oa
from pipeline.machinery.cache import JsonCache
from pipeline.machinery.crossref_cache import work_filename
from pipeline.machinery.seam import Lines, Plan, WorksAndSearches, add_search, needs, settled
from pipeline.model import CorruptCacheEntry, Problem, Record
from pipeline.rules import enrichment

WORKS = "works"
QUERIES = "queries"
VOLATILE = ("updated_date", "relevance_score")


def slim(work: Mapping) -> dict:
    return {k: v for k, v in work.items() if k not in VOLATILE}


def not_found_marker(doi: str) -> dict:
    return {"doi": doi.lower(), "status": 404}


def _check_work(doc: object) -> str:
    if isinstance(doc, dict) and doc.get("status") == 404 and isinstance(doc.get("doi"), str):
        return ""
    if isinstance(doc, dict) and isinstance(doc.get("work"), dict) and isinstance(doc.get("asked"), str):
        return ""
    return "not an OpenAlex work"


def _check_search(doc: object) -> str:
    if (isinstance(doc, dict) and isinstance(doc.get("query"), dict) and isinstance(doc.get("results"), list)
            and all(isinstance(w, dict) for w in doc["results"])):
        return ""
    return "not an OpenAlex search answer"


class OpenAlexCache(JsonCache):
    """Read (and, for enrich, write) access to data/raw/openalex. Reads are memoised per instance."""

    def work_path(self, doi: str) -> Path:
        return self.folder / WORKS / work_filename(doi)

    def query_path(self, params: Mapping) -> Path:
        return self.folder / QUERIES / f"{oa.query_id(dict(params))}.json"

    def work(self, doi: str) -> dict | None:
        """{"asked", "work"}, the not-found marker, or None when not cached."""
        return self._read(self.file(WORKS, work_filename(doi)), _check_work)

    def search(self, params: Mapping) -> dict | None:
        """{"query", "asked", "results"} of a title search, or None when not cached."""
        return self._read(self.file(QUERIES, f"{oa.query_id(dict(params))}.json"), _check_search)

    def state(self, kind: str, key) -> str:
        try:
            return "cached" if (self.work if kind == WORKS else self.search)(key) is not None else "missing"
        except CorruptCacheEntry:
            return "corrupt"

    def write_work(self, doi: str, work: Mapping | None, asked: str) -> bool:
        doc = not_found_marker(doi) if work is None else {"asked": asked, "work": slim(work)}
        return self._write(self.work_path(doi), doc)

    def write_search(self, params: Mapping, results: list, asked: str) -> bool:
        doc = {"query": dict(params), "asked": asked, "results": [slim(w) for w in results if isinstance(w, Mapping)]}
        return self._write(self.query_path(params), doc)


class OpenAlex(WorksAndSearches):
    """OpenAlex: citation counts, open-access copies, and venues outside computer science."""

    name = "openalex"
    label = "OpenAlex"
    settings = ("openalex_api_url", "openalex_mailto")
    rule = staticmethod(oa.rule)
    query_id = staticmethod(oa.query_id)
    after = ("crossref", "dblp")   # the DOIs they found, and a search only where neither placed a paper
    batch = 50                     # sources/openalex.py BATCH_SIZE

    def __init__(self, today=lambda: datetime.datetime.now(datetime.timezone.utc).date().isoformat()):
        self.today = today       # the day an answer is counted as of (tests set it)

    def folder(self, settings) -> Path:
        return settings.paths.openalex

    def cache(self, settings) -> OpenAlexCache:
        return OpenAlexCache(settings.paths.openalex)

    def plan(self, records: list[Record], lookups, refresh: bool = False) -> tuple[Plan, list[Problem]]:
        todo, problems, seen = Plan(), [], set()
        needed = needs(lookups.caches[self.name], "OpenAlex", refresh, problems)
        for record in records:
            record = settled(record, lookups, oa.rule)
            if record.lookup_doi:
                doi = record.doi.lower()
                if doi not in seen:
                    seen.add(doi)
                    if needed(WORKS, doi, record):
                        todo.dois.append(doi)
                continue
            if record.enrichment not in oa.SEARCHED or record.item_type in enrichment.NOT_PAPERS:
                continue
            params = oa.search_params(record)
            if params is not None:
                add_search(todo, record, params, oa.query_id(params), needed)
        return todo, problems

    def follow_up(self, records, lookups, found: set[str]) -> Plan | None:
        return None

    def found_dois(self, records, lookups) -> set[str]:
        return set()

    def client(self, settings, on_wait):
        from pipeline.sources.openalex import OpenAlexClient

        return OpenAlexClient(settings.openalex_api_url, settings.openalex_mailto,
                              api_key=settings.openalex_api_key.reveal(), on_wait=on_wait)

    def store(self, outcome, todo: Plan, lookups, tally) -> None:
        cache = lookups.caches[self.name]
        if isinstance(outcome.key, str):
            if outcome.kind == "not-found":
                tally.not_found += 1
            else:
                tally.found += 1
            cache.write_work(outcome.key, outcome.value if outcome.kind == "found" else None, self.today())
            return
        cache.write_search(outcome.key, outcome.value or [], self.today())
        searchers = todo.searchers[oa.query_id(outcome.key)]
        if oa.verify(searchers[0], outcome.value or []).verified:
            tally.verified += 1

    def account(self, tally, todo: Plan, summary, first: bool) -> None:
        summary.openalex_works += tally.found
        summary.openalex_not_found += tally.not_found
        summary.openalex_searches += len(todo.queries)
        summary.openalex_verified += tally.verified
        summary.openalex_failed += tally.failed
        summary.failed += tally.failed
        summary.requests += tally.requests

    def lines(self, settings, records: int, todo: Plan, tally=None) -> Lines:
        wanted = f"{len(todo.dois)} DOIs and {len(todo.queries)} searches"
        return Lines(
            offline=f"enrich: --offline: {todo.items} items not looked up on OpenAlex ({wanted} not in its cache)",
            dry_run=f"enrich: would look up {wanted} on OpenAlex ({settings.openalex_api_url})",
            before=("" if settings.openalex_mailto
                    else "enrich: no OPENALEX_MAILTO: asking OpenAlex one request at a time (no polite pool)"),
            done=(f"enrich: OpenAlex: {tally.found} works and {tally.not_found} unknown DOIs of {len(todo.dois)}; "
                  f"{len(todo.queries)} searches, {tally.verified} verified; {tally.requests} requests"
                  if tally else ""),
            failed=(f"enrich: {{why}}: {tally.failed_items} items not looked up on OpenAlex; they keep what the "
                    "other sources gave" if tally else ""))


SOURCE = OpenAlex()
