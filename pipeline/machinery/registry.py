"""The lookup sources, in the order enrich asks them and merge applies them (machinery/seam.py says what
each implements). enrich, the shared reader (machinery/inputs.py), merge and sync's fingerprint read this
list; a new source is one more entry here."""
from __future__ import annotations

from pipeline.machinery import crossref_cache, dblp_cache, openalex_cache

SOURCES = (crossref_cache.SOURCE, dblp_cache.SOURCE, openalex_cache.SOURCE)
