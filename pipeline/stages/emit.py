"""emit: build/records.json -> README.md, papers.bib, papers.csv (+ its Table Schema), papers.json.

Every output is rendered in memory first; only then are they written, each atomically, and the
citation-key map last (it records what was published). `--dry-run` prints a unified diff of each
file instead and writes nothing.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from pipeline import suggest
from pipeline.config import Settings
from pipeline.machinery import files, parallel
from pipeline.model import Catalog, catalog_from_dict
from pipeline.render import biblatex, bibtex, citekeys, csljson, page, readme, table
from pipeline.report import Reporter
from pipeline.stages import Options, StageError


def load_catalog(settings: Settings) -> Catalog:
    path = settings.paths.records
    if not path.is_file():
        raise StageError(f"{path.relative_to(settings.paths.root)} is missing: run `python -m pipeline merge` first")
    try:
        return catalog_from_dict(files.read_json(path))
    except (ValueError, TypeError, KeyError) as exc:
        raise StageError(f"{path.relative_to(settings.paths.root)} is unreadable ({exc}): run `python -m pipeline merge` again") from None


def read_text(path: Path) -> str:
    try:
        return files.read_text(path)     # README.md a symlink out of the repository: refused, one line
    except FileNotFoundError:
        return ""


def published_keys(settings: Settings) -> dict:
    """The committed citation-key map: what earlier runs published, so keys never move."""
    path = settings.paths.citekeys
    if not path.is_file():
        return {}
    try:
        return files.read_json(path)
    except ValueError as exc:
        raise StageError(f"{path.relative_to(settings.paths.root)} is unreadable ({exc}); "
                         "restore it from git: it keeps published citation keys stable") from None


def output_paths(settings: Settings) -> tuple[Path, ...]:
    """Every file emit writes, in the order it writes them (the citation-key map last)."""
    return settings.paths.outputs


def render_all(settings: Settings, catalog: Catalog) -> dict[Path, str]:
    """{path: new text} of every output, rendered from the catalog. Pure apart from reading the
    current README (its hand-written parts) and the published key map.

    The writers share nothing but their input, so on a large list they run side by side (parallel.py);
    the bytes are the same either way."""
    paths = settings.paths
    mends = settings.links.mend == "archive"
    if mends:
        from pipeline.stages import links

        catalog = links.mend(settings, catalog)
    records = list(catalog.records)
    keys, keymap = citekeys.assign(records, published_keys(settings))
    aliases = citekeys.aliases(keymap)
    section_names = {s.key: " > ".join(s.path) for s in catalog.sections}
    current_readme = read_text(paths.readme)

    def bib_and_page() -> tuple[str, str]:
        entries = bibtex.entries(records, keys, aliases)   # rendered once, for papers.bib and the page
        return bibtex.render(records, keys, rendered=entries), page.render(catalog, keys, entries=entries)

    # (job, its share of the time, as measured at 10,000 records, for sharing the work out evenly)
    jobs = [
        (bib_and_page, 9),
        (lambda: biblatex.render(records, keys, aliases=aliases, settings=settings.bib), 5),
        (lambda: table.render_csv(records, keys, section_names=section_names, url_status=mends), 4),
        (lambda: csljson.render(records, keys), 2.5),
        (lambda: readme.render(catalog, current_readme), 3.5),
    ]
    (bib, page_html), bbl, csv_text, csl, readme_text = parallel.run(
        [job for job, _ in jobs], [weight for _, weight in jobs], workers=parallel.workers_for(len(records)))
    # The citation-key map goes last: it records what the other files published.
    return {
        paths.readme: readme_text,
        paths.bib: bib,
        paths.biblatex: bbl,
        paths.csv: csv_text,
        paths.datapackage: files.dump_json(table.datapackage(paths.csv.name, mends)),
        paths.csljson: csl,
        paths.page: page_html,
        paths.form: suggest.render_form([" > ".join(s.path) for s in catalog.sections]),
        paths.citekeys: files.dump_json(keymap),
    }


def run(settings: Settings, options: Options, reporter: Reporter, catalog: Catalog | None = None) -> None:
    """Emit `catalog`, or the one merge last wrote (sync hands its catalog over, so that a dry run
    shows what the whole sync would change)."""
    files.confine(settings.paths.root)
    catalog = catalog if catalog is not None else load_catalog(settings)
    outputs = render_all(settings, catalog)
    for path in outputs:     # every output's folder checked before the first is written: all or none
        files.guard(path)
    root = settings.paths.root
    if options.dry_run:
        changed = 0
        for path, text in outputs.items():
            # Compare bytes, as write_text does: read_text's newline translation turned the CSV's
            # CRLF rows into LF and reported a change a real emit does not make.
            try:
                before = files.read_bytes(path)
            except OSError:
                before = None
            if before != text.encode("utf-8"):
                old = (before or b"").decode("utf-8", "replace")
                changed += 1
                rel = str(path.relative_to(root))
                diff = difflib.unified_diff(old.splitlines(True), text.splitlines(True), f"a/{rel}", f"b/{rel}")
                print("".join(diff), end="")
        reporter.info(f"emit: dry run: {changed} file(s) would change; nothing written")
        return
    written = []
    for path, text in outputs.items():
        try:
            if files.write_text(path, text):
                written.append(path)
        except files.Refused:
            raise
        except OSError as exc:   # a dangling link in the way, a read-only folder: one line naming the output
            raise files.Refused(f"{files.shown(path)}: {exc.strerror or exc}") from None
    names = ", ".join(str(p.relative_to(root)) for p in written) or "nothing changed"
    reporter.info(f"emit: {len(catalog.records)} papers -> {names}")
