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
from pipeline.enrichment import CorruptCacheEntry
from pipeline.stages.cache import JsonCache

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
