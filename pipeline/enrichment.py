"""Pure: apply cached Crossref metadata to a record, by the precedence rules.

Thin for now (issue #4 fills it): records keep their Zotero metadata.
"""
from __future__ import annotations

from typing import Protocol

from pipeline.model import Problem, Record


class Lookup(Protocol):
    def work(self, doi: str) -> dict | None: ...
    def search(self, query: str) -> dict | None: ...


def apply(record: Record, lookup: Lookup) -> tuple[Record, list[Problem]]:
    return record, []
