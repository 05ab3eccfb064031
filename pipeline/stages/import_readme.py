"""import-readme: an awesome-list Markdown file -> data/raw/zotero snapshot + reviews/ files.

Moves a hand-kept list onto the pipeline. Items it makes are marked as imported (their
`meta.imported` names the source line) and a real `pull` replaces them. The review files the list
links (beside FILE, by relative path) become the review text below generated front matter.

Into a project that already has a list (a snapshot in data/raw/zotero) it refuses, unless
`--replace`: then the list starts over from FILE: the snapshot, every review file, the README's
hand-written parts and pipeline.toml's `[sections] order` (the rest of that file kept byte for
byte). Without `--replace`, review files already in the project are the curator's and stay.
"""
from __future__ import annotations

import re
import tomllib
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import yaml

from pipeline.config import Settings
from pipeline.machinery import files
from pipeline.machinery.crossref_cache import read_venues
from pipeline.markdown_in import importer
from pipeline.model import Problem
from pipeline.render import readme
from pipeline.report import Reporter
from pipeline.rules import venues
from pipeline.stages import Options, StageError


# Every line the import skipped or doubts, one `FILE:line: why` a line; `make check` shows them until
# the next import rewrites the file.
REPORT = "import-report.txt"
SHOWN = 20


def show_findings(findings: list[Problem], reporter: Reporter, where: str) -> None:
    """The first lines the import skipped or doubts, without -v (with -v each skip is printed as it
    is found), then how many more and where the full list is."""
    if reporter.verbosity >= 2:
        findings = [p for p in findings if p.code == importer.DOUBTFUL]
    for p in findings[:SHOWN]:
        reporter.info(str(p))
    if len(findings) > SHOWN:
        reporter.info(f"... and {len(findings) - SHOWN} more line(s): all {len(findings)} are in {where}")


def read_report(path: Path) -> list[Problem]:
    """The last import's findings, for `make check`."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for line in text.splitlines():
        where, sep, message = line.partition(": ")
        if sep and re.fullmatch(r".+:\d+", where):
            out.append(Problem(where, message, "warning", "import"))
    return out


def front_matter(matter: dict) -> str:
    body = yaml.safe_dump(matter, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{body}---\n"


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError):
        return False


def review_files(settings: Settings, parsed: importer.ParsedList, source: Path, replace: bool,
                 reporter: Reporter) -> tuple[dict[Path, str], int]:
    """{path: text} of the review files to write, and how many carry the curator's review text."""
    out: dict[Path, str] = {}
    with_text = 0
    by_item: dict[str, list[importer.Entry]] = {}
    for entry in parsed.entries:
        by_item.setdefault(importer.item_key(entry), []).append(entry)
    for key, entries in by_item.items():
        entry = next((e for e in entries if e.review_path), entries[0])
        path = settings.paths.reviews / importer.review_path(entry).removeprefix("reviews/")
        if path in out:     # two items of the same title: the second file is named by its key too
            path = path.with_name(f"{path.stem}-{key}.md")
        body = ""
        if entry.review_path:
            beside = source.parent / entry.review_path
            if not _inside(beside, source.parent):
                reporter.problem(Problem(f"{source.name}:{entry.line}", f"review link {entry.review_path!r} points "
                                         f"outside {source.parent.name or '.'}/ (not read)", "warning", importer.REVIEW))
            elif beside.is_file():
                try:
                    body = importer.review_body(beside.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError) as exc:
                    reporter.problem(Problem(f"{entry.review_path}:1", f"unreadable review file: {exc}", "warning",
                                             importer.REVIEW))
            else:
                reporter.problem(Problem(f"{source.name}:{entry.line}", f"review file {entry.review_path!r} not found "
                                         f"beside {source.name}: the review is marked missing", "warning", importer.REVIEW))
        matter = importer.review_front_matter(entries, key, has_text=bool(body), sections=parsed.sections)
        if matter is None or (path.exists() and not replace):
            continue
        out[path] = front_matter(matter) + (f"\n{body}" if body else "")
        with_text += bool(body)
    return out, with_text


def run(settings: Settings, options: Options, reporter: Reporter, source: Path, added_on: date | None = None,
        replace: bool = False) -> None:
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise StageError(f"cannot read {source}: {exc}") from None
    parsed = importer.parse(text, source.name)
    root = settings.paths.root
    files.confine(root)
    zdir = settings.paths.zotero
    present = files.snapshot_objects(zdir, files.ITEMS)
    if not replace and (present or files.snapshot_objects(zdir, files.COLLECTIONS) or files.snapshot_state(zdir)):
        raise StageError(f"this project already has a list ({len(present)} items in {_rel(root, zdir)}); "
                         f"`import-readme {source.name} --replace` starts it over from {source.name}")
    for problem in parsed.problems:
        reporter.problem(problem)
    findings = sorted(parsed.problems + parsed.doubtful, key=lambda p: int(p.where.rsplit(":", 1)[1]))
    report_path = settings.paths.build / REPORT
    if not options.dry_run:
        # Written before the snapshot, so an import that reads nothing still names the lines it skipped.
        files.write_text(report_path, "".join(f"{p}\n" for p in findings))
    show_findings(findings, reporter, _rel(root, report_path))
    if not parsed.entries:
        raise StageError(f"{source.name}: no entries could be read; nothing imported")
    day = added_on or datetime.now(timezone.utc).date()
    table, _ = read_venues(settings.paths.venues)     # its problems are the build's to report
    snap = importer.to_snapshot(parsed, source.name, datetime(day.year, day.month, day.day, tzinfo=timezone.utc),
                                kind_of=lambda name: venues.kind_of(venues.label(name, table), table))

    planned: dict[Path, str] = {}
    for key, obj in snap.collections.items():
        planned[zdir / files.COLLECTIONS / f"{key}.json"] = files.dump_json(obj)
    for key, obj in snap.items.items():
        planned[zdir / files.ITEMS / f"{key}.json"] = files.dump_json(obj)
    stale = [p for kind in (files.ITEMS, files.COLLECTIONS)
             for p in files.snapshot_objects(zdir, kind).values() if p not in planned]

    reviews, with_text = review_files(settings, parsed, source, replace, reporter)
    if replace and settings.paths.reviews.is_dir():
        stale += [p for p in sorted(settings.paths.reviews.rglob("*.md")) if p not in reviews]
    readme_text = None
    current = files.read_text(settings.paths.readme) if settings.paths.readme.is_file() else ""
    if replace or readme.BEGIN not in current:
        intro = importer.with_badge(parsed.intro, readme.BADGE)
        readme_text = f"{intro.rstrip()}\n\n{readme.BEGIN}\n{readme.END}\n" + (f"\n{parsed.outro}" if parsed.outro else "")
    toml_path = root / "pipeline.toml"
    toml_text = toml_path.read_text(encoding="utf-8") if toml_path.is_file() else ""
    new_toml = importer.with_section_order(toml_text, importer.section_order(parsed))
    try:
        if tomllib.loads(new_toml).get("sections", {}).get("order") != importer.section_order(parsed):
            raise ValueError("the order did not land in [sections]")
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise StageError(f"pipeline.toml: cannot set [sections] order ({exc}); set it by hand") from None

    writes = {**planned, **reviews}
    if readme_text is not None:
        writes[settings.paths.readme] = readme_text
    if new_toml != toml_text:
        writes[toml_path] = new_toml
    if options.dry_run:
        for path in writes:
            reporter.info(f"would write {_rel(root, path)}")
        for path in stale:
            reporter.info(f"would remove {_rel(root, path)}")
    else:
        # Until the new state is written, the snapshot must not claim to be complete.
        files.remove(zdir / files.STATE)
        # Thousands of files: each is still written atomically, and one flush before the state makes
        # them durable together (a per-file fsync took 20 s for 5,000 entries).
        for path, content in writes.items():
            files.write_text(path, content, durable=False)
        for path in stale:
            files.remove(path)
        files.flush()
        # The state goes last: a crash before this line leaves a snapshot that says it is incomplete.
        files.write_json(zdir / files.STATE, {
            "source": "import-readme", "file": source.name, "collection": snap.top, "version": 0,
            "library": {"type": "user", "id": "0"},
        })
    reporter.info(summary_line(parsed, snap, source.name, len(reviews), with_text, len(stale), options.dry_run))


def summary_line(parsed: importer.ParsedList, snap: importer.Snapshot, name: str, reviews: int, with_text: int,
                 removed: int, dry_run: bool) -> str:
    """The closing count: entries read, lines skipped by kind, files written."""
    skipped = Counter(p.code or "other" for p in parsed.problems if p.code != importer.WITHOUT_LINK)
    unlinked = sum(1 for e in parsed.entries if not e.url)
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items()))
    return (f"import-readme: read {len(parsed.entries)} entries ({len(snap.items)} items"
            + (f", {unlinked} without a link" if unlinked else "") + f") in {len(parsed.sections)} sections from {name}; "
            + (f"skipped {sum(skipped.values())} line(s): {kinds}" if skipped else "skipped 0 lines")
            + (f"; {len(parsed.doubtful)} doubtful" if parsed.doubtful else "")
            + f"; {reviews} review file(s) ({with_text} with review text)"
            + (f"; {removed} old file(s) removed" if removed else "")
            + (" (dry run: nothing written)" if dry_run else ""))


def _rel(root: Path, path: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)
