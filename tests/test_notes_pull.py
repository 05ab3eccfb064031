"""Reviews from Zotero notes, end to end against the emulator: pull keeps the summary and review notes of
listed items, follows their changes and deletions incrementally, writes reviews/ from them, and never
overwrites a review file edited in the repository (merge, and so `make check`, names the side that changed).
"""
from __future__ import annotations


from pathlib import Path

import pytest
import yaml

from pipeline import reviewfiles
from pipeline.machinery import files, notes
from pipeline.stages import merge
from tests.servers.zotero_api import ZoteroServer
from tests.test_pull import KEY, Run
from tests.zotero_library import (
    PRIVATE_NOTE, REVIEW_NOTE, UNTAGGED_SUMMARY_NOTE, add_notes, generated_library,
)


@pytest.fixture
def noted(tmp_path):
    built = generated_library(40, seed=5, children=0.0, trashed=0.0)
    lib = built.library
    listed = sorted(built.library.expected_snapshot(built.top)[0])
    paper, other = listed[0], listed[1]
    keys = add_notes(lib, paper)
    untagged = lib.add_child(other, "note", note=UNTAGGED_SUMMARY_NOTE)
    outside = lib.add_item({"title": "Not in the list"}, [])
    add_notes(lib, outside)
    with ZoteroServer(lib, api_key=KEY) as server:
        yield Run(tmp_path, server, built.top), built, paper, other, keys, untagged


def review_file(run: Run, key: str):
    for path in sorted(run.settings.paths.reviews.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if f"key: {key}\n" in text:
            return path, text
    return None, None


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n")[1])


def problems(run: Run) -> list:
    catalog = merge.build(run.settings)
    return [p for p in catalog.problems if p.code == "review-conflict"]


def test_first_pull_writes_the_review_file_from_the_tagged_notes(noted):
    run, built, paper, other, keys, untagged = noted
    run.pull()
    stored = set(files.snapshot_objects(run.dir, notes.NOTES))
    assert stored == {keys["summary"], keys["review"], untagged}, "private notes and other items' notes stay out"
    path, text = review_file(run, paper)
    title = built.library.items[paper]["title"]
    assert path.name == reviewfiles.file_name(title, paper, set())
    doc = front(text)
    assert doc["summary"] == "Introduces **neuron coverage** to guide testing."
    version = built.library.items[keys["review"]]["version"]
    assert doc["zotero"]["review"].startswith(f"{keys['review']}@{version} sha256:")
    body = text.split("---\n", 2)[2]
    assert "# Review" in body and "- Strengths\n  - finds *thousands* of bugs" in body
    assert "| Model | Errors |\n|---|---|\n| LeNet | 1,500 |" in body
    assert "[the artifact](https://example.org/deepxplore)" in body
    assert "script" not in body and "alert" not in body and "onclick" not in body and "span" not in body
    _, other_text = review_file(run, other)
    assert front(other_text)["summary"] == "Finds *silent* errors."
    assert problems(run) == []


def test_no_change_pull_is_one_request_and_leaves_reviews_alone(noted):
    run, *_ = noted
    run.pull()
    before = {p: p.stat().st_mtime_ns for p in run.settings.paths.reviews.glob("*.md")}
    assert run.pull() == 1
    assert {p: p.stat().st_mtime_ns for p in run.settings.paths.reviews.glob("*.md")} == before


def test_note_edits_and_deletions_follow_incrementally(noted):
    run, built, paper, other, keys, untagged = noted
    lib = built.library
    run.pull()
    lib.modify_item(keys["review"], note="<p>Rewritten: <b>better</b> now.</p>")
    lib.modify_item(keys["summary"], note="<p>A new one-line summary.</p>")
    requests = run.pull()
    assert requests <= 6, requests     # collections, items, notes' versions, deleted, the two notes by key
    path, text = review_file(run, paper)
    assert text.endswith("---\n\nRewritten: **better** now.\n")
    assert front(text)["summary"] == "A new one-line summary."
    # The note loses its tag: no longer a review; the summary's note goes to the trash.
    lib.modify_item(keys["review"], tags=[])
    lib.trash_item(keys["summary"])
    run.pull()
    assert not (run.dir / "notes" / f"{keys['review']}.json").exists()
    assert review_file(run, paper) == (None, None), "a file holding only what pull wrote goes with the notes"
    # Permanent deletion of the untagged summary note.
    lib.delete_item(untagged)
    run.pull()
    assert review_file(run, other) == (None, None)
    assert set(files.snapshot_objects(run.dir, notes.NOTES)) == set()


def test_an_item_filed_into_the_list_brings_its_notes(noted):
    run, built, *_ = noted
    lib = built.library
    run.pull()
    newcomer = lib.add_item({"title": "Filed later"}, [])
    keys = add_notes(lib, newcomer)
    run.pull()
    assert keys["review"] not in set(files.snapshot_objects(run.dir, notes.NOTES))
    lib.set_item_collections(newcomer, [built.sections[0]])
    run.pull()
    assert {keys["summary"], keys["review"]} <= set(files.snapshot_objects(run.dir, notes.NOTES))
    assert keys["private"] not in set(files.snapshot_objects(run.dir, notes.NOTES))
    assert review_file(run, newcomer)[0] is not None
    # ... and leaving the list takes them away again.
    lib.set_item_collections(newcomer, [])
    run.pull()
    assert not {keys["summary"], keys["review"]} & set(files.snapshot_objects(run.dir, notes.NOTES))
    assert review_file(run, newcomer) == (None, None)


def test_a_review_edited_in_the_repository_is_never_overwritten(noted):
    run, built, paper, other, keys, untagged = noted
    lib = built.library
    run.pull()
    path, text = review_file(run, paper)
    # The curator adds hand-written fields (kept on every update) and, later, edits the review text.
    text = text.replace(f"key: {paper}\n", f"key: {paper}\nnote: Best paper award\nstatus: draft\n")
    path.write_text(text, encoding="utf-8")
    lib.modify_item(keys["summary"], note="<p>Summary from Zotero, take two.</p>")
    run.pull()
    text = path.read_text(encoding="utf-8")
    assert "note: Best paper award\nstatus: draft\n" in text
    assert front(text)["summary"] == "Summary from Zotero, take two."
    assert problems(run) == []

    edited = text.replace("Worth reading.", "Worth reading twice (edited here).")
    path.write_text(edited, encoding="utf-8")
    run.pull()
    assert path.read_text(encoding="utf-8") == edited
    [warning] = problems(run)
    assert warning.level == "warning" and "edited in the repository" in warning.message
    assert warning.where.startswith(str(path.relative_to(run.settings.paths.root)) + ":")

    lib.modify_item(keys["review"], note="<p>Changed in Zotero too.</p>")
    run.pull()
    assert path.read_text(encoding="utf-8") == edited, "both sides changed: the file still wins on disk"
    [error] = problems(run)
    assert error.level == "error" and "changed in Zotero" in error.message and "repository" in error.message

    # The curator takes Zotero's text: delete the file, and the next pull (even a no-change one) writes it.
    path.unlink()
    run.pull()
    path, text = review_file(run, paper)
    assert text.endswith("Changed in Zotero too.\n") and problems(run) == []


def test_a_summary_written_by_hand_wins_over_the_note(noted):
    run, built, paper, *_ = noted
    reviews = run.settings.paths.reviews
    reviews.mkdir(parents=True)
    (reviews / "mine.md").write_text(f"---\nkey: {paper}\nsummary: My own words.\n---\n", encoding="utf-8")
    run.pull()
    text = (reviews / "mine.md").read_text(encoding="utf-8")
    assert front(text)["summary"] == "My own words."
    assert "Worth reading." in text, "the empty body takes Zotero's review"
    [warning] = problems(run)
    assert warning.where == "reviews/mine.md:3" and "written in the repository" in warning.message


def test_other_tag_names_come_from_pipeline_toml(tmp_path):
    built = generated_library(10, seed=2, children=0.0, trashed=0.0)
    paper = sorted(built.library.expected_snapshot(built.top)[0])[0]
    note = built.library.add_child(paper, "note", note=REVIEW_NOTE, tags=[{"tag": "Rezension"}])
    built.library.add_child(paper, "note", note=PRIVATE_NOTE, tags=[{"tag": "review"}])
    (tmp_path / "pipeline.toml").write_text('[reviews]\nreview_tag = "Rezension"\n', encoding="utf-8")
    with ZoteroServer(built.library, api_key=KEY) as server:
        run = Run(tmp_path, server, built.top)
        run.pull()
        assert set(files.snapshot_objects(run.dir, notes.NOTES)) == {note}
        assert run.state()["notes"] == {"summary_tag": "summary", "review_tag": "Rezension"}


def watch(monkeypatch) -> list:
    """The paths opened, listed or looked at from now on (os.open, open, listdir, scandir, stat)."""
    import builtins
    import io
    import os

    touched = []

    def spy(module, name):
        real = getattr(module, name)

        def call(path=".", *args, **kwargs):
            if isinstance(path, (str, bytes, os.PathLike)):      # not a descriptor: its opening was seen
                touched.append(Path(os.fsdecode(path)))
            return real(path, *args, **kwargs)
        monkeypatch.setattr(module, name, call)

    for module, name in ((os, "open"), (builtins, "open"), (io, "open"), (os, "listdir"), (os, "scandir"),
                         (os, "stat"), (os, "lstat")):
        spy(module, name)
    return touched


def test_merge_opens_no_file_itself_and_reports_the_plan_the_reader_made(noted):
    """merge is pure given its inputs (issue 19): the shared reader plans the review files once, and merge
    reports that plan's conflicts; while it builds, the only files touched are the lookup caches the inputs
    hold (each read once, when asked)."""
    from pipeline.machinery.inputs import read as read_inputs

    run, built, paper, other, keys, untagged = noted
    run.pull()
    path, text = review_file(run, paper)
    path.write_text(text.replace("Worth reading.", "Worth reading twice (edited here)."), encoding="utf-8")
    built.library.modify_item(keys["review"], note="<p>Changed in Zotero too.</p>")
    run.pull()
    given = read_inputs(run.settings)
    caches = [cache.folder for cache in given.lookups.caches.values()]
    with pytest.MonkeyPatch.context() as patch:
        touched = watch(patch)
        catalog = merge.build(run.settings, given)
    # The caches' own reads, and the path guard's walk down to them (files.guard_folder), are the reader's.
    assert [str(p) for p in touched if not any(Path(p).is_relative_to(c) or c.is_relative_to(p) for c in caches)] == []
    planned = notes.plan_reviews(run.settings).problems       # what pull found, from the files themselves
    assert [p.code for p in planned] == ["review-conflict"] and set(planned) <= set(catalog.problems)
