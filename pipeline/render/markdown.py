"""Pure: the small pieces of GitHub-flavoured Markdown the README is built from.

Text from Zotero is untrusted (anyone in a group library can type a title), so every field goes
through one of these functions before it touches the README:

- `clean` makes any string one safe line of text;
- `inline` escapes it so that Markdown reads it back as the same literal text;
- `curator_inline` does the same for the curator's summaries but keeps their emphasis and code;
- `link_destination` / `relative_link` give a link destination that cannot end the link early;
- `Slugger` gives GitHub's heading anchors, counting duplicates over the whole document.

Escaping is minimal on purpose: the README should read as if the curator typed it, so characters that
Markdown cannot interpret where a field lands (`:`, `.`, `,`, `(`, `)`, `-`, `'`, `#` mid-line...)
are left alone, and only the ones that can open a construct are escaped. Fields never start a line
(every entry and heading line begins with our own marker and all line breaks are removed), so the
line-start constructs (lists, headings, block quotes, tables, fences) cannot be reached at all.
"""
from __future__ import annotations

import re
import unicodedata
import urllib.parse

from pipeline.render.urls import safe_url

__all__ = [
    "Slugger", "clean", "curator_inline", "heading_text", "inline", "link_destination", "relative_link",
    "slug",
]

# Bidirectional embeddings, overrides and isolates: an unclosed one in a title would reorder how the
# rest of the line is displayed ("Trojan Source"). Left-to-right/right-to-left *marks* are kept:
# right-to-left titles use them legitimately and they cannot spill past their own position.
_BIDI_CONTROLS_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")

# What is escaped in text, by prefixing a backslash (every alternative matches one character):
#   \ [ ] ` * _ ~ < $   always: escapes, links/images/footnotes, code, emphasis and strikethrough,
#                        HTML and autolinks, GitHub's inline math;
#   &                   only when it starts an entity reference (`&amp;`, `&#65;`), so `R&D` stays;
#   : .                 only in "://" and "www.": GitHub links bare URLs in text (GFM autolinks),
#                        which would add a second link to an entry. (A bare e-mail address cannot be
#                        stopped by escaping: it becomes a mailto: link showing the same text.)
_ALWAYS = str.maketrans({ch: "\\" + ch for ch in "\\[]`*_~<$"})
_HEADING = str.maketrans({ch: "\\" + ch for ch in "\\[]`*_~<$#"})
_SUMMARY = str.maketrans({ch: "\\" + ch for ch in "\\[]_~<$"})   # keeps `*`; backticks are handled apart
_SPECIAL_RE = re.compile(r"[\\\[\]`*_~<$#]")
_CONTEXT_RE = re.compile(r"&(?=#|[A-Za-z0-9]+;)|:(?=//)|(?<=[Ww][Ww][Ww])\.")
_ENTITY_RE = re.compile(r"&(?=#|[A-Za-z0-9]+;)")
# In a summary: a curator's backslash escape, or a backtick run that may open a code span.
_SUMMARY_TOKEN_RE = re.compile(r"\\[!-/:-@\[-`{-~]|`+")


def _escape(text: str, table: dict) -> str:
    # str.translate does the bulk at C speed (and only when there is something to escape); the few
    # context-dependent characters follow.
    if _SPECIAL_RE.search(text):
        text = text.translate(table)
    return _CONTEXT_RE.sub(_backslash, text)


def _backslash(match: re.Match) -> str:
    return "\\" + match.group()


_CONTROLS_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATES_RE = re.compile("[\ud800-\udfff]")


def _is_clean(value: object) -> bool:
    """True for text `clean` gives back as it is: printable ASCII, single spaces, none at the ends."""
    return type(value) is str and value.isascii() and value.isprintable() and "  " not in value \
        and value[:1] != " " and value[-1:] != " "


def clean(value: object) -> str:
    """Any value as one line of plain text: no controls, no line breaks, no bidi overrides.

    Whitespace runs (line breaks, tabs, U+2028/9 and the C0/C1 controls included) become one space,
    lone surrogates (which JSON lets through but UTF-8 cannot encode) become U+FFFD.
    """
    if value is None:
        return ""
    if _is_clean(value):
        return value        # already one clean line: no copy, no scan in Python
    text = str(value)
    if not text.isascii():
        text = _BIDI_CONTROLS_RE.sub("", text)
    if not text.isprintable():
        text = _SURROGATES_RE.sub("\ufffd", _CONTROLS_RE.sub(" ", text))
    return " ".join(text.split())


def inline(value: object) -> str:
    """`value` as Markdown that GitHub renders as exactly the text `clean(value)`, nothing more."""
    return _escape(clean(value), _ALWAYS)


def heading_text(value: object) -> str:
    """Like `inline`, for a heading: `#` is escaped too, so a trailing ` #` is not taken as a closing
    sequence (`## C #` would render as "C")."""
    return _escape(clean(value), _HEADING)


def curator_inline(value: object) -> str:
    """A curator's summary: Markdown whose emphasis, code spans and backslash escapes are kept,
    everything else literal.

    The contract shows summaries like "Introduces **Neuron Coverage** to ...", so `*` is passed
    through, code spans are copied verbatim and a curator's own `\\*` stays an escape. That is safe
    for the entry's structure because:
    - the summary is the last field of its line (only our review link follows, which holds no `*`
      or backtick), so an unmatched `*` or backtick stays literal and cannot pair with anything of
      ours, and emphasis cannot reach into the title link, which is closed before the summary;
    - brackets, `<`, `_`, `~`, `$`, entities and bare URLs are escaped outside code spans, so a
      summary cannot make a link, an image, HTML or a footnote; inside a code span nothing is
      interpreted.
    `_` stays literal: snake_case reads better than an accidental emphasis, and the list uses `*`
    for emphasis throughout, which both linters require to be consistent.
    """
    text = clean(value)
    out, pos = [], 0
    for token in _SUMMARY_TOKEN_RE.finditer(text):
        start = token.start()
        if start < pos:                     # inside a code span already copied
            continue
        out.append(_escape(text[pos:start], _SUMMARY))
        run = token.group()
        if run[0] == "\\":
            out.append(run)                 # the curator's own escape
            pos = token.end()
            continue
        close = _closing_run(text, token.end(), len(run))
        if close < 0:
            out.append("\\`" * len(run))    # no code span: the backticks are literal
            pos = token.end()
        else:
            out.append(text[start:close + len(run)])
            pos = close + len(run)
    out.append(_escape(text[pos:], _SUMMARY))
    return "".join(out)


_BACKTICKS_RE = re.compile(r"`+")


def _closing_run(text: str, start: int, length: int) -> int:
    """Where the backtick run of exactly `length` that closes a code span starts, or -1."""
    for run in _BACKTICKS_RE.finditer(text, start):
        if len(run.group()) == length:
            return run.start()
    return -1


# --- link destinations -------------------------------------------------------------------------

# Left as they are in a URL: RFC 3986 unreserved and reserved characters, and `%` (already-encoded
# octets are kept; a stray `%` is fixed below). Everything else, notably space, ( ) < > [ ] \ ` " '
# | { } ^ and non-ASCII, is percent-encoded, so the destination can never close the link early.
_URL_SAFE = "-._~:/?#@!$&*+,;=%"
_STRAY_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(?::\d{1,5})?$")
# A URL `link_destination` gives back unchanged, recognised in one match: lower-case http(s), a plain
# host, a port of at most four digits (always a valid one), and a path, query and fragment of characters
# that need no encoding (no `%` or `&`, a `?` or `#` not left empty, which urlunsplit would drop).
_KEPT = r"A-Za-z0-9\-._~:/@!$*+,;="
_PLAIN_URL_RE = re.compile(rf"https?://[A-Za-z0-9.\-]+(?::\d{{1,4}})?(?:/[{_KEPT}]*)?(?:\?[{_KEPT}?]+)?(?:#[{_KEPT}?#]+)?")


def link_destination(value: object) -> str:
    """A link the list may show (`urls.safe_url` decides, for every output), written as a Markdown link
    destination; "" when there is none.

    The text is made one line first (`clean`), as everything in the README is. Non-ASCII host names are
    IDNA-encoded; hosts that are not plain names (IPv6 literals, anything with spaces or brackets) are
    refused, since the destination is written without angle brackets.
    """
    if type(value) is str and _PLAIN_URL_RE.fullmatch(value):
        return value
    url = safe_url(clean(value))
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)        # safe_url has split it once already: it cannot fail here
    userinfo, _, hostport = parts.netloc.rpartition("@")
    host, colon, port = hostport.partition(":") if not hostport.startswith("[") else (hostport, "", "")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return ""
    hostport = host + colon + port
    if not host or not _HOST_RE.match(hostport):
        return ""
    netloc = (urllib.parse.quote(userinfo, safe="-._~!$&*+,;=:%") + "@" if userinfo else "") + hostport
    rest = urllib.parse.urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    rest = urllib.parse.quote(_STRAY_PERCENT_RE.sub("%25", rest), safe=_URL_SAFE)
    # Entity references are decoded even inside a link destination, and no escape survives
    # cmark-gfm there, so an `&` that starts one (`?a=1&amp;b=2`) is percent-encoded: the link
    # then carries exactly the characters the URL was typed with.
    rest = _ENTITY_RE.sub("%26", rest)
    return f"{parts.scheme.lower()}://{netloc}{rest}"


def relative_link(path: object) -> str:
    """A repository-relative path ("reviews/My review.md") as a link destination: every character
    but letters, digits and `-._~/` is percent-encoded, so a space, a parenthesis or a colon (which
    could make it look like a scheme) cannot change what the link is."""
    text = clean(path).replace("\\", "/").lstrip("/")
    return urllib.parse.quote(text, safe="-._~/")


# --- GitHub heading anchors --------------------------------------------------------------------

# github-slugger (which awesome-lint uses, and which is tested against GitHub's own anchors) deletes
# every character of these general categories unless it is Alphabetic, and keeps ASCII "-" and space.
# markdownlint's MD051 differs only on rare characters: it keeps Other_Number ("²", "①") and drops
# circled letters; a heading holding one of those will not satisfy both linters, whatever we do.
_SLUG_DROPPED = frozenset({"No", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So",
                           "Cc", "Cf", "Co", "Cn", "Cs", "Zs", "Zl", "Zp"})
# Connector punctuation ("_" and its kin) is not among them, so it survives.
# Symbols that are nevertheless Alphabetic (Other_Alphabetic), which github-slugger keeps:
# circled and parenthesised Latin letters.
_SLUG_ALPHABETIC_SYMBOLS = (
    (0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189),
)


def _slug_keeps(ch: str) -> bool:
    if ch in " -":
        return True
    if unicodedata.category(ch) not in _SLUG_DROPPED:
        return True
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _SLUG_ALPHABETIC_SYMBOLS)


def slug(text: str) -> str:
    """GitHub's anchor for a heading whose rendered text is `text`, before duplicate numbering."""
    return "".join(ch for ch in text.lower() if _slug_keeps(ch)).replace(" ", "-")


class Slugger:
    """Anchors for the headings of one document, in order: the second "Empirical Studies" gets
    `empirical-studies-1`, skipping any anchor an earlier heading already took (github-slugger)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, text: str) -> str:
        base = result = slug(text)
        while result in self._seen:
            self._seen[base] += 1
            result = f"{base}-{self._seen[base]}"
        self._seen[result] = 0
        return result


