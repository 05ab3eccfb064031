"""The one reader of the pipeline's inputs: the Zotero snapshot, the review files, the caches and the
venue table, each read once per run and converted once.

enrich, merge and check all start from `read(settings)`; `sync` reads once and hands the same
`Inputs` from enrich to merge, so a Crossref answer enrich has just cached is the one merge applies,
and no file is parsed twice. The review files' plan (what the Zotero notes would make of them,
machinery/notes.py) is made here too, from the records and files already read, so merge opens no file.
What could not be read comes back as `Problem` values in `Inputs.problems` (a file, a line, a reason),
never through a logger, so any route to the outputs sees the same problems and writes the same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline import arrange, convert
from pipeline.config import Settings
from pipeline.convert import zotero
from pipeline.machinery import files, notes, parallel
from pipeline.machinery.crossref_cache import CrossrefCache, read_venues
from pipeline.machinery.dblp_cache import DblpCache
from pipeline.machinery.notes import review_files  # pull and push find it here too
from pipeline.model import Problem, Record, Section, pack_results, unpack_results
from pipeline.render import readme
from pipeline.rules import curate, match, venues
from pipeline.stages import StageError


@dataclass
class Lookups:
    """What `pipeline.rules.enrichment.apply` reads: every source's cache (machinery/registry.py) and the venue
    table, behind one face."""

    caches: dict                  # source name -> its cache (a machinery.cache.JsonCache)
    venues: venues.VenueTable
    rules: tuple = ()             # each source's rule, in the registry's order
    # Verdicts on search hits, by (source, query, what the rule reads of the record): each is worked
    # out once a run, though enrich (choosing what to fetch next) and merge both need it.
    verdicts: dict = field(default_factory=dict, repr=False)

    @classmethod
    def for_settings(cls, settings: Settings, table: venues.VenueTable) -> "Lookups":
        from pipeline.machinery.registry import SOURCES

        return cls({s.name: s.cache(settings) for s in SOURCES}, table, tuple(s.rule for s in SOURCES))

    def verdict(self, source: str, params, record: Record, decide):
        key = (source, convert.query_id(params), match.reads(record))    # the query as its cache file names it
        try:
            return self.verdicts[key]
        except KeyError:
            found = self.verdicts[key] = decide()
            return found

    # What the Crossref and DBLP rules read (enrichment.Lookup).
    @property
    def crossref(self) -> CrossrefCache:
        return self.caches["crossref"]

    @property
    def dblp_cache(self) -> DblpCache:
        return self.caches["dblp"]

    def work(self, doi: str) -> dict | None:
        return self.caches["crossref"].work(doi)

    def search(self, params) -> dict | None:
        return self.caches["crossref"].search(params)

    def dblp(self, params) -> list | None:
        return self.caches["dblp"].search(params)


@dataclass
class Inputs:
    """Everything a build reads, already converted."""

    top: str = ""                                          # key of the top collection
    title: str = ""                                        # its name
    sections: list[Section] = field(default_factory=list)  # below the top, in list order
    records: list[Record] = field(default_factory=list)    # every entry of the snapshot, as Zotero has it
    reviews: dict[str, curate.Review] = field(default_factory=dict)   # record key -> its review file
    lookups: Lookups | None = None                         # the caches and the venue table
    problems: list[Problem] = field(default_factory=list)  # unreadable files, unmatched reviews...
    review_problems: list[Problem] = field(default_factory=list)   # merge's: reviews/ missing, notes in conflict

    @property
    def crossref(self) -> CrossrefCache:
        return self.lookups.crossref

    @property
    def dblp(self) -> DblpCache:
        return self.lookups.dblp_cache

    def pinned(self, record: Record) -> Record:
        """The record with the DOI its review file pins (how a curator accepts a search candidate)."""
        return curate.pin_doi(record, self.reviews.get(record.key))


def relative(settings: Settings, path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(settings.paths.root))
    except ValueError:
        return str(path)


# Longest text a field keeps. A real title is under 300 characters and an abstract under 5,000; past
# these a field is an accident or an attack (a 100 KB title once broke every enrich query and TeX's
# buffer), and one item must never stop the list. Truncated fields are reported as warnings.
FIELD_LIMIT = 2000
LONG_FIELD_LIMITS = {"abstract": 20000}
CREATOR_LIMIT = 500          # names per item (large collaborations list ~3,000; the list needs fewer)
# Problem codes of damage that loses entries or sections: merge refuses to publish then (see merge.py).
# A damaged state.json ("zotero-state") loses nothing (the object files are whole): an error for
# `make check`, healed by the next pull's full pass.
DAMAGE = ("zotero-item", "zotero-collection")


_BOUNDED = ("title", "venue", "venue_label", "url", "doi", "arxiv", "pages", "volume", "issue", "number", "series",
            "publisher", "abstract", "language", "citation_key", "date", "date_added", "date_modified", "item_type")


def _short_people(record: Record) -> bool:
    return (len(record.creators) <= CREATOR_LIMIT
            and all(len(c.family) + len(c.given) + len(c.name) <= FIELD_LIMIT for c in record.creators)
            and sum(map(len, record.tags)) + sum(map(len, record.all_tags)) <= FIELD_LIMIT)


def bounded(record: Record) -> tuple[Record, list[Problem]]:
    """The record with over-long fields cut at their limit, and one warning naming what was cut."""
    changes: dict = {}
    values = record.__dict__
    if sum(len(values[name]) for name in _BOUNDED) <= FIELD_LIMIT and _short_people(record):
        return record, []       # every field together is shorter than any limit: nothing to cut
    for name in _BOUNDED:
        value = getattr(record, name)
        limit = LONG_FIELD_LIMITS.get(name, FIELD_LIMIT)
        if isinstance(value, str) and len(value) > limit:
            changes[name] = value[:limit - 1].rstrip() + "…"
    creators = record.creators
    if len(creators) > CREATOR_LIMIT or any(len(c.family) > FIELD_LIMIT or len(c.given) > FIELD_LIMIT
                                            or len(c.name) > FIELD_LIMIT for c in creators):
        changes["creators"] = tuple(
            type(c)(family=c.family[:FIELD_LIMIT], given=c.given[:FIELD_LIMIT], name=c.name[:FIELD_LIMIT],
                    role=c.role) for c in creators[:CREATOR_LIMIT])
    for name in ("tags", "all_tags"):
        values = getattr(record, name)
        if any(len(v) > FIELD_LIMIT for v in values):
            changes[name] = tuple(v[:FIELD_LIMIT] for v in values)
    if not changes:
        return record, []
    sizes = ", ".join(f"{name} ({len(getattr(record, name)):,} {'names' if name == 'creators' else 'characters'})"
                      for name in sorted(changes) if name not in ("tags", "all_tags")) or "tags"
    return record.evolve(**changes), [Problem(record.key, f"over-long field(s) truncated: {sizes}",
                                              "warning", "field-too-long")]


def dated(record: Record) -> tuple[Record, list[Problem]]:
    """The record with its dates checked (issue 22): a date no calendar has is kept as text but gives
    no year (zotero.parse_date), and a dateAdded/dateModified that is no timestamp is dropped, so the
    CSV always meets its schema. One warning names what was wrong."""
    problems, changes = [], {}
    if record.date and record.year is None:
        problems.append(f"impossible date {record.date[:40]!r}: kept as text in `date`, left out of the year")
    for name, field in (("dateAdded", "date_added"), ("dateModified", "date_modified")):
        value = getattr(record, field)
        if value and not convert.is_timestamp(value):
            changes[field] = ""
            problems.append(f"{name} {value[:40]!r} is no timestamp: dropped")
    if not problems:
        return record, []
    return (record.evolve(**changes) if changes else record), [
        Problem(record.key, "; ".join(problems), "warning", "bad-date")]


# What the list publishes at most (issue 22), beyond FIELD_LIMIT: a README line stays a line a reader
# can read (10,000 tags or a 60 KB summary once made lines of 119 KB). Cut with a warning.
SUMMARY_LIMIT = 1000        # characters of a one-line summary (per section too)
NOTE_LIMIT = 200            # characters of the note in parentheses
TAG_COUNT_LIMIT = 20        # tags shown per paper
TAG_LIMIT = 50              # characters of one tag
# So no README line is longer than this, escapes doubling every character at worst (a test holds it).
README_LINE_LIMIT = 12_000


def published(record: Record) -> tuple[Record, list[Problem]]:
    """The record as the outputs may show it: summary, note and tags within their limits."""
    def cut(text: str, limit: int) -> str:
        return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"

    changes, said = {}, []
    for name, limit in (("summary", SUMMARY_LIMIT), ("note", NOTE_LIMIT)):
        value = getattr(record, name)
        if len(value) > limit:
            changes[name] = cut(value, limit)
            said.append(f"{name} ({len(value):,} characters)")
    if any(len(text) > SUMMARY_LIMIT for _, text in record.section_summaries):
        changes["section_summaries"] = tuple((k, cut(t, SUMMARY_LIMIT)) for k, t in record.section_summaries)
        said.append("a section's summary")
    tags = record.tags
    if len(tags) > TAG_COUNT_LIMIT or any(len(t) > TAG_LIMIT for t in tags):
        changes["tags"] = tuple(cut(t, TAG_LIMIT) for t in tags[:TAG_COUNT_LIMIT])
        said.append(f"tags ({len(tags):,}, the first {TAG_COUNT_LIMIT} shown)" if len(tags) > TAG_COUNT_LIMIT
                    else f"tags (longer than {TAG_LIMIT} characters)")
    if not changes:
        return record, []
    return record.evolve(**changes), [Problem(record.key, f"cut for publishing: {', '.join(said)}",
                                              "warning", "field-too-long")]


def read(settings: Settings, *, sections: bool = True) -> Inputs:
    """Read every input of a build. `sections=False` skips the collection tree and the review plan, which
    only a build needs (enrich reads with it)."""
    files.confine(settings.paths.root)
    inputs = Inputs()
    table = read_venue_table(settings, inputs.problems)
    if sections:
        inputs.top, inputs.title, inputs.sections = read_sections(settings, inputs.problems)
    inputs.records = read_records(settings, inputs.problems, table)
    found = read_reviews(settings, inputs.problems)
    inputs.reviews, unmatched = curate.match_reviews([review for _, _, review in found if review], inputs.records)
    inputs.problems += unmatched
    inputs.lookups = Lookups.for_settings(settings, table)
    if sections:
        inputs.review_problems = review_problems(settings, inputs.records, found)
    return inputs


def review_problems(settings: Settings, records: list[Record], found: list[notes.ReviewText]) -> list[Problem]:
    """What merge says of reviews/ beyond reading it: the folder missing, and the review parts the Zotero
    notes could not update (the plan pull follows, made here once from the records and files just read)."""
    folder = settings.paths.reviews
    problems = [] if folder.is_dir() else [missing_reviews(settings)]
    try:
        files.guard_folder(folder)
    except files.Refused:
        return problems      # reviews/ leads out of the repository: review_files has named it
    entries = {r.key: r for r in records}
    return problems + notes.plan(settings, notes.read_notes(settings.paths.zotero), entries.get, found,
                                 notes.names_in(settings)).problems


def read_venue_table(settings: Settings, problems: list[Problem]) -> venues.VenueTable:
    """data/curated/venues.csv, through the one reader of it (a row that is not UTF-8 is named and skipped)."""
    table, found = read_venues(settings.paths.venues, relative(settings, settings.paths.venues))
    problems.extend(found)
    return table


def read_sections(settings: Settings, problems: list[Problem]) -> tuple[str, str, list[Section]]:
    """(top collection key, its name, every collection below it as a Section in list order)."""
    folder = settings.paths.zotero
    state = read_state(settings, problems)
    # An imported list (not yet pushed) is its own tree, whatever collection the settings name.
    imported = state.get("source") == "import-readme" and state.get("collection")
    top = state["collection"] if imported else settings.collection or state.get("collection", "")
    raw: dict[str, dict] = {}
    for key, path in files.snapshot_objects(folder, files.COLLECTIONS).items():
        try:
            data = files.read_json(path).get("data", {})
            raw[key] = {"name": zotero.text(data["name"]), "parent": data.get("parentCollection") or None}
        except (ValueError, KeyError, AttributeError, TypeError, OSError) as exc:
            problems.append(Problem(relative(settings, path), f"unreadable collection {key}: {exc}".splitlines()[0],
                                    "error", "zotero-collection"))
    if not top:
        tops = [k for k, c in raw.items() if c["parent"] is None]
        if len(tops) != 1:
            raise StageError("no top collection: set ZOTERO_COLLECTION or [zotero] collection in pipeline.toml")
        top = tops[0]
    if top not in raw:
        raise StageError(f"the snapshot in {relative(settings, folder)} has no collection {top}: "
                         "run `make sync` or `python -m pipeline import-readme FILE`")

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
    # A warning (`make check` lists it): the list is still right, only not in the order asked, and a
    # section the curator removed in Zotero must not fail every sync until pipeline.toml follows.
    for i, name, near in arrange.unknown_order_names(sections, settings.section_order, raw_names):
        problems.append(Problem(settings.where(f"sections.order[{i}]"), f"[sections] order names {name!r}, which "
                                "is no section of the list (ignored)" + (f"; did you mean {near!r}?" if near else ""),
                                "warning", "config-unknown"))
    return top, raw[top]["name"], arrange.order_sections(sections, settings.section_order, raw_names)


def read_records(settings: Settings, problems: list[Problem],
                 table: venues.VenueTable | None = None) -> list[Record]:
    """Every list entry of the Zotero snapshot as a Record (labelled with the venue `table`); an
    unreadable item file is a problem. Each file is read and converted on its own, so a large
    snapshot is shared out between the cores."""
    paths = list(files.snapshot_objects(settings.paths.zotero, files.ITEMS).items())

    def convert_chunk(chunk: list[tuple[str, Path]]) -> list[tuple[Record | None, list[Problem]]]:
        return [_convert(settings, key, path, table) for key, path in chunk]

    records = []
    for record, found in parallel.map_chunks(convert_chunk, paths, pack=pack_results, unpack=unpack_results):
        if record is not None:
            records.append(record)
        problems += found
    return records


def _convert(settings: Settings, key: str, path: Path,
             table: venues.VenueTable | None) -> tuple[Record | None, list[Problem]]:
    """One item file as (its record or None, what went wrong)."""
    try:
        item = files.read_json(path)
        if not isinstance(item, dict):
            raise ValueError("not a Zotero item object")
        if item.get("key") != key:   # a copy of another item would drop this one silently (issue 22)
            raise ValueError(f"it holds item {str(item.get('key'))[:40]!r}, not {key}; the next online pull "
                             "fetches it again")
    except (ValueError, OSError) as exc:   # damage: the file no longer holds what pull wrote
        return None, [Problem(relative(settings, path), f"unreadable item {key}: {exc}".splitlines()[0],
                              "error", "zotero-item")]
    try:
        if zotero.is_entry(item):
            record, cut = bounded(zotero.to_record(item, table))
            record, wrong = dated(record)
            return record, cut + wrong
    except (ValueError, TypeError, AttributeError) as exc:   # an item Zotero holds but we cannot use
        return None, [Problem(key, f"item left out: {exc}".splitlines()[0], "error", "zotero-item-invalid")]
    return None, []


def read_state(settings: Settings, problems: list[Problem]) -> dict:
    """state.json of the snapshot; {} and a problem when it is damaged (the next pull does a full pass)."""
    path = Path(settings.paths.zotero) / files.STATE
    try:
        state = files.snapshot_state(settings.paths.zotero)
        if not isinstance(state, dict):
            raise ValueError("not a JSON object")
        return state
    except (ValueError, OSError) as exc:
        problems.append(Problem(f"{relative(settings, path)}:1", f"damaged sync state: {exc}".splitlines()[0]
                                + "; the next online pull reads the whole collection again", "error", "zotero-state"))
        return {}


def missing_reviews(settings: Settings) -> Problem:
    """reviews/ is not there: said, not read as "no summaries". An error when the published README
    links review files (a lost or unchecked-out folder would drop every summary and review), else a
    warning (a list that has no review files yet has no folder in git either)."""
    folder = Path(settings.paths.reviews)
    name = relative(settings, folder)
    if folder.exists() or folder.is_symlink():
        return Problem(name, "is not a folder: no summaries, notes or reviews were read", "error", "reviews-missing")
    try:
        text = Path(settings.paths.readme).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    linked = f"]({name}/" in text.partition(readme.BEGIN)[2].partition(readme.END)[0]   # the generated block
    if linked:
        return Problem(name, f"is missing, but {relative(settings, settings.paths.readme)} links review files in it: "
                       "no summaries or reviews were read (restore it: `git checkout -- reviews`)",
                       "error", "reviews-missing")
    return Problem(name, "is missing: no summaries, notes or reviews were read (make the folder to add some)",
                   "warning", "reviews-missing")


def read_reviews(settings: Settings, problems: list[Problem]) -> list[notes.ReviewText]:
    """Every review file that could be read: (path, text, its front matter or None)."""
    out = []
    paths, refused = review_files(settings)
    problems += refused
    for path in paths:
        rel = relative(settings, path)
        try:
            text = files.read_text(path)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(f"{rel}:1", f"unreadable: {exc}"))
            continue
        review, found = curate.parse_review(text, rel)
        problems.extend(found)
        out.append((path, text, review))
    return out
