"""push: the local list (an imported one, typically) -> the Zotero collection named in the settings.

What it writes, through the Web API's write protocol (`sources/zotero_write.py`):
- each section becomes a sub-collection of the top collection, nested as in the list; a collection of
  the same name under the same parent is reused, never made twice;
- each paper becomes one item of the type the sources give, filled from them (`convert/to_zotero.py`),
  filed in every section it is listed in (one item in two collections, not two items); the curator's
  label is kept as a `Venue:` line in extra only where the sources would give another;
- each summary becomes a child note tagged with the summary tag, each long review one tagged with the
  review tag, so the next pull brings them back through the notes path.

How it stays safe to run again (and to kill):
- What it made is recorded as it goes in `data/raw/zotero/push.json` (local key -> Zotero key, per
  collection, item and note), written after every write request, so a killed push resumes where it
  stopped. Before making an item it looks for one already in the collection with the same DOI, arXiv
  id or title and files that one instead; a note is made only when its item has none of its kind.
- Every write carries a write token, so a request retried after its answer was lost is refused
  (412) rather than applied twice; that, and a library someone else changed meanwhile (412), make
  push read the collection again, plan again and go on (`MAX_ROUNDS` times at most).
- Nothing is written without a key that may write: the key's permissions are asked first.

When every entry is in Zotero, the review files are re-keyed to the Zotero items from the recorded map
(exact, not by guessing), and a pull replaces the imported snapshot with the collection itself; the
next sync publishes the same list, improved only by what the sources know.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline import reviewfiles
from pipeline.config import Settings
from pipeline.convert import to_zotero
from pipeline.convert.zotero import extra_fields, is_entry, to_record
from pipeline.machinery import files, inputs as inputs_
from pipeline.model import Problem, Record, Section
from pipeline.render import citekeys
from pipeline.report import Reporter
from pipeline.rules import curate, enrichment
from pipeline.sources import zotero, zotero_write
from pipeline.stages import Options, StageError, emit, pull, source_errors

MAP = "push.json"          # data/raw/zotero/push.json: what push made, so a second run makes nothing
MAX_ROUNDS = 6             # reads and plans again after a 412, at most
MANY_PARENTS = 8           # past this many items to check for notes, list the library's notes instead


# --- what is pushed -------------------------------------------------------------------------------------

@dataclass
class Entry:
    """One paper of the local list, ready to be written."""

    key: str                            # the local (imported) item key
    where: str                          # FILE:line of the list entry, or the snapshot file
    record: Record                      # the paper as the sources know it (what finds its twin in Zotero)
    data: dict                          # the Zotero item to create, without its collections
    sections: tuple[str, ...]           # local section keys
    notes: list[tuple[str, str]] = field(default_factory=list)   # (summary|review, note HTML)

    @property
    def title(self) -> str:
        return self.record.title


@dataclass
class Local:
    top: str                            # the local top collection key
    sections: list[Section]             # parents before children
    entries: list[Entry]                # in the list's order


def read_local(settings: Settings) -> tuple[Local, list[Problem]]:
    """The list as the snapshot and the review files hold it, with what the caches know of each paper."""
    inputs = inputs_.read(settings)
    problems = list(inputs.problems)
    raw = {}
    for key, path in files.snapshot_objects(settings.paths.zotero, files.ITEMS).items():
        try:
            obj = files.read_json(path)
        except (OSError, ValueError):
            continue          # inputs named it already
        if isinstance(obj, dict) and is_entry(obj):
            raw[key] = obj
    section_keys = {s.key for s in inputs.sections}
    entries = []
    for record in inputs.records:
        obj = raw.get(record.key)
        if obj is None or not (set(record.sections) & (section_keys | {inputs.top})):
            continue
        review = inputs.reviews.get(record.key)
        found = enrichment.apply(inputs.pinned(record), inputs.lookups).record
        where = str((obj.get("meta") or {}).get("imported") or f"data/raw/zotero/items/{record.key}.json")
        data = to_zotero.item_data(found, obj.get("data") or {}, [],
                                   venue_line=venue_line(obj, found, inputs.lookups))
        data.pop("collections")
        entry = Entry(record.key, where, found if found.title else found.evolve(title=record.title), data,
                      tuple(s for s in record.sections if s in section_keys) or (inputs.top,))
        entry.notes = notes_of(settings, review)
        entries.append(entry)
    entries.sort(key=lambda e: _line_of(e.where))
    return Local(inputs.top, list(inputs.sections), entries), problems


def _line_of(where: str) -> tuple[str, int]:
    name, _, line = where.rpartition(":")
    return (name, int(line)) if line.isdigit() else (where, 0)


def venue_line(obj: dict, found: Record, lookups) -> str:
    """The curator's label, when the sources alone would print another one (else "": nothing to keep)."""
    extra = str((obj.get("data") or {}).get("extra") or "")
    label = extra_fields(extra).get("venue", "").strip()
    if not label:
        return ""
    without = dict(obj, data=dict(obj["data"], extra="\n".join(
        line for line in extra.splitlines() if not line.strip().lower().startswith("venue:"))))
    plain = enrichment.apply(to_record(without, lookups.venues), lookups).record
    return "" if plain.venue_label == found.venue_label == label else label


def notes_of(settings: Settings, review: curate.Review | None) -> list[tuple[str, str]]:
    if review is None:
        return []
    out = []
    if review.summary and not review.summaries:
        out.append(("summary", to_zotero.summary_html(review.summary)))
    if review.has_text:
        try:
            body = reviewfiles.body_of(files.read_text(settings.paths.root / review.path))
        except (OSError, UnicodeDecodeError):
            body = ""
        if body.strip():
            out.append(("review", to_zotero.review_html(body)))
    return out


# --- what the collection holds ----------------------------------------------------------------------------

@dataclass
class Remote:
    version: int
    collections: dict[str, dict]                       # key -> data (name, parentCollection), none trashed
    tree: set[str]                                     # the top collection and those below it
    items: dict[str, dict]                             # key -> data, items filed in the tree
    noted: dict[str, set[str]] = field(default_factory=dict)   # item key -> note kinds it has

    def child_collection(self, name: str, parent: str) -> str | None:
        for key in sorted(self.collections):
            data = self.collections[key]
            if data.get("name") == name and (data.get("parentCollection") or "") == parent:
                return key
        return None


def read_remote(client: zotero.ZoteroClient, top: str, settings: Settings, wanted_notes: set[str]) -> Remote:
    """The collection tree, the items filed in it and which of `wanted_notes`' items have notes."""
    client.begin_pass()
    objects = {o["key"]: o for o in client.all_collections()}
    tree = pull.collection_tree(objects, top)
    if top not in tree:
        raise StageError(f"push: collection {top} (ZOTERO_COLLECTION) is not in {settings.library_label}")
    collections = {k: o["data"] for k, o in objects.items() if not o["data"].get("deleted")}
    items, children = {}, {}
    for key in sorted(tree):
        for obj in client.collection_top_items(key):
            items[obj["key"]] = obj["data"]
            children[obj["key"]] = int((obj.get("meta") or {}).get("numChildren") or 0)
    remote = Remote(client.pass_version or 0, collections, tree, items)
    parents = sorted(k for k in wanted_notes if children.get(k))
    if len(parents) > MANY_PARENTS:
        notes = [o for o in client.all_notes() if o["data"].get("parentItem") in set(parents)]
    else:
        notes = [o for parent in parents for o in client.child_notes(parent)]
    for obj in notes:
        kind = reviewfiles.kind_of(obj["data"], settings.summary_tag, settings.review_tag)
        if kind and not obj["data"].get("deleted"):
            remote.noted.setdefault(obj["data"]["parentItem"], set()).add(kind)
    return remote


# --- the record of what was made ------------------------------------------------------------------------

@dataclass
class Made:
    target: str
    collections: dict[str, str] = field(default_factory=dict)     # local section key -> Zotero key
    items: dict[str, str] = field(default_factory=dict)           # local item key -> Zotero key
    notes: dict[str, str] = field(default_factory=dict)           # "LOCALKEY/kind" -> Zotero key

    @classmethod
    def load(cls, path: Path, target: str) -> "Made":
        try:
            doc = files.read_json(path)
        except (OSError, ValueError):
            return cls(target)
        if not isinstance(doc, dict) or doc.get("target") != target:
            return cls(target)          # made for another library or collection
        parts = {name: {str(k): str(v) for k, v in (doc.get(name) or {}).items() if pull.valid_key(v)}
                 for name in ("collections", "items", "notes")}
        return cls(target, **parts)

    def save(self, path: Path) -> None:
        files.write_json(path, {"target": self.target, "collections": dict(sorted(self.collections.items())),
                                "items": dict(sorted(self.items.items())), "notes": dict(sorted(self.notes.items()))})


# --- the push ---------------------------------------------------------------------------------------------

@dataclass
class Tally:
    collections: int = 0
    items: int = 0
    linked: int = 0
    refiled: int = 0
    notes: int = 0
    failed: list[Problem] = field(default_factory=list)


class Pusher:
    """One push: plans against what the collection holds, writes, and records what it made."""

    def __init__(self, settings: Settings, local: Local, writer: zotero_write.ZoteroWriter, made: Made,
                 map_path: Path | None, reporter: Reporter, dry_run: bool):
        self.settings, self.local, self.writer, self.made = settings, local, writer, made
        self.map_path, self.reporter, self.dry_run = map_path, reporter, dry_run
        self.top = settings.collection
        self.tally = Tally()
        self.version = 0

    def run(self) -> None:
        for _ in range(MAX_ROUNDS):
            remote = read_remote(self.writer.client, self.top, self.settings, self.noted_candidates())
            self.version = remote.version
            try:
                self.push(remote)
                return
            except (zotero_write.LibraryMoved, zotero.LibraryChanged) as exc:
                self.reporter.detail(f"push: {exc}: reading the collection again")
        raise StageError(f"push: {self.settings.library_label} kept changing while push wrote to it; what was "
                         "written is recorded in data/raw/zotero/push.json: run push again")

    def noted_candidates(self) -> set[str]:
        return {self.made.items[e.key] for e in self.local.entries if e.notes and e.key in self.made.items}

    def save(self) -> None:
        if self.map_path is not None and not self.dry_run:
            self.made.save(self.map_path)

    def push(self, remote: Remote) -> None:
        self.push_collections(remote)
        self.push_items(remote)
        self.push_notes(remote)

    # collections, a level at a time: a child needs its parent's key
    def push_collections(self, remote: Remote) -> None:
        by_key = {s.key: s for s in self.local.sections}
        wanted = self.wanted_sections()
        depth = lambda s: len(s.path)
        for level in sorted({depth(by_key[k]) for k in wanted}):
            batch: list[tuple[str, dict]] = []
            for section in (by_key[k] for k in sorted(wanted, key=lambda k: self.order(k)) if depth(by_key[k]) == level):
                parent = self.parent_key(section)
                if parent is None:
                    continue        # its parent could not be made (reported)
                mine = self.made.collections.get(section.key)
                if mine in remote.collections:
                    continue
                found = remote.child_collection(section.name, parent)
                if found:
                    self.made.collections[section.key] = found
                    continue
                batch.append((section.key, {"name": section.name, "parentCollection": parent}))
            def made(key: str, obj: dict, zkey: str) -> None:
                self.made.collections[key] = zkey
                remote.collections[zkey] = dict(obj, key=zkey)
                self.tally.collections += 1

            self.write("collections", batch, made,
                       lambda key, failure: self.fail(f"section {' > '.join(by_key[key].path)}", "collection", failure),
                       lambda key, obj: f"would create collection {obj['name']!r} in "
                                        f"{remote.collections.get(obj['parentCollection'], {}).get('name') or 'the list'!r}")

    def write(self, kind: str, batch: list[tuple], made, failed, describe) -> None:
        """Creates the objects of `batch` (`(what, object)` pairs), 50 a request, recording what was made
        after each request; `made(what, object, key)` and `failed(what, failure)` are told of each. A dry
        run prints `describe(what, object)` and makes believe, with the local names as keys."""
        for chunk in _chunks(batch):
            if self.dry_run:
                for what, obj in chunk:
                    self.reporter.out(describe(what, obj))
                    made(what, obj, what.key if isinstance(what, Entry) else str(what))
                continue
            result = self.writer.create(kind, [obj for _, obj in chunk], self.version)
            self.version = result.version
            for i, (what, obj) in enumerate(chunk):
                if i in result.created:
                    made(what, obj, result.created[i])
                elif i in result.failed:
                    failed(what, result.failed[i])
            self.save()

    def wanted_sections(self) -> set[str]:
        by_key = {s.key: s for s in self.local.sections}
        wanted = set()
        for entry in self.local.entries:
            for key in entry.sections:
                while key in by_key and key not in wanted:
                    wanted.add(key)
                    key = by_key[key].parent or ""
        return wanted

    def order(self, key: str) -> int:
        return next(i for i, s in enumerate(self.local.sections) if s.key == key)

    def parent_key(self, section: Section) -> str | None:
        if not section.parent:
            return self.top
        return self.made.collections.get(section.parent)

    def collections_of(self, entry: Entry) -> list[str]:
        out = []
        for key in entry.sections:
            zkey = self.top if key == self.local.top else self.made.collections.get(key)
            if zkey and zkey not in out:
                out.append(zkey)
        return out

    # items
    def push_items(self, remote: Remote) -> None:
        twin = _finder(remote.items)
        batch: list[tuple[Entry, dict]] = []
        for entry in self.local.entries:
            wanted = self.collections_of(entry)
            if not wanted:
                continue           # none of its sections could be made (reported)
            zkey = self.made.items.get(entry.key)
            how = "recorded"
            if zkey not in remote.items:
                zkey, how = twin(entry.record)
            if zkey:
                self.made.items[entry.key] = zkey
                if how != "recorded":
                    self.tally.linked += 1
                    self.say(f"{entry.where}: {entry.title[:60]!r} is already in Zotero as {zkey} (same {how}): "
                             "filed, not made again")
                self.refile(entry, zkey, remote.items[zkey], wanted)
                continue
            batch.append((entry, dict(entry.data, collections=wanted)))
        def made(entry: Entry, data: dict, zkey: str) -> None:
            self.made.items[entry.key] = zkey
            remote.items[zkey] = data
            self.tally.items += 1

        self.write("items", batch, made,
                   lambda entry, failure: self.fail(entry.where, f"item {entry.title[:60]!r}", failure),
                   lambda entry, data: f"would create {data['itemType']} {entry.title[:70]!r} ({entry.where})")

    def refile(self, entry: Entry, zkey: str, data: dict, wanted: list[str]) -> None:
        """An item already in Zotero gets the sections it is listed in (its other collections kept)."""
        have = list(data.get("collections") or [])
        missing = [k for k in wanted if k not in have]
        if not missing:
            return
        if self.dry_run:
            self.reporter.out(f"would file {zkey} {entry.title[:60]!r} in {len(missing)} more collection(s)")
            return
        version = int(data.get("version") or self.version)
        self.version = self.writer.update_item(zkey, {"collections": have + missing}, version)
        data["collections"] = have + missing
        self.tally.refiled += 1

    # notes
    def push_notes(self, remote: Remote) -> None:
        tags = {"summary": self.settings.summary_tag, "review": self.settings.review_tag}
        batch: list[tuple[str, dict]] = []
        for entry in self.local.entries:
            zkey = self.made.items.get(entry.key)
            if not zkey:
                continue
            for kind, html in entry.notes:
                slot = f"{entry.key}/{kind}"
                if kind in remote.noted.get(zkey, ()) or slot in self.made.notes:
                    continue        # it has one (a note push made and the curator deleted is not made again)
                batch.append((slot, to_zotero.note(zkey, html, tags[kind])))
        where = {e.key: e.where for e in self.local.entries}
        titles = {e.key: e.title for e in self.local.entries}

        def made(slot: str, obj: dict, zkey: str) -> None:
            self.made.notes[slot] = zkey
            remote.noted.setdefault(obj["parentItem"], set()).add(slot.split("/")[1])
            self.tally.notes += 1

        self.write("items", batch, made,
                   lambda slot, failure: self.fail(where[slot.split("/")[0]], f"{slot.split('/')[1]} note", failure),
                   lambda slot, obj: f"would create a {slot.split('/')[1]} note for "
                                     f"{titles[slot.split('/')[0]][:60]!r}")

    def fail(self, where: str, what: str, failure: zotero_write.Failure) -> None:
        problem = Problem(where, f"Zotero refused the {what} (HTTP {failure.code or '?'}: {failure.message})",
                          "error", "push-failed")
        self.tally.failed.append(problem)
        self.reporter.problem(problem)

    def say(self, text: str) -> None:
        if self.dry_run:
            self.reporter.out(f"would link: {text}")
        else:
            self.reporter.detail(f"push: {text}")


def _chunks(seq: list, size: int = zotero_write.MAX_OBJECTS) -> list[list]:
    return [seq[i:i + size] for i in range(0, len(seq), size)]


def records_of(items: dict[str, dict]) -> list[Record]:
    """The collection's items ({key: data}) as records, in key order; one that cannot be read is left out."""
    records = []
    for key in sorted(items):
        try:
            records.append(to_record({"key": key, "data": dict(items[key], key=key)}))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    return records


def _finder(items: dict[str, dict]) -> Callable[[Record], tuple[str, str]]:
    """The one item of `items` that is the same paper as a record, by DOI, arXiv id or title."""
    return curate.counterpart_finder(records_of(items), ("DOI", "arXiv id", "title"))


# --- the stage --------------------------------------------------------------------------------------------

def connect(settings: Settings, policy: zotero.RetryPolicy | None = None) -> zotero_write.ZoteroWriter:
    """A writer for the configured library, once the settings and the key allow writing (else StageError;
    a ZoteroError is the caller's to convert, through `source_errors`)."""
    missing = [name for name, value in (("ZOTERO_LIBRARY_ID", settings.library_id),
                                        ("ZOTERO_COLLECTION", settings.collection),
                                        ("ZOTERO_API_KEY", settings.api_key.reveal())) if not value]
    if settings.is_local_api:
        raise StageError("the Zotero desktop's local API (ZOTERO_API_URL ending in /api) is read-only: set "
                         "ZOTERO_API_URL to https://api.zotero.org and ZOTERO_API_KEY to a key with write access")
    if missing:
        raise StageError(f"writing to Zotero needs {', '.join(missing)} (in the environment or .env); "
                         "nothing was changed")
    if not pull.valid_key(settings.collection):
        raise StageError(f"ZOTERO_COLLECTION {pull.show_key(settings.collection)} is not a Zotero collection key")
    client = zotero.connect(settings, policy)
    writer = zotero_write.ZoteroWriter(client, settings.api_key.reveal())
    try:
        if not writer.can_write(writer.access()):
            raise StageError(f"the API key cannot write to {settings.library_label}: give it write access at "
                             "zotero.org/settings/keys (Allow write access, or the group's Read/Write); "
                             "nothing was changed")
        client.begin_pass()
        client.collection(settings.collection)
    except zotero.NotFound:
        client.close()
        raise StageError(f"{settings.library_label} has no collection {settings.collection} (ZOTERO_COLLECTION): "
                         "create it in Zotero and copy its key from its web address; nothing was changed") from None
    except BaseException:
        client.close()
        raise
    return writer


def run(settings: Settings, options: Options, reporter: Reporter, limit: int | None = None,
        policy: zotero.RetryPolicy | None = None) -> Tally:
    if options.offline:
        raise StageError("push: --offline: writing to Zotero needs the network; nothing was changed")
    state = files.snapshot_state(settings.paths.zotero) if (settings.paths.zotero / files.STATE).is_file() else {}
    if state.get("source") != "import-readme":
        reporter.info("push: nothing to push: the snapshot is the collection's own (push moves a list made by "
                      "`import-readme` into Zotero; `add` adds one paper)")
        return Tally()
    local, problems = read_local(dataclasses.replace(settings, collection=""))
    for problem in problems:
        if problem.level == "error":
            reporter.problem(problem)
    everything = limit is None or limit >= len(local.entries)
    if not everything:
        local.entries = local.entries[:max(limit, 0)]
    with source_errors("push", "nothing was changed"):
        writer = connect(settings, policy)
    map_path = settings.paths.zotero / MAP
    target = f"{settings.library_type}/{settings.library_id}/{settings.collection}"
    made = Made.load(map_path, target)
    pusher = Pusher(settings, local, writer, made, map_path, reporter, options.dry_run)
    try:
        with reporter.progress(f"Zotero: writing to {settings.library_label}") as bar, \
                source_errors("push", f"what was written is recorded in data/raw/zotero/{MAP}: run push again to go on"):
            writer.client.transport.on_request = bar.advance
            pusher.run()
    finally:
        writer.client.close()
    tally = pusher.tally
    reporter.info(f"push: {settings.library_label}, collection {settings.collection}: "
                  + ("would create" if options.dry_run else "created")
                  + f" {tally.collections} collection(s), {tally.items} item(s), {tally.notes} note(s); "
                  f"{tally.linked} already there" + (f", {tally.refiled} filed in more sections" if tally.refiled else "")
                  + (f"; {len(tally.failed)} refused (above)" if tally.failed else "")
                  + f" ({writer.requests} requests)")
    if options.dry_run:
        return tally
    if not everything:
        reporter.info(f"push: {len(local.entries)} of the list's entries are in Zotero; run push without --limit "
                      "for the rest (until then the list is built from the imported snapshot)")
        return tally
    if tally.failed:
        raise StageError(f"push: {len(tally.failed)} object(s) were refused (above); the list stays the imported "
                         "one until push completes: fix them and run push again")
    rekey_reviews(settings, made, reporter)
    rekey_citation_keys(settings, made, reporter)
    reporter.info("push: reading the collection back into data/raw/zotero")
    pull.run(settings, options, reporter, policy=policy)
    return tally


def rekey_citation_keys(settings: Settings, made: Made, reporter: Reporter) -> None:
    """The published citation keys follow their papers to the Zotero items push made (exact)."""
    published = emit.published_keys(settings)
    keymap = citekeys.moved(published, made.items)
    if published and keymap != published:
        files.write_text(settings.paths.citekeys, files.dump_json(keymap))
        moved = sum(1 for k in published.get("keys", {}) if k in made.items)
        reporter.info(f"push: {moved} citation key(s) stay with their papers, now Zotero items")


def rekey_reviews(settings: Settings, made: Made, reporter: Reporter) -> None:
    """Each review file names its paper's Zotero item, from the record of what push made (exact)."""
    paths, _ = inputs_.review_files(settings)
    moved = 0
    for path in paths:
        try:
            text = files.read_text(path)
        except (OSError, UnicodeDecodeError):
            continue
        for old, new in made.items.items():
            changed = curate.rekey_review(text, old, new)
            if changed is not None:
                files.write_text(path, changed)
                moved += 1
                break
    reporter.info(f"push: {moved} review file(s) now name their Zotero items")
