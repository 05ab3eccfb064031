"""The typed records that flow from merge to emit.

This room imports nothing of ours. Every other module speaks in these types, so a renderer can be
called with a list of `Record`s built by hand in a test, and a stage never passes raw JSON onwards.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

# Where a field's value came from. The CSV can show it, `make check` explains disagreements with it.
ZOTERO = "zotero"
CROSSREF = "crossref"
DBLP = "dblp"
OPENALEX = "openalex"
CURATOR = "curator"      # the curator's own word in Zotero (a `Venue:` line in extra): no source overrides it
REVIEW = "review"
DERIVED = "derived"

# Enrichment status of a record (CSV column `enrichment`).
ENRICH_DOI = "doi"                # matched by its DOI
ENRICH_SEARCH = "search"          # matched by a verified bibliographic search
ENRICH_DBLP = "dblp"              # matched on DBLP (no DOI Crossref knows)
ENRICH_NO_DOI = "no-doi"          # no DOI and no verified match
ENRICH_NOT_FOUND = "doi-unknown"  # Crossref does not know the DOI
ENRICH_UNAVAILABLE = "unavailable"  # Crossref could not be asked (offline, down)
ENRICH_NONE = "not-enriched"      # enrichment never ran for this item
ENRICH_SKIPPED = "skipped"        # not a paper (web page, ...)


# Zotero creator roles that a citation counts as authorship (a program's programmer, a talk's presenter).
AUTHOR_ROLES = ("author", "programmer", "presenter", "inventor", "artist", "director", "podcaster",
                "cartographer", "performer", "composer", "interviewee", "sponsor")


@dataclass(frozen=True)
class Creator:
    """One author or editor. Institutions have only `name`."""

    family: str = ""
    given: str = ""
    name: str = ""
    role: str = "author"

    @property
    def display(self) -> str:
        """'Family, Given' (or the institution's name), as the CSV lists authors."""
        if self.name:
            return self.name
        if self.given:
            return f"{self.family}, {self.given}"
        return self.family


@dataclass(frozen=True)
class Notice:
    """An editorial update Crossref knows about: a retraction, correction, new version..."""

    kind: str          # Crossref update type: "retraction", "correction", ...
    doi: str           # the notice's DOI
    date: str = ""     # ISO date, as precise as Crossref gives it
    source: str = ""   # "publisher", "retraction-watch", ...


@dataclass(frozen=True)
class Section:
    """A README section: one Zotero sub-collection. `path` is the names from the top section down."""

    key: str
    name: str
    parent: str | None = None     # key of the parent section, None for a top-level section
    path: tuple[str, ...] = ()    # section names from the top down, this one last

    @property
    def depth(self) -> int:
        return len(self.path)


@dataclass(frozen=True)
class Record:
    """One paper (or link) of the list, after merge: Zotero + Crossref + the curator's review file."""

    key: str                                   # Zotero item key, unique
    item_type: str = "journalArticle"          # Zotero item type
    title: str = ""
    creators: tuple[Creator, ...] = ()
    year: int | None = None
    date: str = ""                             # ISO-ish date, as precise as known
    venue: str = ""                            # full venue name (journal, proceedings)
    venue_label: str = ""                      # the short label the list shows: "SOSP", "TOSEM"
    url: str = ""
    doi: str = ""
    arxiv: str = ""                            # arXiv identifier, e.g. "1904.03257"
    pages: str = ""
    volume: str = ""
    issue: str = ""
    number: str = ""                           # report or series number ("MSR-TR-2019-1")
    series: str = ""                           # book or proceedings series ("LNCS")
    publisher: str = ""
    abstract: str = ""
    language: str = ""
    citation_key: str = ""                     # pinned key from Zotero, else set by emit
    citation_key_aliases: tuple[str, ...] = () # older keys this record was published under
    sections: tuple[str, ...] = ()             # section (collection) keys this record is filed in
    tags: tuple[str, ...] = ()                 # tags shown in the list
    all_tags: tuple[str, ...] = ()             # every tag, manual and automatic
    summary: str = ""                          # one-line summary (review front matter)
    section_summaries: tuple[tuple[str, str], ...] = ()  # (section key, summary) where they differ
    note: str = ""                             # shown in parentheses after the venue
    review_path: str = ""                      # path of the review file, "" if none
    review_text: bool = False                  # the review file holds a long review
    review_status: str = ""                    # "" or "draft"
    hidden: bool = False                       # a review file hides the item from the README
    citations: int | None = None               # times cited: OpenAlex's count, else Crossref's
    citations_date: str = ""                   # the day OpenAlex's count was read ("" if Crossref's or none)
    oa_url: str = ""                           # an open-access copy OpenAlex knows (PDF, else landing page)
    oa_license: str = ""                       # its licence ("cc-by"), "" if unknown
    notices: tuple[Notice, ...] = ()           # retractions, corrections
    published_doi: str = ""                    # published version of a preprint
    dblp: str = ""                             # DBLP record key ("conf/sosp/PeiCYJ17")
    bib_type: str = ""                         # entry type the curator forced (`tex.entrytype:` in extra)
    bib_fields: tuple[tuple[str, str], ...] = ()  # .bib fields the curator set (`tex.field:` in extra)
    fields: tuple[tuple[str, str], ...] = ()   # other Zotero fields by base name (pipeline/fieldmap.py FIELDS)
    edtf: str = ""                             # the whole date when `date` is only its start (range, 1723?)
    enrichment: str = ENRICH_NONE
    date_added: str = ""
    date_modified: str = ""
    imported: bool = False                     # made by import-readme, not pulled from Zotero
    url_status: str = ""                       # "archived": emit publishes the url's archived copy (links.mend)
    provenance: tuple[tuple[str, str], ...] = ()  # (field, source) pairs, sorted

    @property
    def lookup_doi(self) -> str:
        """The DOI Crossref, DBLP and OpenAlex are asked about: `doi`, but none for a shortDOI (`10/ggd754`),
        which doi.org resolves and they do not know. Such a paper is searched by its title like one without
        a DOI, and a verified match gives it its full DOI."""
        return "" if self.doi.startswith("10/") else self.doi

    @property
    def people(self) -> tuple[tuple[Creator, ...], tuple[Creator, ...]]:
        """(authors, editors), as every writer lists them (.bib, CSV, page): the series editors are the
        editors when no other is named (Better BibTeX's reading); with neither, every creator is an author."""
        authors = tuple(c for c in self.creators if c.role in AUTHOR_ROLES)
        editors = tuple(c for c in self.creators if c.role == "editor") or \
            tuple(c for c in self.creators if c.role == "seriesEditor")
        return (authors, editors) if authors or editors else (self.creators, ())

    @property
    def retracted(self) -> bool:
        return any(n.kind == "retraction" for n in self.notices)

    @property
    def corrected(self) -> bool:
        return any(n.kind in ("correction", "erratum", "corrigendum") for n in self.notices)

    def source_of(self, name: str) -> str:
        return dict(self.provenance).get(name, "")

    def with_fields(self, source: str, **values) -> "Record":
        """A copy with `values` set and their provenance recorded as `source`."""
        prov = dict(self.provenance)
        for name in values:
            prov[name] = source
        return self.evolve(provenance=tuple(sorted(prov.items())), **values)

    def evolve(self, **changes) -> "Record":
        """`dataclasses.replace` without its per-call field walk: merge calls this ~10 times a record,
        and at 10,000 records `replace` alone cost seconds. Unknown names are refused as `replace` does."""
        unknown = changes.keys() - _RECORD_FIELDS
        if unknown:
            raise TypeError(f"Record has no field {sorted(unknown)[0]!r}")
        new = object.__new__(Record)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new


_RECORD_FIELDS = frozenset(Record.__dataclass_fields__)
_RECORD_ORDER = tuple(Record.__dataclass_fields__)
_CREATORS = _RECORD_ORDER.index("creators")
_NOTICES = _RECORD_ORDER.index("notices")


def record_to_row(record: Record) -> tuple:
    """A record as a tuple of plain values (creators and notices as tuples too): what crosses a pipe
    between processes. Pickling the dataclasses themselves costs ten times more."""
    d = record.__dict__
    row = [d[name] for name in _RECORD_ORDER]
    row[_CREATORS] = tuple((c.family, c.given, c.name, c.role) for c in row[_CREATORS])
    row[_NOTICES] = tuple((n.kind, n.doi, n.date, n.source) for n in row[_NOTICES])
    return tuple(row)


def record_from_row(row: tuple, creators: dict | None = None) -> Record:
    """The inverse of `record_to_row`. `creators` ({row: Creator}) lets many records share one object
    per distinct name: they are immutable."""
    values = dict(zip(_RECORD_ORDER, row))
    memo = creators if creators is not None else {}
    values["creators"] = tuple(memo.get(c) or memo.setdefault(c, _creator(*c)) for c in values["creators"])
    values["notices"] = tuple(Notice(*n) for n in values["notices"])
    new = object.__new__(Record)
    new.__dict__.update(values)
    return new


def pack_results(part: list[tuple[Record | None, list[Problem]]]) -> list[tuple]:
    """[(record or None, its problems)] as plain tuples, for a pipe (see `record_to_row`)."""
    return [(None if r is None else record_to_row(r), [(p.where, p.message, p.level, p.code) for p in found])
            for r, found in part]


def unpack_results(part: list[tuple]) -> list[tuple[Record | None, list[Problem]]]:
    """The inverse of `pack_results`."""
    creators: dict = {}
    return [(None if row is None else record_from_row(row, creators), [Problem(*p) for p in found])
            for row, found in part]


def _creator(family: str, given: str, name: str, role: str) -> Creator:
    new = object.__new__(Creator)
    new.__dict__.update(family=family, given=given, name=name, role=role)
    return new


@dataclass(frozen=True)
class Problem:
    """Something a stage could not use, reported in one line: the one way every stage reports trouble
    (through `Reporter.problem`), and what the CLI's exit status is decided from.

    `where` names the item key or `file:line` (or the stage, for what concerns the whole run; "" when
    the message names it). `level`, from worst to mildest (see `LEVELS`):
    - "fatal": the run could not go on (a `StageError`; exit 1, or 2 for settings: code "config");
    - "error": bad input the run went on without (exit 3; `make check` fails);
    - "warning": a doubt `make check` lists (shown with -v);
    - "notice": said at once, fails nothing, not for `make check` (an object pull skipped, lookups a
      source could not answer: they keep what they had).
    """

    where: str
    message: str
    level: str = "error"
    code: str = ""       # machine-readable kind, e.g. "review-missing-text", "year-disagrees"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


LEVELS = ("fatal", "error", "warning", "notice")


class CorruptCacheEntry(Exception):
    """A cache file that cannot be read, raised by the cache (machinery/cache.py) that finds it. `path` names
    it; merge reports it and treats it as absent, enrich reports it and asks again."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def problem(self, then: str, *, key: str = "", source: str = "") -> Problem:
        """The one warning a reader of the cache reports: named by the file, or by the item `key` whose
        lookup read it; `then` says what the run does about it ("checked again")."""
        if key:
            return Problem(key, f"unreadable {source + ' ' if source else ''}cache file {self.path} ({self.reason}); "
                                f"{then}", "warning", "cache-corrupt")
        return Problem(self.path, f"{self.reason}: {then}" if then else self.reason, "warning", "cache-corrupt")


@dataclass(frozen=True)
class Branch:
    """One section where the list shows it: a step of the walk through the section tree that the README,
    the page and the charts all follow."""

    section: Section
    depth: int                     # 1 for a top-level section
    parent: str | None = None      # key of the section above it in the walk, None at the top
    count: int = 0                 # distinct visible entries filed in it or in a section below it


def section_tree(sections: Iterable[Section], records: Iterable[Record]) -> tuple[Branch, ...]:
    """The sections that show an entry (of their own or of a section below them), depth-first, siblings
    in the given order. A hidden record shows nowhere. A section whose parent is unknown starts a tree
    of its own, and so does one caught in a parent cycle (a damaged file), so no section is lost."""
    sections = list(sections)
    known = {s.key for s in sections}
    children: dict[str | None, list[Section]] = {}
    for s in sections:
        parent = s.parent if s.parent in known and s.parent != s.key else None
        children.setdefault(parent, []).append(s)
    walk: list[tuple[Section, int, str | None]] = []
    seen: set[str] = set()

    def visit(s: Section, depth: int, parent: str | None) -> None:
        if s.key in seen:
            return
        seen.add(s.key)
        walk.append((s, depth, parent))
        for child in children.get(s.key, ()):
            visit(child, depth + 1, s.key)

    for s in children.get(None, ()):
        visit(s, 1, None)
    for s in sections:          # sections caught in a parent cycle: shown at the top level
        visit(s, 1, None)
    shown: dict[str, set[str]] = {s.key: set() for s in sections}
    for r in records:
        if not r.hidden:
            for key in r.sections:
                if key in shown:
                    shown[key].add(r.key)
    for s, _, parent in reversed(walk):     # children come after their parent: add them up bottom-up
        if parent is not None:
            shown[parent] |= shown[s.key]
    return tuple(Branch(s, depth, parent, len(shown[s.key])) for s, depth, parent in walk if shown[s.key])


@dataclass(frozen=True)
class Catalog:
    """Everything emit needs: the sections in list order, the records, and the tree the list shows.

    `tree` is worked out once, by merge (`section_tree`), and travels with the catalog, through
    build/records.json too; a catalog made without one (by hand, in a test) works it out from its
    sections and records with the same function."""

    title: str = ""
    sections: tuple[Section, ...] = ()
    records: tuple[Record, ...] = ()
    problems: tuple[Problem, ...] = field(default=(), compare=False)
    tree: tuple[Branch, ...] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.tree is None:
            object.__setattr__(self, "tree", section_tree(self.sections, self.records))

    def in_section(self, section_key: str) -> list[Record]:
        return [r for r in self.records if section_key in r.sections]


def unique(records: Iterable[Record]) -> list[Record]:
    """Each record once, in order: an item filed in two sections reaches the writers twice."""
    seen: set[str] = set()
    out = []
    for record in records:
        if record.key not in seen:
            seen.add(record.key)
            out.append(record)
    return out


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (p.where, p.code, p.message))


# --- build/records.json (merge's output, emit's input), read back -----------------------------------

_RECORD_DEFAULTS = {name: f.default for name, f in Record.__dataclass_fields__.items() if name != "key"}


def catalog_from_dict(doc: dict) -> Catalog:
    """The catalog merge wrote. A field this version does not know, or a record without a key, raises
    TypeError (the file is from another version: merge again)."""
    creators: dict[tuple, Creator] = {}     # one object per distinct name: they are immutable

    def creator(c: dict) -> Creator:
        key = tuple(c.items())
        found = creators.get(key)
        if found is None:
            found = creators[key] = Creator(**c)
        return found

    def record(d: dict) -> Record:
        if "key" not in d or not d.keys() <= _RECORD_FIELDS:
            raise TypeError(f"a record with fields {sorted(d.keys() - _RECORD_FIELDS) or 'but no key'}")
        values = {"key": d["key"], **_RECORD_DEFAULTS}    # the declared order of fields, always
        values.update(d)
        values["creators"] = tuple(creator(c) for c in d.get("creators", ()))
        values["notices"] = tuple(Notice(**n) for n in d.get("notices", ()))
        for name in ("provenance", "section_summaries", "bib_fields", "fields"):
            values[name] = tuple(tuple(p) for p in d.get(name, ()))
        for name in ("citation_key_aliases", "sections", "tags", "all_tags"):
            values[name] = tuple(d.get(name, ()))
        new = object.__new__(Record)
        new.__dict__.update(values)
        return new

    def section(s: dict) -> Section:
        return Section(key=s["key"], name=s["name"], parent=s.get("parent"), path=tuple(s.get("path", ())))

    tree = doc.get("tree")      # the one merge built; a file without it gets its own
    return Catalog(
        title=doc.get("title", ""),
        sections=tuple(section(s) for s in doc.get("sections", ())),
        records=tuple(record(r) for r in doc.get("records", ())),
        problems=tuple(Problem(**p) for p in doc.get("problems", ())),
        tree=None if tree is None else tuple(
            Branch(section(b["section"]), b["depth"], b.get("parent"), b.get("count", 0)) for b in tree),
    )
