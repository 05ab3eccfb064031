"""Pure: text -> LaTeX for BibTeX fields, and Zotero rich text -> LaTeX for titles.

The target is what authors compile: pdflatex + bibtex with `\\usepackage[utf8]{inputenc}` and
`\\usepackage[T1]{fontenc}`, the default Computer Modern fonts, and no declarations of their own. The
.bib is read by three programs, each with its own idea of "special":
  * BibTeX counts every `{` and `}` (a backslash does not escape them), so a literal brace is written
    as `{\\textbraceleft}` and the output is balanced by construction. Its styles also take names and
    titles apart (`text.prefix$` for alpha's labels, `change.case$`, `purify$`): every command with
    letters in its name is therefore written as a BibTeX "special character", a group that opens with a
    backslash at brace depth 0 (`{\\'E}`, `{\\u g}`), which those functions treat as one letter and
    never cut in two. The escapes made of a backslash and a symbol (`\\&`, `\\%`, `\\#`, `\\$`, `\\_`) hold
    no letter a style could change and stay bare in a field, as Better BibTeX writes them; in a name,
    whose first letters alpha cuts into labels, they are special characters too (`encode_name`);
  * LaTeX needs `\\ # $ % & _ ~ ^` escaped (`50% off` silently eats the rest of the entry);
  * a bibliography style lower-cases titles except inside braces, so each word with a capital is
    wrapped in braces of its own (`{{\\'E}cole}`).
Non-ASCII letters become accent commands in Better BibTeX's short spelling (`{\\"u}`, `{\\u g}`,
`{\\'\\i}`), symbols text or math commands (T1 and the kernel's textcomp symbols; Greek letters and math
symbols as `{$\\alpha$}`, or `{\\ensuremath{\\alpha}}` in a name). What the default fonts cannot
set at all (CJK, Hebrew, Arabic, Cyrillic, Greek words, emoji...) is transliterated with anyascii:
pdflatex would stop on it, and `transliterated()` lets `make check` name the item. The UTF-8 original
is kept in papers.biblatex.bib (see `encode_utf8`), or written with the same commands but without the
BibTeX-only braces when the curator asks for ASCII there (`encode_ascii`).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# The no-break spaces survive WS_RE: the table turns them into `~` and `\\,`.
from pipeline.render.richtext import ASCII_WS, WS_RE, math_spans, parse_markup, plain_text  # noqa: F401 (plain_text: for callers)

# ASCII characters that mean something to BibTeX or LaTeX (or, under a babel language, to neither:
# `<`, `>` and `|` print as other glyphs in OT1, so they are commands too), as a name needs them.
_ASCII = {
    "\\": r"{\textbackslash}",
    "{": r"{\textbraceleft}",
    "}": r"{\textbraceright}",
    "#": r"{\#}",
    "$": r"{\$}",
    "%": r"{\%}",
    "&": r"{\&}",
    "_": r"{\_}",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
    "<": r"{\textless}",
    ">": r"{\textgreater}",
    "|": r"{\textbar}",
    # Brackets would end the optional argument of `\bibitem[label]` when alpha builds a label from
    # a name such as "[F]linders": a group hides them.
    "[": "{[}",
    "]": "{]}",
}
# The same in any other field: the escapes without letters bare (see above), brackets as typed (only a
# name reaches `\\bibitem[label]`), `<` and `>` as maths, as Better BibTeX writes them.
_ASCII_FIELD = {**_ASCII, "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "_": r"\_", "[": "[", "]": "]",
                "<": "{$<$}", ">": "{$>$}"}

# Combining marks -> accent commands (all defined for T1; \k and \r need T1, which the preamble has).
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u",
    "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0323": "d",
    "\u0327": "c", "\u0328": "k", "\u0331": "b",
}
# Accents set above the letter take a dotless i or j.
_ABOVE = set("`'^~=u\"rHv")

# Letters and symbols with their own text commands (T1, or textcomp's TS1, which the LaTeX kernel
# loads on demand). Each is a BibTeX special character, see above.
_TEXT = {
    "ß": r"\ss", "æ": r"\ae", "Æ": r"\AE", "œ": r"\oe", "Œ": r"\OE", "ø": r"\o", "Ø": r"\O",
    "ł": r"\l", "Ł": r"\L", "ı": r"\i", "ȷ": r"\j", "å": r"\aa", "Å": r"\AA", "ð": r"\dh", "Ð": r"\DH",
    "þ": r"\th", "Þ": r"\TH", "ŋ": r"\ng", "Ŋ": r"\NG", "đ": r"\dj", "Đ": r"\DJ",
    "…": r"\ldots", "§": r"\S", "¶": r"\P", "©": r"\textcopyright", "®": r"\textregistered",
    "™": r"\texttrademark", "£": r"\pounds", "€": r"\texteuro", "¢": r"\textcent", "¥": r"\textyen",
    "¤": r"\textcurrency", "¦": r"\textbrokenbar", "¬": r"\textlnot", "ª": r"\textordfeminine",
    "º": r"\textordmasculine", "°": r"\textdegree", "µ": r"\textmu", "•": r"\textbullet",
    "†": r"\textdagger", "‡": r"\textdaggerdbl", "‰": r"\textperthousand", "№": r"\textnumero",
    "℃": r"\textcelsius", "«": r"\guillemotleft", "»": r"\guillemotright", "‹": r"\guilsinglleft",
    "›": r"\guilsinglright", "„": r"\quotedblbase", "‚": r"\quotesinglbase", "¼": r"\textonequarter",
    "½": r"\textonehalf", "¾": r"\textthreequarters", "¹": r"\textonesuperior", "²": r"\texttwosuperior",
    "³": r"\textthreesuperior", "¡": r"\textexclamdown",
    "¿": r"\textquestiondown", "‖": r"\textbardbl", "℮": r"\textestimated", "※": r"\textreferencemark",
    # Spacing accents, typed for a mark on nothing: the accent over an empty group.
    "˛": r"\k{}", "˘": r"\u{}", "ˇ": r"\v{}", "˝": r"\H{}", "˙": r"\.{}", "˚": r"\r{}",
}
# Plain ASCII stand-ins that TeX's ligatures or spacing commands turn back into the character.
_PLAIN = {
    "\u00a0": "~", "\u2009": r"{\,}", "\u202f": r"{\,}", "\u2002": " ", "\u2003": " ",
    "–": "--", "—": "---", "‐": "-", "‑": "-", "‒": "--", "―": "---", "−": "-",
    "‘": "`", "’": "'", "“": "``", "”": "''",
    "ʹ": "'",       # the prime of a romanised soft sign (Golʹshteĭn)
}
# Math symbols (`·` too, as Better BibTeX sets it), for text: `{$\\cdot$}` in a field, as Better BibTeX
# writes them, and `{\\ensuremath{\\cdot}}` in a name, a special character alpha's labels take whole.
_MATH = {
    "×": r"\times", "÷": r"\div", "±": r"\pm", "∓": r"\mp", "√": r"\surd", "∞": r"\infty",
    "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "≈": r"\approx", "≡": r"\equiv", "∼": r"\sim",
    "≃": r"\simeq", "≅": r"\cong", "∝": r"\propto", "≪": r"\ll", "≫": r"\gg", "→": r"\rightarrow",
    "←": r"\leftarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow", "⇐": r"\Leftarrow",
    "⇔": r"\Leftrightarrow", "↑": r"\uparrow", "↓": r"\downarrow", "↦": r"\mapsto",
    "⟹": r"\Longrightarrow", "⟸": r"\Longleftarrow", "⟺": r"\Longleftrightarrow", "∈": r"\in",
    "∉": r"\notin", "∋": r"\ni", "⊂": r"\subset", "⊆": r"\subseteq", "⊃": r"\supset",
    "⊇": r"\supseteq", "∪": r"\cup", "∩": r"\cap", "∖": r"\setminus", "∅": r"\emptyset",
    "∀": r"\forall", "∃": r"\exists", "∧": r"\wedge", "∨": r"\vee", "⊕": r"\oplus",
    "⊗": r"\otimes", "∘": r"\circ", "⋅": r"\cdot", "∗": r"\ast", "∑": r"\sum", "∏": r"\prod",
    "∫": r"\int", "∮": r"\oint", "∂": r"\partial", "∇": r"\nabla", "⊥": r"\perp", "∥": r"\parallel",
    "∣": r"\mid", "⊢": r"\vdash", "⊨": r"\models", "⟨": r"\langle", "⟩": r"\rangle",
    "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor", "⌋": r"\rfloor", "ℓ": r"\ell", "ℵ": r"\aleph",
    "ℏ": r"\hbar", "ℜ": r"\Re", "ℑ": r"\Im", "℘": r"\wp", "∆": r"\Delta", "∠": r"\angle",
    "△": r"\triangle", "♠": r"\spadesuit", "♣": r"\clubsuit", "♥": r"\heartsuit",
    "♦": r"\diamondsuit", "⋆": r"\star", "·": r"\cdot",
    "∙": r"\bullet", "⊤": r"\top", "′": r"\prime", "″": r"\prime\prime",
}
# Greek letters with a math command; a lone letter ("α-synuclein", "ε-greedy") is set as math, a
# Greek word is transliterated (math italics would spell it letter by letter, without its accents).
_GREEK = dict(zip(
    "αβγδεζηθικλμνξπρςστυφχψωΓΔΘΛΞΠΣΥΦΨΩϑϕϖϵϱ",
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho varsigma sigma "
    "tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega "
    "vartheta varphi varpi epsilon varrho".split(),
))
_MATH.update({k: "\\" + v for k, v in _GREEK.items()})

_SYMBOLS_NAME = {**{k: "{" + v + "}" for k, v in _TEXT.items()}, **_PLAIN,
                 **{k: r"{\ensuremath{" + v + "}}" for k, v in _MATH.items()}}
_SYMBOLS = {**_SYMBOLS_NAME, **{k: "{$" + v + "$}" for k, v in _MATH.items()}}

# Invisible characters that only confuse TeX (zero-width space #1892 of Better BibTeX, soft hyphen,
# bidi controls, BOM, variation selectors) are dropped.
_DROP = {"\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad", "\u061c",
         *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), *map(chr, range(0xFE00, 0xFE10))}

# A Greek word (two letters or more, accents included) is transliterated as a whole.
_GREEK_WORD_RE = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff](?:[\u0370-\u03ff\u1f00-\u1fff\u0300-\u036f])+")
# A letter + combining marks that NFC could not compose ('q\u0301', a dotless 'ı\u0308'); two letters
# under the halves of a tie (U+FE20, U+FE21: "i︠a︡" in the ALA-LC romanisation of Russian), `\\t{ia}`.
_ORPHAN_MARKS = r"(?P<base>[A-Za-zıȷ])(?P<marks>[\u0300-\u036f]+)"
_TIE = "(?P<tie>[A-Za-z]\ufe20[A-Za-z]\ufe21)"
_STACKED_RE = re.compile(r"[\u00c0-\u024f][\u0300-\u036f]+")
_SPECIAL_RUNS_RE = re.compile(f"{_TIE}|{_ORPHAN_MARKS}|{_GREEK_WORD_RE.pattern}")
_ASCII_RUNS_RE = re.compile(f"{_TIE}|{_ORPHAN_MARKS}")     # biber reads Greek
_COMPAT = ("<compat>", "<font>", "<noBreak>", "<wide>", "<narrow>", "<small>", "<square>", "<circle>")


def _accent(command: str, body: str) -> str:
    """One accent in Better BibTeX's spelling: `\\"u`, `\\'\\i`, `\\u g`, `\\d{\\^e}` (a command named by a
    letter takes a space before a lone letter; anything longer is braced)."""
    if len(body) == 1 or body in ("\\i", "\\j"):
        return f"\\{command} {body}" if command.isalpha() else f"\\{command}{body}"
    return f"\\{command}{{{body}}}"


def _accented(base: str, marks: str, form: str = "name") -> str | None:
    """`base` (an ASCII letter, or a dotless i or j) with accent commands for the `marks` LaTeX knows;
    None if none does. In a name, the whole is a BibTeX special character, `{\\"u}`, and an accent above
    an i or j sits on its dotless form; in another field, so is every accent but one of the symbol
    accents on a letter, which no style can cut or change the case of wrongly (`f\\"ur`, as Better
    BibTeX writes it); biber needs no special characters at all (`\\"u`, `\\^i`, `\\u g`)."""
    known = [m for m in marks if m in _ACCENTS]
    if not known or not (base in "ıȷ" or (base.isascii() and base.isalpha())):
        return None
    if form == "field" and len(known) == 1 and not _ACCENTS[known[0]].isalpha() and base not in "ijıȷ":
        return f"\\{_ACCENTS[known[0]]}{base}"
    braced = form != "ascii"
    if base in "ıȷ":
        # (`\\"\\i` must be closed off from the letters after it, even for biber.)
        base, braced = ("\\i" if base == "ı" else "\\j"), True
    out = base
    for mark in known:
        command = _ACCENTS[mark]
        if braced and out in ("i", "j") and command in _ABOVE:
            out = "\\" + out
        out = _accent(command, out)
    return "{" + out + "}" if braced else out


# The three spellings: "name" (papers.bib's names: every command a special character), "field"
# (papers.bib's other fields) and "ascii" (papers.biblatex.bib when the curator asks for ASCII: biber
# needs no special characters, and keeps as UTF-8 what LaTeX has no command for).
_SPECIALS = {"name": _ASCII, "field": _ASCII_FIELD, "ascii": _ASCII_FIELD}
# (For biber, an accent over nothing, `\\k{}`, closes itself: no group around it.)
_SYMBOLS_OF = {"name": _SYMBOLS_NAME, "field": _SYMBOLS,
               "ascii": {k: v[1:-1] if v.endswith("{}}") else v for k, v in _SYMBOLS.items()}}

# ASCII text -> LaTeX in one `str.translate` (C speed): the specials escaped, control characters spaced.
_ASCII_TABLES = {form: {**{c: " " for c in (*range(0, 32), 127)}, **{ord(k): v for k, v in table.items()}}
                 for form, table in _SPECIALS.items()}


def _ascii(text: str, form: str = "name") -> str:
    return text.translate(_ASCII_TABLES[form])


class _Utf8Table(dict):
    """`encode_utf8`'s translate table: specials escaped, controls spaced, invisibles dropped, a
    no-break space as `~`, everything else kept; each character worked out once."""

    def __missing__(self, codepoint: int):
        char = chr(codepoint)
        if char in _ASCII_FIELD:
            value = _ASCII_FIELD[char]
        elif char in _DROP:
            value = ""
        elif unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            value = " "
        elif char == "\u00a0":
            value = "~"
        else:
            value = None        # kept as it is
        self[codepoint] = value if value is not None else char
        return self[codepoint]


_UTF8_TABLE = _Utf8Table()


@lru_cache(maxsize=None)
def _char(char: str, form: str = "name") -> tuple[str, bool]:
    """(LaTeX form, transliterated?) of one non-ASCII character."""
    symbols = _SYMBOLS_OF[form]
    if char in symbols:
        return symbols[char], False
    if char in _DROP:
        return "", False
    category = unicodedata.category(char)
    if category in ("Cc", "Zs", "Zl", "Zp"):
        return " ", False
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) > 1 and decomposed[0].isascii():
        accented = _accented(decomposed[0], decomposed[1:], form)
        if accented:
            # A mark LaTeX has no accent for (Vietnamese horn, hook above) is left out: approximated.
            return accented, any(m not in _ACCENTS for m in decomposed[1:])
    compat = unicodedata.decomposition(char)
    if compat.startswith(("<sub>", "<super>")):
        body, approx = _encode(unicodedata.normalize("NFKD", char), form)
        if not approx and body:
            sub = compat.startswith("<sub>")
            if form != "name" and _MATH_SCRIPT_RE.fullmatch(body):
                return "{$" + ("_" if sub else "^") + body + "$}", False     # H₂O: `H{$_2$}O`
            cmd = r"\textsubscript" if sub else r"\textsuperscript"
            return "{" + cmd + "{" + body + "}}", False
    if compat.startswith(_COMPAT):
        body, approx = _encode(unicodedata.normalize("NFKD", char), form)
        if not approx:
            return body, False
    if form == "ascii":
        return ("", False) if category == "Mn" else (char, False)
    if category == "Mn":       # a combining mark on nothing LaTeX can accent
        return "", True
    return _ascii(anyascii(char), form), True


# What a sub- or superscript character may hold to be set as maths (`$_2$`, `$^n$`).
_MATH_SCRIPT_RE = re.compile(r"[A-Za-z0-9+=()\-]")


def _encode(text: str, form: str = "name") -> tuple[str, bool]:
    text = unicodedata.normalize("NFC", text)
    if text.isascii():
        return _ascii(text, form), False
    if _STACKED_RE.search(text):
        # A letter that NFC composed with one of its marks but not the next ("ā" + acute: the ā́ of
        # Vedic): taken apart again, so every mark finds its accent command (`{\\'{\\=a}}`).
        text = _STACKED_RE.sub(lambda m: unicodedata.normalize("NFD", m.group(0)), text)
    parts: list[str] = []
    approx = False
    pos = 0
    specials = _SPECIALS[form]
    pattern = _SPECIAL_RUNS_RE if form != "ascii" else _ASCII_RUNS_RE
    for m in pattern.finditer(text):
        parts.append(text[pos:m.start()])
        pos = m.end()
        if m.group("tie") is not None:      # i︠a︡
            body = m.group("tie")[0] + m.group("tie")[2]
            parts.append(("\\t{" + body + "}" if form == "ascii" else "{\\t{" + body + "}}", False))
        elif m.group("base") is not None:          # letter + orphan marks
            accented = _accented(m.group("base"), m.group("marks"), form)
            parts.append((accented, any(c not in _ACCENTS for c in m.group("marks"))) if accented
                         else m.group(0))
        else:
            parts.append((_ascii(anyascii(m.group(0)), form), True))
    parts.append(text[pos:])
    out = []
    for part in parts:
        if isinstance(part, tuple):
            out.append(part[0])
            approx |= part[1]
            continue
        for char in part:
            if char.isascii():
                out.append(specials.get(char, char if " " <= char < "\x7f" else " "))
            else:
                written, lossy = _char(char, form)
                out.append(written)
                approx |= lossy
    return "".join(out), approx


# A word TeX cannot hyphenate runs off the page (pdftotext then loses it): a long run of letters
# and digits gets a break point every so often.
_LONG_RUN_RE = re.compile(r"(?<![\\A-Za-z0-9])[A-Za-z0-9]{40,}")
_BREAK = r"{\allowbreak}"


def _breakable(m: re.Match) -> str:
    run = m.group(0)
    return _BREAK.join(run[i:i + 20] for i in range(0, len(run), 20))


# A long token with no space (a transliterated CJK title: 'YiShiQuanLi--XianQin...,DaLei...') also runs
# off the page though no run of letters in it is long: it may break after its commas, single hyphens
# and closing groups too.
_LONG_TOKEN_RE = re.compile(r"\S{50,}")


def _breaks_in_token(m: re.Match) -> str:
    token, out, depth = m.group(0), [], 0
    for i, ch in enumerate(token):
        out.append(ch)
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and i + 1 < len(token):
                out.append(_BREAK)
        elif depth == 0 and i + 1 < len(token) and (
                ch == "," or (ch == "-" and token[i + 1] != "-" and token[i - 1:i] != "\\")):
            out.append(_BREAK)
    return "".join(out)


# Text that every encoder leaves as it is: printable ASCII without LaTeX's specials, words separated by
# single spaces, no word long enough to need a break point. Most fields of a real list are this, and
# recognising it is one regex match instead of a pass through every rule below.
_PLAIN_CHARS = "".join(re.escape(chr(c)) for c in range(33, 127) if chr(c) not in _ASCII)
_PLAIN_RE = re.compile(f"(?:[{_PLAIN_CHARS}]{{1,39}}(?: [{_PLAIN_CHARS}]{{1,39}})*)?")


def _plain(text: str) -> bool:
    return _PLAIN_RE.fullmatch(text) is not None


def encode(text: str) -> str:
    """Plain text -> LaTeX that pdflatex sets with the default fonts and BibTeX's styles cannot break.

    The result is ASCII with balanced braces; whitespace runs become one space.
    """
    if _plain(text):
        return text
    return _LONG_RUN_RE.sub(_breakable, WS_RE.sub(" ", _encode(text, "field")[0]).strip(ASCII_WS))


def encode_name(text: str) -> str:
    """`encode` for a part of a name in papers.bib: every command, `{\\&}` and `{[}` included, a BibTeX
    special character, since alpha's labels and natbib's `\\bibitem[...]` take a name's first letters."""
    if _plain(text):
        return text
    return _LONG_RUN_RE.sub(_breakable, WS_RE.sub(" ", _encode(text, "name")[0]).strip(ASCII_WS))


def _encode_title_text(text: str) -> str:
    """`encode` for a title's words, which may also break after the punctuation of a long token."""
    out = encode(text)
    return _LONG_TOKEN_RE.sub(_breaks_in_token, out) if len(out) >= 50 else out


def transliterated(text: str) -> bool:
    """True when `encode` had to spell some of `text` in other letters (anyascii) or drop a mark:
    the .bib shows an approximation, papers.biblatex.bib the original."""
    return _encode(text, "field")[1]


def encode_utf8(text: str) -> str:
    """Plain text -> a biblatex field value for biber: LaTeX's specials escaped, every other
    character kept as UTF-8 (controls and invisible characters dropped)."""
    if _plain(text):
        return text
    text = unicodedata.normalize("NFC", text).translate(_UTF8_TABLE)
    return WS_RE.sub(" ", text).strip(ASCII_WS)


def encode_ascii(text: str) -> str:
    """Plain text -> a biblatex field value in ASCII where LaTeX has a command (Better BibTeX's
    `asciiBibLaTeX`): accents as biber reads them (`M\\'aria`, `Pet\\H o`), what has no command kept
    as UTF-8."""
    if _plain(text):
        return text
    return WS_RE.sub(" ", _encode(text, "ascii")[0]).strip(ASCII_WS)


# Zotero rich text (see render/richtext.py) as LaTeX commands; biblatex's own emphasis for biber.
_COMMANDS = {"i": r"\emph", "b": r"\textbf", "sub": r"\textsubscript", "sup": r"\textsuperscript",
             "sc": r"\textsc", "smallcaps": r"\textsc", "nocase": ""}
_BIBLATEX_COMMANDS = {**_COMMANDS, "i": r"\mkbibemph"}


_WORD_RE = re.compile(r"(?:[^\s]|[\u00a0\u2009\u202f])+")


def _protect_words(text: str, enc) -> str:
    # A word keeps its case when it holds any capital: acronyms (ISDN), names (Zotero), and
    # camel case (iOS) alike; so does a transliterated word, whose capitals anyascii chose.
    # Lower-case words stay free for a style that wants sentence case.
    def repl(m: re.Match) -> str:
        word = m.group(0)
        latex = enc(word)
        keep = any(c.isupper() for c in word) or (enc is _encode_title_text and transliterated(word))
        return "{" + latex + "}" if keep and latex else latex
    return _WORD_RE.sub(repl, text)


def _piece(text: str, protect: bool, enc) -> str:
    spans = math_spans(text)
    if spans:
        # Inline maths stays maths, braced so that no style changes its case; in papers.bib only
        # when it is ASCII (pdflatex's maths has no UTF-8).
        out, pos = [], 0
        for start, end in spans:
            formula = text[start:end]
            out.append(_piece(text[pos:start], protect, enc))
            out.append("{" + formula + "}" if formula.isascii() or enc is encode_utf8 else _piece(formula, protect, enc))
            pos = end
        out.append(_piece(text[pos:], protect, enc))
        return "".join(out)
    groups = _brace_groups(text)
    if groups:
        # Braces typed in a title ("{`Neural'} computation") protect what they hold, as in Better BibTeX.
        out, pos = [], 0
        for start, end in groups:
            out.append(_piece(text[pos:start], protect, enc))
            inner = _piece(text[start + 1:end - 1], False, enc).strip(ASCII_WS)
            out.append("{" + inner + "}" if inner else "")
            pos = end
        out.append(_piece(text[pos:], protect, enc))
        return "".join(out)
    # Whitespace at a markup boundary matters ("a <i>b</i>"): keep one space of it.
    core = text.strip(ASCII_WS)
    if not core:
        return " " if text else ""
    body = _protect_words(core, enc) if protect else enc(core)
    return (" " if text[0] in ASCII_WS else "") + body + (" " if text[-1] in ASCII_WS else "")


def _brace_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost `{...}` of `text`, when all its braces pair up; [] otherwise
    (a lone brace is a character, escaped as one)."""
    if "{" not in text:
        return []
    out, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "{":
            start = i if depth == 0 else start
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return []
            if depth == 0:
                out.append((start, i + 1))
    return out if depth == 0 else []


def rich(text: str, utf8: bool = False, ascii: bool = False) -> str:
    """A venue's name, which may hold Zotero's markup too ("4<sup>e</sup> congrès"): its tags as LaTeX
    commands, its words as `encode` (or `encode_utf8`, `encode_ascii`) writes them, no case protection."""
    if "<" not in text and "{" not in text:
        return (encode_ascii if ascii else encode_utf8)(text) if utf8 else encode(text)
    return title(text, utf8, protect=False, ascii=ascii)


def title(rich: str, utf8: bool = False, protect: bool = True, ascii: bool = False) -> str:
    """A Zotero title (rich text) -> a BibTeX title value, case-protected word by word.

    `utf8=True` writes it for biber: non-ASCII characters kept as they are, only LaTeX's specials escaped
    (or, with `ascii`, spelled as LaTeX commands where there are some), biblatex's `\\mkbibemph`.
    """
    if protect and _plain(rich):
        # No markup, nothing to escape or break, single spaces: only the words holding a capital are
        # braced (an ASCII word holds one when lower-casing changes it).
        return " ".join(word if word.lower() == word else "{" + word + "}" for word in rich.split(" "))
    enc = (encode_ascii if ascii else encode_utf8) if utf8 else _encode_title_text
    commands = _BIBLATEX_COMMANDS if utf8 else _COMMANDS

    def walk(nodes: list, protect: bool) -> str:
        out = []
        for node in nodes:
            if isinstance(node, str):
                out.append(_piece(node, protect, enc))
                continue
            tag, children = node
            if tag == "html":       # an HTML element Zotero does not define: its text, without it
                out.append(walk(children, protect))
                continue
            inner = walk(children, protect and tag != "nocase").strip(ASCII_WS)
            if not inner:
                continue
            command = commands[tag]
            if tag == "nocase":
                out.append("{" + inner + "}")
            elif protect and tag in ("sc", "smallcaps"):
                # Small caps of an upper-case word are still upper-case text: protect it whole.
                out.append("{" + command + "{" + inner + "}}")
            else:
                # A special character too, so a style's change.case$ leaves the command name alone.
                out.append("{" + command + "{" + inner + "}}")
        return "".join(out)

    return WS_RE.sub(" ", walk(parse_markup(rich), protect)).strip(ASCII_WS)


_EDTF_YEAR_RE = re.compile(r"^(?:Y?-?\d+)")


def year(value: int | None, edtf: str = "", original: str = "") -> str:
    """BibTeX's `year`, as Better BibTeX writes it: a range of years `1829--1830`, a reprint with the
    year of its original first, `[1990] 2002`; else the year (a range's start, as `value` is)."""
    if value is None:
        return ""
    out = str(value)
    if "/" in edtf and "T" not in edtf:
        ends = [_EDTF_YEAR_RE.match(end) for end in edtf.split("/")]
        if all(ends) and ends[0].group(0) != ends[1].group(0):
            out = f"{ends[0].group(0)}--{ends[1].group(0)}".replace("Y", "")
    first = _EDTF_YEAR_RE.match(original)
    return f"[{first.group(0)}] {out}" if first else out


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

# An accent as `_accent` spells it (`\\"u`, `\\'\\i`, `\\u g`, `\\d{...}`) or as a command on a braced letter.
_ACCENT_CMD_RE = re.compile(r"\\(?:([`'^~=\".])(\\[ij](?![A-Za-z])|[A-Za-z])|([uvrHdcbk]) (\\[ij](?![A-Za-z])|[A-Za-z])"
                            r"|([`'^~=\"uvrHdcbk.])\{(\\[ij]|[^{}\\][\u0300-\u036f]*)\})")
_MARK_OF = {v: k for k, v in _ACCENTS.items()}
_MARKUP_CMD_RE = re.compile(r"\\(?:emph|mkbibemph|textbf|textsubscript|textsuperscript|textsc|t)(?=\{)")
_REVERSE = sorted(
    [(v, k) for k, v in {**_ASCII, **_SYMBOLS_NAME}.items() if v.startswith("{")]
    + [(v, k) for k, v in _ASCII_FIELD.items() if v != k] + [(v, k) for k, v in _SYMBOLS.items() if v.startswith("{")]
    + [("~", "\u00a0"), (_BREAK, "")],
    key=lambda pair: -len(pair[0]),
)


def _unaccent(m: re.Match) -> str:
    command = m.group(1) or m.group(3) or m.group(5)
    letter = m.group(2) or m.group(4) or m.group(6)
    return {"\\i": "i", "\\j": "j"}.get(letter, letter) + _MARK_OF[command]


def decode(value: str) -> str:
    """The plain text of a field this module wrote (for validators reading the .bib back).

    Not a general LaTeX reader: it knows the commands `encode` and `title` emit. Transliterated
    text reads back as the transliteration.
    """
    previous = None
    while previous != value:       # nested accents: \d{\^{e}}
        previous = value
        value = _ACCENT_CMD_RE.sub(_unaccent, value)
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
