"""The stages: one module per `python -m pipeline` command. With the machinery they call
(pipeline/machinery/), the only code that reads and writes data/, reviews/ and the README.

Each stage module has `run(settings, options, reporter)`; it reports bad input through the reporter
(`reporter.problem(Problem(...))`, the one channel) and raises `StageError` only when it cannot do its
job at all (then it has changed nothing). A source's error (`SourceError`: Zotero, Crossref, arXiv...)
becomes a `StageError` in one place, `source_errors`.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from pipeline.model import Problem
from pipeline.sources import SourceError


@dataclass(frozen=True)
class Options:
    offline: bool = False     # no network: caches and the committed snapshot only
    dry_run: bool = False     # print what would change, write nothing
    refresh: bool = False     # enrich: refetch what the cache holds
    verbosity: int = 1        # 0 = -q, 1 = default, 2 = -v
    allow_missing: bool = False   # merge: publish even when damaged snapshot files lost items


class StageError(Exception):
    """A stage could not complete. The message is one line, names what failed, and holds no secret."""

    @property
    def problem(self) -> Problem:
        """The stop as the CLI reports it (and decides the exit status from)."""
        return Problem("", str(self), "fatal", "stopped")


@contextmanager
def source_errors(stage: str, what_stands: str = "") -> Iterator[None]:
    """The one place a source's error becomes the run's stop: `stage: why; what_stands` (what the run
    leaves as it was, or how to go on). A StageError raised inside passes as it is."""
    try:
        yield
    except SourceError as exc:
        raise StageError(f"{stage}: {exc}" + (f"; {what_stands}" if what_stands else "")) from None
