"""Pure: one awesome-list entry, as a list item's text or a table row, -> Entry.

Lists are written by hand, so the parts of an entry are found wherever they are: the title as the
first link or a `**bold**` run followed by its `[pdf](url)` links; venue and year as `*VENUE YEAR*`,
`VENUE'YY`, `[VENUE'YY]`, `[ICLR14]` or `(VENUE YEAR)`, before or after the title; tags as `\\[Tag\\]`,
`[Tag]` or `` `tag` ``; a note in parentheses; a summary after ` - `, ` — `, ` – ` or `: `, kept as
the curator's Markdown; a `[Review](path)` link. The text is cut into pieces by the small scanner
below, which works on the source, so nothing the curator wrote is re-rendered on the way.

A line that cannot be an entry raises EntryError with a `kind` (what the importer's closing count
names) and a message saying why.
"""
from __future__ import annotations

import posixpath
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass

# Kinds of skipped lines, as the closing count names them.
NO_LINK, BAD_URL, NO_TITLE, NO_TITLE_COLUMN, LINKED_TEXT, LINKED_HEADING, REVIEW = (
    "no-link", "not-http", "no-title", "table-without-title", "text-with-links", "heading-with-link", "review")
# Not a skip: the entry is imported, without a link (the README shows its title unlinked).
WITHOUT_LINK = "imported-without-link"


@dataclass(frozen=True)
class Entry:
    """One list entry as the curator wrote it."""

    line: int
    section: tuple[str, ...]    # heading path: ("Silent Errors", "Empirical Studies")
    title: str
    url: str
    venue: str = ""
    year: int | None = None
    note: str = ""
    tags: tuple[str, ...] = ()
    summary: str = ""
    review_path: str = ""       # as linked, %-decoded and without "./"
    review_status: str = ""     # "draft" for "Review (TBD)", "missing" for a plain "Review" link


# --- the scanner --------------------------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """A run of an entry's source: kind is link, image, bracket, tag, code, bold, em, paren or text."""
    kind: str
    text: str
    url: str = ""
    start: int = 0
    end: int = 0


def _match_close(s: str, i: int, open_: str, close: str) -> int:
    """Index of the bracket closing the one at s[i]; -1 if unbalanced. Backslash escapes skip."""
    depth, j = 0, i
    while j < len(s):
        ch = s[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "`" and open_ == "[":
            end = s.find("`", j + 1)
            if end > 0:
                j = end + 1
                continue
        depth += ch == open_
        depth -= ch == close
        if depth == 0:
            return j
        j += 1
    return -1


def scan(s: str) -> list[Piece]:
    """Split an entry's Markdown source into pieces (links, bracket groups, emphasis, ...)."""
    out: list[Piece] = []
    text_start, i = 0, 0

    def flush(upto: int) -> None:
        if upto > text_start:
            out.append(Piece("text", s[text_start:upto], start=text_start, end=upto))

    while i < len(s):
        ch = s[i]
        piece, end = None, i
        if s.startswith("\\[", i):
            close = s.find("\\]", i + 2)
            if close > 0:
                piece, end = Piece("tag", s[i + 2:close].strip(), start=i), close + 2
        elif ch == "\\":
            i += 2
            continue
        elif ch in "[!" and (ch == "[" or s.startswith("![", i)):
            at = i + (ch == "!")
            close = _match_close(s, at, "[", "]")
            if close > 0 and s[close + 1:close + 2] == "(":
                paren = _match_close(s, close + 1, "(", ")")
                if paren > 0:
                    target = s[close + 2:paren].strip().split(" ", 1)[0].strip("<>")
                    kind = "image" if ch == "!" else "link"
                    piece, end = Piece(kind, s[at + 1:close], target, i), paren + 1
            elif close > 0 and ch == "[":
                piece, end = Piece("bracket", s[i + 1:close], start=i), close + 1
        elif ch == "`":
            close = s.find("`", i + 1)
            if close > 0:
                piece, end = Piece("code", s[i + 1:close].strip(), start=i), close + 1
        elif ch in "*_" and (i == 0 or not s[i - 1].isalnum()):
            mark = ch * 2 if s.startswith(ch * 2, i) else ch
            close = s.find(mark, i + len(mark) + 1)
            if close > 0 and not s[i + len(mark)].isspace():
                kind = "bold" if len(mark) == 2 else "em"
                piece, end = Piece(kind, s[i + len(mark):close], start=i), close + len(mark)
        elif ch == "(":
            close = _match_close(s, i, "(", ")")
            if close > 0:
                piece, end = Piece("paren", s[i + 1:close].strip(), start=i), close + 1
        if piece is None:
            i += 1
            continue
        flush(i)
        out.append(Piece(piece.kind, piece.text, piece.url, piece.start, end))
        i = text_start = end
    flush(len(s))
    return out


_YEAR4 = r"(?:19|20)\d\d"
_LABEL_PATTERNS = (
    re.compile(rf"^(?P<a>.*?)[\s,]*\b(?P<year>{_YEAR4})\b(?P<b>.*)$"),          # ICSE 2021, 2025
    re.compile(r"^(?P<a>.*?)\s*['’](?P<yy>\d\d)\b(?P<b>.*)$"),                 # ICSE'21
    re.compile(r"^(?P<a>[A-Za-z][\w&/+.\-]*?[A-Za-z&+.])(?P<yy>\d\d)\b(?P<b>.*)$"),  # ICLR14
)
_BARE_LABEL_RE = re.compile(r"^\s*,?\s*(?P<label>[A-Z][\w&/+.\-]*(?: [A-Z][\w&/+.\-]*)*\s?['’]\d\d)\b")
_SEPARATOR_RE = re.compile(r"^\s*(?:[-—–]\s|:\s|[-—–]$)")
_REVIEW_RE = re.compile(r"^Review(?: \((?P<status>[^)]*)\))?$", re.IGNORECASE)
_PAPER_LINK_RE = re.compile(r"^\W*(pdf|paper|arxiv|link|url|html|doi|book|article|docs?|openreview)\W*$", re.I)
# Links named like these point at a paper's companions, never name the paper itself.
_RESOURCE_LINK_RE = re.compile(r"^\W*(code|github|slides?|video|talk|demo|project|project page|website|homepage|blog|"
                               r"dataset|data|poster|supplementary|bibtex|citation|model|weights|colab|notebook)\W*$", re.I)
_SKIPPABLE_TEXT_RE = re.compile(r"^[\s,.;|/]*$")


def parse_label(text: str, *, year_needed: bool = True) -> tuple[str, int | None] | None:
    """'ICSE 2021' / "ICSE'21" / 'ICLR14' / '2025' -> (venue, year); without a year, the text as
    the venue if `year_needed` is False, else None."""
    text = " ".join(text.replace("**", "").split()).strip(" ,.")
    if not text or len(text) > 120:
        return None
    for pattern in _LABEL_PATTERNS:
        match = pattern.match(text)
        if match:
            if "year" in match.groupdict():
                year = int(match.group("year"))
            else:
                yy = int(match.group("yy"))
                year = 2000 + yy if yy < 50 else 1900 + yy
            venue = " ".join(f"{match.group('a')} {match.group('b')}".split()).strip(" ,.-")
            return venue, year
    return None if year_needed else (text, None)


def plain(s: str) -> str:
    """Markdown source -> the text a reader sees, for titles: escapes, emphasis marks, tags gone."""
    s = re.sub(r"</?[A-Za-z][^<>]*>", " ", s)
    s = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", s)
    s = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", s)
    s = re.sub(r"(\*\*|__)(.+?)\1", r"\2", s)
    s = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", s)
    s = re.sub(r"(?<![\w:]):[a-z0-9_+-]+:(?![\w:])", " ", s)      # GitHub emoji shortcodes (":star:")
    s = " ".join(s.split())
    # Emoji and symbols that decorate a title ("🔥🔥 Title") are not part of it.
    while s and unicodedata.category(s[0]) in ("So", "Sk", "Cf", "Mn"):
        s = s[1:].lstrip()
    while s and unicodedata.category(s[-1]) in ("So", "Sk", "Cf", "Mn"):
        s = s[:-1].rstrip()
    return s


def _is_http(url: str) -> bool:
    return bool(re.match(r"^https?://[^\s/]+", url, re.I))


def _review_link(p: Piece) -> tuple[str, str] | None:
    """A [Review](path) link -> (path, status); None for any other link."""
    match = _REVIEW_RE.match(p.text.strip())
    if not match or _is_http(p.url) or p.url.startswith("#"):
        return None
    status = (match.group("status") or "").strip().upper()
    path = posixpath.normpath(urllib.parse.unquote(p.url))
    return path, "draft" if status in ("TBD", "DRAFT", "TODO") else "missing"


def _paper_link(p: Piece) -> Piece | None:
    """The link of a `[pdf](url)`, `[[pdf]](url)` or `[[pdf](url)]` piece; None for other pieces."""
    if p.kind == "bracket":
        inner = scan(p.text)
        p = inner[0] if len(inner) == 1 else p
    if p.kind == "link" and _PAPER_LINK_RE.match(plain(p.text.strip("[]"))) and p.url:
        return p
    return None


class EntryError(ValueError):
    """Why a line that looks like an entry cannot be read; `kind` is what the closing count names."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def parse_entry(source: str, line: int, section: tuple[str, ...] = ()) -> Entry:
    """One entry's Markdown (a list item's first paragraph, marker removed) -> Entry.
    Raises EntryError saying what is wrong with it."""
    source = " ".join(re.sub(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+", "", source.strip()).split())
    pieces = scan(source)
    values: dict = {"tags": []}
    title_at = None
    for n, p in enumerate(pieces):
        if p.kind == "link" and not p.text.lstrip().startswith("![") and not _review_link(p) \
                and not _PAPER_LINK_RE.match(p.text) and not _RESOURCE_LINK_RE.match(p.text):
            title_at = n
            break
        if p.kind == "bold" and plain(p.text):
            title_at = n
            break
    if title_at is None:
        if any(p.kind == "link" for p in pieces):
            raise EntryError(NO_TITLE, "no title: expected '[Title](url)' or '**Title**' before the other links")
        raise EntryError(NO_LINK, "no link: expected '[Title](url)', or '**Title**' followed by a [pdf](url) link")

    def take_label(text: str, year_needed: bool = True) -> bool:
        if "venue" in values or "year" in values:
            return False
        label = parse_label(text, year_needed=year_needed)
        if label is None:
            return False
        venue, year = label
        if venue:
            values["venue"] = venue
        if year:
            values["year"] = year
        return True

    links: list[Piece] = []
    # Before the title: labels and tags ("[ICLR'14] [Title](url)", "`tag` **Title**").
    for p in pieces[:title_at]:
        if _paper_link(p) or p.kind == "link":
            links.append(_paper_link(p) or p)     # "[[pdf](url)] **Title**"
        elif p.kind in ("bracket", "paren", "em"):
            if not take_label(plain(p.text), year_needed=p.kind == "bracket") and p.kind == "bracket":
                values["tags"].append(plain(p.text))
        elif p.kind in ("tag", "code"):
            values["tags"].append(plain(p.text))
    head = pieces[title_at]
    url = ""
    if head.kind == "bold":
        inner = [q for q in scan(head.text) if q.kind == "link"]
        if inner:
            title, url = plain(inner[0].text), inner[0].url
        else:
            title = plain(head.text).rstrip(".").strip()
    else:
        title, url = plain(head.text), head.url
    rest_at = None
    for n in range(title_at + 1, len(pieces)):
        p = pieces[n]
        if p.kind == "text":
            if _SEPARATOR_RE.match(p.text):
                rest_at = n
                break
            bare = _BARE_LABEL_RE.match(p.text)
            if bare and take_label(bare.group("label")):
                if _SKIPPABLE_TEXT_RE.match(p.text[bare.end():]):
                    continue
                rest_at = n
                break
            if _SKIPPABLE_TEXT_RE.match(p.text):
                continue
            if head.kind == "bold" and take_label(p.text):
                continue      # "**Title.** AI Open 2020. [paper](url)"
            rest_at = n
            break
        if p.kind == "em":
            if not take_label(plain(p.text), year_needed=False):
                rest_at = n
                break
        elif p.kind == "paren":
            if not take_label(plain(p.text)):
                if "note" in values:
                    rest_at = n
                    break
                values["note"] = p.text
        elif p.kind == "bracket":
            inner = scan(p.text)
            if len(inner) == 1 and inner[0].kind == "link":
                links.append(inner[0])           # [[pdf](url)]
            elif not take_label(plain(p.text)):
                values["tags"].append(plain(p.text))
        elif p.kind in ("tag", "code"):
            values["tags"].append(plain(p.text))
        elif p.kind == "link":
            review = _review_link(p)
            if review:
                values["review_path"], values["review_status"] = review
            else:
                links.append(p)
        elif p.kind == "bold":
            rest_at = n
            break
    if rest_at is not None:
        tail = pieces[rest_at:]
        if tail and tail[-1].kind == "link" and _review_link(tail[-1]):
            values["review_path"], values["review_status"] = _review_link(tail[-1])
            tail = tail[:-1]
        if not url:     # "**Title** (2016), K. He et al. [[pdf]](url)": the paper link ends the entry
            for n, p in enumerate(tail):
                link = _paper_link(p)
                if link:
                    url = link.url
                    del tail[n]
                    break
        summary = "".join(source[p.start:p.end] for p in tail)
        summary = re.sub(r"^\s*(?:[-—–:,;.]\s*)", "", summary).strip()
        if summary:
            values["summary"] = summary
    if not url:
        papers = [q for q in links if _paper_link(q)]
        url = (papers or links or [Piece("link", "", "")])[0].url
    if not title:
        raise EntryError(NO_TITLE, "the title is empty")
    # Without a link, only a venue or year says this is a paper rather than a bold word in prose.
    if not url and not ("venue" in values or "year" in values):
        raise EntryError(NO_LINK, f"no link for {title[:60]!r}: expected a [pdf](url) or [paper](url) link after it")
    if url and not _is_http(url):
        raise EntryError(BAD_URL, f"the link of {title[:60]!r} is not an http(s) URL: {url[:60]!r}")
    values["tags"] = tuple(dict.fromkeys(t for t in values["tags"] if t))
    return Entry(line=line, section=section, title=title, url=url, **values)


# --- tables ------------------------------------------------------------------------------------

_COLUMN_WORDS = {
    "title": re.compile(r"^(title|titles|paper|papers|paper title|name|title & authors|title and authors|work)$"),
    "venue": re.compile(r"^(venue|conference|conf|journal|publication|published|published in|venue & year|source)$"),
    "year": re.compile(r"^(year|date|time|published date)$"),
    "link": re.compile(r"^(links?|pdf|paper|papers|url|arxiv|doi|paper link|paper links|resources?)$"),
    "summary": re.compile(r"^(description|summary|introduction|tl;?dr|abstract|notes?|comments?|highlights?|contribution)$"),
    "tags": re.compile(r"^(tags?|keywords?|category|categories|type|topics?)$"),
}


def table_columns(header: list[str]) -> dict[str, int]:
    """{role: column index} from a header row; the title role is required."""
    roles: dict[str, int] = {}
    names = [" ".join(plain(h).lower().split()) for h in header]
    for role in ("title", "venue", "year", "summary", "tags", "link"):
        for i, name in enumerate(names):
            if i not in roles.values() and _COLUMN_WORDS[role].match(name):
                roles.setdefault(role, i)
    return roles


def parse_row(cells: list[str], roles: dict[str, int], line: int, section: tuple[str, ...]) -> Entry:
    """One table row -> Entry. Raises EntryError."""
    def cell(role: str) -> str:
        i = roles.get(role)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    title_cell = cell("title")
    pieces = [p for p in scan(title_cell) if p.kind != "image"]
    title_links = [p for p in pieces if p.kind == "link" and plain(p.text) and not _PAPER_LINK_RE.match(plain(p.text))]
    tags = []
    if title_links:
        title, url = plain(title_links[0].text), title_links[0].url
    else:
        rest = title_cell
        for p in pieces:        # leading "[Tag]" / "`tag`" marks before a plain title
            if p.kind in ("bracket", "code", "tag") and _SKIPPABLE_TEXT_RE.match(plain(title_cell[:p.start])):
                tags.append(plain(p.text))
                rest = title_cell[p.end:]
        title, url = plain(re.sub(r"<br\s*/?>.*$", "", rest, flags=re.I)), ""
    link_cell_links = [p for p in scan(cell("link")) if p.kind in ("link", "bracket")]
    flat = []
    for p in link_cell_links:
        inner = scan(p.text) if p.kind == "bracket" else []
        flat += [q for q in inner if q.kind == "link"] if p.kind == "bracket" else [p]
    papers = [p for p in flat if _PAPER_LINK_RE.match(plain(p.text.strip("[]")))]
    if papers:
        url = papers[0].url
    elif not url and flat:
        url = flat[0].url
    if not url:     # a row with no paper link: its code or project page, if it has one
        url = next((p.url for c in cells for p in scan(c) if p.kind == "link" and _is_http(p.url)), "")
    values: dict = {}
    venue_text = plain(cell("venue"))
    if venue_text:
        label = parse_label(venue_text, year_needed=False)
        if label:
            values["venue"] = label[0]
            if label[1]:
                values["year"] = label[1]
    year_match = re.search(rf"\b({_YEAR4})\b", cell("year"))
    if year_match:
        values["year"] = int(year_match.group(1))
    summary = cell("summary")
    if summary and not re.fullmatch(r"(<[^>]+>\s*)+", summary):
        values["summary"] = summary
    tags += [t.strip() for t in re.split(r"[,;]", plain(cell("tags"))) if t.strip()]
    if not title:
        raise EntryError(NO_TITLE, "the title cell is empty")
    if url and not _is_http(url):
        raise EntryError(BAD_URL, f"the link of {title[:60]!r} is not an http(s) URL: {url[:60]!r}")
    return Entry(line=line, section=section, title=title, url=url, tags=tuple(dict.fromkeys(tags)), **values)


def split_row(source: str) -> list[str]:
    """A table row's source -> its cells' sources (pipes inside code or escaped stay)."""
    s = source.strip()
    s = s[1:] if s.startswith("|") else s
    s = s[:-1] if s.endswith("|") and not s.endswith("\\|") else s
    cells, cur, code = [], [], False
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            cur.append(s[i:i + 2])
            i += 2
            continue
        code ^= ch == "`"
        if ch == "|" and not code:
            cells.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    cells.append("".join(cur))
    return cells
