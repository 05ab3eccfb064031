"""Pure: an awesome-list Markdown file -> the pipeline's own inputs (Zotero-format items and
collections, review front matter, the hand-written intro and outro, the section order).

This is how a hand-kept list moves onto the pipeline. The README's "Importing an existing list"
section documents the shapes read. This module reads the document: Markdown structure (headings,
lists, tables, comments, code) with markdown-it, so a `#` inside a code block or a bullet inside an
HTML comment is never taken for a section or an entry, keeping each block's lines for messages.
Headings nest: a `###` under a `##` is a sub-section; headings per year and venue give their entries
a label. A list whose links all point at the page's own anchors is a table of contents and is
skipped. Each list item (with the sub-items that are only its links), one-line bold paragraph and
table row (Markdown or HTML; `<details>` folds opened) goes to `pipeline.markdown_in.listentry`. Entries read
with low confidence are listed apart as doubtful.

Every list item or table row that could be an entry but cannot be read is a Problem naming
`file:line` and saying why (its `code` is the kind counted in the closing line); nothing between the
first and the last entry is dropped without a message, and what comes before and after is kept as
the README's intro and outro.
"""
from __future__ import annotations

import dataclasses
import hashlib
import html
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from markdown_it import MarkdownIt

from pipeline.convert.zotero import doi_from_url, find_arxiv
from pipeline.markdown_in import listwords
from pipeline.markdown_in.listentry import (  # noqa: F401  (the entry API, re-exported for the stage and tests)
    BAD_URL, LINKED_HEADING, LINKED_TEXT, NO_LINK, NO_TITLE, NO_TITLE_COLUMN, REVIEW, WITHOUT_LINK, Entry,
    EntryError, is_label, not_a_title, parse_entry, parse_label, parse_row, plain, scan, split_row, table_columns,
    title_column, venue_like,
)
from pipeline.render.markdown import slug
from pipeline.model import Problem

# Zotero object keys: 8 characters from this alphabet (no 0, 1, O).
KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"

# Words that mark a venue as a journal or magazine rather than a conference.
_JOURNAL_WORDS = re.compile(
    r"\b(journal|transactions|letters|magazine|software|technology|review|surveys|proceedings of the ieee|communications)\b",
    re.IGNORECASE,
)


@dataclass
class ParsedList:
    title: str = ""
    intro: str = ""             # hand-written text before the first list section
    outro: str = ""             # hand-written text after the last list section
    sections: list[tuple[str, ...]] = field(default_factory=list)   # in document order, parents first
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    doubtful: list[Problem] = field(default_factory=list)   # read, but worth a curator's look


DOUBTFUL = "doubtful"

# --- the document --------------------------------------------------------------------------------

# Only the block structure is read here (entries are read from their source), so inline parsing,
# two thirds of the time, is switched off.
_MD = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
_TOC_NAMES = {"contents", "table of contents", "toc", "content", "index"}


@dataclass
class _Block:
    kind: str                 # heading, list, table, other
    start: int                # 0-based first line
    end: int                  # 0-based line after the block
    level: int = 0            # heading level
    text: str = ""            # heading source
    tokens: list = field(default_factory=list)


def _top_blocks(text: str) -> list[_Block]:
    tokens = _MD.parse(text)
    lines = text.splitlines()
    blocks: list[_Block] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.level != 0 or tok.map is None:
            i += 1
            continue
        j = i
        if tok.nesting == 1:
            depth = 0
            for j in range(i, len(tokens)):
                depth += tokens[j].nesting
                if depth == 0:
                    break
        start, end = tok.map
        if tok.type == "heading_open":
            blocks.append(_Block("heading", start, end, int(tok.tag[1]), tokens[i + 1].content))
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            blocks.append(_Block("list", start, end, tokens=tokens[i:j + 1]))
        elif tok.type == "table_open":
            blocks.append(_Block("table", start, end, tokens=tokens[i:j + 1]))
        else:
            blocks.append(_Block("other", start, end, text="\n".join(lines[start:end]), tokens=tokens[i:j + 1]))
        i = j + 1
    return blocks


def _list_items(tokens: list) -> list[tuple[int, str, int]]:
    """(0-based line, first paragraph's source, depth) of every item of a list, nested ones too."""
    out = []
    for n, tok in enumerate(tokens):
        if tok.type == "list_item_open":
            for k in range(n + 1, len(tokens)):
                t = tokens[k]
                if t.type == "inline" and t.level == tok.level + 2:
                    out.append((t.map[0] if t.map else tok.map[0], t.content, tok.level))
                    break
                if t.type in ("list_item_close", "bullet_list_open", "ordered_list_open"):
                    out.append((tok.map[0], "", tok.level))
                    break
    return out


def _links_only(source: str) -> bool:
    """A line of nothing but link words, labels and separators ("[[paper]](url) | [[code]](url)"):
    the links of the entry above it, not an entry."""
    pieces = scan(source)
    links = 0
    for p in pieces:
        inner = scan(p.text) if p.kind == "bracket" else []
        if p.kind == "bracket" and len(inner) == 1 and inner[0].kind == "link":
            p = inner[0]
        if p.kind == "link":
            if not_a_title(p.text) in ("", "empty"):
                return False
            links += 1
        elif p.kind == "text":
            if plain(p.text).strip(" |,;/·•-–—:"):
                return False
        elif p.kind not in ("image", "code"):
            return False
    return links > 0


def _with_link_lines(items: list[tuple[int, str, int]]) -> list[tuple[int, str]]:
    """Items whose sub-items are only links ("- **Title**" / "  - [[paper]](url)") become one entry
    with those links; other nested items stay entries of their own."""
    out: list[tuple[int, str]] = []
    n = 0
    while n < len(items):
        line, source, depth = items[n]
        children = []
        k = n + 1
        while k < len(items) and items[k][2] > depth:
            children.append(items[k])
            k += 1
        if children and all(_links_only(c[1]) for c in children):
            joiner = " | " if not any(p.kind in ("link", "bold") and not not_a_title(p.text) for p in scan(source)) else " "
            out.append((line, joiner.join([source.rstrip(), *(c[1].strip() for c in children)])))
            n = k
            continue
        out.append((line, source))
        n += 1
    return out


def _own_anchor(url: str, anchors: set[str]) -> bool:
    """A link to one of the page's own headings: "#models", or the list's own page on GitHub with an
    anchor ("https://github.com/owner/list#models", ".../blob/main/README.md#models")."""
    if url.startswith("#"):
        return True
    base, _, fragment = url.partition("#")
    return bool(fragment) and "github.com/" in base and urllib.parse.unquote(fragment).lower() in anchors


def _is_toc(items: list[tuple[int, str, int]], anchors: set[str]) -> bool:
    """A list whose every link points at an anchor of the page is a table of contents."""
    if not all("#" in source for _, source, _ in items if source.strip()):
        return False        # most lists: an entry without an anchor settles it without scanning
    links = [p for _, source, _ in items for p in scan(source) if p.kind == "link"]
    return bool(links) and all(_own_anchor(p.url, anchors) for p in links)


def heading_name(source: str) -> str:
    """A heading's source -> the section name as plain text. Links to the page's own anchors
    ("back to top", "(↑)") are dropped, unless the whole heading is one ("## [Models](#content)")."""
    without = re.sub(r"\(?\s*\[[^\]]*\]\(#[^)]*\)\s*\)?", " ", source)
    s = without if plain(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", without)).strip(" :") else source
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)
    return plain(s).strip(" :")


# Lines of nothing but the HTML that folds part of a list away ("<details><summary>Older</summary>",
# "<div>", "</details>"): read as blank, so the Markdown list inside is read as a list.
_FOLD_LINE_RE = re.compile(r"^\s*(?:</?(?:details|summary|div|p|b|i|em|strong|center|br|hr|span)\b[^>]*>[^<>]{0,80}?)+"
                           r"(?:</(?:summary|b|i|em|strong|span)>)*\s*$", re.IGNORECASE)


def _unfolded(text: str) -> str:
    return "\n".join("" if _FOLD_LINE_RE.match(line) else line for line in text.split("\n"))


def parse(text: str, filename: str) -> ParsedList:
    """Read the whole list. Problems name `filename:line`; readable entries are kept regardless."""
    out = ParsedList()
    lines = text.splitlines()
    blocks = _top_blocks(_unfolded(text))
    anchors = {slug(heading_name(b.text)) for b in blocks if b.kind == "heading"}
    # Which heading each block sits under, as a path of names.
    path: list[tuple[int, str]] = []
    owners: list[tuple[str, ...]] = []
    heading_index: dict[int, int] = {}
    for n, b in enumerate(blocks):
        if b.kind == "heading":
            name = heading_name(b.text)
            if b.level == 1 and not out.title and not path:
                out.title = name
                owners.append(())
                continue
            while path and path[-1][0] >= b.level:
                path.pop()
            path.append((b.level, name or f"Section at line {b.start + 1}"))
            heading_index[n] = len(path)
        owners.append(tuple(name for _, name in path))

    entries_in: dict[tuple[str, ...], int] = {}
    toc_blocks: set[int] = set()
    for n, b in enumerate(blocks):
        section = owners[n]
        if b.kind == "list":
            items = _list_items(b.tokens)
            if _is_toc(items, anchors):
                toc_blocks.add(n)
                continue
            if not section:
                continue            # a list before any section heading is intro text
            for line, source in _with_link_lines(items):
                _read(lambda: parse_entry(source, line + 1, section), source, line, section, filename, out,
                      entry_like=bool(source.strip()))
        elif b.kind == "table" and section:
            _read_table(b, lines, section, filename, out)
        elif b.kind == "other" and "<tr" in b.text.lower():
            rows = _html_rows(b.text, b.start)
            if rows and all(_own_anchor(p.url, anchors) for _, cells in rows for c in cells for p in scan(c)
                            if p.kind == "link") and any("](" in c for _, cells in rows for c in cells):
                toc_blocks.add(n)
            elif rows and section:
                _read_rows(rows, b.start, section, filename, out)
        elif b.kind == "other" and section and _entry_paragraph(b, blocks[n + 1] if n + 1 < len(blocks) else None):
            source = b.text
            nxt = blocks[n + 1] if n + 1 < len(blocks) else None
            if nxt is not None and nxt.kind == "list" and all(_links_only(src) for _, src, _ in _list_items(nxt.tokens)):
                source = " | ".join([b.text.strip(), *(src.strip() for _, src, _ in _list_items(nxt.tokens))])
                b.kind = nxt.kind = "entry"
            else:
                b.kind = "entry"
            _read(lambda: parse_entry(source, b.start + 1, section), source, b.start, section, filename, out, True)
    _frame_sections(out, owners, blocks, filename)
    out.entries = [_with_heading_label(e) for e in out.entries]
    for e in out.entries:
        for k in range(1, len(e.section) + 1):
            entries_in[e.section[:k]] = entries_in.get(e.section[:k], 0) + 1
    seen: set[tuple[str, ...]] = set()
    for n, owner in enumerate(owners):
        if owner and entries_in.get(owner) and owner not in seen and n in heading_index:
            seen.add(owner)
            out.sections.append(owner)
    # Intro: before the first heading of a section with entries; outro: after the last entry of the
    # last such section's tree. Tables of contents and the pipeline's own markers are left out.
    listed = [n for n, b in enumerate(blocks) if owners[n] and entries_in.get(owners[n])]
    if not listed:
        out.problems.append(Problem(f"{filename}:1", "no entries found: expected list items like "
                                    "'- [Title](url)' or a table with a Title column", "error", NO_LINK))
        out.intro = text
        return out
    first = min(listed)
    last_section = owners[max(listed)][0]
    last = max(n for n, b in enumerate(blocks) if owners[n][:1] == (last_section,)
               and b.kind in ("list", "table", "entry") and entries_in.get(owners[n]))
    skip = {n for n in toc_blocks}
    skip |= {n - 1 for n in toc_blocks if n > 0 and blocks[n - 1].kind == "heading"
             and heading_name(blocks[n - 1].text).lower() in _TOC_NAMES}
    # Lines outside the list part stay in the intro or outro as written: nothing of theirs is lost.
    lo, hi = blocks[first].start, blocks[last].end
    out.problems = [p for p in out.problems if lo < int(p.where.rsplit(":", 1)[1]) <= hi]
    for n in range(first, last + 1):
        b = blocks[n]
        if b.kind in ("other", "heading") and re.search(r"\]\(https?://|href=", b.text or "") \
                and not (b.tokens and b.tokens[0].type == "html_block" and b.text.lstrip().startswith("<!--")) \
                and not (b.kind == "other" and "<tr" in b.text.lower()):
            kind, what = (LINKED_HEADING, "a heading") if b.kind == "heading" else (LINKED_TEXT, "text outside a list or table")
            out.problems.append(Problem(f"{filename}:{b.start + 1}", f"{what} with a link is not an entry (not imported)",
                                        "warning", kind))
    # The intro as written, line for line, less the tables of contents (and <details> lines that the
    # block reading saw as blank stay in it).
    dropped = {i for n in skip for i in range(blocks[n].start, blocks[n].end)}
    out.intro = _tidy("\n".join(line for i, line in enumerate(lines[:blocks[first].start]) if i not in dropped))
    out.outro = _tidy("\n".join(lines[blocks[last].end:]))
    out.problems.sort(key=lambda p: int(p.where.rsplit(":", 1)[1]))
    out.doubtful = doubtful(out.entries, filename)
    return out


def _entry_paragraph(b: _Block, following: _Block | None) -> bool:
    """A one-line paragraph that starts with a bold title ("**Title** [[paper]](url)", or "**Title**"
    above a list of its links) is an entry written without a list marker."""
    if not (b.tokens and b.tokens[0].type == "paragraph_open") or "\n" in b.text.strip():
        return False
    if not b.text.lstrip().startswith("**"):
        return False
    pieces = scan(b.text.strip())
    if not pieces or pieces[0].kind != "bold" or not_a_title(pieces[0].text):
        return False
    title = plain(pieces[0].text)
    if title.endswith(":") or len(title.split()) < 2:
        return False        # "**Note:** see [this](url)" is prose
    links_below = following is not None and following.kind == "list" \
        and all(_links_only(src) for _, src, _ in _list_items(following.tokens))
    return links_below or any(p.kind in ("link", "bracket") and listwords.link_word(plain(p.text)) == "paper"
                              for p in pieces[1:])


def _frame_sections(out: ParsedList, owners: list[tuple[str, ...]], blocks: list[_Block], filename: str) -> None:
    """A closing section of at most three undated entries and as many lines that are not entries
    ("Contact": an e-mail link, a blog and a pull-request link) is the list's frame, kept as written in
    the outro, not a section of papers."""
    tops = list(dict.fromkeys(o[:1] for o in owners if o))
    for top in reversed(tops):
        entries = [e for e in out.entries if e.section[:1] == top]
        lines = {e.line for e in entries}
        start = min((b.start for b, o in zip(blocks, owners) if o[:1] == top), default=0)
        end = max((b.end for b, o in zip(blocks, owners) if o[:1] == top), default=0)
        failed = [p for p in out.problems if start < int(p.where.rsplit(":", 1)[1]) <= end
                  and int(p.where.rsplit(":", 1)[1]) not in lines and p.code != WITHOUT_LINK]
        if not entries:
            continue
        if len(failed) < len(entries) or len(entries) > 3 or any(e.venue or e.year for e in entries) \
                or len(entries) == len(out.entries):
            return
        out.entries = [e for e in out.entries if e.section[:1] != top]
        out.problems = [p for p in out.problems if not start < int(p.where.rsplit(":", 1)[1]) <= end]


def heading_label(section: tuple[str, ...]) -> tuple[str, int | None]:
    """The venue and year the headings above an entry give it: a heading per year ("#### 2025") and
    one per venue under it or above it ("##### USENIX Security", "## ICSE 2023")."""
    venue, year = "", None
    years = [n for n, name in enumerate(section) if re.fullmatch(rf"(?:year\s+)?{listwords.YEAR4}", name, re.I)]
    for n, name in enumerate(section):
        if n in years:
            year = int(name[-4:])
            continue
        bare = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()
        label = parse_label(bare)
        if label and is_label(bare):
            venue, year = (label[0] if venue_like(label[0]) else venue), label[1]
        elif years and venue_like(bare) and len(bare.split()) <= 4:
            venue = bare
    return venue, year


def _with_heading_label(entry: Entry) -> Entry:
    if entry.venue or entry.year:
        return entry
    venue, year = heading_label(entry.section)
    if not venue and not year:
        return entry
    return dataclasses.replace(entry, venue=venue, year=year)


def doubtful(entries: list[Entry], filename: str) -> list[Problem]:
    """Entries read with low confidence, for a curator to look at: a title under three words, no venue
    and no year, a title that seems to run into its authors ("Title, K. Eykholt"), a title another
    entry already has with another link or in the same section."""
    out = []
    first: dict[str, Entry] = {}
    for e in entries:
        why = []
        if len(e.title.split()) < 3 and not re.search(r"[\u3000-\u9fff]", e.title):
            why.append("a title of under three words")
        if not e.venue and not e.year:
            why.append("no venue and no year")
        if re.search(r",\s*(?:[A-Z]\.\s*)+[A-Z][a-z]+|\bet al\b", e.title):
            why.append("authors in the title?")
        seen = first.setdefault(e.title.casefold(), e)
        if seen is not e and (seen.url != e.url or seen.section == e.section):
            why.append(f"the same title as line {seen.line}")
        if why:
            out.append(Problem(f"{filename}:{e.line}", f"doubtful: {e.title[:60]!r}: {', '.join(why)} (imported; check it)",
                               "warning", DOUBTFUL))
    return out


def with_badge(intro: str, badge: str) -> str:
    """The intro with the Awesome badge after its `#` title, which awesome-lint requires, unless the
    list already carries one (on the title line or anywhere in its intro)."""
    if listwords.AWESOME_BADGE.search(intro):
        return intro
    lines = intro.split("\n")
    for i, line in enumerate(lines):
        if re.match(r"^# \S", line):
            lines[i] = f"{line.rstrip()} {badge}"
            break
    return "\n".join(lines)


def _source(lines: list[str], b: _Block) -> str:
    return "\n".join(lines[b.start:b.end])


_MARKER_RE = re.compile(r"^<!-- (BEGIN|END) GENERATED LIST.*-->\s*$", re.MULTILINE)


def _tidy(text: str) -> str:
    text = _MARKER_RE.sub("", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text + "\n" if text else ""


def _read(make, source: str, line: int, section, filename: str, out: ParsedList, entry_like: bool) -> None:
    try:
        entry = make()
        out.entries.append(entry)
        if not entry.url:
            out.problems.append(Problem(f"{filename}:{line + 1}", f"no link for {entry.title[:60]!r}: imported "
                                        "without one", "warning", WITHOUT_LINK))
    except EntryError as exc:
        if entry_like:
            out.problems.append(Problem(f"{filename}:{line + 1}", str(exc), "warning", exc.kind))


def _read_table(b: _Block, lines: list[str], section, filename: str, out: ParsedList) -> None:
    rows = [t.map[0] for t in b.tokens if t.type == "tr_open" and t.map]
    if not rows:
        return
    _read_rows([(row, split_row(lines[row])) for row in rows], b.start, section, filename, out)


def _read_rows(rows: list[tuple[int, list[str]]], start: int, section, filename: str, out: ParsedList) -> None:
    """A table's rows (the first is the header) -> entries; the title column found by its header or,
    failing that, by what its cells hold."""
    header = rows[0][1]
    roles = table_columns(header)
    body = rows[1:]
    at = roles.get("title")
    if at is not None and body and sum(at < len(c) and _links_only(c[at]) for _, c in body) >= 0.8 * len(body):
        # A "Paper" column of [pdf] links is the link column; the titles are in another one.
        del roles["title"]
        roles.setdefault("link", at)
        other = table_columns([h if i != at else "" for i, h in enumerate(header)]).get("title")
        if other is not None and other not in roles.values():
            roles["title"] = other
    if "title" not in roles:
        found = title_column([cells for _, cells in body], roles)
        if found is None:
            out.problems.append(Problem(f"{filename}:{start + 1}", f"a table with no Title or Paper column: its {len(body)} "
                                        f"row(s) are not imported (header: {' | '.join(h.strip() for h in header)[:80]})",
                                        "warning", NO_TITLE_COLUMN))
            return
        roles["title"] = found
    for row, cells in body:
        _read(lambda: parse_row(cells, roles, row + 1, section), " ".join(cells), row, section, filename, out, True)


_TR_RE = re.compile(r"<tr\b[^>]*>(.*?)</tr\s*>", re.IGNORECASE | re.DOTALL)
_TD_RE = re.compile(r"<t([dh])\b[^>]*>(.*?)</t[dh]\s*>", re.IGNORECASE | re.DOTALL)
_A_RE = re.compile(r"<a\b[^>]*?href\s*=\s*[\"']([^\"']*)[\"'][^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)


def _html_cell(cell: str) -> str:
    """An HTML table cell -> Markdown: links as [text](url), images as ![alt](src), other tags gone."""
    cell = _A_RE.sub(lambda m: f"[{_html_cell(m.group(2))}]({html.unescape(m.group(1)).strip()})", cell)
    cell = re.sub(r"<img\b[^>]*?src\s*=\s*[\"']([^\"']*)[\"'][^>]*>", r"![](\1)", cell, flags=re.IGNORECASE)
    cell = re.sub(r"<br\s*/?>", " ", cell, flags=re.IGNORECASE)
    cell = re.sub(r"</?(?!\!)[A-Za-z][^<>]*>", " ", cell)
    return " ".join(html.unescape(cell).replace("|", "\\|").split())


def _html_rows(text: str, start: int) -> list[tuple[int, list[str]]]:
    """An HTML <table> inside Markdown -> (0-based line, cells as Markdown) per row; a header row of
    <th> cells first when the table has none."""
    rows = []
    for match in _TR_RE.finditer(text):
        cells = _TD_RE.findall(match.group(1))
        if cells:
            rows.append((start + text[:match.start()].count("\n"), cells))
    if not rows:
        return []
    if not all(kind.lower() == "h" for kind, _ in rows[0][1]):
        rows.insert(0, (rows[0][0], [("h", "")] * max(len(c) for _, c in rows)))
    return [(line, [_html_cell(c) for _, c in cells]) for line, cells in rows]


# --- the Zotero-format snapshot ---------------------------------------------------------------------

def object_key(*parts: str) -> str:
    """A stable Zotero-style key derived from `parts`, so re-importing gives the same keys."""
    digest = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:10], "big")
    chars = []
    for _ in range(8):
        digest, i = divmod(digest, len(KEY_ALPHABET))
        chars.append(KEY_ALPHABET[i])
    return "".join(chars)


def item_key(entry: Entry) -> str:
    return object_key("item", entry.title.casefold(), entry.url)


def guess_type(entry: Entry, kind_of: Callable[[str], str] | None = None) -> str:
    """Item type from the link and the venue label; `kind_of` says what the venue table knows a label
    to be ('journal', 'conference', 'preprint', ... or '')."""
    if not entry.url and not entry.venue:
        return "document"
    kind = kind_of(entry.venue) if kind_of and entry.venue else ""
    host = urllib.parse.urlsplit(entry.url).netloc.lower()
    # An arXiv link under a published venue's label ("[Title](arxiv.org/abs/..) *ICLR 2014*") is that
    # venue's paper, linked to its free copy; the arXiv id goes to `extra`.
    if "arxiv.org" in host and (not entry.venue or kind == "preprint" or listwords.PREPRINT_VENUES.match(entry.venue)):
        return "preprint"
    if not entry.venue:
        return "webpage"
    if kind in ("journal", "magazine") or (not kind and _JOURNAL_WORDS.search(entry.venue)):
        return "journalArticle"
    return "conferencePaper"


def item_data(entry: Entry, key: str, collection: str, added: str,
              kind_of: Callable[[str], str] | None = None) -> dict:
    """The Zotero `data` object an entry becomes (fields of its type only, like the API).

    The curator's label goes into `extra` as a `Venue:` line: issue 9.6 puts the curator's own venue
    in Zotero's extra above Crossref and DBLP, so a later enrichment cannot replace it. The type's
    own venue field holds it too, so the label shows where `extra` is not read.
    """
    item_type = guess_type(entry, kind_of)
    arxiv = find_arxiv({"url": entry.url})
    data: dict = {
        "key": key, "version": 0, "itemType": item_type, "title": entry.title,
        "creators": [{"creatorType": "author", "firstName": given, "lastName": family}
                     for given, family in listwords.given_family(entry.authors)],
        "abstractNote": "", "date": str(entry.year or ""), "url": entry.url, "accessDate": "",
        "extra": "\n".join(line for line in (f"Venue: {entry.venue}" if entry.venue else "",
                                               f"arXiv: {arxiv}" if arxiv and item_type != "preprint" else "") if line),
        "tags": [{"tag": t} for t in entry.tags], "collections": [collection],
        "relations": {}, "dateAdded": added, "dateModified": added, "DOI": doi_from_url(entry.url),
        "language": "", "shortTitle": "", "rights": "", "citationKey": "",
    }
    if item_type == "conferencePaper":
        data.update(proceedingsTitle="", conferenceName=entry.venue, publisher="", pages="")
    elif item_type == "journalArticle":
        data.update(publicationTitle=entry.venue, journalAbbreviation="", volume="", issue="", pages="")
    elif item_type == "preprint":
        # The repository is the venue label the list shows: only what the curator wrote.
        data.update(repository=entry.venue, archiveID=f"arXiv:{arxiv}" if arxiv else "")
    elif item_type == "webpage":
        data.update(websiteTitle=urllib.parse.urlsplit(entry.url).netloc, websiteType="")
    elif item_type == "document":
        data.update(publisher="")
    return data


def wrap(data: dict, library: dict, meta: dict) -> dict:
    """A `data` object in the Web API's envelope."""
    return {"key": data["key"], "version": 0, "library": library, "links": {}, "meta": meta, "data": data}


@dataclass(frozen=True)
class Snapshot:
    collections: dict[str, dict]     # key -> collection object
    items: dict[str, dict]           # key -> item object
    top: str                         # key of the top collection


def section_key(parsed: ParsedList, filename: str, section: tuple[str, ...]) -> str:
    return object_key("collection", parsed.title or filename, *section)


def to_snapshot(parsed: ParsedList, filename: str, added_on: datetime,
                kind_of: Callable[[str], str] | None = None) -> Snapshot:
    """Collections (the top one plus one per section, nested as the headings are) and items, with
    keys stable across imports.

    `dateAdded` counts up one second per entry from `added_on`, so sorting by date added keeps the
    curator's order. An entry listed in two sections becomes one item in two collections.
    """
    library = {"type": "user", "id": 0, "name": "imported"}
    top = object_key("collection", parsed.title or filename)
    collections = {
        top: wrap({"key": top, "version": 0, "name": parsed.title or filename, "parentCollection": False,
                   "relations": {}}, library, {"imported": filename, "numCollections": len(parsed.sections)}),
    }
    for section in parsed.sections:
        key = section_key(parsed, filename, section)
        parent = section_key(parsed, filename, section[:-1]) if len(section) > 1 else top
        children = sum(1 for s in parsed.sections if s[:-1] == section)
        collections[key] = wrap({"key": key, "version": 0, "name": section[-1], "parentCollection": parent,
                                 "relations": {}}, library, {"imported": filename, "numCollections": children})
    items: dict[str, dict] = {}
    base = added_on.astimezone(timezone.utc).replace(microsecond=0)
    for n, entry in enumerate(parsed.entries):
        key = item_key(entry)
        collection = section_key(parsed, filename, entry.section)
        if key in items:
            if collection not in items[key]["data"]["collections"]:
                items[key]["data"]["collections"].append(collection)
            continue
        added = (base + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        items[key] = wrap(item_data(entry, key, collection, added, kind_of), library, {"imported": f"{filename}:{entry.line}"})
    return Snapshot(collections=collections, items=items, top=top)


def section_order(parsed: ParsedList) -> list[str]:
    """pipeline.toml's `[sections] order` for the list: top-level names, sub-sections as paths."""
    return [" > ".join(s) for s in parsed.sections]


# --- review files --------------------------------------------------------------------------------

def review_slug(title: str) -> str:
    """'A Static Analyzer for ...' -> 'A-Static-Analyzer-for-...', the curator's file naming."""
    words = re.findall(r"[^\W_]+", title)
    return "-".join(words)[:120] or "review"


def section_name(section: tuple[str, ...], sections: list[tuple[str, ...]] = ()) -> str:
    """How a review file names a section: its name, or its path "Parent > Child" when another
    section of the list has the same name."""
    same = [s for s in sections if s[-1] == section[-1]]
    return section[-1] if len(same) <= 1 else " > ".join(section)


def review_front_matter(entries: list[Entry], key: str, has_text: bool = False,
                        sections: list[tuple[str, ...]] = ()) -> dict | None:
    """What the curator wrote beside an item's entries, as review front matter; None if nothing.

    An item listed in two sections with a different summary in each gets `summary` as a mapping
    from section name to text (issue 12 and the contract's review file format).
    """
    entry = next((e for e in entries if e.review_path), entries[0])
    doi = doi_from_url(entry.url)
    matter: dict = {"key": key}
    if doi:
        matter["doi"] = doi
    summaries = {section_name(e.section, sections): e.summary for e in entries if e.summary}
    if len(set(summaries.values())) > 1:
        matter["summary"] = summaries
    elif summaries:
        matter["summary"] = next(iter(summaries.values()))
    note = next((e.note for e in entries if e.note), "")
    if note:
        matter["note"] = note
    if entry.review_status == "draft" or (entry.review_status and not has_text):
        matter["status"] = entry.review_status
    if len(matter) == 1 + bool(doi) and not has_text:
        return None
    return matter


_SAFE_REVIEW_RE = re.compile(r"^reviews/[^/\\\x00-\x1f]+\.md$")


def review_path(entry: Entry) -> str:
    """Where the entry's review file goes in the project: the path the list links when it is a
    Markdown file directly in reviews/, else reviews/<Title-Slug>.md (data never names a path)."""
    path = entry.review_path.removeprefix("./")
    if _SAFE_REVIEW_RE.match(path) and not path.startswith("reviews/."):
        return path
    return f"reviews/{review_slug(entry.title)}.md"


def review_body(text: str) -> str:
    """A curator's review file -> the review text: front matter, if any, removed."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is not None:
            text = "\n".join(lines[end + 1:])
    return text.strip("\n") + "\n" if text.strip() else ""


# --- pipeline.toml ---------------------------------------------------------------------------------

def _toml_string(s: str) -> str:
    escaped = "".join(
        "\\\\" if ch == "\\" else '\\"' if ch == '"' else f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ord(ch) == 0x7f else ch
        for ch in s)
    return f'"{escaped}"'


def _value_end(text: str, i: int) -> int:
    """End of the TOML array starting at text[i] == '['; strings and comments skipped."""
    depth = 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            triple = text.startswith(ch * 3, i)
            quote = ch * 3 if triple else ch
            j = i + len(quote)
            while j < len(text) and not text.startswith(quote, j):
                j += 2 if (ch == '"' and text[j] == "\\") else 1
            i = j + len(quote)
            continue
        if ch == "#":
            i = text.find("\n", i)
            if i < 0:
                return len(text)
            continue
        depth += ch == "["
        depth -= ch == "]"
        i += 1
        if depth == 0:
            return i
    return len(text)


def with_section_order(toml_text: str, order: list[str]) -> str:
    """pipeline.toml with `[sections] order` set to `order`; every other byte kept."""
    value = "[\n" + "".join(f"  {_toml_string(name)},\n" for name in order) + "]"
    table = re.search(r"^[ \t]*\[sections\][ \t]*(?:#[^\n]*)?$", toml_text, re.MULTILINE)
    if not table:
        sep = "" if not toml_text or toml_text.endswith("\n\n") else ("\n" if toml_text.endswith("\n") else "\n\n")
        return f"{toml_text}{sep}[sections]\norder = {value}\n"
    next_table = re.search(r"^[ \t]*\[", toml_text[table.end():], re.MULTILINE)
    body_end = table.end() + next_table.start() if next_table else len(toml_text)
    key = re.search(r"^[ \t]*order[ \t]*=[ \t]*", toml_text[table.end():body_end], re.MULTILINE)
    if not key:
        at = table.end()
        return f"{toml_text[:at]}\norder = {value}{toml_text[at:]}"
    start = table.end() + key.end()
    if toml_text[start:start + 1] == "[":
        end = _value_end(toml_text, start)
    else:
        end = toml_text.find("\n", start)
        end = len(toml_text) if end < 0 else end
    return toml_text[:start] + value + toml_text[end:]
