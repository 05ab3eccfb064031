"""enrich: look items up on Crossref; every response cached in data/raw/crossref (committed).

Thin for now (issue #4 deepens it).
"""
from __future__ import annotations

from pipeline.config import Settings
from pipeline.report import Reporter
from pipeline.stages import Options


def run(settings: Settings, options: Options, reporter: Reporter) -> None:
    reporter.info("enrich: not implemented yet; records keep their Zotero metadata")
