"""Pure: text -> LaTeX for BibTeX fields, and Zotero rich text -> LaTeX for titles.

The .bib is read by three different programs, each with its own idea of "special":
  * BibTeX counts every `{` and `}` (a backslash does not escape them), so a literal brace is written
    as `\\textbraceleft{}` and the output is balanced by construction;
  * LaTeX needs `\\ # $ % & _ ~ ^` escaped (`50% off` silently eats the rest of the entry), and under
    the default OT1 font encoding `< > |` print as other glyphs, so they become text commands too;
  * a bibliography style lower-cases titles except inside braces, so each word with a capital
    is wrapped in braces of its own (`{{\\'E}cole}`: the outer pair protects even the accent
    command, which BibTeX would otherwise case-convert as a "special character").
Non-ASCII letters become LaTeX accent commands, as Better BibTeX does for BibTeX. Scripts LaTeX's
default fonts cannot set (CJK, Cyrillic, most Greek words) stay UTF-8: there is no honest ASCII
form, and xelatex/lualatex or biblatex+biber read them as they are.

Only symbols available in the default OT1/OML/OMS encodings are used: a TS1 (textcomp) or T1 glyph
would need fonts that a minimal TeX installation lacks, and the .bib must compile there.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The no-break spaces survive WS_RE: the table turns them into `~` and `\\,`.
from pipeline.render.richtext import ASCII_WS, WS_RE, parse_markup, plain_text  # noqa: F401 (plain_text: for callers)

# ASCII characters that mean something to BibTeX or LaTeX.
_ASCII = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}

# Combining marks -> accent commands that exist for OT1 (\k, ogonek, exists only for T1: a Polish
# author's document loads T1 anyway, and UTF-8 `ą` would fail the same way under OT1).
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u",
    "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0323": "d",
    "\u0327": "c", "\u0328": "k", "\u0331": "b",
}
# Accents set above the letter take a dotless i or j.
_ABOVE = set("`'^~=u\"rHv")

# Letters and symbols with their own commands. Commands ending in a letter are braced so the next
# letter cannot run into the command name (`{\ss}e`, not `\sse`).
_SYMBOLS = {
    "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "œ": r"{\oe}", "Œ": r"{\OE}", "ø": r"{\o}",
    "Ø": r"{\O}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}", "ȷ": r"{\j}", "å": r"{\aa}", "Å": r"{\AA}",
    "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,", "–": "--", "—": "---", "‐": "-", "‑": "-",
    "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}", "§": r"{\S}", "¶": r"{\P}",
    "©": r"{\copyright}", "®": r"\textregistered{}", "™": r"\texttrademark{}", "¡": "!`", "¿": "?`",
    "·": r"{$\cdot$}", "×": r"{$\times$}", "÷": r"{$\div$}", "±": r"{$\pm$}", "°": r"{$^\circ$}",
    "µ": r"{$\mu$}", "√": r"{$\surd$}", "∞": r"{$\infty$}", "≤": r"{$\leq$}", "≥": r"{$\geq$}",
    "≠": r"{$\neq$}", "≈": r"{$\approx$}", "→": r"{$\rightarrow$}", "←": r"{$\leftarrow$}",
    "↔": r"{$\leftrightarrow$}", "⇒": r"{$\Rightarrow$}", "−": r"{$-$}", "∈": r"{$\in$}",
    "∑": r"{$\sum$}", "∏": r"{$\prod$}", "∂": r"{$\partial$}", "∇": r"{$\nabla$}", "′": r"{$'$}",
    "†": r"{\dag}", "‡": r"{\ddag}", "•": r"{$\bullet$}", "£": r"{\pounds}",
}
# Greek letters that have math commands; the others (Κ, ά...) stay UTF-8.
_GREEK = dict(zip(
    "αβγδεζηθικλμνξπρςστυφχψωΓΔΘΛΞΠΣΥΦΨΩ",
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho varsigma sigma "
    "tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split(),
))
_SYMBOLS.update({k: "{$\\" + v + "$}" for k, v in _GREEK.items()})

# Invisible characters that only confuse TeX (zero-width space #1892 of Better BibTeX, soft hyphen,
# bidi controls, BOM) are dropped.
_DROP = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", *map(chr, range(0x202A, 0x202F)),
         *map(chr, range(0x2066, 0x206A))}


def _accented(base: str, marks: str) -> str | None:
    if not (base.isascii() and base.isalpha()) or any(m not in _ACCENTS for m in marks):
        return None
    out = base
    for mark in marks:
        cmd = _ACCENTS[mark]
        if out in ("i", "j") and cmd in _ABOVE:
            out = "\\" + out
        out = f"\\{cmd}{{{out}}}"
    return "{" + out + "}"


@lru_cache(maxsize=None)
def _encode_char(char: str) -> str:
    """One non-ASCII character as LaTeX, or unchanged when LaTeX's default fonts have no form."""
    if char in _SYMBOLS:
        return _SYMBOLS[char]
    if char in _DROP:
        return ""
    category = unicodedata.category(char)
    if category in ("Cc", "Zl", "Zp"):
        return " "
    if category == "Zs":
        return " "
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) > 1:
        accented = _accented(decomposed[0], decomposed[1:])
        if accented:
            return accented
    compat = unicodedata.decomposition(char)
    if compat.startswith(("<sub>", "<super>", "<compat>", "<font>", "<fraction>")):
        plain = unicodedata.normalize("NFKD", char)
        if plain.isascii():
            body = encode(plain)
            if compat.startswith("<sub>"):
                return r"\textsubscript{" + body + "}"
            if compat.startswith("<super>"):
                return r"\textsuperscript{" + body + "}"
            return body
    return char


class _Table(dict):
    """A str.translate table that fills itself: ASCII stays fast, each other character is
    worked out once."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        value = _encode_char(char) if codepoint > 127 else (" " if codepoint < 32 or codepoint == 127 else char)
        self[codepoint] = value
        return value


_TABLE = _Table({ord(k): v for k, v in _ASCII.items()})
_ORPHAN_MARKS_RE = re.compile(r"([A-Za-z])([\u0300-\u036f]+)")



def encode(text: str) -> str:
    """Plain text -> LaTeX that BibTeX and pdflatex read back as the same text.

    The result always has balanced braces. Whitespace runs become one space.
    """
    text = unicodedata.normalize("NFC", text)
    if text.isascii() or not _ORPHAN_MARKS_RE.search(text):
        out = text.translate(_TABLE)
    else:
        # A letter + combining marks that NFC could not compose ('q\u0301') -> an accent command.
        parts, pos = [], 0
        for m in _ORPHAN_MARKS_RE.finditer(text):
            accented = _accented(m.group(1), m.group(2))
            if accented:
                parts += [text[pos:m.start()].translate(_TABLE), accented]
                pos = m.end()
        parts.append(text[pos:].translate(_TABLE))
        out = "".join(parts)
    return WS_RE.sub(" ", out).strip(ASCII_WS)


# Zotero rich text (see render/richtext.py) as LaTeX commands.
_COMMANDS = {"i": r"\emph", "b": r"\textbf", "sub": r"\textsubscript", "sup": r"\textsuperscript",
             "sc": r"\textsc", "smallcaps": r"\textsc", "nocase": ""}


_WORD_RE = re.compile(r"(?:[^\s]|[\u00a0\u2009\u202f])+")


def _protect_words(text: str) -> str:
    # A word keeps its case when it holds any capital: acronyms (ISDN), names (Zotero), and
    # camel case (iOS) alike. Lower-case words stay free for a style that wants sentence case.
    def repl(m: re.Match) -> str:
        word = m.group(0)
        latex = encode(word)
        return "{" + latex + "}" if any(c.isupper() for c in word) else latex
    return _WORD_RE.sub(repl, text)


def _piece(text: str, protect: bool) -> str:
    # Whitespace at a markup boundary matters ("a <i>b</i>"): keep one space of it.
    core = text.strip(ASCII_WS)
    if not core:
        return " " if text else ""
    body = _protect_words(core) if protect else encode(core)
    return (" " if text[0] in ASCII_WS else "") + body + (" " if text[-1] in ASCII_WS else "")


def title(rich: str) -> str:
    """A Zotero title (rich text) -> a BibTeX title value, case-protected word by word."""
    def walk(nodes: list, protect: bool) -> str:
        out = []
        for node in nodes:
            if isinstance(node, str):
                out.append(_piece(node, protect))
                continue
            tag, children = node
            inner = walk(children, protect and tag != "nocase").strip(ASCII_WS)
            if not inner:
                continue
            command = _COMMANDS[tag]
            if tag == "nocase":
                out.append("{" + inner + "}")
            elif protect and tag in ("sc", "smallcaps"):
                # Small caps of an upper-case word are still upper-case text: protect it whole.
                out.append("{" + command + "{" + inner + "}}")
            else:
                out.append(command + "{" + inner + "}")
        return "".join(out)

    return WS_RE.sub(" ", walk(parse_markup(rich), True)).strip(ASCII_WS)


def balanced(value: str) -> bool:
    """BibTeX's view: every `}` closes an earlier `{` and none stay open."""
    depth = 0
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# --- reading our own output back -------------------------------------------------------------------

_ACCENT_CMD_RE = re.compile(r"\\([`'^~=\"u.rHvdcbk])\{(\\[ij]|[^{}\\][\u0300-\u036f]*)\}")
_MARK_OF = {v: k for k, v in _ACCENTS.items()}
_MARKUP_CMD_RE = re.compile(r"\\(?:emph|textbf|textsubscript|textsuperscript|textsc)(?=\{)")
_REVERSE = sorted(
    [(v, k) for k, v in {**_ASCII, **_SYMBOLS}.items() if v.startswith(("\\", "{"))] + [("~", "\u00a0")],
    key=lambda pair: -len(pair[0]),
)


def decode(value: str) -> str:
    """The plain text of a field this module wrote (for validators reading the .bib back).

    Not a general LaTeX reader: it knows the commands `encode` and `title` emit.
    """
    previous = None
    while previous != value:       # nested accents: \d{\^{e}}
        previous = value
        value = _ACCENT_CMD_RE.sub(
            lambda m: {"\\i": "i", "\\j": "j"}.get(m.group(2), m.group(2)) + _MARK_OF[m.group(1)], value)
    # Private-use placeholders keep escaped braces apart from the grouping braces removed below.
    found: list[str] = []
    for latex_form, char in _REVERSE:
        if latex_form in value:
            value = value.replace(latex_form, chr(0xF0000 + len(found)))
            found.append(char)
    value = _MARKUP_CMD_RE.sub("", value).replace("{", "").replace("}", "")
    for index, char in enumerate(found):
        value = value.replace(chr(0xF0000 + index), char)
    return unicodedata.normalize("NFC", value)
