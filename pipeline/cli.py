"""Command line: `python -m pipeline STAGE`. Parses arguments, runs stages, turns errors into one line.

Exit codes: 0 done; 1 the stage failed (one line says why; nothing already published was lost);
2 bad usage or configuration; 3 `check` found errors.
"""
from __future__ import annotations

import argparse
import gc
import sys
from datetime import date
from pathlib import Path

from pipeline import config
from pipeline.report import Reporter
from pipeline.stages import Options, StageError

STAGES = {
    "pull": "fetch the Zotero collection into data/raw/zotero (incremental)",
    "enrich": "look the items up on Crossref; responses cached in data/raw/crossref",
    "merge": "join the snapshot, the Crossref cache and reviews/ into build/records.json",
    "emit": "write README.md, papers.bib, papers.csv and papers.json from build/records.json",
    "build": "merge and emit in one process, from what is on disk, no network (what `make` runs)",
    "sync": "pull, enrich, merge and emit",
    "check": "data-quality report and output validators; exits 3 on errors",
    "import-readme": "turn an awesome-list Markdown file into a Zotero snapshot and reviews/ files",
    "changes": "what a sync changed, as Markdown (the description of the weekly pull request)",
}

# Stages that talk to Zotero: half-set credentials stop them instead of passing for "none".
ONLINE = ("pull", "sync")
# Stages that write the project: one at a time (`build/.lock`).
WRITERS = ("pull", "enrich", "merge", "emit", "build", "sync", "import-readme")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--offline", action="store_true", help="no network: use caches and the committed snapshot")
    common.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")
    common.add_argument("-q", "--quiet", action="count", default=0, help="only errors")
    common.add_argument("-v", "--verbose", action="count", default=0, help="more detail")
    common.add_argument("--root", default=None,
                        help="project folder (default: the nearest folder up from here with pipeline.toml)")

    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Publish a curated paper list from a Zotero collection.",
    )
    sub = parser.add_subparsers(dest="stage", required=True, metavar="STAGE")
    for name, text in STAGES.items():
        p = sub.add_parser(name, parents=[common], help=text, description=text)
        if name in ("merge", "emit", "build", "sync"):   # emit accepts it so `make ARGS=--allow-missing` works
            p.add_argument("--allow-missing", action="store_true",
                           help="publish even when damaged snapshot files lost entries (merge refuses otherwise)")
        if name in ("enrich", "sync"):
            p.add_argument("--refresh", action="store_true", help="refetch Crossref records already cached")
        if name == "changes":
            p.add_argument("--before", type=Path, default=None, metavar="FILE",
                           help="papers.csv as published before the sync (default: the committed one)")
            p.add_argument("--report", type=Path, default=None, metavar="FILE", help="`make check` output to include")
            p.add_argument("--output", type=Path, default=None, metavar="FILE", help="write here, not to stdout")
        if name == "import-readme":
            p.add_argument("file", help="the awesome-list Markdown file to import")
            p.add_argument("--added-on", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                           help="date recorded as the items' date added (default: today)")
            p.add_argument("--replace", action="store_true",
                           help="start the list over from FILE: snapshot, reviews/, section order")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    options = Options(
        offline=args.offline,
        dry_run=args.dry_run,
        refresh=getattr(args, "refresh", False),
        allow_missing=getattr(args, "allow_missing", False),
        verbosity=max(0, 1 + args.verbose - args.quiet),
    )
    try:
        settings = config.load(Path(args.root) if args.root else config.find_root(Path.cwd()))
        if args.stage in ONLINE and not options.offline and settings.credentials_problem:
            raise config.ConfigError(settings.credentials_problem)
    except config.ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reporter = Reporter(options.verbosity, secrets=[settings.api_key.reveal()], progress_bars=not config.in_ci())
    try:
        return run_stage(args, settings, options, reporter)
    except StageError as exc:
        reporter._print(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        reporter._print("interrupted: files already written are complete; nothing is half-written")
        return 130


def run_stage(args, settings, options, reporter) -> int:
    if args.stage not in WRITERS or options.dry_run:
        return _run_stage(args, settings, options, reporter)
    from pipeline.stages import files

    paths = settings.paths
    files.confine(paths.root)      # every path read or written stays inside the project (files.guard)
    with files.project_lock(paths.build, args.stage):
        # Holding the lock, no live run owns a temporary file: any left is from a killed run.
        stale = files.sweep_temporary([paths.root / "data", paths.reviews, paths.build],
                                      sorted({p.parent for p in paths.outputs}))
        if stale:
            reporter.info(f"removed {len(stale)} temporary file(s) left by an interrupted run")
        return _run_stage(args, settings, options, reporter)


def _run_stage(args, settings, options, reporter) -> int:
    # A stage builds large trees of objects that hold no reference cycles: at 10,000 items the cyclic
    # collector found 348 objects to free in a whole build, yet walked the growing heap again and again
    # (a sixth of the build's time). It is paused while a stage runs; reference counting frees the rest.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_module(args, settings, options, reporter)
    finally:
        if was_enabled:
            gc.enable()


def _run_module(args, settings, options, reporter) -> int:
    # Only the stage asked for is imported: `--help` and a typo answer fast, and a sync with nothing
    # to do never loads the writers.
    import importlib

    stage = args.stage
    module = importlib.import_module(f"pipeline.stages.{stage.replace('-', '_')}")
    if stage == "import-readme":
        module.run(settings, options, reporter, Path(args.file), args.added_on, args.replace)
    elif stage == "changes":
        module.run(settings, options, reporter, before=args.before, report=args.report, output=args.output)
    elif stage == "check":
        return 3 if module.run(settings, options, reporter) else 0
    else:
        module.run(settings, options, reporter)
    return 0
