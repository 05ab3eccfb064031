"""Command line: `python -m pipeline STAGE`. Parses arguments, runs stages, turns errors into one line.

Every stage reports through `Problem` values (pipeline/report.py); a stop (`StageError`, and a source's
error through `stages.source_errors`) and unreadable settings become one too, and `exit_status` decides
the code from them: 0 done; 1 the stage failed (one line says why; nothing already published was lost);
2 bad usage or configuration; 3 the stage finished but reported errors on the way (bad input it went on
without, papers it could not add; `check`: the data-quality errors it found).
"""
from __future__ import annotations

import argparse
import gc
import re
from datetime import date
from pathlib import Path

from pipeline import config
from pipeline.model import Problem
from pipeline.report import Reporter
from pipeline.stages import Options, StageError, source_errors

STAGES = {
    "pull": "fetch the Zotero collection into data/raw/zotero (incremental)",
    "enrich": "look the items up on Crossref; responses cached in data/raw/crossref",
    "merge": "join the snapshot, the Crossref cache and reviews/ into build/records.json",
    "emit": "write README.md, papers.bib, papers.csv and papers.json from build/records.json",
    "build": "merge and emit in one process, from what is on disk, no network (what `make` runs)",
    "sync": "pull, enrich, merge and emit",
    "check": "data-quality report and output validators; exits 3 on errors",
    "links": "check every published link (verdicts cached in data/raw/links); exits 3 on a broken one",
    "import-readme": "turn an awesome-list Markdown file into a Zotero snapshot and reviews/ files",
    "suggestion": "read a filled-in suggestion issue: the `add` arguments, or why not, as JSON",
    "changes": "what a sync changed, as Markdown (the description of the weekly pull request)",
    "push": "write the local list (an imported one) into the Zotero collection; resumable, never twice",
    "add": "look papers up by DOI, arXiv id, DBLP key or URL and create them in the Zotero collection",
}

# Stages that talk to Zotero: half-set credentials stop them instead of passing for "none".
ONLINE = ("pull", "sync", "push", "add")
# Stages that write the project: one at a time (`build/.lock`).
WRITERS = ("pull", "enrich", "merge", "emit", "build", "sync", "import-readme", "push", "add", "links")


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
        if name in ("pull", "merge", "emit", "build", "sync"):   # emit accepts it so `make ARGS=--allow-missing` works
            p.add_argument("--allow-missing", action="store_true",
                           help="publish even when entries are missing: damaged snapshot files (merge refuses "
                                "otherwise), or a collection that lacks the list's papers (pull refuses otherwise)")
        if name in ("enrich", "sync"):
            p.add_argument("--refresh", action="store_true", help="refetch Crossref records already cached")
        if name == "suggestion":
            p.add_argument("--issue-body", type=Path, required=True, metavar="FILE", help="the issue's body")
            p.add_argument("--form", type=Path, default=None, metavar="FILE",
                           help="the issue form, for its sections (default: .github/ISSUE_TEMPLATE/suggest-paper.yml)")
        if name == "check":
            p.add_argument("--links", action="store_true", help="check the links whose verdicts expired first (network)")
        if name == "links":
            p.add_argument("--refresh", action="store_true", help="check every link again, however fresh its verdict")
        if name == "changes":
            p.add_argument("--before", type=Path, default=None, metavar="FILE",
                           help="papers.csv as published before the sync (default: the committed one)")
            p.add_argument("--report", type=Path, default=None, metavar="FILE", help="`make check` output to include")
            p.add_argument("--output", type=Path, default=None, metavar="FILE", help="write here, not to stdout")
        if name == "push":
            p.add_argument("--limit", type=int, default=None, metavar="N",
                           help="push only the list's first N entries (to try it); the list stays the imported one")
        if name == "add":
            p.add_argument("ids", nargs="+", metavar="ID",
                           help="a DOI, doi.org URL, arXiv id or URL, DBLP record key or URL, or any other URL")
            p.add_argument("--section", required=True, metavar="NAME", help="the section (sub-collection) to file it in")
            p.add_argument("--summary", default="", metavar="TEXT", help="its one-line summary (a child note)")
            p.add_argument("--tag", action="append", default=[], metavar="T", help="a tag (repeat for more)")
            p.add_argument("--title", default="", metavar="TEXT", help="the title of a web page added by its URL")
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
        root = config.project_root(args.root, search=False) if args.root else config.project_root(Path.cwd())
        settings = config.load(root)
        if args.stage in ONLINE and not options.offline and settings.credentials_problem:
            raise config.ConfigError(settings.credentials_problem)
    except config.ConfigError as exc:
        reporter = Reporter(options.verbosity)      # no settings, so no secret to hide yet
        reporter.problem(Problem("", str(exc), "fatal", "config"))
        return exit_status(args.stage, reporter)
    reporter = Reporter(options.verbosity, secrets=[settings.api_key.reveal(), settings.openalex_api_key.reveal()],
                        progress_bars=not config.in_ci())
    try:
        code = run_stage(args, settings, options, reporter)
    except StageError as exc:
        reporter.problem(exc.problem)
        return exit_status(args.stage, reporter)
    except KeyboardInterrupt:
        return exit_status(args.stage, reporter, interrupted=True)
    return exit_status(args.stage, reporter, code)


def exit_status(stage: str, reporter: Reporter, code: int = 0, *, interrupted: bool = False) -> int:
    """The one place a run's exit status is decided, from the problems it reported (model.Problem):
    130 when interrupted; 2 when the settings could not be read (a fatal problem of code "config"); 1
    when a stage could not go on (any other fatal one: a `StageError`); 3 when it went on past bad
    input (an error) or its own check failed (`code`); else 0."""
    if interrupted:
        reporter.say("interrupted: files already written are complete; nothing is half-written")
        return 130
    fatal = [p for p in reporter.problems if p.level == "fatal"]
    if fatal:
        return 2 if any(p.code == "config" for p in fatal) else 1
    errors = sum(p.level == "error" for p in reporter.problems)
    if code == 0 and errors:
        # The run went on past bad input, as it should; the exit status still says it was there.
        reporter.say(f"{stage}: finished with {errors} error(s) above (`make check` lists them)")
        return 3
    return code


def os_error(exc: OSError, root: Path) -> str:
    """'data/curated/papers.bib: Permission denied': the file named relative to the project."""
    name = exc.filename if isinstance(exc.filename, str) else ""
    if name:
        try:
            name = str(Path(name).resolve().relative_to(root))
        except (ValueError, OSError):
            pass
        # A temporary file's name (`.papers.bib.123.0.tmp`) says less than the file it would become.
        name = re.sub(r"(^|/)\.([^/]+)\.\d+\.\d+\.tmp$", r"\1\2", name)
    reason = exc.strerror or str(exc)
    return f"{name}: {reason}" if name else reason


def run_stage(args, settings, options, reporter) -> int:
    if args.stage != "check":           # check lists them in its report, and fails on them
        for problem in settings.problems:
            reporter.problem(problem)
    try:
        with source_errors(args.stage):     # a stage that says what stands converts its own first
            return _run_locked(args, settings, options, reporter)
    except OSError as exc:
        # The file system said no (read-only file or folder, a full disk, a path in the way): what
        # was written is whole (atomic writes), so the line says what and where, without a traceback.
        raise StageError(f"{args.stage}: {os_error(exc, settings.paths.root)}") from None


def _run_locked(args, settings, options, reporter) -> int:
    if args.stage not in WRITERS or options.dry_run:
        return _run_stage(args, settings, options, reporter)
    from pipeline.machinery import files

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
    if stage == "suggestion":   # reads two files and prints: no stage module, nothing written
        return _suggestion(args, settings)
    module = importlib.import_module(f"pipeline.stages.{stage.replace('-', '_')}")
    if stage == "import-readme":
        module.run(settings, options, reporter, Path(args.file), args.added_on, args.replace)
    elif stage == "changes":
        module.run(settings, options, reporter, before=args.before, report=args.report, output=args.output)
    elif stage == "push":
        module.run(settings, options, reporter, limit=args.limit)
    elif stage == "add":
        module.run(settings, options, reporter, args.ids, section=args.section, summary=args.summary,
                   tags=args.tag, title=args.title)
    elif stage == "check":
        return 3 if module.run(settings, options, reporter, check_links=args.links) else 0
    elif stage == "links":
        return 3 if module.run(settings, options, reporter) else 0
    else:
        module.run(settings, options, reporter)
    return 0


def _suggestion(args, settings) -> int:
    """Prints {"ok", "problems", "args", "comment", and the fields} as JSON; exit 1 when it cannot be added."""
    import json

    from pipeline import suggest

    form = args.form or settings.paths.root / ".github" / "ISSUE_TEMPLATE" / "suggest-paper.yml"
    try:
        body = args.issue_body.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise StageError(f"{args.issue_body}: cannot read the issue body ({exc.strerror})") from None
    try:
        sections = suggest.form_sections(form.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        sections = []
    found = suggest.parse_issue(body, sections or list(settings.section_order))
    print(json.dumps({"ok": found.ok, "problems": list(found.problems),
                      "args": suggest.add_arguments(found) if found.ok else [],
                      "comment": suggest.comment(found, would_add=True), **found.as_dict()},
                     ensure_ascii=False, indent=1, sort_keys=True))
    return 0 if found.ok else 1
