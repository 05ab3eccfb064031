"""Pure: a Zotero note's HTML -> clean GitHub-flavoured Markdown, and the one-line summary in it.

Zotero notes are HTML written by its note editor (ProseMirror: `<div data-schema-version>` around
`<h1>`, `<p>`, lists whose items hold paragraphs, tables, `<span style=...>` for colours), but a note
synced from an old client or a shared group library can hold anything. What comes out is Markdown
with no raw HTML at all, so nothing a note holds can run in a reader's browser:

- headings, paragraphs, block quotes, lists (nested, ordered with their start number), fenced code,
  tables as GFM tables, horizontal rules, hard line breaks;
- strong, emphasis, strikethrough, inline code, links whose target is http(s) (any other scheme, and
  `javascript:` above all, keeps only the link's text);
- `<span>`, `<u>`, `<font>` and every other unknown tag are unwrapped to their text; `<script>`,
  `<style>`, `<iframe>`, `<object>`, `<svg>`, form controls and images are dropped with their content;
  attributes are never copied, so event handlers (`onclick=`) have nowhere to go.

Text is escaped so that Markdown reads it back as the same literal text (tests/test_notes.py
round-trips it through cmark-gfm): `<` can never open a tag, `*`/`_` never open emphasis they were
not, a line never starts a list or heading it was not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

# Dropped with everything inside them.
_DROP = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript", "template",
    "svg", "math", "canvas", "audio", "video", "img", "picture", "source", "track", "map", "head", "title",
    "meta", "link", "base", "form", "input", "button", "select", "option", "textarea", "dialog", "portal",
})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "base", "col", "area", "embed", "source",
                   "track", "wbr", "param"})
_BLOCK = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "table", "hr",
    "section", "article", "header", "footer", "main", "nav", "aside", "figure", "figcaption", "address",
    "details", "summary", "dl", "dt", "dd", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_STRONG = frozenset({"strong", "b"})
_EMPHASIS = frozenset({"em", "i", "cite", "dfn", "var"})
_STRIKE = frozenset({"s", "del", "strike"})
_CODE = frozenset({"code", "kbd", "samp", "tt"})
# Starting one of these closes an open <p> (HTML's own rule, which hand-written notes rely on).
_CLOSES_P = _BLOCK - {"td", "th", "tr", "thead", "tbody", "tfoot", "dt", "dd", "li", "caption", "figcaption"}

_BR = "\x00"              # a hard line break inside inline text, until the paragraph is finished
_WS_RE = re.compile(r"[ \t\n\r\f]+")   # HTML's whitespace; U+00A0 is text, not space
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


# --- parsing: HTML -> a small tree ---------------------------------------------------------------------

@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list = field(default_factory=list)   # Node or str


class _TreeBuilder(HTMLParser):
    """Forgiving: unclosed tags close at their parent's end, stray end tags are ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self.dropping:
            if tag in _DROP and tag not in _VOID:
                self.dropping += 1
            return
        if tag in _DROP:
            if tag not in _VOID:
                self.dropping = 1
            return
        if tag == "li":
            self._close_up_to("li", stop={"ul", "ol"})
        elif tag in ("td", "th"):
            self._close_up_to("td", stop={"tr", "table"})
            self._close_up_to("th", stop={"tr", "table"})
        elif tag == "tr":
            self._close_up_to("tr", stop={"table"})
        if tag in _CLOSES_P:
            self._close_up_to("p", stop=_BLOCK - {"p"})
        node = Node(tag, {k: v or "" for k, v in attrs if k in ("href", "start", "class")})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and not self.dropping and self.stack[-1].tag == tag:
            self.stack.pop()
        elif tag in _DROP and tag not in _VOID and self.dropping:
            self.dropping -= 1

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag in _DROP and tag not in _VOID:
                self.dropping -= 1
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.stack[-1].children.append(data)

    def _close_up_to(self, tag: str, stop: set[str] | frozenset[str]) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            name = self.stack[i].tag
            if name == tag:
                del self.stack[i:]
                return
            if name in stop:
                return


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(_CONTROL_RE.sub("", html or ""))
    builder.close()
    return builder.root


# --- escaping ------------------------------------------------------------------------------------------

_ESCAPE_RE = re.compile(r"[\\`*\[\]<>|~$]|&(?=#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)"
                        r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINE_START_RE = re.compile(r"^(?:([#+\-=])|(\d{1,9})([.)]))")


def escape(text: str) -> str:
    """Literal text as Markdown: every character that could open a construct gets a backslash."""
    return _ESCAPE_RE.sub(lambda m: "\\" + m.group(), text)


def _escape_line_start(line: str) -> str:
    # Lines of a paragraph start with text only after a hard break or at the paragraph's start; there a
    # '#', '-', '+', '=' or '1.' would make a heading, list or setext underline.
    match = _LINE_START_RE.match(line)
    if not match:
        return line
    if match.group(1):
        return "\\" + line
    return f"{match.group(2)}\\{line[match.end(2):]}"


def safe_href(href: str) -> str:
    """An http(s) link target that cannot end the link early; "" for any other scheme."""
    # Browsers drop tabs and line breaks from a URL and trim it; an inner space is %20.
    href = re.sub(r"[\t\n\r]", "", href or "").strip(" \f")
    try:
        parts = urlsplit(href)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return quote(href, safe=":/?#@!$&'*+,;=%~-._[]")


# --- rendering: tree -> Markdown -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Context:
    strong: bool = False
    emphasis: bool = False
    strike: bool = False
    link: bool = False
    table: bool = False


def _inline(nodes: list, ctx: _Context) -> str:
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(escape(_WS_RE.sub(" ", node)))
            continue
        tag = node.tag
        if tag == "br":
            out.append(" " if ctx.table else _BR)
        elif tag in _CODE:
            out.append(_code_span(_plain(node), ctx))
        elif tag in _STRONG and not ctx.strong:
            out.append(_wrap("**", _inline(node.children, _with(ctx, strong=True))))
        elif tag in _EMPHASIS and not ctx.emphasis:
            out.append(_wrap("*", _inline(node.children, _with(ctx, emphasis=True))))
        elif tag in _STRIKE and not ctx.strike:
            out.append(_wrap("~~", _inline(node.children, _with(ctx, strike=True))))
        elif tag == "a" and not ctx.link:
            out.append(_link(node, ctx))
        elif tag in _HEADINGS or tag in _BLOCK:
            # A block inside inline context (a list in a table cell, a paragraph in a heading): its
            # text, kept apart by spaces.
            out.append(" " + _inline(node.children, ctx) + " ")
        else:     # span, u, font, sub, sup, mark, unknown tags: their text
            out.append(_inline(node.children, ctx))
    return "".join(out)


def _with(ctx: _Context, **changes) -> _Context:
    return _Context(**{**ctx.__dict__, **changes})


def _wrap(marker: str, content: str) -> str:
    # Delimiters next to a space do not open or close emphasis: keep the spaces outside them.
    core = content.strip(" " + _BR)
    if not core:
        return content
    lead = content[: len(content) - len(content.lstrip(" " + _BR))]
    trail = content[len(content.rstrip(" " + _BR)):]
    return f"{lead}{marker}{core}{marker}{trail}"


def _link(node: Node, ctx: _Context) -> str:
    text = _inline(node.children, _with(ctx, link=True))
    href = safe_href(node.attrs.get("href", ""))
    if not href:
        return text
    if not text.strip(" " + _BR):
        text = escape(href)
    return f"[{text.strip(' ')}]({href})"


def _plain(node: Node, breaks: str = " ") -> str:
    parts = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag == "br":
            parts.append(breaks)
        else:
            if child.tag in _BLOCK and parts and breaks == "\n" and not parts[-1].endswith("\n"):
                parts.append("\n")
            parts.append(_plain(child, breaks))
    return "".join(parts)


def _code_span(text: str, ctx: _Context) -> str:
    text = _WS_RE.sub(" ", text)
    if not text.strip():
        return escape(text)
    if ctx.table:
        text = text.replace("|", "\\|")   # GFM splits cells before it reads code spans
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text[0] == " " and text[-1] == " ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _finish_paragraph(text: str) -> str:
    lines = [_WS_RE.sub(" ", line).strip() for line in text.split(_BR)]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    lines = [_escape_line_start(line) for line in lines if line]
    return "\\\n".join(lines)


def _one_line(text: str) -> str:
    return _WS_RE.sub(" ", text.replace(_BR, " ")).strip()


def _blocks(node: Node, ctx: _Context) -> list[str]:
    """The Markdown blocks of a node's children (consecutive inline content makes a paragraph)."""
    blocks: list[str] = []
    pending: list = []

    def flush() -> None:
        if pending:
            paragraph = _finish_paragraph(_inline(pending, ctx))
            if paragraph:
                blocks.append(paragraph)
            pending.clear()

    for child in node.children:
        if isinstance(child, Node) and (child.tag in _BLOCK or child.tag in _HEADINGS):
            flush()
            blocks.extend(b for b in _block(child, ctx) if b)
        else:
            pending.append(child)
    flush()
    return blocks


def _block(node: Node, ctx: _Context) -> list[str]:
    tag = node.tag
    if tag in _HEADINGS:
        text = _one_line(_inline(node.children, ctx))
        return [f"{'#' * _HEADINGS[tag]} {text}"] if text else []
    if tag in ("ul", "ol"):
        return [_list(node, ctx)]
    if tag == "li":       # an item outside any list
        return [_list(Node("ul", children=[node]), ctx)]
    if tag == "blockquote":
        inner = "\n\n".join(_blocks(node, ctx))
        return [_prefix(inner, "> ", ">")] if inner else []
    if tag == "pre":
        return [_fence(node)]
    if tag == "table":
        return [_table(node, ctx)]
    if tag == "hr":
        return ["* * *"]
    return _blocks(node, ctx)


def _prefix(text: str, prefix: str, blank: str) -> str:
    return "\n".join(prefix + line if line else blank for line in text.split("\n"))


def _fence(node: Node) -> str:
    text = _plain(node, breaks="\n").strip("\n")
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    language = ""
    for child in [node, *[c for c in node.children if isinstance(c, Node)]]:
        match = re.search(r"\blanguage-([A-Za-z0-9_+-]{1,30})", child.attrs.get("class", ""))
        if match:
            language = match.group(1)
            break
    return f"{fence}{language}\n{text}\n{fence}"


def _list(node: Node, ctx: _Context) -> str:
    ordered = node.tag == "ol"
    try:
        number = max(0, min(int(node.attrs.get("start", "1")), 999_999_999)) if ordered else 0
    except ValueError:
        number = 1
    items = []
    for child in node.children:
        if isinstance(child, str):
            if not child.strip():
                continue
            child = Node("li", children=[child])
        elif child.tag != "li":
            child = Node("li", children=[child])
        marker = f"{number}. " if ordered else "- "
        number += 1
        body = _item_body(_blocks(child, ctx))
        if not body:
            items.append(marker.rstrip())
            continue
        indent = " " * len(marker)
        lines = body.split("\n")
        items.append(marker + lines[0] + "".join("\n" + (indent + line if line else "") for line in lines[1:]))
    return "\n".join(items)


def _item_body(blocks: list[str]) -> str:
    # A nested list may follow its item's first paragraph directly (a tight list, as editors make
    # them); anything else needs a blank line, or it would continue the paragraph or the list above.
    out = ""
    for i, block in enumerate(blocks):
        if i:
            follows_text = not _is_list(blocks[i - 1])
            out += "\n" if _interrupts(block) and follows_text else "\n\n"
        out += block
    return out


def _is_list(block: str) -> bool:
    return bool(re.match(r"(?:- |-$|\d{1,9}\. |\d{1,9}\.$)", block))


def _interrupts(block: str) -> bool:
    # CommonMark lets a list interrupt a paragraph only when it is a bullet list or starts at 1.
    return bool(re.match(r"(?:- [^\s]|1\. [^\s])", block))


def _table(node: Node, ctx: _Context) -> str:
    rows: list[list[str]] = []

    def collect(n: Node) -> None:
        for child in n.children:
            if isinstance(child, Node):
                if child.tag == "tr":
                    cells = [c for c in child.children if isinstance(c, Node) and c.tag in ("td", "th")]
                    rows.append([_one_line(_inline(c.children, _with(ctx, table=True))) for c in cells])
                elif child.tag in ("thead", "tbody", "tfoot"):
                    collect(child)
    collect(node)
    rows = [r for r in rows if any(r)] or [[""]]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join(["---"] * width) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    caption = next((c for c in node.children if isinstance(c, Node) and c.tag == "caption"), None)
    if caption is not None:
        text = _finish_paragraph(_inline(caption.children, ctx))
        if text:
            return text + "\n\n" + "\n".join(lines)
    return "\n".join(lines)


# --- what callers use --------------------------------------------------------------------------------

def to_markdown(html: str) -> str:
    """The note as Markdown blocks separated by blank lines, ending in one newline ("" when empty)."""
    blocks = _blocks(parse(html), _Context())
    return "\n\n".join(blocks) + "\n" if blocks else ""


def plain_lines(html: str) -> list[str]:
    """The note's text, one entry per block (paragraph, heading, list item...), whitespace collapsed."""
    lines: list[str] = []

    def walk(node: Node) -> None:
        pending: list[str] = []
        for child in node.children:
            if isinstance(child, Node) and (child.tag in _BLOCK or child.tag == "br"):
                lines.append(_WS_RE.sub(" ", "".join(pending)).strip())
                pending.clear()
                if child.tag != "br":
                    walk(child)
            elif isinstance(child, Node):
                pending.append(_plain(child))
            else:
                pending.append(child)
        lines.append(_WS_RE.sub(" ", "".join(pending)).strip())

    walk(parse(html))
    return [line for line in lines if line]


SUMMARY_PREFIX_RE = re.compile(r"^\s*summary\s*:\s*", re.IGNORECASE)


def starts_with_summary(html: str) -> bool:
    """The note's first line starts "Summary:" (how a curator marks a summary without a tag)."""
    lines = plain_lines(html)
    return bool(lines) and bool(SUMMARY_PREFIX_RE.match(lines[0]))


def summary_text(html: str) -> str:
    """The note as one line of Markdown, for the list's summary: blocks joined by spaces, without a
    leading "Summary:" or a first heading that only says "Summary"."""
    root = parse(html)
    blocks = _blocks(root, _Context())
    if blocks and re.fullmatch(r"#{1,6} summary:?", blocks[0].strip(), re.IGNORECASE):
        blocks = blocks[1:]
    text = _SUMMARY_LABEL_RE.sub("", " ".join(_flatten(b) for b in blocks).strip())
    return _WS_RE.sub(" ", text).strip()


# "Summary:" as the note starts, also in bold ("**Summary:**", "**Summary**:").
_SUMMARY_LABEL_RE = re.compile(r"^(?:\*\*)?summary(?::(?:\*\*)?|(?:\*\*)?:)\s*", re.IGNORECASE)


def _flatten(block: str) -> str:
    """One Markdown block as inline text: markers of headings, lists and quotes dropped."""
    lines = []
    for line in block.split("\n"):
        line = line.rstrip("\\").strip()
        line = re.sub(r"^(?:#{1,6} |> ?|- |\d{1,9}\. |\|)", "", line).strip()
        if line and not re.fullmatch(r"[|\-: ]+|\* \* \*|`{3,}\w*", line):
            lines.append(line.rstrip("|").strip())
    return " ".join(lines)
