"""Pure: Zotero's rich-text markup in titles (the tags its title editor writes, which CSL defines too).

`<i>`, `<b>`, `<sub>`, `<sup>`, `<sc>`, `<span class="nocase">` and the small-caps span become a tree
that each writer renders its own way: LaTeX commands in the .bib, plain text in the README (which
shows what a reader sees), the raw markup in CSL-JSON (whose processors read it).
"""
from __future__ import annotations

import re

# Anything else that looks like a tag, such as "<10-ps" or "<\input", is text.
_TAG_RE = re.compile(
    r"<(?P<open>i|b|sub|sup|sc)>|</(?P<close>i|b|sub|sup|sc|span)>"
    r"|<span\s+class=\"nocase\">(?P<nocase>)|<span\s+style=\"font-variant:\s*small-caps;?\">(?P<smallcaps>)",
)
# Whitespace to collapse; the no-break and thin spaces are kept as typed.
WS_RE = re.compile(r"[^\S\u00a0\u2009\u202f]+")
ASCII_WS = " \t\n\r\f\v"
# Real titles nest two or three tags; deeper nesting (hostile or broken text) stays text, so every
# writer that walks the tree recursively stays far from Python's recursion limit.
MAX_DEPTH = 32


def parse_markup(title: str) -> list:
    """Rich text -> a tree: a list of str and (tag, children) pairs. Unmatched tags are text."""
    root: list = []
    stack: list[tuple[str, list]] = [("", root)]
    pos = 0
    for m in _TAG_RE.finditer(title):
        stack[-1][1].append(title[pos:m.start()])
        pos = m.end()
        if m.group("open"):
            tag = m.group("open")
        elif m.group("nocase") is not None:
            tag = "nocase"
        elif m.group("smallcaps") is not None:
            tag = "smallcaps"
        else:
            tag = ""
        if tag and len(stack) > MAX_DEPTH:
            stack[-1][1].append(m.group(0))
            continue
        if tag:
            node: list = []
            stack[-1][1].append((tag, node))
            stack.append((tag, node))
            continue
        close = m.group("close")
        wanted = ("nocase", "smallcaps") if close == "span" else (close,)
        if len(stack) > 1 and stack[-1][0] in wanted:
            stack.pop()
        else:
            stack[-1][1].append(m.group(0))
    stack[-1][1].append(title[pos:])
    return root


def plain_text(title: str) -> str:
    """Rich text without its markup, whitespace collapsed: what a reader sees."""
    if "<" not in title:        # no tag can start: the text is all there is
        return WS_RE.sub(" ", title).strip(ASCII_WS)

    def walk(nodes: list) -> str:
        return "".join(n if isinstance(n, str) else walk(n[1]) for n in nodes)
    return WS_RE.sub(" ", walk(parse_markup(title))).strip(ASCII_WS)
