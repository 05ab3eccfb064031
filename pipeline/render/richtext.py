"""Pure: Zotero's rich-text markup in titles (the tags its title editor writes, which CSL defines too).

`<i>`, `<b>`, `<sub>`, `<sup>`, `<sc>`, `<span class="nocase">` and the small-caps span become a tree
that each writer renders its own way: LaTeX commands in the .bib, plain text in the README (which
shows what a reader sees), the raw markup in CSL-JSON (whose processors read it). Any other inline
formatting element of HTML that is opened and closed (`<span style="small-caps">species status</span>`,
pasted from a web page) is dropped with its text kept, in every output; a lone `<div>`, and any
other tag (`<script>`), is text as typed.
Inline maths (`$n$ minus $\frac n 2$`) is found by `math_spans`: the .bib files keep it as maths when
it is made of symbols and commands that are safe to hand to LaTeX (`SAFE_MATH_COMMANDS`).
"""
from __future__ import annotations

import re

# HTML's inline formatting elements, which titles pasted from a web page carry: dropped when paired.
# Anything else that looks like a tag, such as "<10-ps", "<\input" or "<script>", is text.
FORMATTING = ("span", "div", "p", "em", "strong", "u", "font", "small", "big", "s", "strike", "a", "abbr", "cite",
              "q", "mark", "del", "ins", "tt", "var", "dfn", "kbd", "samp", "bdi", "bdo", "code", "pre")
_TAG_RE = re.compile(
    r"<(?P<open>i|b|sub|sup|sc)>|</(?P<close>i|b|sub|sup|sc|span)>"
    r"|<span\s+class=\"nocase\">(?P<nocase>)|<span\s+style=\"font-variant:\s*small-caps;?\">(?P<smallcaps>)"
    rf"|<(?P<other>(?i:{'|'.join(sorted(FORMATTING, key=len, reverse=True))}))(?:\s[^<>]*)?>"
    rf"|</(?P<otherclose>(?i:{'|'.join(sorted(FORMATTING, key=len, reverse=True))}))\s*>",
)


def _paired_others(title: str) -> set[int]:
    """Start offsets of the other HTML tags that come in open/close pairs (nested properly)."""
    stack: list[tuple[str, int]] = []
    paired: set[int] = set()
    for m in _TAG_RE.finditer(title):
        if m.group("nocase") is not None or m.group("smallcaps") is not None:
            stack.append(("", m.start()))           # Zotero's own span: its close is its own
        elif m.group("other"):
            stack.append((m.group("other").lower(), m.start()))
        elif m.group("otherclose") or m.group("close") == "span":
            name = (m.group("otherclose") or "span").lower()
            if stack and stack[-1][0] == "" and name == "span":
                stack.pop()
            elif stack and stack[-1][0] == name:
                paired |= {stack.pop()[1], m.start()}
    return paired
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
    paired = _paired_others(title) if "</" in title else set()
    for m in _TAG_RE.finditer(title):
        if (m.group("other") or m.group("otherclose")) and m.start() not in paired:
            continue            # a lone tag-like word stays text
        stack[-1][1].append(title[pos:m.start()])
        pos = m.end()
        if m.group("other"):
            tag = "html"
        elif m.group("otherclose"):
            if len(stack) > 1 and stack[-1][0] == "html":
                stack.pop()
            continue
        elif m.group("open"):
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
        wanted = ("nocase", "smallcaps", "html") if close == "span" else (close,)
        if len(stack) > 1 and stack[-1][0] in wanted:
            stack.pop()
        else:
            stack[-1][1].append(m.group(0))
    stack[-1][1].append(title[pos:])
    return root


def without_unknown_tags(title: str) -> str:
    """The rich text with the other HTML elements' tags dropped (their text kept): CSL-JSON's title."""
    if "</" not in title:
        return title
    paired = _paired_others(title)
    return "".join(piece for piece in _pieces(title, paired))


def _pieces(title: str, paired: set[int]):
    pos = 0
    for m in _TAG_RE.finditer(title):
        if m.start() in paired:
            yield title[pos:m.start()]
            pos = m.end()
    yield title[pos:]


# Inline maths: `$...$` that opens before a non-space and closes after one (so "$5 and $10" is text).
MATH_RE = re.compile(r"(?<![\\$])\$(?=[^\s$])((?:[^$\\]|\\.){1,300}?)(?<=[^\s\\])\$(?![\d$])")
# Commands maths in a title may use: symbols, Greek letters, fractions and fonts that LaTeX's kernel
# defines (a plain preamble loads no amsmath); nothing that reads a file, defines a macro or changes
# TeX's state.
SAFE_MATH_COMMANDS = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho
varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon
Phi Psi Omega frac sqrt ell hbar infty partial nabla cdot cdots ldots dots times div pm mp
leq geq le ge neq approx sim simeq equiv propto ll gg in notin subset subseteq supset supseteq cup cap
setminus emptyset forall exists wedge vee oplus otimes circ sum prod int oint lim log ln exp sin cos tan
max min sup inf arg det to rightarrow leftarrow leftrightarrow Rightarrow Leftarrow Leftrightarrow mapsto
mathcal mathrm mathbf mathit mathsf mathtt textrm left right big Big
prime star ast bullet langle rangle lceil rceil lfloor rfloor mid parallel perp top bot neg lnot
overline underline hat bar tilde vec dot ddot widehat widetilde , ; ! quad qquad backslash { } _ % # & $
""".split())
# (ASCII spaces only: a no-break space kept from Zotero is no maths, and pdflatex's maths has no UTF-8.)
_MATH_BODY_RE = re.compile(r"^(?:[A-Za-z0-9 \t\r\n+\-*/=<>()\[\].,;:!'|^_{}]|\\(?:[A-Za-z]+|[,;!{}_%#&$ ]))*$")


def math_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each inline formula of `text` that LaTeX may set as maths: balanced braces,
    ASCII symbols and the commands of SAFE_MATH_COMMANDS only."""
    if "$" not in text:
        return []
    out = []
    for m in MATH_RE.finditer(text):
        body = m.group(1)
        commands = re.findall(r"\\([A-Za-z]+|.)", body)
        depth = 0
        for char in re.sub(r"\\.", "", body):
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth < 0:
                break
        if depth == 0 and _MATH_BODY_RE.match(body) and all(c in SAFE_MATH_COMMANDS for c in commands):
            out.append(m.span())
    return out


def plain_text(title: str) -> str:
    """Rich text without its markup, whitespace collapsed: what a reader sees."""
    if "<" not in title:        # no tag can start: the text is all there is
        return WS_RE.sub(" ", title).strip(ASCII_WS)

    def walk(nodes: list) -> str:
        return "".join(n if isinstance(n, str) else walk(n[1]) for n in nodes)
    return WS_RE.sub(" ", walk(parse_markup(title))).strip(ASCII_WS)
