"""Zotero notes on disk, and reviews/: the notes part of the snapshot, which review files may be read, and
what each should say given the notes.

pull keeps the child notes that carry a summary or a review (only those: a curator's other notes stay
private) in `data/raw/zotero/notes/KEY.json`, as the API returned them. `plan` then works out, from
those notes and the files in `reviews/`, what each review file should say (the rule lives in
`pipeline.reviewfiles`). pull plans from the files as they are (`plan_reviews`) and writes the plan; the
shared reader (machinery/inputs.py) plans once from what it has already read, and merge (and so
`make check`) reports that plan's conflicts.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from pipeline import reviewfiles
from pipeline.config import Settings
from pipeline.convert.zotero import is_entry, to_record
from pipeline.machinery import files
from pipeline.model import Problem, Record
from pipeline.rules import curate

NOTES = "notes"       # data/raw/zotero/notes/
MAX_REVIEW_BYTES = 2**20     # a review is a page of prose


def keeps(obj: dict, entries: set[str], settings: Settings) -> bool:
    """A note the snapshot keeps: a live child note of a listed item that says summary or review."""
    data = obj.get("data") or {}
    return (data.get("itemType") == "note" and not data.get("deleted")
            and str(data.get("parentItem") or "") in entries
            and reviewfiles.kind_of(data, settings.summary_tag, settings.review_tag) is not None)


def parent_of(obj: dict) -> str:
    return str((obj.get("data") or {}).get("parentItem") or "")


def read_notes(zotero_dir: Path) -> list[dict]:
    out = []
    for path in files.snapshot_objects(zotero_dir, NOTES).values():
        try:
            obj = files.read_json(path)
        except ValueError:
            continue        # a damaged note file is refetched by the next full pull
        if isinstance(obj, dict):
            out.append(obj)
    return out


@dataclass
class ReviewPlan:
    writes: dict[Path, str] = field(default_factory=dict)
    deletes: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# A review file as read: its path, its text, and its front matter (None when it has none to use).
ReviewText = tuple[Path, str, "curate.Review | None"]


def plan_reviews(settings: Settings) -> ReviewPlan:
    """pull's plan: what the review files should become given the notes pull has just stored, from the
    files as they are now. Reads, never writes."""
    root = settings.paths.root
    try:
        files.guard_folder(settings.paths.reviews)
    except files.Refused:
        return ReviewPlan()  # reviews/ leads out of the repository: review_files names it
    item_paths = files.snapshot_objects(settings.paths.zotero, files.ITEMS)

    def parent(key: str) -> Record | None:
        try:
            item = files.read_json(item_paths[key]) if key in item_paths else None
        except ValueError:
            item = None
        return to_record(item) if item and is_entry(item) else None

    found: list[ReviewText] = []
    for path in review_files(settings)[0]:   # inside reviews/, regular: the rest merge names
        try:
            text = files.read_text(path)
        except (OSError, UnicodeDecodeError):
            continue                          # merge reports it
        found.append((path, text, curate.parse_review(text, str(path.relative_to(root)))[0]))
    return plan(settings, read_notes(settings.paths.zotero), parent, found, names_in(settings))


def review_files(settings: Settings) -> tuple[list[Path], list[Problem]]:
    """The review files to read: regular `*.md` files whose real location is inside reviews/.

    A symlink (or a symlinked folder) pointing out of reviews/ would publish any local file the
    build can read, so it is refused and named; so is anything that is not a regular file (a FIFO
    would hang the read), and reviews/ itself when it leads out of the repository (`files.guard`).
    """
    folder = Path(settings.paths.reviews)
    try:
        files.guard_folder(folder)
    except files.Refused as exc:
        return [], [Problem(f"{files.shown(folder)}/", f"{exc.message.split(': ', 1)[1]}; no review file read")]
    if not folder.is_dir():
        return [], []           # the reader says so (`inputs.missing_reviews`)
    home = folder.resolve()
    paths, problems = [], []
    for path in sorted(folder.glob("**/*.md")):
        # Named by where it sits, not where it points (relative() would follow the link).
        rel = str(path.relative_to(settings.paths.root)) if path.is_relative_to(settings.paths.root) else str(path)
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(home):
            problems.append(Problem(f"{rel}:1", "refused: it links to a file outside reviews/"))
            continue
        try:
            files.guard(path, read=True)
        except files.Refused as exc:
            problems.append(Problem(f"{rel}:1", exc.message.split(": ", 1)[1]))
            continue
        if real.stat().st_size > MAX_REVIEW_BYTES:
            problems.append(Problem(f"{rel}:1", f"refused: larger than {MAX_REVIEW_BYTES // 2**20} MB"))
        else:
            paths.append(path)
    return paths, problems


def names_in(settings: Settings) -> set[str]:
    """The names of the Markdown files in reviews/, read or not: a new review file takes none of them."""
    folder = settings.paths.reviews
    return {path.name for path in folder.glob("**/*.md")} if folder.is_dir() else set()


def plan(settings: Settings, stored: list[dict], parent: Callable[[str], Record | None],
         found: Iterable[ReviewText], taken: set[str]) -> ReviewPlan:
    """What the review files should become given the `stored` notes: pure. `parent(key)` is the list
    entry a note belongs to (None when the item is no entry), `found` the review files that could be
    read, `taken` the names of every file in reviews/."""
    result = ReviewPlan()
    folder, root = settings.paths.reviews, settings.paths.root
    wanted, result.problems = reviewfiles.from_notes(stored, settings.summary_tag, settings.review_tag)
    parents = {key: record for key in wanted if (record := parent(key)) is not None}
    by_doi = {r.doi: k for k, r in parents.items() if r.doi}

    existing: dict[str, tuple[Path, str]] = {}     # item key -> (file, text)
    loose: list[tuple[Path, str]] = []             # files with a zotero block for no known item
    taken = set(taken)
    for path, text, review in sorted(found, key=lambda f: f[0]):
        if review is None:
            continue
        key = review.key if review.key in parents else by_doi.get(review.doi, "")
        if key and key not in existing:
            existing[key] = (path, text)
        elif f"\n{reviewfiles.BLOCK}:" in text:
            loose.append((path, text))

    def settle(path: Path, text: str | None, key: str, want: reviewfiles.FromZotero) -> None:
        outcome = reviewfiles.reconcile(text, str(path.relative_to(root)), key, want)
        result.problems.extend(outcome.problems)
        if outcome.text is None:
            if text is not None:
                result.deletes.append(path)
        elif outcome.text != text:
            result.writes[path] = outcome.text

    for key in sorted(set(parents) | set(existing)):
        want = wanted.get(key, reviewfiles.NOTHING)
        if key in existing:
            settle(*existing[key], key, want)
        elif key in parents:
            name = reviewfiles.file_name(parents[key].title, key, taken)
            taken.add(name)
            settle(folder / name, None, key, want)
    for path, text in loose:          # the item left the list, or its notes are gone
        settle(path, text, "", reviewfiles.NOTHING)
    return result


def apply_reviews(plan: ReviewPlan) -> None:
    for path, text in sorted(plan.writes.items()):
        files.write_text(path, text)
    for path in plan.deletes:
        files.remove(path)
