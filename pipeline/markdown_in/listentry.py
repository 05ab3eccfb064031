"""Pure: one awesome-list entry, as a list item's text or a table row, -> Entry.

Lists are written by hand, so the parts of an entry are found wherever they are: the title as the
first link or a `**bold**` run followed by its `[pdf](url)` links, else as plain text (the first
cell of a `Title | **[VENUE' YY]** | [pdf](url)` row, a quoted title in a citation, the words after
the labels up to a full stop); never a venue label, a link word, a URL or a badge (the words are
data, in pipeline.markdown_in.listwords); venue and year as `*VENUE YEAR*`,
`VENUE'YY`, `[VENUE'YY]`, `[ICLR14]` or `(VENUE YEAR)`, before or after the title; tags as `\\[Tag\\]`,
`[Tag]` or `` `tag` ``; a note in parentheses; a summary after ` - `, ` — `, ` – ` or `: `, kept as
the curator's Markdown; a `[Review](path)` link. The text is cut into pieces by the small scanner
below, which works on the source, so nothing the curator wrote is re-rendered on the way.

A line that cannot be an entry raises EntryError with a `kind` (what the importer's closing count
names) and a message saying why.
"""
from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass

from pipeline.markdown_in import listwords

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
    authors: str = ""           # as written after the title: "Peng, Yun, et al."


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


_OPENERS = re.compile(r"[\\\[!`*_(]")


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
            # Jump to the next character that can open a piece: most of an entry is plain words.
            found = _OPENERS.search(s, i + 1)
            i = found.start() if found else len(s)
            continue
        flush(i)
        out.append(Piece(piece.kind, piece.text, piece.url, piece.start, end))
        i = text_start = end
    flush(len(s))
    return out


_YEAR4 = listwords.YEAR4
_BARE_LABEL_RE = re.compile(r"^\s*,?\s*(?P<label>[A-Z][\w&/+.\-]*(?: [A-Z][\w&/+.\-]*)*\s?(?:['’]\s?\d\d|\s(?:19|20)\d\d))\b")
_SEPARATOR_RE = re.compile(r"^\s*(?:[-—–]\s|:\s|[-—–]$)")
_REVIEW_RE = re.compile(r"^Review(?: \((?P<status>[^)]*)\))?$", re.IGNORECASE)
_SKIPPABLE_TEXT_RE = re.compile(r"^[\s,.;|/]*$")
# "A. Author, B. Author. "The Title." In Proc. of X, 2020.": a quoted title of three words or more.
_QUOTED_TITLE_RE = re.compile(r"[\"“](?P<title>[^\"“”]*?\S\s+\S+\s+[^\"“”]*?)[,.]?[\"”]")
_IN_VENUE_RE = re.compile(rf"^\W*In\s+(?:(?:the\s+)?Proc(?:eedings|\.|)\s+(?:of\s+)?(?:the\s+)?)?(?P<venue>[^,()]+?),?\s+"
                          rf"(?:\(?(?P<year>{_YEAR4})\)?)", re.IGNORECASE)
# A plain title ends at the first full stop followed by the authors or the venue ("Title. A. Author").
_SENTENCE_END_RE = re.compile(r"(?<!\b[A-Z])(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\bet al)\.\s+(?=\S)")


@functools.lru_cache(maxsize=8192)     # lists repeat their labels ("[ICML' 19]") hundreds of times
def parse_label(text: str, *, year_needed: bool = True) -> tuple[str, int | None] | None:
    """'ICSE 2021' / "ICSE'21" / "[arXiv' 19]" / 'ICLR14' / 'ICML 19' / '2025' -> (venue, year); without
    a year, the text as the venue if `year_needed` is False, else None. A date ("Finalized Nov. 2020")
    is not a label."""
    text = " ".join(text.replace("**", "").split()).strip(" ,.")
    while len(text) > 2 and text[0] + text[-1] in ("[]", "()", "__", "**"):
        text = text[1:-1].strip(" ,.")
    if not text or len(text) > 120:
        return None
    for pattern in listwords.LABEL_PATTERNS:
        match = pattern.match(text)
        if match:
            if "year" in match.groupdict():
                year = int(match.group("year"))
            else:
                yy = int(match.group("yy"))
                year = 2000 + yy if yy < 50 else 1900 + yy
            venue = " ".join(f"{match.group('a')} {match.group('b')}".split()).strip(" ,.-")
            if listwords.NOT_VENUE.search(venue):
                return None
            return venue, year
    return None if year_needed else (text, None)


def is_label(text: str) -> bool:
    """A venue label standing alone ("[arXiv' 19]", "**CVPR 2020**", "ICML'19"): a few words and a year."""
    label = parse_label(plain(text).strip("[]() "))
    return bool(label) and len(label[0].split()) <= 5 and not re.search(r"[:?!,]|\bet al\b", label[0])


def venue_like(name: str) -> bool:
    """"NeurIPS", "USENIX Security", "IEEE S&P", "arXiv" name a venue; "Papers", "in" or "Surveys" do
    not: a venue's first word is an acronym (two capitals or more)."""
    first = name.split()[0] if name.split() else ""
    return first.lower() == "arxiv" or sum(ch.isupper() for ch in first) >= 2


@functools.lru_cache(maxsize=8192)
def not_a_title(text: str) -> str:
    """Why `text` cannot be a paper's title ('' when it can): a venue label, a link word, a URL, a badge."""
    t = plain(text).strip(" []()|*_`")
    if not t or not re.search(r"\w", t):
        return "a badge or an image" if "![" in text or "<img" in text.lower() else "empty"
    if re.match(r"^(?:https?://|www\.)\S+$", t, re.IGNORECASE):
        return "a URL"
    if re.match(r"^(?:arxiv:?\s*\d{4}\.\d{4,5}(?:v\d+)?|(?:doi:?\s*)?10\.\d{4,9}/\S+)$", t, re.IGNORECASE):
        return "an identifier"
    if listwords.link_word(t):
        return "a link word"
    if is_label(t) or re.fullmatch(_YEAR4, t):
        return "a venue label"
    return ""


_PLAIN_RULES = tuple((re.compile(pattern), repl) for pattern, repl in (
    (r"</?[A-Za-z][^<>]*>", " "),
    (r"!\[[^\]]*\]\([^)]*\)", " "),
    (r"\\([!-/:-@\[-`{-~])", r"\1"),
    (r"(\*\*|__)(.+?)\1", r"\2"),
    (r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1"),
    (r"(?<![\w_])_(?![\s_])(.+?)(?<![\s_])_(?![\w_])", r"\1"),
    (r"(?<![\w:]):[a-z0-9_+-]+:(?![\w:])", " "),      # GitHub emoji shortcodes (":star:")
))
# Text without any of these characters has nothing for the rules above to do.
_PLAIN_MARKS = re.compile(r"[<!\\*_:]")


def plain(s: str) -> str:
    """Markdown source -> the text a reader sees, for titles: escapes, emphasis marks, tags gone."""
    if _PLAIN_MARKS.search(s):
        for pattern, repl in _PLAIN_RULES:
            s = pattern.sub(repl, s)
    s = s.replace("\u00ad", "").replace("\u200b", "")                # soft hyphens and zero-width spaces
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


def _inner_link(p: Piece) -> Piece:
    """`[[pdf](url)]` -> its link; any other piece as it is."""
    if p.kind == "bracket":
        inner = scan(p.text)
        if len(inner) == 1 and inner[0].kind == "link":
            return inner[0]
    return p


def _paper_link(p: Piece) -> Piece | None:
    """The link of a `[pdf](url)`, `[[pdf]](url)`, `[[pdf](url)]` or `[ICML 2019](url)` piece; None for
    other pieces."""
    p = _inner_link(p)
    if p.kind != "link" or not p.url:
        return None
    # A badge that says what it links ("[![arXiv](shield)](https://arxiv.org/abs/...)") by its alt text.
    text = re.sub(r"^\s*!\[([^\]]*)\].*$", r"\1", p.text) if _is_badge(p) else p.text
    if listwords.link_word(plain(text.strip("[]"))) == "paper" or is_label(text):
        return p
    return None


def _is_badge(p: Piece) -> bool:
    """A link around an image ("[![stars](shield)](repo)") or an image: decoration, never a link of the paper."""
    return p.kind == "image" or (p.kind == "link" and p.text.lstrip().startswith(("![", "<img")))


class EntryError(ValueError):
    """Why a line that looks like an entry cannot be read; `kind` is what the closing count names."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _cells(source: str, pieces: list[Piece]) -> list[tuple[int, int]]:
    """(start, end) of the `|`-separated cells of a title-first row ("Title | **[ICML' 19]** | [pdf](url)");
    [] when the line has no `|` outside links and code."""
    cuts = [p.start + i for p in pieces if p.kind == "text" for i, ch in enumerate(p.text) if ch == "|"]
    if not cuts:
        return []
    bounds = [0, *[c + 1 for c in cuts]]
    ends = [*cuts, len(source)]
    return list(zip(bounds, ends))


def _title_candidate(p: Piece) -> bool:
    """A link or bold run that can hold the title (not a label, a link word, a URL, a badge or a review)."""
    if p.kind == "link":
        return not _is_badge(p) and not _review_link(p) and not not_a_title(p.text)
    if p.kind == "bold":
        inner = [q for q in scan(p.text) if q.kind == "link"]
        return bool(plain(p.text)) and not not_a_title(inner[0].text if inner else p.text)
    return False


def _cell_words(source: str, start: int, end: int, least: int = 1) -> str:
    """The words of a cell that can be a title (at least `least` of them), '' if none. A nickname in
    brackets beside them ("[**OC-SVM**] Title", "Title [**ODIN**]") is not part of the title."""
    words = "".join(source[start + p.start:start + p.end] for p in scan(source[start:end])
                    if p.kind in ("text", "em")).strip(" |")
    if plain(words) and not not_a_title(words) and re.search(r"\w\w", plain(words)) \
            and len(plain(words).split()) >= least:
        return words
    return ""


def _plain_title(source: str, pieces: list[Piece]) -> tuple[int, Piece] | None:
    """A title written as plain text: the first cell of a `|` row, a quoted title in an author-first
    citation, or the text after the leading labels up to its first full stop. Returns (index of the
    first piece after it, a `text` piece spanning the title)."""
    cells = _cells(source, pieces)
    if cells:
        for least in (3, 1):        # a cell of three words or more first: "2017-06" and "Google" are not titles
            for start, end in cells:
                words = _cell_words(source, start, end, least)
                if words:
                    after = next((n for n, p in enumerate(pieces) if p.start >= end), len(pieces))
                    return after, Piece("text", words, start=start, end=end)
        return None
    for n, p in enumerate(pieces):
        if p.kind != "text":
            continue
        quoted = _QUOTED_TITLE_RE.search(p.text)
        if quoted:
            return n + 1, Piece("quoted", quoted.group("title"), start=p.start + quoted.start(), end=p.start + quoted.end())
    for n, p in enumerate(pieces):
        if p.kind in ("bracket", "paren", "tag", "code", "image", "em") or (p.kind == "bold" and is_label(p.text)):
            continue
        if p.kind == "link" or (p.kind == "text" and not plain(p.text).strip(" ,.;:|-")):
            continue
        if p.kind != "text":
            return None
        text = p.text.lstrip(" ,;:|-–—")
        offset = p.start + len(p.text) - len(text)
        stop = _SENTENCE_END_RE.search(text)
        title = text[:stop.start()] if stop else text
        if not_a_title(title) or not re.search(r"\w\w", plain(title)):
            return None
        return n + 1, Piece("text", title, start=offset, end=offset + len(title))
    return None


def parse_entry(source: str, line: int, section: tuple[str, ...] = ()) -> Entry:
    """One entry's Markdown (a list item's first paragraph, marker removed) -> Entry.
    Raises EntryError saying what is wrong with it."""
    source = " ".join(re.sub(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+", "", source.strip()).split())
    source = re.sub(r"^【([^】\[\]]{1,60})】\s*", r"[\1] ", source)      # "【CVPR 2018】Title": a label
    pieces = scan(source)
    values: dict = {"tags": []}
    title_at = None
    cells = _cells(source, pieces)
    if not cells or not pieces or pieces[0].kind != "text" or not plain(pieces[0].text).strip(" |"):
        title_at = next((n for n, p in enumerate(pieces) if _title_candidate(p)), None)
    elif not _cell_words(source, *cells[0], least=3):
        # "2017-06 | Transformers | [Attention Is All You Need](url) | NeurIPS": short cells before a
        # linked title are its date and keywords.
        title_at = next((n for n, p in enumerate(pieces) if _title_candidate(p) and p.kind == "link"
                         and len(plain(p.text).split()) >= 3), None)
    plain_title = None
    if title_at is None:
        plain_title = _plain_title(source, pieces)
        if plain_title is None:
            if any(p.kind == "link" and not _is_badge(p) for p in pieces):
                raise EntryError(NO_TITLE, "no title: expected '[Title](url)' or '**Title**' before the other links")
            raise EntryError(NO_LINK, "no link: expected '[Title](url)', or '**Title**' followed by a [pdf](url) link")

    def take_label(text: str, year_needed: bool = True, venue_wins: bool = False) -> bool:
        if ("venue" in values or "year" in values) and not (venue_wins and "venue" not in values):
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
    if plain_title is not None:
        after, head = plain_title
        before = [p for p in pieces if p.end <= head.start]
        rest = [p for p in pieces[after:] if p.start >= head.end]
        tail_text = source[head.end:rest[0].start if rest else len(source)]
        if head.kind == "quoted":
            values["summary_head"] = source[:head.start].strip(" ,.")
            venue = _IN_VENUE_RE.match(tail_text)
            if venue and not listwords.NOT_VENUE.search(venue.group("venue")):
                values["venue"], values["year"] = venue.group("venue").strip(), int(venue.group("year"))
                tail_text = tail_text[venue.end():]
            before = []
        elif tail_text.strip():
            rest = [Piece("text", tail_text, start=head.end, end=head.end + len(tail_text)), *rest]
        pieces = [*before, head, *rest]
        title_at = len(before)
    # Before the title: labels and tags ("[ICLR'14] [Title](url)", "`tag` **Title**").
    for p in pieces[:title_at]:
        if _is_badge(p):
            if _paper_link(p):
                links.append(p)
            continue
        if _paper_link(p) or p.kind == "link":
            if p.kind == "link" and is_label(p.text):
                take_label(plain(p.text))
            links.append(_paper_link(p) or p)     # "[[pdf](url)] **Title**"
        elif p.kind == "bold" and is_label(p.text):
            take_label(plain(p.text))
        elif p.kind in ("bracket", "paren", "em"):
            if not take_label(plain(p.text), year_needed=p.kind == "bracket") and p.kind == "bracket":
                values["tags"].append(plain(p.text))
        elif p.kind == "code" and is_label(p.text):
            take_label(plain(p.text))
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
    elif head.kind in ("text", "quoted"):
        title = plain(head.text).strip(" ,;|").rstrip(".").strip()
    else:
        title, url = plain(head.text), head.url
    rest_at = None
    for n in range(title_at + 1, len(pieces)):
        p = pieces[n]
        if _is_badge(p):
            if _paper_link(p):
                links.append(p)
            continue
        if p.kind == "text":
            if _SEPARATOR_RE.match(p.text):
                rest_at = n
                break
            bare = _BARE_LABEL_RE.match(p.text)
            if bare and venue_like(bare.group("label")) and take_label(bare.group("label"), venue_wins=True):
                if _SKIPPABLE_TEXT_RE.match(p.text[bare.end():]):
                    continue
                rest_at = n      # the summary starts after the label
                pieces[n] = Piece("text", p.text[bare.end():], start=p.start + bare.end(), end=p.end)
                break
            segment = re.match(r"^\s*,\s*(?P<venue>[^,]+?)\s*(?:,|$)", p.text)
            if "year" in values and "venue" not in values and segment \
                    and listwords.BARE_VENUE.match(segment.group("venue")):
                values["venue"] = segment.group("venue")     # "**Title** (2023), arxiv, A. Author"
                if _SKIPPABLE_TEXT_RE.match(p.text[segment.end():]):
                    continue
                rest_at = n
                pieces[n] = Piece("text", p.text[segment.end():], start=p.start + segment.end(), end=p.end)
                break
            if _SKIPPABLE_TEXT_RE.match(p.text):
                continue
            words = p.text.strip(" |,;")
            sentences = re.split(r"\.\s+", words.strip(" ."))
            if head.kind == "bold" and len(sentences) > 1 and is_label(sentences[-1]):
                words = sentences[-1]       # "**Title**. He, Zhang. CVPR 2016.": the authors are not the venue
            if (head.kind == "bold" or ((head.kind == "text" or "|" in p.text) and is_label(words))) \
                    and take_label(words):
                continue      # "**Title.** AI Open 2020. [paper](url)", "Title | ICML 2019 | ..."
            rest_at = n
            break
        if p.kind == "em":
            if not take_label(plain(p.text), year_needed=False):
                rest_at = n
                break
        elif p.kind == "bold":
            if not (is_label(p.text) and take_label(plain(p.text))):
                if is_label(p.text):
                    continue
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
                if is_label(inner[0].text):
                    take_label(plain(inner[0].text))
            elif not take_label(plain(p.text)):
                values["tags"].append(plain(p.text))
        elif p.kind in ("tag", "code"):
            values["tags"].append(plain(p.text))
        elif p.kind == "link":
            review = _review_link(p)
            if review:
                values["review_path"], values["review_status"] = review
            else:
                if is_label(p.text):
                    take_label(plain(p.text), venue_wins=True)     # the link on the venue: "[ICML 2019](url)"
                links.append(p)
    summary_head = values.pop("summary_head", "")
    if rest_at is not None:
        tail = pieces[rest_at:]
        if tail and tail[-1].kind == "link" and _review_link(tail[-1]):
            values["review_path"], values["review_status"] = _review_link(tail[-1])
            tail = tail[:-1]
        if tail and tail[0].kind == "text":
            # "**Title** (2016), K. He et al. [[pdf]](url)": the authors, not a summary.
            words = re.sub(r"^\s*(?:[-—–:,;.|]\s*)", "", tail[0].text).strip()
            lead, _, after = words.partition(", ")
            if not listwords.author_names(words) and after and listwords.author_names(after):
                # "(2020), arxiv 2020, Ye, Fangke, et al.": a label, then the authors
                if is_label(lead) or venue_like(lead):
                    take_label(lead, year_needed=False, venue_wins=True)
                words = after
            if listwords.author_names(words):
                values["authors"] = listwords.without_full_stop(words.strip(" ,;"))
                tail = tail[1:]
        if not url:     # "**Title** (2016), K. He et al. [[pdf]](url)": the paper link ends the entry
            for n, p in enumerate(tail):
                link = _paper_link(p)
                if link:
                    url = link.url
                    del tail[n]
                    break
        # Companion links and badges closing the entry ("... et al. [[code]](url)") are not the summary.
        while all(q.kind != "text" or re.fullmatch(r"[\s|,;.]*", q.text) for q in tail) and tail and (
                _is_badge(tail[-1]) or (_inner_link(tail[-1]).kind == "link"
                                                and listwords.link_word(plain(_inner_link(tail[-1]).text)))):
            if not _is_badge(tail[-1]):
                links.append(_inner_link(tail[-1]))
            tail = tail[:-1]
            while tail and tail[-1].kind == "text" and re.fullmatch(r"[\s|,;]*", tail[-1].text):
                tail = tail[:-1]
        summary = "".join(source[p.start:p.end] for p in tail)
        summary = re.sub(r"^\s*(?:[-—–:,;.|]\s*)", "", summary).strip()
        if summary and "venue" not in values and "year" not in values and is_label(summary.rstrip(".")) \
                and venue_like(parse_label(plain(summary.rstrip(".")))[0]):
            take_label(plain(summary.rstrip(".")))      # "[Title](url) [[code](url)] - *NeurIPS 2019*"
        elif summary:
            values["summary"] = summary
        if "venue" not in values and "year" not in values:
            # "Title. A. Author, B. Author. CVPR 2018.": the label closes the authors' sentence.
            words = "".join(source[p.start:p.end] for p in tail if p.kind in ("text", "em", "bold"))
            segments = re.split(r"\.\s+|,\s+|;\s+", words.strip(" .|"))
            if segments and is_label(segments[-1]) and venue_like(parse_label(plain(segments[-1]))[0]):
                take_label(plain(segments[-1]))
    if summary_head:
        values["summary"] = summary_head
    if not url:
        papers = [q for q in links if _paper_link(q)]
        usable = [q for q in links if not _is_badge(q) or _paper_link(q)]
        url = (papers or usable or [Piece("link", "", "")])[0].url
    if not title:
        raise EntryError(NO_TITLE, "the title is empty")
    why = not_a_title(title)
    if why:
        raise EntryError(NO_TITLE, f"no title: {title[:60]!r} is {why}, not a paper's title")
    # Without a link, only a venue or year says this is a paper rather than a bold word in prose.
    if not url and not ("venue" in values or "year" in values):
        raise EntryError(NO_LINK, f"no link for {title[:60]!r}: expected a [pdf](url) or [paper](url) link after it")
    if url and not _is_http(url):
        raise EntryError(BAD_URL, f"the link of {title[:60]!r} is not an http(s) URL: {url[:60]!r}")
    values["tags"] = tuple(dict.fromkeys(t for t in values["tags"] if t))
    return Entry(line=line, section=section, title=title, url=url, **values)


# --- tables ------------------------------------------------------------------------------------

def table_columns(header: list[str]) -> dict[str, int]:
    """{role: column index} from a header row (the roles are listwords.COLUMN_ROLES); the title role is
    required, found here or by title_column."""
    roles: dict[str, int] = {}
    names = [" ".join(plain(h).lower().split()) for h in header]
    for role in listwords.COLUMN_ORDER:
        for i, name in enumerate(names):
            if i not in roles.values() and name in listwords.COLUMN_ROLES[role]:
                roles.setdefault(role, i)
    return roles


def title_column(rows: list[list[str]], roles: dict[str, int]) -> int | None:
    """The column that holds the titles when the header does not name it: the leftmost column whose
    cells are, in four rows of five or more, a link with a title's text."""
    if not rows:
        return None
    width = max(len(r) for r in rows)
    taken = set(roles.values())

    def share(i: int, test) -> float:
        return sum(1 for r in rows if i < len(r) and test(r[i].strip())) / len(rows)

    def linked(c: str) -> bool:
        return any(_title_candidate(p) and len(plain(p.text).split()) >= 2 for p in scan(c) if p.kind == "link")

    # Plain text alone is not enough: a column of descriptions or formulas reads like titles too.
    found = [i for i in range(width) if i not in taken and share(i, linked) >= 0.8]
    return found[0] if found else None


def parse_row(cells: list[str], roles: dict[str, int], line: int, section: tuple[str, ...]) -> Entry:
    """One table row -> Entry. Raises EntryError."""
    def cell(role: str) -> str:
        i = roles.get(role)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    title_cell = cell("title")
    pieces = [p for p in scan(title_cell) if not _is_badge(p)]
    title_links = [p for p in pieces if p.kind == "link" and plain(p.text) and not listwords.link_word(plain(p.text))]
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
    link_cell_links = [p for p in scan(cell("link")) if p.kind in ("link", "bracket") and not _is_badge(p)]
    flat = []
    for p in link_cell_links:
        inner = scan(p.text) if p.kind == "bracket" else []
        flat += [q for q in inner if q.kind == "link"] if p.kind == "bracket" else [p]
    papers = [p for p in flat if listwords.link_word(plain(p.text.strip("[]"))) == "paper"]
    if papers:
        url = papers[0].url
    elif not url and flat:
        url = flat[0].url
    if not url:     # a row with no paper link: its code or project page, if it has one (never a badge's)
        url = next((p.url for c in cells for p in scan(c) if p.kind == "link" and _is_http(p.url) and not _is_badge(p)), "")
    values: dict = {}
    venue_text = plain(cell("venue"))
    if venue_text and not re.fullmatch(r"[-–—/\s]*", venue_text):
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
    why = not_a_title(title)
    if why:
        raise EntryError(NO_TITLE, f"no title: {title[:60]!r} is {why}, not a paper's title")
    if not url and not values:
        raise EntryError(NO_LINK, f"no link for {title[:60]!r}, and no venue or year to say it is a paper")
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
