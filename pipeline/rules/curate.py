"""Pure: the curator's layer. Review files (front matter + optional long review) -> overrides on records.

A review file names its item by Zotero `key` (or by `doi`, which survives a re-import or a move to
another library). What the curator writes wins over Zotero and Crossref: that rule lives in
`apply_review`, the last step of merge. Bad files never stop the run: each problem is one message
naming `file:line`, and the file is left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import yaml

from pipeline.convert.zotero import clean_doi, text
from pipeline.model import REVIEW, Problem, Record

# Front-matter fields and what they hold. Anything else is reported (likely a typo).
FIELDS = {
    "key": "Zotero item key",
    "doi": "DOI of the item (another way to name it)",
    "summary": "one-line summary shown after the entry; or a mapping from section name to its summary",
    "note": "shown in parentheses after the venue",
    "status": "'draft' (the link reads 'Review (TBD)') or 'missing' (the review text is still to come)",
    "title": "override", "url": "override", "venue": "override", "year": "override",
    "sections": "override: section names", "hidden": "override: leave the item out of the README",
    "zotero": "written by pull: which Zotero notes the summary and review came from (pipeline/reviewfiles.py)",
}
STATUSES = ("", "draft", "missing")


@dataclass(frozen=True)
class Review:
    path: str                           # relative path, e.g. reviews/x.md
    key: str = ""
    doi: str = ""
    summary: str = ""
    summaries: tuple[tuple[str, str], ...] = ()   # (section name, summary) when `summary:` is a mapping
    note: str = ""
    status: str = ""
    has_text: bool = False              # a long review follows the front matter
    overrides: dict = field(default_factory=dict, hash=False, compare=False)
    lines: dict = field(default_factory=dict, hash=False, compare=False)   # field -> line number

    def where(self, name: str = "") -> str:
        """`path:line` of a front-matter field; of the line naming the item when no field is given."""
        name = name or ("key" if "key" in self.lines else "doi")
        return f"{self.path}:{self.lines.get(name, 1)}"


def _field_lines(front: list[str], offset: int) -> dict[str, int]:
    lines = {}
    for i, line in enumerate(front):
        if line and not line[0].isspace() and ":" in line:
            lines.setdefault(line.split(":", 1)[0].strip(), offset + i)
    return lines


# Review files arrive by pull request: front matter is a handful of `name: value` lines, so it needs
# neither YAML's anchors and aliases (nested aliases are the "billion laughs": 376 bytes that expand to
# gigabytes) nor more than a few kilobytes.
MAX_FRONT_MATTER = 64 * 1024   # characters


class _PlainLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses anchors and aliases where they appear, before any expansion."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(None, None, "anchors and aliases (&name, *name) are not allowed",
                                              event.start_mark)
        return super().compose_node(parent, index)


def load_front_matter(text_: str) -> object:
    """The front matter's YAML as data; yaml.YAMLError (with a mark) for anything refused."""
    return yaml.load(text_, Loader=_PlainLoader)


def parse_review(text_: str, path: str) -> tuple[Review | None, list[Problem]]:
    """A review file's text -> Review, or None with the problems that make it unusable."""
    lines = text_.splitlines()
    if not lines or lines[0].strip() != "---":
        return None, [Problem(f"{path}:1", "no front matter: the file must start with a '---' line")]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        return None, [Problem(f"{path}:1", "front matter is not closed by a '---' line")]
    front = lines[1:end]
    if sum(len(line) + 1 for line in front) > MAX_FRONT_MATTER:
        return None, [Problem(f"{path}:2", f"front matter longer than {MAX_FRONT_MATTER // 1024} KB: "
                              "it should be a few `name: value` lines (the review text goes below it)")]
    try:
        doc = load_front_matter("\n".join(front)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or "invalid YAML"
        return None, [Problem(f"{path}:{line}", f"broken front matter: {reason}")]
    except RecursionError:      # PyYAML composes nested [ or { recursively: 20,000 of them exhaust the stack
        return None, [Problem(f"{path}:2", "broken front matter: nested too deeply (brackets or indentation "
                              "thousands of levels down)")]
    if not isinstance(doc, dict):
        return None, [Problem(f"{path}:2", "front matter must be 'name: value' lines")]
    where = _field_lines(front, 2)
    problems = []
    for name in doc:
        if name not in FIELDS:
            problems.append(Problem(f"{path}:{where.get(name, 2)}", f"unknown field {name!r} (ignored)", "warning"))
    key = text(doc.get("key")).upper()
    doi = clean_doi(text(doc.get("doi")))
    if not key and not doi:
        return None, problems + [Problem(f"{path}:2", "names no item: add 'key: ZOTEROKEY' or 'doi: 10.x/y'")]
    status = text(doc.get("status")).lower()
    if status not in STATUSES:
        problems.append(Problem(f"{path}:{where.get('status', 2)}", f"status {status!r} is not 'draft' or 'missing' (ignored)", "warning"))
        status = ""
    overrides = {}
    for name in ("title", "url", "venue"):
        if doc.get(name) not in (None, ""):
            overrides[name] = text(doc[name])
    if doc.get("year") not in (None, ""):
        try:
            overrides["year"] = int(doc["year"])
        except (TypeError, ValueError):
            problems.append(Problem(f"{path}:{where.get('year', 2)}", f"year {doc['year']!r} is not a number (ignored)"))
    if "sections" in doc:
        sections = doc["sections"]
        if isinstance(sections, str):
            sections = [sections]
        if isinstance(sections, list) and all(isinstance(s, str) for s in sections):
            overrides["sections"] = tuple(s.strip() for s in sections if s.strip())
        else:
            problems.append(Problem(f"{path}:{where.get('sections', 2)}", "sections must be a list of section names (ignored)"))
    if "hidden" in doc:
        if isinstance(doc["hidden"], bool):
            overrides["hidden"] = doc["hidden"]
        else:
            problems.append(Problem(f"{path}:{where.get('hidden', 2)}", "hidden must be true or false (ignored)"))
    summary, summaries = text(doc.get("summary")) if not isinstance(doc.get("summary"), dict) else "", ()
    if isinstance(doc.get("summary"), dict):
        pairs = [(text(k), text(v) if isinstance(v, str) else "") for k, v in doc["summary"].items()]
        if all(k and v for k, v in pairs):
            summaries = tuple(pairs)
        else:
            problems.append(Problem(f"{path}:{where.get('summary', 2)}", "summary: each line of the mapping must "
                                    "be 'section name: text' (ignored)"))
    body = "\n".join(lines[end + 1:])
    review = Review(
        path=path, key=key, doi=doi, summary=summary, summaries=summaries, note=text(doc.get("note")),
        status=status, has_text=bool(body.strip()), overrides=overrides, lines=where,
    )
    return review, problems


def match_reviews(reviews: list[Review], records: list[Record]) -> tuple[dict[str, Review], list[Problem]]:
    """{record key: review}. A review naming no known item, or a second one for an item, is reported."""
    by_key = {r.key: r for r in records}
    by_doi = {r.doi.lower(): r for r in records if r.doi}
    matched: dict[str, Review] = {}
    problems = []
    for review in sorted(reviews, key=lambda r: r.path):
        record = by_key.get(review.key) if review.key else None
        if record is None and review.doi:
            record = by_doi.get(review.doi.lower())
        if record is None:
            what = " or ".join(f"{n} {v}" for n, v in (("key", review.key), ("doi", review.doi)) if v)
            problems.append(Problem(review.where(), f"{what} names no item in the collection"))
            continue
        if record.key in matched:
            first = matched[record.key]
            problems.append(Problem(review.where(), f"second review file for item {record.key} (the first is {first.path}); this one is ignored"))
            continue
        matched[record.key] = review
    return matched, problems


def pin_doi(record: Record, review: Review | None) -> Record:
    """A review file's `doi:` replaces Zotero's before enrichment looks it up: how the curator
    accepts a search candidate or corrects a wrong DOI."""
    if review is None or not review.doi or review.doi.lower() == record.doi.lower():
        return record
    return record.with_fields(REVIEW, doi=review.doi)


def apply_review(record: Record, review: Review, section_keys: dict[str, str]) -> tuple[Record, list[Problem]]:
    """The curator's word on a record: summary, note, review link, then overrides (which win)."""
    problems = []
    values: dict = {"review_path": review.path, "review_text": review.has_text, "review_status": review.status}
    if review.summary:
        values["summary"] = review.summary
    if review.summaries:
        per_section = {}
        for name, summary in review.summaries:
            if name in section_keys:
                per_section.setdefault(section_keys[name], summary)
            else:
                problems.append(Problem(review.where("summary"), f"summary for {name!r}: no section has that name"))
        if per_section:
            # The first one is the paper's summary wherever one text is shown (CSV, .bib, the page).
            values["summary"] = next(iter(per_section.values()))
            values["section_summaries"] = tuple(sorted(per_section.items()))
    if review.note:
        values["note"] = review.note
    for name, value in review.overrides.items():
        if name == "venue":
            values["venue_label"] = value
        elif name == "sections":
            keys = []
            for section in value:
                if section in section_keys:
                    keys.append(section_keys[section])
                else:
                    problems.append(Problem(review.where("sections"), f"no section named {section!r}"))
            if keys:
                values["sections"] = tuple(sorted(set(keys)))
        else:
            values[name] = value
    listed = set(values.get("sections", record.sections))
    for section, _ in values.get("section_summaries", ()):
        if section not in listed:
            name = next((n for n, k in section_keys.items() if k == section), section)
            problems.append(Problem(review.where("summary"), f"summary for {name!r}: item {record.key} is not "
                                    "listed in that section", "warning"))
    return record.with_fields(REVIEW, **values), problems


def review_problems(record: Record) -> list[Problem]:
    """What `make check` says about a record's review: a linked review whose text is not there yet."""
    if record.review_status in ("draft", "missing") and not record.review_text:
        return [Problem(f"{record.review_path}:1", f"review text missing for item {record.key}: the list links "
                        "this review, but the README shows no link until its text is written below the front matter",
                        "warning", "review-missing-text")]
    return []


# --- moving review files from imported items to the pulled ones ---------------------------------------

def _url_key(url: str) -> str:
    return url.strip().lower().removeprefix("https://").removeprefix("http://").removeprefix("www.").rstrip("/")


def title_key(title: str) -> str:
    """A title as two listings of one paper agree on it: case, spaces and punctuation aside."""
    return "".join(ch for ch in title.casefold() if ch.isalnum())


# What makes two listings one paper, in the order they are tried: a Record -> the value compared ("" = none).
SAME = {
    "DOI": lambda r: r.doi.lower(),
    "arXiv id": lambda r: r.arxiv,
    "URL": lambda r: _url_key(r.url),
    "title": lambda r: title_key(r.title),
}


def counterpart_finder(among: list[Record], by: tuple[str, ...]) -> Callable[[Record], tuple[str, str]]:
    """A function giving a record's one counterpart among `among`: (its key, what matched), ("", "")
    when none. The values of `by` (names of `SAME`) are tried in order; a value two of `among` share
    finds neither, so nothing is ever matched to a guess."""
    indexes = []
    for name in by:
        value = SAME[name]
        index: dict[str, str | None] = {}
        for record in among:
            v = value(record)
            if v:
                index[v] = None if v in index else record.key
        indexes.append((name, value, index))

    def find(record: Record) -> tuple[str, str]:
        for name, value, index in indexes:
            v = value(record)
            target = index.get(v) if v else None
            if target:
                return target, name
        return "", ""

    return find


def rekey_imported(imported: list[Record], pulled: list[Record]) -> dict[str, tuple[str, str]]:
    """{imported key: (pulled key, what matched)} for items `import-readme` made that a real pull now
    brings from Zotero. Matched by DOI, then URL, then title (`counterpart_finder`)."""
    find = counterpart_finder(pulled, ("DOI", "URL", "title"))
    return {record.key: found for record in imported if (found := find(record))[0]}


def rekey_review(text_: str, old: str, new: str) -> str | None:
    """The review file's text with its `key: OLD` front-matter line naming NEW; None if it has none."""
    lines = text_.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return None
        name, _, value = lines[i].partition(":")
        if name.strip() == "key" and value.strip().strip("'\"").upper() == old:
            lines[i] = f"key: {new}"
            return "\n".join(lines)
    return None
