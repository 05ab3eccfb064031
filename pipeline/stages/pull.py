"""pull: Zotero collection -> data/raw/zotero (one JSON file per item and collection, state last).

What it keeps: the configured collection, its sub-collections at any depth, the top-level regular
items filed in any of them (no attachments or annotations; nothing from the trash), and, in `notes/`,
their child notes that carry a summary or a review (see `machinery/notes.py`; other notes stay private),
each as the API returned it, minus the counts in `meta` that change without a version bump (see
`VOLATILE_META`). After the snapshot, the review files in reviews/ are brought up to date with those
notes, except where the repository's copy was edited (`pipeline/reviewfiles.py`).

How it asks (Zotero's own sync protocol, with `since` = the version in state.json):
- No usable state (first pull, an `import-readme` snapshot, another library or collection, or an
  interrupted write): a full pass. The library's collections, 100 a page, give the tree; then each
  collection's top-level items, 100 a page; then the library's notes, 100 a page. About ceil(N/100) +
  one request per sub-collection + ceil(notes/100).
- Otherwise an incremental pass. `collections?since=V&format=versions` with `If-Modified-Since-Version`
  goes first: a 304 means nothing in the library changed, and the pull ends after that one request.
  Else `items/top?since=V&format=versions&includeTrashed=1` and `deleted?since=V` say what moved; the
  changed items come 50 keys a request; when any collection changed, the collections are listed again
  (renames and re-nesting), and the items of a collection that joined the tree are listed. Notes are
  children, which `items/top` leaves out: `items?since=V&format=versions&itemType=note` names the
  changed ones (fetched 50 keys a request), and an item new to the snapshot brings its notes with
  `items/KEY/children` when Zotero counts children under it. About k/50 + 4 requests for k changed items.
- A library version lower than the stored one (a library restored from a backup, or a snapshot copied
  from a library further on) is no "unchanged": the pass becomes a full one, and a line says why.
- Every answer of a pass must carry the same `Last-Modified-Version`. If it moves, the pass is dropped,
  and after a growing wait it starts again; the version stored is the one every answer of the
  completed pass carried, so it never runs ahead of what was read.

How it writes ("never a mix"): a pass works out every change in memory, reading stored files only as it
needs them (beyond the damage check below, a no-change pull reads none), and serialises every object to bytes before anything is
written, so an object no file can hold (a lone surrogate: stored as U+FFFD) fails nothing. Then, if any
file changes, state.json is first rewritten as `"complete": false` (no version), the changed files are
written (each one atomically, unchanged bytes untouched), the vanished ones deleted, and state.json
written last with the new version and `"complete": true`. A failure while writing (a full disk, a
permission) puts every file back as it was, from the old bytes the plan kept, so the previous snapshot
stands whole; a failed pass (HTTP faults, a library that keeps moving, a 403) writes nothing at all.
A process killed in the middle of the writes is the one case that can leave old and new files side by
side; state.json then says `"complete": false`, and the next pull does a full pass that rewrites the
snapshot to match the library (or `git checkout data/raw/zotero` restores the old one).

Untrusted data (issue 13): a key becomes a file name, so objects whose key is not a Zotero key are
skipped and named before any path is made. A damaged snapshot heals: an unreadable state.json, or an
object file that does not parse as its own object, makes the next pull a full pass (an incremental one
would answer "unchanged" and never fetch it again).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from pipeline.config import Settings
from pipeline.convert.zotero import is_entry, to_record
from pipeline.machinery import files, notes
from pipeline.machinery.inputs import review_files
from pipeline.model import Problem, sort_problems
from pipeline.report import Reporter
from pipeline.rules import curate
from pipeline.sources import zotero
from pipeline.stages import Options, StageError, source_errors

SOURCE = "zotero-api"
# build/ (not committed): the stamp of data/raw/zotero as pull last wrote or checked it, so a no-change
# pull at 10,000 items stats the files instead of parsing them all for damage.
CHECKED = "zotero-checked.json"


def write_checked(path: Path, zotero_dir: Path) -> None:
    """Remember the stamp; a stamp that cannot be written (build/ a dangling link) only costs a check."""
    try:
        files.write_json(path, {"stamp": files.tree_stamp(zotero_dir)})
    except OSError:
        pass


def read_checked(path: Path) -> str:
    try:
        doc = files.read_json(path)
        return doc.get("stamp", "") if isinstance(doc, dict) else ""
    except (OSError, ValueError):
        return ""
# Counts Zotero recomputes without changing the object's version: adding an item to a collection
# changes the collection's numItems but not its version. Kept, they would make an incremental pull and
# a full pull of the same library differ, and churn files nobody edited.
VOLATILE_META = {
    files.ITEMS: ("numChildren",),
    files.COLLECTIONS: ("numCollections", "numItems"),
    notes.NOTES: (),
}


# Zotero's object keys: 8 characters of this alphabet (no 0, 1, O). A key becomes a file name, so a key
# the data makes up (`../../x`, `AB/CD`) must never reach the file system: such an object is skipped and
# named, whatever else it holds.
KEY_RE = re.compile(r"[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}")


def valid_key(key: object) -> bool:
    return isinstance(key, str) and KEY_RE.fullmatch(key) is not None


def show_key(key: object) -> str:
    """A bad key as a message may quote it: short, one line, printable."""
    text = repr(key)
    return text if len(text) <= 40 else text[:37] + "..."


# --- the snapshot as data -----------------------------------------------------------------------------

@dataclass
class Snapshot:
    """A whole snapshot in memory (what the tests compare against)."""

    items: dict[str, dict] = field(default_factory=dict)
    collections: dict[str, dict] = field(default_factory=dict)


class Stored:
    """The snapshot on disk, read lazily: a no-change pull reads nothing, a small change reads little."""

    def __init__(self, zotero_dir: Path):
        self.dir = Path(zotero_dir)
        self.item_paths = files.snapshot_objects(self.dir, files.ITEMS)
        self._collections: dict[str, dict] | None = None
        self._note_paths: dict[str, Path] | None = None

    @property
    def collections(self) -> dict[str, dict]:
        if self._collections is None:
            self._collections = {}
            for k, p in files.snapshot_objects(self.dir, files.COLLECTIONS).items():
                try:
                    self._collections[k] = files.read_json(p)
                except (ValueError, OSError):   # damaged or refused: not trusted (run() makes that a full pass)
                    pass
        return self._collections

    def item(self, key: str) -> dict | None:
        path = self.item_paths.get(key)
        try:
            return files.read_json(path) if path else None
        except (ValueError, OSError):   # a damaged or refused file is refetched, not trusted
            return None

    @property
    def note_paths(self) -> dict[str, Path]:
        if self._note_paths is None:
            self._note_paths = files.snapshot_objects(self.dir, notes.NOTES)
        return self._note_paths

    def note(self, key: str) -> dict | None:
        path = self.note_paths.get(key)
        try:
            return files.read_json(path) if path else None
        except (ValueError, OSError):
            return None

    def damaged(self) -> list[str]:
        """Object files that do not hold a readable object of their own key (truncated, invalid JSON or
        UTF-8, a merge conflict): an incremental pass would never fetch them again, so they call for a
        full one. It parses every file, ~0.07 s per 1,000 items (benchmarks/bench_pull.py, no-change pull):
        a stat-only check would miss a truncated file with a fresh mtime, the case that matters."""
        bad = []
        for kind in (files.ITEMS, files.COLLECTIONS):
            for key, path in files.snapshot_objects(self.dir, kind).items():
                try:
                    obj = orjson.loads(files.read_bytes(path))   # a refused symlink or FIFO is damage too
                    ok = isinstance(obj, dict) and obj.get("key") == key and isinstance(obj.get("data"), dict)
                except (ValueError, OSError):
                    ok = False
                if not ok:
                    bad.append(f"{kind}/{path.name}")
        return bad


@dataclass
class Changes:
    """What a completed pass found: the whole collection tree, and the items to write or remove."""

    version: int
    collections: dict[str, dict]
    upserts: dict[str, dict] = field(default_factory=dict)
    removals: set[str] = field(default_factory=set)
    items: int = 0          # entries in the new snapshot
    notes: dict[str, dict] = field(default_factory=dict)      # notes to write
    note_removals: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)   # objects skipped, one each


def normalize(obj: dict, kind: str) -> dict:
    """The object as it is stored: the API's JSON without the volatile counts."""
    meta = {k: v for k, v in (obj.get("meta") or {}).items() if k not in VOLATILE_META[kind]}
    return {**obj, "meta": meta}


def in_tree(obj: dict, tree: set[str]) -> bool:
    return bool(set((obj.get("data") or {}).get("collections") or ()) & tree)


def collection_tree(collections: dict[str, dict], top: str) -> set[str]:
    """`top` and its descendants. Trashed collections (Zotero 7) do not count."""
    children: dict[str, list[str]] = {}
    for key, obj in collections.items():
        data = obj.get("data") or {}
        if not data.get("deleted"):
            children.setdefault(data.get("parentCollection") or "", []).append(key)
    tree, todo = set(), [top]
    while todo:
        key = todo.pop()
        if key in tree or key not in collections or (collections[key].get("data") or {}).get("deleted"):
            continue
        tree.add(key)
        todo.extend(children.get(key, ()))
    return tree


def read_snapshot(zotero_dir: Path) -> Snapshot:
    stored = Stored(zotero_dir)
    return Snapshot({k: files.read_json(p) for k, p in stored.item_paths.items()}, stored.collections)


def usable_version(state: dict, settings: Settings, api: str) -> int | None:
    """The version to sync from, or None when only a full pass can be trusted."""
    same = (
        state.get("source") == SOURCE
        and state.get("complete") is True
        and state.get("api") == api
        and state.get("library") == library_block(settings)
        and state.get("collection") == settings.collection
        and state.get("notes") == note_settings(settings)
    )
    version = state.get("version")
    return version if same and isinstance(version, int) and version >= 0 else None


def library_block(settings: Settings) -> dict:
    return {"type": settings.library_type, "id": str(settings.library_id)}


def note_settings(settings: Settings) -> dict:
    """Which notes the snapshot holds: other tags (or a snapshot from before notes) need a full pass."""
    return {"summary_tag": settings.summary_tag, "review_tag": settings.review_tag}


def bad_key(what: str, key: object, title: str = "") -> Problem:
    """An object skipped for its key. Named by the stage: the key is what cannot be trusted."""
    return Problem("pull", f"skipped {what} with key {show_key(key)}" + (f" ({title!r})" if title else "")
                   + ": not a Zotero key (8 of 23456789A-Z, no O)", "notice", "bad-key")


def keyed(objects, what: str, problems: list[Problem]) -> dict[str, dict]:
    """{key: object} of the objects whose key is a Zotero key; each other one is skipped and named."""
    out = {}
    for obj in objects:
        key = obj.get("key")
        if valid_key(key):
            out[key] = obj
        else:
            title = str((obj.get("data") or {}).get("title") or (obj.get("data") or {}).get("name") or "")[:60]
            problems.append(bad_key(what, key, title))
    return out


# --- the passes ---------------------------------------------------------------------------------------

def tree_of(client: zotero.ZoteroClient, collections: dict[str, dict], top: str) -> set[str]:
    tree = collection_tree(collections, top)
    if top not in tree:
        raise zotero.NotFound(f"collection {top} not found in {client.label}")
    return tree


def full_pass(client: zotero.ZoteroClient, top: str, stored: Stored, settings: Settings) -> Changes:
    problems: list[Problem] = []
    collections = keyed(client.all_collections(), "a collection", problems)
    tree = tree_of(client, collections, top)
    items: dict[str, dict] = {}
    for key in sorted(tree):
        for k, obj in keyed(client.collection_top_items(key), "an item", problems).items():
            if is_entry(obj):
                items[k] = obj
    # Notes are children: listed across the library, 100 a request, and kept when their parent is ours.
    kept = {k: obj for k, obj in keyed(client.all_notes(), "a note", problems).items()
            if notes.keeps(obj, set(items), settings)}
    return Changes(client.pass_version, {k: collections[k] for k in tree}, items,
                   set(stored.item_paths) - set(items), len(items), kept, set(stored.note_paths) - set(kept),
                   sort_problems(problems))


def incremental_pass(client: zotero.ZoteroClient, top: str, stored: Stored, since: int,
                     settings: Settings) -> Changes | None:
    """What changed since `since`, or None when nothing in the library did."""
    changed_collections = client.changed_collections(since)
    if client.pass_version is not None and client.pass_version < since:
        raise Rewound(f"{client.label} is at version {client.pass_version}, behind the {since} stored "
                      "(a restored library?): reading the whole collection again")
    if changed_collections is None:
        return None
    problems: list[Problem] = []
    changed_items = client.changed_top_items(since)
    for key in [k for k in changed_items if not valid_key(k)]:
        problems.append(bad_key("an item", key))
        del changed_items[key]
    deleted = client.deleted(since)
    old_tree = set(stored.collections)
    collections = stored.collections
    if changed_collections or deleted.get("collections") or top not in collections:
        collections = keyed(client.all_collections(), "a collection", problems)
    tree = tree_of(client, collections, top)
    fetched = keyed(fetch_changed(client, changed_items, stored), "an item", problems)
    for key in sorted(tree - old_tree):  # joined the tree: its unchanged items are new to us
        for k, obj in keyed(client.collection_top_items(key), "an item", problems).items():
            fetched.setdefault(k, obj)
    upserts = {k: o for k, o in fetched.items() if is_entry(o) and in_tree(o, tree)}
    removals = (set(fetched) - set(upserts)) | set(deleted.get("items", ()))
    if tree != old_tree:   # a section left: its unchanged items may have left with it
        removals |= {k for k in stored.item_paths if k not in fetched and not in_tree(stored.item(k) or {}, tree)}
    removals &= set(stored.item_paths)
    entries = set(stored.item_paths) - removals | set(upserts)
    note_upserts, note_removals = changed_notes(client, since, stored, upserts, entries, deleted, settings)
    return Changes(client.pass_version, {k: collections[k] for k in tree}, upserts, removals, len(entries),
                   note_upserts, note_removals, sort_problems(problems))


# The most items new to the snapshot whose notes are asked for one item at a time; past it, one listing
# of every note of the library (100 a request) is the cheaper way.
CHILD_REQUESTS = 10


def changed_notes(client: zotero.ZoteroClient, since: int, stored: Stored, upserts: dict[str, dict],
                  entries: set[str], deleted: dict[str, list[str]], settings: Settings
                  ) -> tuple[dict[str, dict], set[str]]:
    """(notes to write, notes to remove) after an incremental pass over the items.

    A note's own edits come from `items?since=V&format=versions&itemType=note` (one request); an item
    new to the snapshot (filed into the list, restored from the trash) brings its unchanged notes,
    asked for when Zotero counts children under it; an item that left takes its notes with it.
    """
    versions = client.changed_notes(since)
    fetched = fetch_changed_notes(client, versions, stored)
    arrived = sorted(k for k, obj in upserts.items() if k not in stored.item_paths
                     and (obj.get("meta") or {}).get("numChildren", 1))
    if len(arrived) > CHILD_REQUESTS:
        for obj in client.all_notes():
            if parent_in(obj, arrived):
                fetched.setdefault(obj["key"], obj)
    else:
        for key in arrived:
            for obj in client.child_notes(key):
                fetched.setdefault(obj["key"], obj)
    kept = {k: o for k, o in fetched.items() if valid_key(k) and notes.keeps(o, entries, settings)}
    removals = (set(fetched) - set(kept)) | set(deleted.get("items", ()))
    left = set(stored.item_paths) - entries
    if left:
        removals |= {k for k in stored.note_paths if k not in fetched
                     and notes.parent_of(stored.note(k) or {}) not in entries}
    return kept, removals & set(stored.note_paths)


def parent_in(obj: dict, keys: list[str]) -> bool:
    return notes.parent_of(obj) in set(keys)


def fetch_changed_notes(client: zotero.ZoteroClient, versions: dict[str, int], stored: Stored) -> dict[str, dict]:
    wanted = sorted(k for k, v in versions.items() if k not in stored.note_paths
                    or (stored.note(k) or {}).get("version") != v)
    fetched: dict[str, dict] = {}
    for start in range(0, len(wanted), zotero.KEY_BATCH):
        for obj in client.items_by_key(wanted[start:start + zotero.KEY_BATCH]):
            fetched[obj["key"]] = obj
    return fetched


def fetch_changed(client: zotero.ZoteroClient, versions: dict[str, int], stored: Stored) -> list[dict]:
    # An item already stored at the reported version needs no request (after an interrupted write the
    # state is older than some files).
    wanted = sorted(k for k, v in versions.items() if k not in stored.item_paths
                    or (stored.item(k) or {}).get("version") != v)
    fetched: list[dict] = []
    for start in range(0, len(wanted), zotero.KEY_BATCH):
        fetched += client.items_by_key(wanted[start:start + zotero.KEY_BATCH])
    return fetched


class Rewound(Exception):
    """The library's version is behind the one stored: only a full pass can be trusted."""


def pull(client: zotero.ZoteroClient, top: str, stored: Stored, since: int | None,
         settings: Settings) -> Changes | None:
    """Run passes until one sees a library that held still. None: unchanged since `since`."""
    policy = client.policy
    why: list[Problem] = []
    for attempt in range(policy.passes):
        client.begin_pass()
        try:
            if since is None:
                changes = full_pass(client, top, stored, settings)
                changes.problems[:0] = why
                return changes
            return incremental_pass(client, top, stored, since, settings)
        except Rewound as exc:   # the next attempt is a full pass, at once: nothing moved, we were ahead
            why, since = [Problem("pull", str(exc), "notice", "library-rewound")], None
        except zotero.LibraryChanged:
            if attempt + 1 < policy.passes:
                policy.sleep(policy.backoff(attempt + 1))
    raise zotero.LibraryChanged(
        f"{client.label} kept changing during {policy.passes} attempts to read it; try again when it is quiet"
    )


# --- the writes ---------------------------------------------------------------------------------------

@dataclass
class Plan:
    writes: dict[Path, bytes] = field(default_factory=dict)
    deletes: list[Path] = field(default_factory=list)
    originals: dict[Path, bytes | None] = field(default_factory=dict)   # for a rollback; None: new file
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.writes and not self.deletes


def plan_changes(zotero_dir: Path, changes: Changes) -> Plan:
    plan = Plan()
    old_collections = files.snapshot_objects(zotero_dir, files.COLLECTIONS)
    plan_kind(plan, zotero_dir, files.COLLECTIONS, changes.collections, old_collections,
              set(old_collections) - set(changes.collections))
    old_items = files.snapshot_objects(zotero_dir, files.ITEMS)
    plan_kind(plan, zotero_dir, files.ITEMS, changes.upserts, old_items, changes.removals)
    old_notes = files.snapshot_objects(zotero_dir, notes.NOTES)
    plan_kind(plan, zotero_dir, notes.NOTES, changes.notes, old_notes, changes.note_removals)
    return plan


def without_surrogates(obj):
    """`obj` with every lone surrogate (which no UTF-8 file can hold) replaced by U+FFFD."""
    if isinstance(obj, str):
        return obj.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(obj, list):
        return [without_surrogates(v) for v in obj]
    if isinstance(obj, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in obj.items()}
    return obj


def encoded(obj: dict, kind: str, key: str, problems: list[Problem]) -> bytes:
    """The stored bytes of one object, serialised once. Encoded here, before anything is written, so an
    object no file can hold fails the plan, not the middle of the writes."""
    text = files.dump_json(normalize(obj, kind))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        problems.append(Problem(key, f"lone surrogate(s) in the {kind[:-1]}'s text, stored as U+FFFD",
                                "notice", "lone-surrogate"))
        return files.dump_json(without_surrogates(normalize(obj, kind))).encode("utf-8")


def plan_kind(plan: Plan, zotero_dir: Path, kind: str, upserts: dict[str, dict], existing: dict[str, Path],
              removals: set[str]) -> None:
    for key in sorted(upserts):
        if not valid_key(key):    # the passes filter keys; this is the last guard before a path is made
            plan.problems.append(bad_key(("an " if kind == files.ITEMS else "a ") + kind[:-1], key))
            continue
        data = encoded(upserts[key], kind, key, plan.problems)
        path = Path(zotero_dir) / kind / f"{key}.json"
        if key not in existing:
            plan.writes[path] = data
            plan.originals[path] = None
            plan.added.append(f"{kind[:-1]} {key}")
        else:
            try:
                old = files.read_bytes(existing[key])
            except OSError:          # refused (a symlink out, a FIFO) or gone: replaced, never read
                old = None
            if old != data:
                plan.writes[path] = data
                plan.originals[path] = old
                plan.updated.append(f"{kind[:-1]} {key}")
    for key in sorted(removals & set(existing)):
        plan.deletes.append(existing[key])
        plan.removed.append(f"{kind[:-1]} {key}")


def state_for(settings: Settings, api: str, changes: Changes, complete: bool) -> dict:
    state = {"source": SOURCE, "api": api, "library": library_block(settings),
             "collection": settings.collection, "notes": note_settings(settings), "complete": complete}
    if complete:
        state.update(version=changes.version, items=changes.items, collections=len(changes.collections))
    return state


def apply(zotero_dir: Path, plan: Plan, final_state: dict, marker: dict) -> None:
    """Write the plan: the pass completes, or (any error while writing: a full disk, a permission) every
    file is put back as it was and the error goes on. Only a killed process can leave a mix, and the
    `complete: false` marker makes the next pull a full pass that repairs it."""
    zotero_dir = Path(zotero_dir)
    state_path = zotero_dir / files.STATE
    if plan.empty:
        files.write_json(state_path, final_state)
        return
    old_state = _old_bytes(state_path)
    for path in plan.deletes:
        plan.originals[path] = _old_bytes(path)
    done: list[Path] = []
    try:
        files.write_json(state_path, marker)
        for path, data in plan.writes.items():
            files.write_bytes(path, data, durable=False)
            done.append(path)
        for path in plan.deletes:
            files.remove(path)
            done.append(path)
        files.flush()     # the data reaches the disk before the state that vouches for it
        files.write_json(state_path, final_state)
    except BaseException:
        for path in reversed(done):
            try:
                old = plan.originals.get(path)
                if old is None:
                    files.remove(path)
                else:
                    files.write_bytes(path, old, durable=False)
            except OSError:
                pass
        try:
            if old_state is None:
                files.remove(state_path)
            else:
                files.write_bytes(state_path, old_state)
        except OSError:
            pass
        raise


def _old_bytes(path: Path) -> bytes | None:
    """What a rollback puts back; None (remove) for a file that is not there or may not be read."""
    try:
        return files.read_bytes(path)
    except OSError:
        return None


# --- the stage ----------------------------------------------------------------------------------------

def run(settings: Settings, options: Options, reporter: Reporter, *,
        policy: zotero.RetryPolicy | None = None) -> None:
    if not settings.has_zotero_credentials:
        reporter.info(
            "pull: no Zotero credentials (ZOTERO_LIBRARY_ID, ZOTERO_COLLECTION, ZOTERO_API_KEY): "
            "building from the committed snapshot in data/raw/zotero"
        )
        return
    if options.offline:
        reporter.info("pull: --offline: using the committed snapshot in data/raw/zotero")
        return
    if not valid_key(settings.collection):
        raise StageError(f"pull: the collection {show_key(settings.collection)} (ZOTERO_COLLECTION) is not a "
                         "Zotero collection key: 8 of 23456789 and A-Z without O, as in the collection's web URL")
    zotero_dir = settings.paths.zotero
    files.confine(settings.paths.root)
    client = zotero.connect(settings, policy)
    api = "local" if client.local else "web"
    try:
        state = read_state(zotero_dir, reporter)
        since = usable_version(state, settings, api)
        stored = Stored(zotero_dir)
        checked = settings.paths.build / CHECKED
        if since is not None and read_checked(checked) != files.tree_stamp(zotero_dir):
            # Files changed since pull last wrote or checked them (a clone, a merge, a hand edit): parse them
            # all once for damage. Unchanged files were sound then and are now, and cost a stat each.
            damaged = stored.damaged()
            if not damaged:
                write_checked(checked, zotero_dir)
            if damaged:
                reporter.problem(Problem("data/raw/zotero", f"{len(damaged)} damaged file(s) ({', '.join(damaged[:3])}"
                                         f"{', ...' if len(damaged) > 3 else ''}): reading the whole collection again",
                                         "notice", "snapshot-damaged"))
                since = None
        with reporter.progress(f"Zotero: reading {settings.library_label}") as bar, \
                source_errors("pull", "data/raw/zotero is unchanged"):
            client.transport.on_request = bar.advance
            new = pull(client, settings.collection, stored, since, settings)
    finally:
        client.close()
    if new is None:
        reporter.info(f"pull: {settings.library_label} unchanged since version {since} "
                      f"({client.requests} request)")
        if not options.dry_run:
            write_reviews(settings, reporter)   # a review file deleted to take Zotero's text again
        return
    refusal = vanishing(stored, new, state)
    if refusal and not options.allow_missing:
        raise StageError(f"{refusal}; nothing was written (--allow-missing publishes the collection as it is)")
    plan = plan_changes(zotero_dir, new)
    for problem in new.problems + plan.problems:
        reporter.problem(problem)
    final_state = state_for(settings, api, new, complete=True)
    if options.dry_run:
        show_plan(plan, new, since, final_state != state, reporter)
        return
    if state.get("source") == "import-readme":
        carry_reviews(settings, Stored(zotero_dir), new, reporter)
    try:
        apply(zotero_dir, plan, final_state, state_for(settings, api, new, complete=False))
    except OSError as exc:
        raise StageError(f"pull: writing data/raw/zotero failed ({exc.strerror or exc}); "
                         "the previous snapshot is restored") from None
    write_checked(settings.paths.build / CHECKED, zotero_dir)
    reporter.info(
        f"pull: {settings.library_label} version {new.version}: {new.items} items in "
        f"{len(new.collections)} collections; files: {len(plan.added)} added, {len(plan.updated)} updated, "
        f"{len(plan.removed)} removed ({client.requests} requests)"
    )
    write_reviews(settings, reporter)


def vanishing(stored: Stored, new: Changes, state: dict) -> str:
    """Why the pulled collection must not replace the list ("" when it may): it lacks papers of an
    imported list (not pushed yet, or only in part), or it is empty where the list is not."""
    if state.get("source") == "import-readme":
        imported = [to_record(obj) for key in stored.item_paths if (obj := stored.item(key)) and is_entry(obj)]
        pulled = [to_record(obj) for obj in new.upserts.values() if is_entry(obj)]
        found = curate.rekey_imported(imported, pulled)
        missing = sorted((r for r in imported if r.key not in found), key=lambda r: _where_imported(stored, r.key))
        if not missing:
            return ""
        held = "none" if len(missing) == len(imported) else str(len(imported) - len(missing))
        first = missing[0]
        return (f"pull: the collection holds {held} of the {len(imported)} papers imported from "
                f"{state.get('file') or 'a list'} (first missing: {_where_imported(stored, first.key)} "
                f"{first.title[:60]!r}): `python -m pipeline push` moves the list into Zotero")
    if new.items == 0 and stored.item_paths:
        return (f"pull: the collection has no papers, and the list has {len(stored.item_paths)}: refusing to "
                "publish an empty list (is ZOTERO_COLLECTION the list's collection?)")
    return ""


def _where_imported(stored: Stored, key: str) -> str:
    obj = stored.item(key) or {}
    return str((obj.get("meta") or {}).get("imported") or key)


def write_reviews(settings: Settings, reporter: Reporter) -> None:
    """The review files follow the notes just stored, except where the repository's copy was edited."""
    try:
        files.guard_folder(settings.paths.reviews)
    except files.Refused as exc:
        reporter.problem(Problem("pull", f"{exc}; no review file written", "notice", "reviews-refused"))
        return
    plan = notes.plan_reviews(settings)
    try:
        notes.apply_reviews(plan)
    except OSError as exc:   # a refused link, a dangling one in the way, a read-only folder
        where = f" {files.shown(exc.filename)}" if getattr(exc, "filename", None) else ""
        reporter.problem(Problem("pull", f"review files not all written ({exc.strerror or exc}{where}); the snapshot "
                                 "is whole", "notice", "reviews-not-written"))
        return
    for path in sorted(plan.writes):
        reporter.detail(f"pull: wrote {path.relative_to(settings.paths.root)} from Zotero notes")
    if plan.writes or plan.deletes:
        reporter.info(f"pull: reviews/: {len(plan.writes)} file(s) written from Zotero notes, "
                      f"{len(plan.deletes)} removed")
    conflicts = [p for p in plan.problems if p.code == "review-conflict"]
    if conflicts:
        reporter.info(f"pull: {len(conflicts)} review part(s) edited in the repository were left as they are "
                      "(`make check` lists them)")


def read_state(zotero_dir: Path, reporter: Reporter) -> dict:
    """state.json, or {} (a full pass) when it is damaged: the pass rewrites it."""
    try:
        state = files.snapshot_state(zotero_dir)
        if isinstance(state, dict):
            return state
        reason = "not a JSON object"
    except (ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    reporter.problem(Problem(f"data/raw/zotero/{files.STATE}:1", f"damaged sync state ({reason}): reading the whole "
                             "collection again", "notice", "state-damaged"))
    return {}


def carry_reviews(settings: Settings, stored: Stored, new: Changes, reporter: Reporter) -> None:
    """The first real pull replaces the items `import-readme` made: point their review files at the
    pulled items, so no summary, note or review is lost on the way.

    Done before the snapshot is replaced: if the run dies in between, the next pull (the snapshot still
    says import-readme) finds nothing left to move and goes on.
    """
    imported = [to_record(obj) for key in stored.item_paths if (obj := stored.item(key)) and is_entry(obj)]
    pulled = [to_record(obj) for obj in new.upserts.values() if is_entry(obj)]
    moves = curate.rekey_imported(imported, pulled)
    paths, _ = review_files(settings)    # the refused ones are named by merge and check
    moved = 0
    for path in paths:
        try:
            text = files.read_text(path)
        except (OSError, UnicodeDecodeError):
            continue                      # unreadable: merge names it
        for old, (new_key, how) in moves.items():
            changed = curate.rekey_review(text, old, new_key)
            if changed is not None:
                files.write_text(path, changed)
                moved += 1
                reporter.detail(f"pull: {path.relative_to(settings.paths.root)}: key {old} -> {new_key} (same {how})")
                break
    unmatched = len(imported) - len(moves)
    reporter.info("pull: replaced the imported list with the collection"
                  + (f": {moved} review file keys moved to the pulled items" if moved else "")
                  + (f"; {unmatched} imported items matched nothing (`make check` names their review files)"
                     if unmatched else ""))


def show_plan(plan: Plan, new: Changes, since: int | None, state_changes: bool, reporter: Reporter) -> None:
    """--dry-run: what a real pull would change, on stdout."""
    for verb, names in (("add", plan.added), ("update", plan.updated), ("remove", plan.removed)):
        for name in names:
            reporter.out(f"would {verb} {name}")
    if state_changes:
        reporter.out(f"would record library version {new.version} (was {since if since is not None else 'none'})")
    if plan.empty and not state_changes:
        reporter.out("nothing would change")
