"""import-readme: an awesome-list Markdown file -> data/raw/zotero snapshot + reviews/ files.

Used once to move a hand-kept list onto the pipeline. Items it makes are marked as imported (their
`meta.imported` names the source line) and a real `pull` replaces them. Review files that already
exist are left alone: they are the curator's. When the README has no generated block yet, the
list's hand-written intro and outro become the README's, around an empty generated block.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import yaml

from pipeline import importer
from pipeline.config import Settings
from pipeline.render import readme
from pipeline.report import Reporter
from pipeline.stages import Options, StageError, files


def front_matter(matter: dict) -> str:
    body = yaml.safe_dump(matter, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{body}---\n"


def run(settings: Settings, options: Options, reporter: Reporter, source: Path, added_on: date | None = None) -> None:
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StageError(f"cannot read {source}: {exc}") from None
    parsed = importer.parse(text, source.name)
    for problem in parsed.problems:
        reporter.problem(problem)
    if not parsed.entries:
        raise StageError(f"{source.name}: no entries could be read; nothing imported")
    state = files.snapshot_state(settings.paths.zotero)
    if state.get("source", "import-readme") != "import-readme":
        raise StageError("data/raw/zotero holds a snapshot pulled from Zotero; import-readme would replace it. "
                         "Move it away first if that is what you want")
    day = added_on or datetime.now(timezone.utc).date()
    snap = importer.to_snapshot(parsed, source.name, datetime(day.year, day.month, day.day, tzinfo=timezone.utc))

    planned: dict[Path, str] = {}
    zdir = settings.paths.zotero
    for key, obj in snap.collections.items():
        planned[zdir / files.COLLECTIONS / f"{key}.json"] = files.dump_json(obj)
    for key, obj in snap.items.items():
        planned[zdir / files.ITEMS / f"{key}.json"] = files.dump_json(obj)
    stale = [p for kind in (files.ITEMS, files.COLLECTIONS)
             for k, p in files.snapshot_objects(zdir, kind).items() if p not in planned]

    reviews = {}
    for entry in parsed.entries:
        key = importer.object_key("item", entry.title.casefold(), entry.url)
        matter = importer.review_front_matter(entry, key)
        path = settings.paths.root / importer.review_path(entry)
        if matter and path not in reviews and not path.exists():
            reviews[path] = front_matter(matter)
    readme_text = None
    current = settings.paths.readme.read_text(encoding="utf-8") if settings.paths.readme.is_file() else ""
    if readme.BEGIN not in current:
        readme_text = f"{parsed.intro.rstrip()}\n\n{readme.BEGIN}\n{readme.END}\n" + (f"\n{parsed.outro}" if parsed.outro else "")

    root = settings.paths.root
    if options.dry_run:
        for path in list(planned) + list(reviews) + ([settings.paths.readme] if readme_text else []):
            reporter.info(f"would write {path.relative_to(root)}")
        for path in stale:
            reporter.info(f"would remove {path.relative_to(root)}")
        return
    # Until the new state is written, the snapshot must not claim to be complete.
    files.remove(zdir / files.STATE)
    for path, content in {**planned, **reviews}.items():
        files.write_text(path, content)
    for path in stale:
        files.remove(path)
    if readme_text is not None:
        files.write_text(settings.paths.readme, readme_text)
    # The state goes last: a crash before this line leaves a snapshot that says it is incomplete.
    files.write_json(zdir / files.STATE, {
        "source": "import-readme", "file": source.name, "collection": snap.top, "version": 0,
        "library": {"type": "user", "id": "0"},
    })
    reporter.info(
        f"import-readme: {len(snap.items)} items in {len(snap.collections) - 1} sections from {source.name}; "
        f"{len(reviews)} review file(s) written" + (f"; {len(parsed.problems)} line(s) skipped" if parsed.problems else "")
    )
