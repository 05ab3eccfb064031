"""merge: data/raw (Zotero snapshot + Crossref cache) + reviews/ + pipeline.toml -> build/records.json.

No network. The order of the steps is the precedence order: Zotero gives the item, Crossref
(through `enrichment.apply`, from the cache only) corrects what it knows better, and the curator's
review file has the last word. Each bad file is one reported problem; the others still build.
"""
from __future__ import annotations


from pipeline import arrange
from pipeline.config import Settings
from pipeline.machinery import files, parallel
from pipeline.machinery.inputs import DAMAGE, Inputs, published, relative
from pipeline.machinery.inputs import read as read_inputs
from pipeline.model import Catalog, Problem, Record, pack_results, section_tree, sort_problems, unpack_results
from pipeline.report import Reporter
from pipeline.rules import curate, enrichment
from pipeline.stages import Options, StageError


def in_list(inputs: Inputs, problems: list[Problem]) -> list[Record]:
    """The entries filed in the list: in a section, or (a warning) only in the top collection."""
    section_keys = {s.key for s in inputs.sections}
    records = []
    for record in inputs.records:
        in_tree = tuple(s for s in record.sections if s in section_keys)
        if not in_tree and inputs.top not in record.sections:
            continue        # filed elsewhere in the library, not in this list
        if not in_tree:
            problems.append(Problem(record.key, f"{record.title[:60]!r} is filed only in the top collection, "
                                    "in no section: it is in the .bib and CSV, not in the README",
                                    "warning", "no-section"))
        records.append(record.evolve(sections=in_tree) if in_tree != record.sections else record)
    return records


def build(settings: Settings, inputs: Inputs | None = None) -> Catalog:
    """The whole merge, in memory: what `check` and `sync` also use. Without `inputs` it reads them
    first; given them, it is pure: it opens no file, and the lookup caches answer through
    `inputs.lookups` (tests/test_notes_pull.py holds it to that)."""
    inputs = inputs if inputs is not None else read_inputs(settings)
    problems = list(inputs.problems)
    for name in arrange.unknown_sort_fields(settings.sort):
        near = arrange.nearest_sort_field(name)
        problems.append(Problem(settings.where(f"entries.sort[{settings.sort.index(name)}]"),
                                f"[entries] sort: {name!r} is not a field entries can be sorted by (ignored)"
                                + (f"; did you mean {near!r}?" if near else ""), "error", "config-unknown"))
    problems += inputs.review_problems      # reviews/ missing, review parts the Zotero notes could not update
    records = in_list(inputs, problems)
    lookups = inputs.lookups
    sections = inputs.sections
    by_name = {" > ".join(s.path): s.key for s in sections} | {s.name: s.key for s in sections}

    def finish(chunk: list[Record]) -> list[tuple[Record, list[Problem]]]:
        out = []
        for record in chunk:
            review = inputs.reviews.get(record.key)
            enriched = enrichment.apply(inputs.pinned(record), lookups)
            record, found = enriched.record, enriched.problems
            if review is not None:
                record, more = curate.apply_review(record, review, by_name)
                found += more + curate.review_problems(record)
                if enriched.matched:
                    # What the curator pinned, checked against the sources: a typo in a review is listed too.
                    found += enrichment.disagreements(record, enriched.matched, lookups.venues)
            tags = arrange.shown_tags(record, settings.tags)
            record, cut = published(record if tags == record.tags else record.evolve(tags=tags))
            out.append((record, found + cut))
        return out

    # Each record is finished on its own, so a large list is shared out between the cores.
    final = []
    for record, found in parallel.map_chunks(finish, records, pack=pack_results, unpack=unpack_results):
        final.append(record)
        problems += found
    final = arrange.sort_records(final, settings.sort)
    # The tree the list shows, built once here: the README, the page and the charts all read this one.
    tree = section_tree(sections, final)
    shown = {branch.section.key for branch in tree}
    return Catalog(title=inputs.title, sections=tuple(s for s in sections if s.key in shown), records=tuple(final),
                   problems=tuple(sort_problems(problems)), tree=tree)


def run(settings: Settings, options: Options, reporter: Reporter, inputs: Inputs | None = None) -> Catalog:
    catalog = build(settings, inputs)
    for p in catalog.problems:
        reporter.problem(p)
    refuse_damaged(catalog, options)
    out = settings.paths.records
    if not options.dry_run:
        files.write_json(out, catalog)     # written from the dataclasses themselves (files.dump_json)
    errors = sum(p.level == "error" for p in catalog.problems)
    warnings = len(catalog.problems) - errors
    counts = ", ".join(f"{n} {what}" for n, what in ((errors, "error(s) above"), (warnings, "warning(s)")) if n)
    reporter.info(f"merge: {len(catalog.records)} records in {len(catalog.sections)} sections"
                  + (f"; {counts}: `make check` lists them" if counts else "")
                  + (" (dry run: nothing written)" if options.dry_run else f" -> {relative(settings, out)}"))
    return catalog


def refuse_damaged(catalog: Catalog, options: Options) -> None:
    """A damaged snapshot file means items or sections the list would silently lose: publishing it
    would shrink the list with exit 0, and the loss would be committed. Nothing is written instead,
    unless the curator says `--allow-missing`."""
    damaged = sorted({p.where for p in catalog.problems if p.code in DAMAGE})
    if damaged and not options.allow_missing:
        raise StageError(
            f"merge: {len(damaged)} damaged file(s) in the Zotero snapshot ({', '.join(damaged[:3])}"
            f"{', ...' if len(damaged) > 3 else ''}): refusing to publish a list that lost entries; nothing "
            "written. An online `make sync` fetches them again (or `git checkout data/raw/zotero`); "
            "--allow-missing publishes without them")
