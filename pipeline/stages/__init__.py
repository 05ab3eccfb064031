"""The stages: one module per `python -m pipeline` command. With the machinery they call
(pipeline/machinery/), the only code that reads and writes data/, reviews/ and the README.

Each stage module has `run(settings, options, reporter)`; it reports bad input through the reporter
and raises `StageError` only when it cannot do its job at all (then it has changed nothing).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    offline: bool = False     # no network: caches and the committed snapshot only
    dry_run: bool = False     # print what would change, write nothing
    refresh: bool = False     # enrich: refetch what the cache holds
    verbosity: int = 1        # 0 = -q, 1 = default, 2 = -v
    allow_missing: bool = False   # merge: publish even when damaged snapshot files lost items


class StageError(Exception):
    """A stage could not complete. The message is one line, names what failed, and holds no secret."""
