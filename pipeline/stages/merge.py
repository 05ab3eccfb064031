"""merge: data/raw (Zotero snapshot + Crossref cache) + reviews/ + pipeline.toml -> build/records.json.

No network. The order of the steps is the precedence order: Zotero gives the item, Crossref
(through `enrichment.apply`, from the cache only) corrects what it knows better, and the curator's
review file has the last word. Each bad file is one reported problem; the others still build.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipeline import arrange, curate, enrichment
from pipeline.config import Settings
from pipeline.convert import zotero
from pipeline.model import Catalog, Problem, Record, Section, catalog_to_dict, sort_problems
from pipeline.report import Reporter
from pipeline.stages import Options, StageError, files, notes
from pipeline.stages.crossref_cache import CrossrefCache


def load_sections(settings: Settings, reporter: Reporter) -> tuple[str, str, list[Section]]:
    """(top collection key, its name, every collection below it as a Section in list order)."""
    folder = settings.paths.zotero
    state = files.snapshot_state(folder)
    top = settings.collection or state.get("collection", "")
    raw: dict[str, dict] = {}
    for key, path in files.snapshot_objects(folder, files.COLLECTIONS).items():
        try:
            data = files.read_json(path).get("data", {})
            raw[key] = {"name": zotero.text(data["name"]), "parent": data.get("parentCollection") or None}
        except (ValueError, KeyError, AttributeError, OSError) as exc:
            reporter.problem(Problem(_rel(settings, path), f"unreadable collection file: {exc}"))
    if not top:
        tops = [k for k, c in raw.items() if c["parent"] is None]
        if len(tops) != 1:
            raise StageError("no top collection: set ZOTERO_COLLECTION or [zotero] collection in pipeline.toml")
        top = tops[0]
    if top not in raw:
        raise StageError(f"the snapshot in {_rel(settings, folder)} has no collection {top}: run `make sync` or `python -m pipeline import-readme FILE`")

    def path_of(key: str) -> tuple[str, ...] | None:
        names, seen = [], set()
        while key != top:
            if key not in raw or key in seen:
                return None          # not below the top collection (or a cycle)
            seen.add(key)
            names.append(arrange.display_name(raw[key]["name"]))
            key = raw[key]["parent"]
        return tuple(reversed(names))

    sections = []
    for key, col in raw.items():
        path = path_of(key) if key != top else None
        if path:
            parent = col["parent"] if col["parent"] != top else None
            sections.append(Section(key=key, name=path[-1], parent=parent, path=path))
    # Sort siblings by their raw names so a numeric prefix ("01 Background") orders them.
    raw_names = {s.key: raw[s.key]["name"] for s in sections}
    return top, raw[top]["name"], arrange.order_sections(sections, settings.section_order, raw_names)


def snapshot_records(settings: Settings, reporter: Reporter) -> list[Record]:
    """Every list entry of the Zotero snapshot as a Record; an unreadable item file is reported."""
    records = []
    for key, path in files.snapshot_objects(settings.paths.zotero, files.ITEMS).items():
        try:
            item = files.read_json(path)
            if not isinstance(item, dict):
                raise ValueError("not a Zotero item object")
            if zotero.is_entry(item):
                records.append(zotero.to_record(item))
        except (ValueError, TypeError, AttributeError, OSError) as exc:
            reporter.problem(Problem(_rel(settings, path), f"unreadable item {key}: {exc}".splitlines()[0],
                                     "error", "zotero-item"))
    return records


def load_records(settings: Settings, reporter: Reporter, top: str, section_keys: set[str]) -> list[Record]:
    """The entries filed in the list: in a section, or (reported) only in the top collection."""
    records = []
    for record in snapshot_records(settings, reporter):
        in_tree = tuple(s for s in record.sections if s in section_keys)
        if not in_tree and top not in record.sections:
            continue        # filed elsewhere in the library, not in this list
        if not in_tree:
            reporter.problem(Problem(record.key, f"{record.title[:60]!r} is filed only in the top collection, "
                                     "in no section: it is in the .bib and CSV, not in the README",
                                     "warning", "no-section"))
        records.append(replace(record, sections=in_tree))
    return records


def load_reviews(settings: Settings, reporter: Reporter) -> list[curate.Review]:
    reviews = []
    folder = settings.paths.reviews
    for path in sorted(folder.glob("**/*.md")) if folder.is_dir() else ():
        rel = _rel(settings, path)
        try:
            review, problems = curate.parse_review(path.read_text(encoding="utf-8"), rel)
        except (OSError, UnicodeDecodeError) as exc:
            review, problems = None, [Problem(f"{rel}:1", f"unreadable: {exc}")]
        for p in problems:
            reporter.problem(p)
        if review:
            reviews.append(review)
    return reviews


def matched_reviews(settings: Settings, reporter: Reporter, records: list[Record]) -> dict[str, curate.Review]:
    """{record key: its review file}; unusable and unmatched review files are reported."""
    matched, problems = curate.match_reviews(load_reviews(settings, reporter), records)
    for p in problems:
        reporter.problem(p)
    return matched


def build(settings: Settings, reporter: Reporter) -> Catalog:
    """The whole merge, in memory: what `check` also uses."""
    for name in arrange.unknown_sort_fields(settings.sort):
        reporter.problem(Problem("pipeline.toml", f"[entries] sort: {name!r} is not a field entries can be "
                                 "sorted by (ignored)", "warning", "config"))
    top, title, sections = load_sections(settings, reporter)
    records = load_records(settings, reporter, top, {s.key for s in sections})
    reviews = matched_reviews(settings, reporter, records)
    for p in notes.plan_reviews(settings).problems:   # review files that Zotero notes could not update
        reporter.problem(p)
    cache = CrossrefCache.for_settings(settings)
    for p in cache.problems:
        reporter.problem(p)
    by_name = {" > ".join(s.path): s.key for s in sections} | {s.name: s.key for s in sections}

    final = []
    for record in records:
        review = reviews.get(record.key)
        pinned = curate.pin_doi(record, review)
        record, problems = enrichment.apply(pinned, cache)
        if review is not None:
            record, more = curate.apply_review(record, review, by_name)
            problems += more + curate.review_problems(record)
            crossref = enrichment.matched_fields(pinned, cache)
            if crossref:
                # What the curator pinned, checked against Crossref: a typo in a review is listed too.
                problems += enrichment.disagreements(record, crossref, cache.venues)
        for p in problems:
            reporter.problem(p)
        final.append(replace(record, tags=arrange.shown_tags(record, settings.tags)))
    final = arrange.sort_records(final, settings.sort)
    sections = without_empty(sections, final)
    return Catalog(title=title, sections=tuple(sections), records=tuple(final),
                   problems=tuple(sort_problems(reporter.problems)))


def without_empty(sections: list[Section], records: list[Record]) -> list[Section]:
    """Sections that show at least one entry, themselves or through a sub-section."""
    filled = {k for r in records if not r.hidden for k in r.sections}
    parent = {s.key: s.parent for s in sections}
    for key in list(filled):
        while parent.get(key):
            key = parent[key]
            filled.add(key)
    return [s for s in sections if s.key in filled]


def run(settings: Settings, options: Options, reporter: Reporter) -> Catalog:
    catalog = build(settings, reporter)
    out = settings.paths.records
    if not options.dry_run:
        files.write_json(out, catalog_to_dict(catalog))
    errors = sum(p.level == "error" for p in catalog.problems)
    warnings = len(catalog.problems) - errors
    counts = ", ".join(f"{n} {what}" for n, what in ((errors, "error(s) above"), (warnings, "warning(s)")) if n)
    reporter.info(f"merge: {len(catalog.records)} records in {len(catalog.sections)} sections"
                  + (f"; {counts}: `make check` lists them" if counts else "")
                  + (" (dry run: nothing written)" if options.dry_run else f" -> {_rel(settings, out)}"))
    return catalog


def _rel(settings: Settings, path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(settings.paths.root))
    except ValueError:
        return str(path)
