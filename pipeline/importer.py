"""Pure: an awesome-list Markdown file -> the pipeline's own inputs (Zotero-format items and
collections, review front matter, the hand-written intro and outro).

This is how a hand-kept list moves onto the pipeline once. Entries look like the curator's format:

    - [Title](url), *VENUE YEAR* (note) \\[Tag\\] - summary [Review](reviews/file.md)

A `##` section that holds at least one such entry becomes a sub-collection; other sections (TODOs,
notes) are hand-written text and stay in the README. A bullet in a list section that cannot be read
is reported with its `file:line` and skipped; the rest of the file is still imported.
"""
from __future__ import annotations

import hashlib
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from pipeline.convert.zotero import doi_from_url, find_arxiv
from pipeline.model import Problem

# Zotero object keys: 8 characters from this alphabet (no 0, 1, O).
KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_VENUE_RE = re.compile(r"^,\s*\*(?P<venue>[^*]+?)\*")
_NOTE_RE = re.compile(r"^\s*\((?P<note>[^()]*)\)")
_TAG_RE = re.compile(r"^\s*\\\[(?P<tag>[^\]]*?)\\\]")
_REVIEW_RE = re.compile(r"\s*\[(?P<text>Review(?: \((?P<status>[^)]*)\))?)\]\((?P<path>[^)\s]+)\)\s*$")
_YEAR_SUFFIX_RE = re.compile(r"^(?P<label>.*?)\s*(?P<year>(?:19|20)\d\d)$")
# Words that mark a venue as a journal or magazine rather than a conference.
_JOURNAL_WORDS = re.compile(
    r"\b(journal|transactions|letters|magazine|software|technology|review|surveys|proceedings of the ieee|communications)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Entry:
    """One list entry as the curator wrote it."""

    line: int
    section: str
    title: str
    url: str
    venue: str = ""
    year: int | None = None
    note: str = ""
    tags: tuple[str, ...] = ()
    summary: str = ""
    review_path: str = ""
    review_status: str = ""     # "draft" for "Review (TBD)", "missing" for a plain "Review" link


@dataclass
class ParsedList:
    title: str = ""
    intro: str = ""             # hand-written text before the first list section
    outro: str = ""             # hand-written text after the last list section
    sections: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _split_link(line: str) -> tuple[str, str, str] | None:
    """'- [Title](url)rest' -> (title, url, rest); brackets and parentheses may nest."""
    if not line.startswith("- ["):
        return None
    i, depth = 3, 1
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        depth += ch == "["
        depth -= ch == "]"
        if depth == 0:
            break
        i += 1
    if depth or line[i + 1 : i + 2] != "(":
        return None
    title = line[3:i]
    j, depth = i + 2, 1
    while j < len(line):
        depth += line[j] == "("
        depth -= line[j] == ")"
        if depth == 0:
            break
        j += 1
    if depth:
        return None
    return title.strip(), line[i + 2 : j].strip(), line[j + 1 :]


def parse_entry(line: str, number: int, section: str) -> Entry:
    """One bullet line -> Entry. Raises ValueError saying what is wrong with it."""
    parts = _split_link(line.strip())
    if parts is None:
        raise ValueError("not an entry: expected '- [Title](url)' with balanced brackets")
    title, url, rest = parts
    if not title:
        raise ValueError("the link has no title")
    if not re.match(r"^https?://", url):
        raise ValueError(f"the link of {title!r} is not an http(s) URL")
    values: dict = {}
    match = _VENUE_RE.match(rest)
    if match:
        venue = match.group("venue").strip()
        year = _YEAR_SUFFIX_RE.match(venue)
        if year:
            values["venue"], values["year"] = year.group("label"), int(year.group("year"))
        else:
            values["venue"] = venue
        rest = rest[match.end():]
    match = _NOTE_RE.match(rest)
    if match:
        values["note"] = match.group("note").strip()
        rest = rest[match.end():]
    tags = []
    while (match := _TAG_RE.match(rest)):
        tags.append(match.group("tag").strip())
        rest = rest[match.end():]
    match = _REVIEW_RE.search(rest)
    if match:
        values["review_path"] = urllib.parse.unquote(match.group("path"))
        status = (match.group("status") or "").strip().upper()
        values["review_status"] = "draft" if status in ("TBD", "DRAFT", "TODO") else "missing"
        rest = rest[: match.start()]
    rest = rest.strip()
    if rest.startswith("- "):
        values["summary"] = rest[2:].strip()
    elif rest:
        raise ValueError(f"cannot read {rest[:40]!r} after the link (expected ', *VENUE YEAR*' or ' - summary')")
    return Entry(line=number, section=section, title=title, url=url, tags=tuple(tags), **values)


def parse(text: str, filename: str) -> ParsedList:
    """Read the whole list. Problems name `filename:line`; readable entries are kept regardless."""
    out = ParsedList()
    lines = text.splitlines()
    # First pass: split into (heading, start, end) blocks.
    blocks: list[tuple[str, int, int]] = []
    current, start = "", 0
    for i, raw in enumerate(lines):
        match = _HEADING_RE.match(raw)
        if match and len(match.group(1)) == 1 and not out.title:
            out.title = match.group(2)
        if match and len(match.group(1)) == 2:
            blocks.append((current, start, i))
            current, start = match.group(2), i
    blocks.append((current, start, len(lines)))

    def is_list_section(begin: int, end: int) -> bool:
        return any(_split_link(lines[i].strip()) for i in range(begin + 1, end))

    list_blocks = [b for b in blocks if b[0] and is_list_section(b[1], b[2])]
    if not list_blocks:
        out.problems.append(Problem(f"{filename}:1", "no section with list entries '- [Title](url)' found"))
        out.intro = text
        return out
    first, last = list_blocks[0][1], list_blocks[-1][2]
    intro_lines = []
    for heading, begin, end in blocks:
        if end <= first and heading.strip().lower() not in ("table of contents", "contents"):
            intro_lines.extend(lines[begin:end])
    out.intro = "\n".join(intro_lines).strip() + "\n"
    out.outro = "\n".join(lines[last:]).strip()
    out.outro = out.outro + "\n" if out.outro else ""
    for heading, begin, end in list_blocks:
        out.sections.append(heading)
        for i in range(begin + 1, end):
            stripped = lines[i].strip()
            if not stripped.startswith(("- ", "* ", "+ ")):
                continue
            try:
                out.entries.append(parse_entry(stripped, i + 1, heading))
            except ValueError as exc:
                out.problems.append(Problem(f"{filename}:{i + 1}", str(exc)))
    return out


# --- the Zotero-format snapshot ---------------------------------------------------------------------

def object_key(*parts: str) -> str:
    """A stable Zotero-style key derived from `parts`, so re-importing gives the same keys."""
    digest = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:10], "big")
    chars = []
    for _ in range(8):
        digest, i = divmod(digest, len(KEY_ALPHABET))
        chars.append(KEY_ALPHABET[i])
    return "".join(chars)


def guess_type(entry: Entry) -> str:
    """Item type from the link and the venue label."""
    host = urllib.parse.urlsplit(entry.url).netloc.lower()
    if "arxiv.org" in host:
        return "preprint"
    if not entry.venue:
        return "webpage"
    if _JOURNAL_WORDS.search(entry.venue):
        return "journalArticle"
    return "conferencePaper"


def item_data(entry: Entry, key: str, collection: str, added: str) -> dict:
    """The Zotero `data` object an entry becomes (fields of its type only, like the API)."""
    item_type = guess_type(entry)
    data: dict = {
        "key": key, "version": 0, "itemType": item_type, "title": entry.title, "creators": [],
        "abstractNote": "", "date": str(entry.year or ""), "url": entry.url, "accessDate": "",
        "extra": "", "tags": [{"tag": t} for t in entry.tags], "collections": [collection],
        "relations": {}, "dateAdded": added, "dateModified": added, "DOI": doi_from_url(entry.url),
        "language": "", "shortTitle": "", "rights": "", "citationKey": "",
    }
    if item_type == "conferencePaper":
        data.update(proceedingsTitle="", conferenceName=entry.venue, publisher="", pages="")
    elif item_type == "journalArticle":
        data.update(publicationTitle=entry.venue, journalAbbreviation="", volume="", issue="", pages="")
    elif item_type == "preprint":
        arxiv = find_arxiv({"url": entry.url})
        # The repository is the venue label the list shows: only what the curator wrote.
        data.update(repository=entry.venue, archiveID=f"arXiv:{arxiv}" if arxiv else "")
    elif item_type == "webpage":
        data.update(websiteTitle=urllib.parse.urlsplit(entry.url).netloc, websiteType="")
    return data


def wrap(data: dict, library: dict, meta: dict) -> dict:
    """A `data` object in the Web API's envelope."""
    return {"key": data["key"], "version": 0, "library": library, "links": {}, "meta": meta, "data": data}


@dataclass(frozen=True)
class Snapshot:
    collections: dict[str, dict]     # key -> collection object
    items: dict[str, dict]           # key -> item object
    top: str                         # key of the top collection


def to_snapshot(parsed: ParsedList, filename: str, added_on: datetime) -> Snapshot:
    """Collections (the top one plus one per section) and items, with keys stable across imports.

    `dateAdded` counts up one second per entry from `added_on`, so sorting by date added keeps the
    curator's order. An entry listed in two sections becomes one item in two collections.
    """
    library = {"type": "user", "id": 0, "name": "imported"}
    top = object_key("collection", parsed.title or filename)
    collections = {
        top: wrap({"key": top, "version": 0, "name": parsed.title or filename, "parentCollection": False,
                   "relations": {}}, library, {"imported": filename, "numCollections": len(parsed.sections)}),
    }
    section_keys = {}
    for name in parsed.sections:
        key = object_key("collection", parsed.title or filename, name)
        section_keys[name] = key
        collections[key] = wrap({"key": key, "version": 0, "name": name, "parentCollection": top,
                                 "relations": {}}, library, {"imported": filename, "numCollections": 0})
    items: dict[str, dict] = {}
    base = added_on.astimezone(timezone.utc).replace(microsecond=0)
    for n, entry in enumerate(parsed.entries):
        key = object_key("item", entry.title.casefold(), entry.url)
        if key in items:
            items[key]["data"]["collections"].append(section_keys[entry.section])
            continue
        added = (base + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        data = item_data(entry, key, section_keys[entry.section], added)
        items[key] = wrap(data, library, {"imported": f"{filename}:{entry.line}"})
    return Snapshot(collections=collections, items=items, top=top)


def review_slug(title: str) -> str:
    """'A Static Analyzer for ...' -> 'A-Static-Analyzer-for-...', the curator's file naming."""
    words = re.findall(r"[^\W_]+", title)
    return "-".join(words)[:120] or "review"


def review_front_matter(entry: Entry, key: str) -> dict | None:
    """What the curator wrote beside an entry, as review front matter; None if nothing."""
    doi = doi_from_url(entry.url)
    matter: dict = {"key": key}
    if doi:
        matter["doi"] = doi
    if entry.summary:
        matter["summary"] = entry.summary
    if entry.note:
        matter["note"] = entry.note
    if entry.review_status:
        matter["status"] = entry.review_status
    if len(matter) == 1 + bool(doi):
        return None
    return matter


def review_path(entry: Entry) -> str:
    return entry.review_path or f"reviews/{review_slug(entry.title)}.md"
