"""The lookup sources, in the order enrich asks them and merge applies them (stages/seam.py says what
each implements). enrich, the shared reader (stages/inputs.py), merge and sync's fingerprint read this
list; a new source is one more entry here."""
from __future__ import annotations

from pipeline.stages import crossref_cache, dblp_cache, openalex_cache

SOURCES = (crossref_cache.SOURCE, dblp_cache.SOURCE, openalex_cache.SOURCE)
