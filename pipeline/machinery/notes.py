"""Zotero notes on disk: the notes part of the snapshot, and the review files written from it.

pull keeps the child notes that carry a summary or a review (only those: a curator's other notes stay
private) in `data/raw/zotero/notes/KEY.json`, as the API returned them. `plan_reviews` then works out,
from those notes and the files in `reviews/`, what each review file should say (the rule lives in
`pipeline.reviewfiles`); pull writes the plan, merge (and so `make check`) reports its conflicts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline import reviewfiles
from pipeline.config import Settings
from pipeline.convert.zotero import is_entry, to_record
from pipeline.machinery import files
from pipeline.machinery.inputs import review_files
from pipeline.model import Problem
from pipeline.rules import curate

NOTES = "notes"       # data/raw/zotero/notes/


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


def plan_reviews(settings: Settings) -> ReviewPlan:
    """What the review files should become given the stored notes; reads, never writes."""
    plan = ReviewPlan()
    zotero_dir, folder, root = settings.paths.zotero, settings.paths.reviews, settings.paths.root
    try:
        files.guard_folder(folder)
    except files.Refused:
        return plan          # reviews/ leads out of the repository: inputs.review_files names it
    wanted, plan.problems = reviewfiles.from_notes(read_notes(zotero_dir), settings.summary_tag,
                                                   settings.review_tag)
    item_paths = files.snapshot_objects(zotero_dir, files.ITEMS)
    parents = {}
    for key in wanted:
        try:
            item = files.read_json(item_paths[key]) if key in item_paths else None
        except ValueError:
            item = None
        if item and is_entry(item):
            parents[key] = to_record(item)
    by_doi = {r.doi: k for k, r in parents.items() if r.doi}

    existing: dict[str, tuple[Path, str]] = {}     # item key -> (file, text)
    loose: list[tuple[Path, str]] = []             # files with a zotero block for no known item
    taken = set()
    readable = set(review_files(settings)[0])      # inside reviews/, regular: the rest merge names
    for path in sorted(folder.glob("**/*.md")) if folder.is_dir() else ():
        taken.add(path.name)
        if path not in readable:
            continue
        try:
            text = files.read_text(path)
        except (OSError, UnicodeDecodeError):
            continue                               # merge reports it
        review, _ = curate.parse_review(text, str(path.relative_to(root)))
        if review is None:
            continue
        key = review.key if review.key in parents else by_doi.get(review.doi, "")
        if key and key not in existing:
            existing[key] = (path, text)
        elif f"\n{reviewfiles.BLOCK}:" in text:
            loose.append((path, text))

    def settle(path: Path, text: str | None, key: str, want: reviewfiles.FromZotero) -> None:
        outcome = reviewfiles.reconcile(text, str(path.relative_to(root)), key, want)
        plan.problems.extend(outcome.problems)
        if outcome.text is None:
            if text is not None:
                plan.deletes.append(path)
        elif outcome.text != text:
            plan.writes[path] = outcome.text

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
    return plan


def apply_reviews(plan: ReviewPlan) -> None:
    for path, text in sorted(plan.writes.items()):
        files.write_text(path, text)
    for path in plan.deletes:
        files.remove(path)
