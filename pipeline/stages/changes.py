"""changes: the pull request description for a sync (what the weekly workflow puts in its PR).

Reads the published CSV as it was before the sync (`--before FILE`, or the committed one through
`git show HEAD:<path>`), the CSV now, merge's problems rebuilt from the current inputs (what `make
check` lists), and optionally `make check`'s printed report (`--report FILE`), and prints the Markdown
of `pipeline.render.changes` (or writes it to `--output FILE`).
"""
from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

from pipeline.config import Settings
from pipeline.machinery import files
from pipeline.render import table, changes
from pipeline.report import Reporter
from pipeline.stages import Options, StageError, links, merge


def read_rows(text: str) -> list[dict[str, str]]:
    """papers.csv's rows with the exact text (the `'` that defuses a formula taken off)."""
    return [{k: table.unguard(v or "") for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]


def committed(settings: Settings, path: Path) -> str:
    """The file as HEAD has it; "" when it is not committed yet (a first sync)."""
    rel = Path(path).resolve().relative_to(settings.paths.root).as_posix()
    try:
        out = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=settings.paths.root, capture_output=True,
                             text=True, encoding="utf-8", check=False)
    except OSError:
        return ""
    return out.stdout if out.returncode == 0 else ""


def run(settings: Settings, options: Options, reporter: Reporter, *, before: Path | None = None,
        report: Path | None = None, output: Path | None = None) -> str:
    csv_path = settings.paths.csv
    try:
        old = before.read_text(encoding="utf-8") if before else committed(settings, csv_path)
        new = files.read_text(csv_path) if csv_path.is_file() else ""
        report_text = report.read_text(encoding="utf-8") if report else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise StageError(f"changes: {exc}") from None
    catalog = merge.build(settings)
    titles = {r.key: r.title for r in catalog.records}
    link_changes = links.changed(settings, catalog, links.committed_verdicts(settings))
    text = changes.render(read_rows(old), read_rows(new), catalog.problems, report_text, titles, link_changes)
    if output is not None and not options.dry_run:
        files.write_text(output, text)
        reporter.info(f"changes: wrote {output}")
    else:
        reporter.out(text, end="")
    return text
