"""Read access to the Crossref response cache in data/raw/crossref, for merge (and enrich).

Thin for now (issue #4 fills it): an empty cache.
"""
from __future__ import annotations

from pathlib import Path


class CrossrefCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def work(self, doi: str) -> dict | None:
        """The cached `message` of GET /works/{doi}, or None when not cached."""
        return None

    def search(self, query: str) -> dict | None:
        """The cached `message` of a bibliographic search, or None when not cached."""
        return None
