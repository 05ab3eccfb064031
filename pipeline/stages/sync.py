"""sync: pull -> enrich -> merge -> emit, reading the inputs once, and nothing at all when nothing changed.

After a pull, the build's inputs are fingerprinted: the Zotero snapshot, every lookup source's cache
(machinery/registry.py), the review files, pipeline.toml, the venue table, the settings that shape the
outputs (never the API key) and the pipeline's own code. When the fingerprint is the one the last complete sync recorded in
`build/sync.json`, and every output is still the file that sync wrote, there is nothing to do: enrich,
merge and emit are skipped and the run says so. That makes the weekly no-change sync cost one Zotero
request and a directory walk, at any size.

The fingerprint reads file sizes and modification times, not contents: a file rewritten with the
same bytes is not rewritten at all (machinery/files.py), and any edit changes its mtime. The sources'
caches, written only by renames, are read a folder at a time: its names and its time (machinery/cache.py). It is recorded
only after a sync whose enrichment left nothing to look up, so a run that was offline or met a
failing Crossref tries again next time. `make` (merge, then emit) always rebuilds.
"""
from __future__ import annotations

import dataclasses
import hashlib
from functools import lru_cache
from pathlib import Path

from pipeline.config import Settings
from pipeline.machinery import files
from pipeline.report import Reporter
from pipeline.stages import Options, pull

STAMP = "sync.json"
PACKAGE = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the pipeline's own source: new code may write new bytes from the same inputs."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".js", ".css", ".html", ".csv") and path.is_file():
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# Settings that never change what the outputs say: the secret, and the bookkeeping of how they were read.
NOT_SHAPING = ("api_key", "openalex_api_key", "credentials_problem", "problems", "lines")


def shaping_settings(settings: Settings) -> str:
    """The settings that change what the outputs say: every field of Settings (each source's among them)
    but those of NOT_SHAPING, so a new setting is in the fingerprint without a line here."""
    return repr(tuple((f.name, getattr(settings, f.name)) for f in dataclasses.fields(settings)
                      if f.name not in NOT_SHAPING))


def fingerprint(settings: Settings) -> str:
    from pipeline.machinery.registry import SOURCES

    paths = settings.paths
    digest = hashlib.blake2b(digest_size=20)
    digest.update(code_version().encode() + shaping_settings(settings).encode())
    mends = paths.links if settings.links.mend else None    # emit then reads the link verdicts
    from pipeline.machinery import cache

    for folder in (paths.zotero, paths.reviews, mends):
        if folder is not None:
            files.tree_stamp(folder, digest)
    for source in SOURCES:          # written only by renames: each folder's listing and time (cache.stamp)
        cache.stamp(source.folder(settings), digest)
    for path in (paths.root / "pipeline.toml", paths.venues):
        try:
            st = path.stat()
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except FileNotFoundError:
            digest.update(f"{path}\0-\n".encode())
    return digest.hexdigest()


def outputs_stamp(settings: Settings) -> dict[str, list[int]]:
    stamp = {}
    for path in settings.paths.outputs:
        try:
            st = path.stat()
            stamp[str(path.relative_to(settings.paths.root))] = [st.st_size, st.st_mtime_ns]
        except (FileNotFoundError, ValueError):
            stamp[str(path)] = []
    return stamp


def last_stamp(settings: Settings) -> dict:
    try:
        doc = files.read_json(settings.paths.build / STAMP)
        return doc if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}


def run(settings: Settings, options: Options, reporter: Reporter) -> None:
    pull.run(settings, options, reporter)
    last = last_stamp(settings)
    if (not options.refresh and last.get("fingerprint") == fingerprint(settings)
            and last.get("outputs") == outputs_stamp(settings)):
        reporter.info("sync: the snapshot, caches, reviews, settings and code are those of the last build, and "
                      "the outputs are as it wrote them: enrich, merge and emit skipped (`make` rebuilds anyway)")
        return
    # Only now the building stages: a skipped sync never pays for importing the writers.
    from pipeline.stages import build, enrich
    from pipeline.machinery import inputs as inputs_

    inputs = inputs_.read(settings)
    summary = enrich.run(settings, options, reporter, inputs=inputs)
    build.run(settings, options, reporter, inputs)
    if not options.dry_run and summary.complete:
        files.write_json(settings.paths.build / STAMP,
                         {"fingerprint": fingerprint(settings), "outputs": outputs_stamp(settings)})
