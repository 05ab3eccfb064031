"""build: merge, then emit the catalog merge just made, in one process (what `make` runs).

The same files as `python -m pipeline merge` followed by `python -m pipeline emit`, byte for byte:
merge still writes build/records.json (for `check`, `changes` and a later `emit`), but emit takes the
catalog from memory instead of parsing that file back, and the interpreter starts once.
"""
from __future__ import annotations

from pipeline.config import Settings
from pipeline.machinery.inputs import Inputs
from pipeline.report import Reporter
from pipeline.stages import Options, emit, merge


def run(settings: Settings, options: Options, reporter: Reporter, inputs: Inputs | None = None) -> None:
    """`inputs`: what sync already read (and enrich filled in); else merge reads them."""
    catalog = merge.run(settings, options, reporter, inputs)
    emit.run(settings, options, reporter, catalog)
