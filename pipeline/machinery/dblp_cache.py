"""The DBLP response cache in data/raw/dblp (committed, so a fresh clone builds offline).

Layout, one small file per search so a refresh of one paper is a one-file git diff, as for Crossref:

    queries/<sha1 of the query>.json     {"query": {the parameters}, "hits": [the hits, DBLP's JSON]}

The sha1 is `pipeline.convert.dblp.query_id` of the parameters `pipeline.convert.dblp.search_params`
makes. Files are canonical JSON (sorted keys) and hold nothing that changes between two answers to the
same query over unchanged records: the answer's `time`, its completions and hit counts are not kept,
and of each hit only its `info` is (DBLP's `@score`, its internal `@id` and the hit's `url`, which
is made of that id, move when DBLP rebuilds its index).

enrich writes through `write_search`; merge reads through `search`. A file that cannot be read raises
`CorruptCacheEntry`: merge reports it and treats it as absent, enrich reports it and asks again.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from pipeline.convert import dblp
from pipeline.machinery.cache import JsonCache
from pipeline.machinery.seam import Lines, Plan, settled
from pipeline.model import CorruptCacheEntry, Problem, Record
from pipeline.rules import enrichment, match

QUERIES = "queries"
KEPT = ("info",)      # of each hit


def slim_hit(hit: Mapping) -> dict:
    return {k: hit[k] for k in KEPT if k in hit}


class DblpCache(JsonCache):
    """Read (and, for enrich, write) access to data/raw/dblp. Reads are memoised per instance."""

    def __init__(self, folder: Path):
        super().__init__(folder)

    @classmethod
    def for_settings(cls, settings) -> "DblpCache":
        return cls(settings.paths.dblp)

    # --- paths ----------------------------------------------------------------------------------

    def query_path(self, params: Mapping) -> Path:
        return self.folder / QUERIES / f"{dblp.query_id(params)}.json"

    # --- reading --------------------------------------------------------------------------------

    def search(self, params: Mapping) -> list[dict] | None:
        """The cached hits of a search ([] when DBLP found nothing), or None when not cached."""
        doc = self._read(self.file(QUERIES, f"{dblp.query_id(params)}.json"), _check)
        return None if doc is None else doc["hits"]

    def state(self, params: Mapping) -> str:
        """'cached', 'missing' or 'corrupt', for enrich's plan."""
        try:
            return "cached" if self.search(params) is not None else "missing"
        except CorruptCacheEntry:
            return "corrupt"

    # --- writing (enrich only) ------------------------------------------------------------------

    def write_search(self, params: Mapping, hits: list) -> bool:
        """Cache the hits of a search. Returns True when the file's bytes changed."""
        params = dict(params)
        slim = [slim_hit(h) for h in hits if isinstance(h, Mapping)]
        return self._write(self.query_path(params), {"query": params, "hits": slim})


def _check(doc: object) -> str:
    if not (isinstance(doc, dict) and isinstance(doc.get("query"), dict) and isinstance(doc.get("hits"), list)):
        return "not a DBLP search response"
    if not all(isinstance(h, dict) and isinstance(h.get("info"), dict) for h in doc["hits"]):
        return "a hit without `info`"
    return ""


# --- DBLP on the source seam (machinery/seam.py) -------------------------------------------------------

class Dblp:
    """DBLP: one search a second, only for the records `enrichment.wants_dblp` names once the sources
    before it have answered (a DOI Crossref has just said it does not know is one DBLP is asked about)."""

    name = "dblp"
    label = "DBLP"
    settings = ("dblp_api_url",)
    rule = staticmethod(enrichment.from_dblp)
    query_id = staticmethod(dblp.query_id)
    after = ("crossref",)   # asked only what Crossref could not settle, as soon as it could not
    batch = 1

    def folder(self, settings) -> Path:
        return settings.paths.dblp

    def cache(self, settings) -> DblpCache:
        return DblpCache.for_settings(settings)

    def plan(self, records: list[Record], lookups, refresh: bool = False) -> tuple[Plan, list[Problem]]:
        queries, problems = plan(records, lookups, refresh)
        return Plan(queries=queries), problems

    def follow_up(self, records, lookups, found: set[str]) -> Plan | None:
        return None

    def found_dois(self, records: list[Record], lookups) -> set[str]:
        """DOIs of works DBLP matched (not arXiv's) for records that have none."""
        out = set()
        for record in records:
            if record.lookup_doi:
                continue
            params = dblp.search_params(record)
            try:
                hits = lookups.dblp(params) if params else None
            except CorruptCacheEntry:
                hits = None
            if not hits:
                continue
            verdict = enrichment.judged(lookups, "dblp", params, record,
                                        lambda: match.verify(record, dblp.candidates(hits)))
            doi = verdict.candidate.doi if verdict.verified and verdict.candidate else ""
            if doi and not doi.lower().startswith("10.48550/"):
                out.add(doi)
        return out

    def client(self, settings, on_wait):
        from pipeline.sources.dblp import DblpClient

        return DblpClient(settings.dblp_api_url, on_wait=on_wait)

    def fetch(self, client, todo: Plan):
        return client.fetch_searches(todo.queries)

    def failed_items(self, outcome, todo: Plan) -> int:
        return 1

    def store(self, outcome, todo: Plan, lookups, tally) -> None:
        tally.found += 1
        lookups.caches[self.name].write_search(outcome.key, outcome.value)

    def account(self, tally, todo: Plan, summary, first: bool) -> None:
        summary.dblp_searches += tally.found
        summary.dblp_failed += tally.failed
        summary.failed += tally.failed
        summary.requests += tally.requests

    def lines(self, settings, records: int, todo: Plan, tally=None) -> Lines:
        n = len(todo.queries)
        return Lines(
            offline=f"enrich: --offline: {n} DBLP searches not in the DBLP cache",
            dry_run=f"enrich: would search DBLP {n} times ({settings.dblp_api_url}, one a second)",
            done=(f"enrich: DBLP: {tally.found} of {n} searches answered; {tally.requests} requests"
                  if tally else ""),
            failed=(f"enrich: {{why}}: {tally.failed} DBLP searches not made; `make check` lists the items"
                    if tally else ""))


def plan(records: list[Record], lookups, refresh: bool = False) -> tuple[list[dict], list[Problem]]:
    """The DBLP searches the cache lacks, for the records DBLP's rule will read: each record as merge
    hands it to that rule, after the rules of the sources before DBLP (`seam.settled`). A paper whose DOI
    Crossref's search found and verified is settled: DBLP is not asked about it."""
    wanted: dict[str, dict] = {}
    problems = []
    cache = lookups.caches["dblp"]
    for record in records:
        record = settled(record, lookups, enrichment.from_dblp)
        if not enrichment.wants_dblp(record) or (record.item_type in enrichment.NOT_PAPERS and record.doi):
            continue
        params = dblp.search_params(record)
        if params is None:
            continue
        qid = dblp.query_id(params)
        if qid in wanted:
            continue
        state = cache.state(params)
        if state == "corrupt":
            problems.append(Problem(record.key, f"unreadable DBLP cache file "
                                    f"{cache.relative(cache.query_path(params))}; fetching it again",
                                    "warning", "cache-corrupt"))
        if state != "cached" or refresh:
            wanted[qid] = params
    return list(wanted.values()), problems


SOURCE = Dblp()
