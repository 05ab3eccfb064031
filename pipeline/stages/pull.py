"""pull: Zotero collection -> data/raw/zotero (one JSON file per item and collection, state last).

Thin for now (issue #3 deepens it): without credentials it says so in one line and leaves the
committed snapshot as it is.
"""
from __future__ import annotations

from pipeline.config import Settings
from pipeline.report import Reporter
from pipeline.stages import Options


def run(settings: Settings, options: Options, reporter: Reporter) -> None:
    if not settings.has_zotero_credentials:
        reporter.info(
            "pull: no Zotero credentials (ZOTERO_LIBRARY_ID, ZOTERO_COLLECTION, ZOTERO_API_KEY): "
            "building from the committed snapshot in data/raw/zotero"
        )
        return
    if options.offline:
        reporter.info("pull: --offline: using the committed snapshot in data/raw/zotero")
        return
    reporter.info("pull: not implemented yet; using the committed snapshot in data/raw/zotero")
