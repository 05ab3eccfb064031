"""Pure: Zotero child notes -> the text of an item's file in reviews/, never overwriting the curator.

A note tagged with the summary tag (or whose first line starts "Summary:") gives the one-line
`summary:`; a note tagged with the review tag gives the long review below the front matter. What was
written from Zotero is recorded in the file itself, one line per part:

    zotero:   # written from Zotero notes by `make sync`: note key@version, hash of the text written
      summary: 8KLM3N5P@58 sha256:9a2b3c4d5e6f7a8b
      review: 7GHJ2K4L@57 sha256:0c1d2e3f4a5b6c7d

The hash is the rule that keeps a hand edit safe. A part whose text still hashes to its record is
Zotero's, and follows the note (rewritten, or removed when the note is gone). A part that no longer
does was edited in the repository: it is left as it is, and `reconcile` reports a "review-conflict",
naming the side that changed (a warning when only the file did, an error when the note changed
too). A part the file holds without a record was written by hand and wins over Zotero, unless the
note says the same (what `push` leaves: the note was made from the file): then Zotero holds it from
now on. Every other line of the file (key, doi, note, status, overrides, comments) is kept byte for
byte.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import yaml
from anyascii import anyascii

from pipeline.convert import notes as note_html
from pipeline.convert import to_zotero
from pipeline.model import Problem

PARTS = ("summary", "review")
BLOCK = "zotero"
BLOCK_COMMENT = "# written from Zotero notes by `make sync`: note key@version, hash of the text written"
_RECORD_RE = re.compile(r"^([A-Z0-9]{8})@(\d+) sha256:([0-9a-f]{16})$")
_KEY_RE = re.compile(r"^[A-Z0-9]{8}$")


@dataclass(frozen=True)
class NoteText:
    """One part of a review as Zotero has it: which note, at which version, converted to Markdown."""

    note: str
    version: int
    text: str

    @property
    def record(self) -> str:
        return f"{self.note}@{self.version} sha256:{digest(self.text)}"


@dataclass(frozen=True)
class FromZotero:
    summary: NoteText | None = None
    review: NoteText | None = None

    def part(self, name: str) -> NoteText | None:
        return getattr(self, name)


NOTHING = FromZotero()


@dataclass(frozen=True)
class Outcome:
    """What to do with one file: `text` is its new content (None: the file goes away)."""

    text: str | None
    problems: tuple[Problem, ...] = ()


def digest(text: str) -> str:
    """The hash recorded for a part: of its text with line ends and trailing spaces normalised, so an
    editor that adds a final newline or converts to CRLF does not count as an edit."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return hashlib.sha256("\n".join(lines).strip().encode("utf-8")).hexdigest()[:16]


# --- which notes say what -----------------------------------------------------------------------------

def kind_of(data: dict, summary_tag: str, review_tag: str) -> str | None:
    """'review', 'summary' or None for a note's `data`. A review tag wins over a summary tag."""
    if data.get("itemType") != "note":
        return None
    tags = {str(t.get("tag", "")).strip().casefold() for t in data.get("tags") or () if isinstance(t, dict)}
    if review_tag and review_tag.casefold() in tags:
        return "review"
    if summary_tag and summary_tag.casefold() in tags:
        return "summary"
    if note_html.starts_with_summary(str(data.get("note") or "")):
        return "summary"
    return None


def from_notes(notes: list[dict], summary_tag: str, review_tag: str) -> tuple[dict[str, FromZotero], list[Problem]]:
    """{parent item key: its summary and review}, from stored note objects. When an item has two notes
    of one kind, the one added first is used and the other is reported."""
    chosen: dict[tuple[str, str], dict] = {}
    problems = []
    ordered = sorted((n for n in notes if isinstance(n, dict) and isinstance(n.get("data"), dict)),
                     key=lambda n: (str(n["data"].get("dateAdded", "")), str(n.get("key", ""))))
    for obj in ordered:
        data = obj["data"]
        parent = str(data.get("parentItem") or "")
        kind = kind_of(data, summary_tag, review_tag)
        if not parent or kind is None or data.get("deleted"):
            continue
        first = chosen.get((parent, kind))
        if first is not None:
            problems.append(Problem(parent, f"item has a second {kind} note {obj['key']} in Zotero; the first, "
                                    f"{first['key']}, is used", "warning", "review-note"))
            continue
        chosen[(parent, kind)] = obj
    out: dict[str, dict[str, NoteText]] = {}
    for (parent, kind), obj in chosen.items():
        html = str(obj["data"].get("note") or "")
        text = note_html.summary_text(html) if kind == "summary" else note_html.to_markdown(html)
        if text.strip():
            out.setdefault(parent, {})[kind] = NoteText(str(obj["key"]), int(obj.get("version") or 0), text)
    return {parent: FromZotero(**parts) for parent, parts in sorted(out.items())}, problems


# --- the file --------------------------------------------------------------------------------------

@dataclass
class _File:
    front: list[str]          # front-matter lines, without the '---' lines
    body: str                 # everything after the closing '---' line
    doc: dict                 # the front matter, parsed

    def field_span(self, name: str) -> tuple[int, int] | None:
        """[start, end) of a top-level field's lines (the field and its indented continuation)."""
        for i, line in enumerate(self.front):
            if re.match(rf"{re.escape(name)}\s*:", line):
                end = i + 1
                while end < len(self.front) and (self.front[end][:1] in (" ", "\t") or not self.front[end].strip()):
                    end += 1
                while end > i + 1 and not self.front[end - 1].strip():
                    end -= 1
                return i, end
        return None

    def line_of(self, name: str) -> int:
        span = self.field_span(name)
        return span[0] + 2 if span else 1

    def records(self) -> dict[str, tuple[str, int, str]]:
        block = self.doc.get(BLOCK)
        found = {}
        if isinstance(block, dict):
            for part in PARTS:
                match = _RECORD_RE.match(str(block.get(part) or "").strip())
                if match:
                    found[part] = (match.group(1), int(match.group(2)), match.group(3))
        return found

    def text(self) -> str:
        body = self.body if self.body.strip() else ""
        return "---\n" + "".join(line + "\n" for line in self.front) + "---\n" + body


def _split(text: str) -> _File | None:
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return None
    front = lines[1:end]
    try:
        doc = yaml.safe_load("\n".join(front)) or {}
    except (yaml.YAMLError, RecursionError):    # nested too deeply: not a file this module can read
        return None
    if not isinstance(doc, dict):
        return None
    return _File(front, "\n".join(lines[end + 1:]), doc)


def body_of(text: str) -> str:
    """The long review below a review file's front matter ("" when it has none or no front matter)."""
    file = _split(text)
    return file.body if file is not None else ""


def yaml_scalar(text: str) -> str:
    """`text` as a one-line YAML value: plain when YAML reads it back unchanged, else double-quoted."""
    if text and "#" not in text and text == text.strip():
        try:
            if yaml.safe_load(f"v: {text}") == {"v": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)   # a JSON string is a valid YAML double-quoted scalar


def _current(file: _File, part: str):
    """The part's text in the file: the summary value (str, a mapping, or None), or the body."""
    if part == "summary":
        return file.doc.get("summary")
    return file.body if file.body.strip() else None


def new_file(key: str, wanted: FromZotero) -> str:
    return _edit(_File([f"key: {key}"], "", {"key": key}), {}, wanted, set(PARTS))


def _edit(file: _File, records: dict[str, str], wanted: FromZotero, update: set[str]) -> str:
    """The file with the parts in `update` set to Zotero's text (or removed) and the block rewritten."""
    new_records = dict(records)
    for part in sorted(update):
        note = wanted.part(part)
        if part == "summary":
            span = file.field_span("summary")
            lines = [f"summary: {yaml_scalar(note.text)}"] if note else []
            if span:
                file.front[span[0]:span[1]] = lines
            elif lines:
                anchor = max((s[1] for s in (file.field_span("key"), file.field_span("doi")) if s), default=0)
                file.front[anchor:anchor] = lines
        else:
            file.body = ("\n" + note.text.rstrip("\n") + "\n") if note else ""
        if note:
            new_records[part] = note.record
        else:
            new_records.pop(part, None)
    span = file.field_span(BLOCK)
    if span:
        del file.front[span[0]:span[1]]
    if new_records:
        file.front.append(f"{BLOCK}:   {BLOCK_COMMENT}")
        file.front.extend(f"  {part}: {new_records[part]}" for part in PARTS if part in new_records)
    return file.text()


def same_text(part: str, current: object, note_text: str) -> bool:
    """The file's part says what the note says, as the note would read back once written from it."""
    if not isinstance(current, str):
        return False        # a summary per section has no one note to match
    if part == "summary":
        return current.strip() == note_text or note_html.summary_text(to_zotero.summary_html(current)) == note_text
    return note_html.to_markdown(to_zotero.review_html(current)).strip() == note_text.strip()


def reconcile(existing: str | None, path: str, item: str, wanted: FromZotero) -> Outcome:
    """The file at `path` for item `item`, brought up to date with Zotero's notes where it may be.

    `existing` is the file's text (None: there is no file); the outcome's text equals `existing` when
    nothing changes. See the module docstring for the rule.
    """
    if existing is None:
        if wanted.summary is None and wanted.review is None:
            return Outcome(None)
        return Outcome(new_file(item, wanted))
    file = _split(existing)
    if file is None:
        return Outcome(existing)    # merge reports what is wrong with it; we do not touch it
    recorded = file.records()
    raw_records = {part: f"{n}@{v} sha256:{h}" for part, (n, v, h) in recorded.items()}
    update: set[str] = set()
    problems: list[Problem] = []
    for part in PARTS:
        note = wanted.part(part)
        current = _current(file, part)
        where = f"{path}:{file.line_of(part if part == 'summary' else BLOCK)}"
        if part not in recorded:
            if current is None or (isinstance(current, str) and not current.strip()):
                if note is not None:
                    update.add(part)
            elif note is not None and same_text(part, current, note.text):
                update.add(part)        # `push` wrote this note from this text: Zotero holds it now
            elif note is not None:
                problems.append(Problem(where, f"the {part} is written in the repository, so Zotero note "
                                        f"{note.note}'s {part} is not used: keep one of them (delete the note's "
                                        f"tag in Zotero, or this {part} here)", "warning", "review-conflict"))
            continue
        note_key, version, written = recorded[part]
        owned = isinstance(current, str) and digest(current) == written
        if owned:
            if note is None or note.record != raw_records[part]:
                update.add(part)
            continue
        changed_in_zotero = note is None or digest(note.text) != written
        if changed_in_zotero:
            zotero_side = (f"note {note_key} is gone from Zotero (or lost its tag)" if note is None else
                           f"note {note.note} changed in Zotero (version {version} -> {note.version})")
            problems.append(Problem(where, f"review conflict: the {part} was edited in the repository and "
                                    f"{zotero_side}; neither overwrites the other. Merge them by hand, then "
                                    f"delete the '{part}:' line under 'zotero:' to keep this file's text "
                                    "(or delete the file to take Zotero's)", "error", "review-conflict"))
        else:
            problems.append(Problem(where, f"the {part} was edited in the repository after it was written from "
                                    f"Zotero note {note_key}@{version}: the file's text is published and the note "
                                    "is not; copy the edit into the note, or delete the "
                                    f"'{part}:' line under 'zotero:' to make this file the source",
                                    "warning", "review-conflict"))
    if not update:
        return Outcome(existing, tuple(problems))
    text = _edit(file, raw_records, wanted, update)
    left = _split(text)
    if left is not None and not left.body.strip() and set(left.doc) <= {"key", "doi"} and not problems:
        return Outcome(None, tuple(problems))    # only what pull wrote was there, and it is gone
    return Outcome(text, tuple(problems))


def file_name(title: str, key: str, taken: set[str]) -> str:
    """A new review file's name: the title's words (folded to ASCII letters and digits), else the item key;
    the key is added when another file has the name. `key` is checked, so data never names a path."""
    if not _KEY_RE.match(key):
        raise ValueError(f"not a Zotero item key: {key!r}")
    stem = re.sub(r"[^A-Za-z0-9]+", "-", anyascii(title)).strip("-")[:80].strip("-") or key
    name = f"{stem}.md"
    if name.lower() in {t.lower() for t in taken}:
        name = f"{stem}-{key}.md"
    return name
