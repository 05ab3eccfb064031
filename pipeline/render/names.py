"""Pure: Zotero creators -> BibTeX name lists, split into First/von/Last/Jr as BibTeX reads them.

Zotero gives a person as lastName + firstName (or one `name` for an institution), while BibTeX reads
`von Last, Jr, First` and decides which words are "von" by their case: a word whose first letter is
lower-case is a particle. So the name is written in the form BibTeX takes apart correctly:
  * particles at the start of the family name ("de Beauvoir", "van der Meer") stay there, where
    BibTeX finds them (plain prints "S. de Beauvoir", sorts under B);
  * particles typed at the end of the given name ("Alexander von") move in front of the family name;
  * a suffix typed after a comma ("Martin Luther, Jr.", "Gérard, III") or after the family name
    ("Gates III") becomes the Jr part: `King, Jr., Martin Luther`;
  * a family name with a lower-case word that is not a leading particle ("Díaz de León", "al-Khwarizmi")
    is braced whole so BibTeX keeps it as the last name; so is a part holding a comma or the word
    "and", which would otherwise split the name or the name list. A brace group that holds a command is
    written `{\\relax ...}`: a BibTeX "special character", which alpha's labels (`text.prefix$`) and
    abbreviations take whole instead of cutting a command in two;
  * a family name in double quotes (Better BibTeX's convention, `"von Wright"`) is taken literally.
Institutions are braced whole. The same split serves biblatex, with UTF-8 kept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from pipeline.model import Creator
from pipeline.render import latex

# Words a given name may end with that belong in front of the family name.
PARTICLES = frozenset("""
a à al am an auf aus d' da dal dalla das de degli dei del della dello den der des di dos du el
het im in l' la las le les lo los op 't te ten ter toe und van vander vom von y zu zum zur
""".split())
SUFFIXES = frozenset("jr jr. jnr jnr. sr sr. snr snr. ii iii iv 2nd 3rd 4th".split())

# The longest prefix of a name the classic styles take (alpha's labels: `#3 text.prefix$`).
PREFIX = 3
_SPLIT_RE = re.compile(r"[\s~]+")
_SUBTOKEN_RE = re.compile(r"[\s~\-]+")
_AND_RE = re.compile(r"(?<![^\s~])(and|others)(?![^\s~])", re.IGNORECASE)


@dataclass(frozen=True)
class NameParts:
    """A person's name as BibTeX's four parts, in plain text. The von part is two: `von`, the particles
    typed at the end of the given name ("Simone de"), and `prefix`, those the family name opens with
    ("van der Meer"), which belong to it (CSL's dropping and non-dropping particles). `quoted`: the
    family name was typed in double quotes, to be taken as it is."""

    first: str = ""
    von: str = ""
    last: str = ""
    jr: str = ""
    prefix: str = ""
    quoted: bool = False


def _first_letter_lower(token: str) -> bool:
    """BibTeX's test for a von word, on plain text: is the first letter lower-case?"""
    for char in token:
        if char.isalpha():
            return char.islower()
    return False


def _split_suffix(text: str) -> tuple[str, str]:
    """'Martin Luther, Jr.' -> ('Martin Luther', 'Jr.'); ',!' is citeproc's "comma kept" mark."""
    if "," in text:
        head, _, tail = text.rpartition(",")
        tail = tail.lstrip("!").strip()
        if head.strip() and tail:
            return head.strip(), tail
    return text, ""


def split(creator: Creator) -> NameParts | None:
    """The four parts of a person's name; None for an institution (one literal name)."""
    # (A comma typed after the given name is a slip, not a name part. One typed before it, ", Marquis de",
    # keeps the given name whole: its particles stay in it, "Condorcet, Marquis de", as Better BibTeX
    # writes it, for a curator who wants the name sorted under its family name.)
    whole = creator.given.strip().startswith(",")
    family, given = creator.family.strip(), creator.given.strip().strip(",").strip()
    if creator.name or not family:
        return None
    if len(family) > 2 and family[0] == family[-1] == '"':
        return NameParts(first=given, last=family[1:-1].strip(), quoted=True)
    given, jr = _split_suffix(given)
    family, family_jr = _split_suffix(family)
    jr = jr or family_jr
    tokens = _SPLIT_RE.split(family)
    if not jr and len(tokens) > 1 and tokens[-1].lower() in SUFFIXES:
        jr, tokens = tokens[-1], tokens[:-1]
    von: list[str] = []
    prefix: list[str] = []
    given_tokens = _SPLIT_RE.split(given) if given else []
    while not whole and len(given_tokens) > 1 and given_tokens[-1].lower() in PARTICLES \
            and _first_letter_lower(given_tokens[-1]):
        von.insert(0, given_tokens.pop())
    while len(tokens) > 1 and _first_letter_lower(tokens[0]):
        prefix.append(tokens.pop(0))
    return NameParts(first=" ".join(given_tokens), von=" ".join(von), last=" ".join(tokens), jr=jr,
                     prefix=" ".join(prefix))


def _braced(value: str) -> str:
    """`{value}`, or `{\\relax value}` when a style's `text.prefix$` could cut a command in two.

    alpha's label of a one-word name is its first three characters, and inside an ordinary brace
    group BibTeX counts a command's backslash and letters as characters (`{{\\textbackslash}in...}`
    would become `{{\\te}}`). A group that opens with `\\relax` is a special character: taken whole.
    """
    counted = 0
    for char in value:
        if char in "{}":
            continue
        if char == "\\":
            return "{\\relax " + value + "}"
        counted += 1
        if counted >= PREFIX:
            break
    return "{" + value + "}"


def _guard(value: str, force: bool = False) -> str:
    """Brace a part whole when BibTeX would split it (a comma, "and") or `force`."""
    if not value or not (force or "," in value or _AND_RE.search(value)):
        return value
    return _braced(value)


def _needs_whole(last: str) -> bool:
    # Any lower-case word (or hyphen-joined part, which BibTeX also splits at) would be read as von.
    parts = [p for p in _SUBTOKEN_RE.split(last) if p]
    return len(parts) > 1 and any(_first_letter_lower(p) for p in parts)


# A given name that opens with two capitals ("PHilippe", "IJsbrand"): its initial is both letters, which
# BibTeX's styles keep together only as a special character, `{\\relax Ph}ilippe`.
# So does an initial of two letters written with its period ("Yu. E.", "A. Th. A. M."): `{\\relax Yu}.`.
_TWO_INITIALS_RE = re.compile(r"(?<![^\s~\-])([A-Z])([A-Z](?=[a-z])|[a-z](?=\.))")


def _all_caps(given: str) -> bool:
    """A given name of capitals only ("MA") is its initials, as Better BibTeX reads it."""
    return len(given) > 1 and given.isalpha() and given.isupper()


def _initials(first: str) -> str:
    if _all_caps(first):
        return "{\\relax " + first + "}"     # "MA": the initials M. A., kept whole
    def repl(m: re.Match) -> str:
        pair = m.group(0)
        # "PHilippe" is Philippe with a two-letter initial; the Dutch digraph "IJ" stays as written.
        return "{\\relax " + (pair if pair == "IJ" or pair[1].islower() else pair[0] + pair[1].lower()) + "}"
    return _TWO_INITIALS_RE.sub(repl, first)


# What Better BibTeX braces a family name for in papers.bib, besides a particle: a hyphen or dash.
_DASH_RE = re.compile(r"[-\u2012\u2013\u2014\u2015]")


def _person(parts: NameParts, enc: Callable[[str], str]) -> str:
    if enc is latex.encode_name:
        # papers.bib: the family name as typed is the last name, its particles ("van de Velde") and
        # hyphens ("Stephens-Davidowitz") braced in with it, as Better BibTeX writes it; a style then
        # prints and sorts it whole, as the curator typed it. Only the particles typed after the given
        # name ("Simone de") are BibTeX's von part.
        family = f"{parts.prefix} {parts.last}" if parts.prefix else parts.last
        whole = parts.quoted or bool(parts.prefix) or _needs_whole(family) or bool(_DASH_RE.search(family))
        last, von_text = _guard(enc(family), whole), parts.von
    else:
        # biber reads the von part itself, and a family name's particle is one ("van der Meer").
        last = _guard(enc(parts.last), parts.quoted or _needs_whole(parts.last))
        von_text = " ".join(p for p in (parts.von, parts.prefix) if p)
        family = parts.last
    von = enc(von_text)
    if von and (_AND_RE.search(von) or "," in von):
        # Only a von of particles is left free; anything odd joins the braced last name.
        von, last = "", _guard(enc(f"{von_text} {family}"), True)
    if not parts.first and not von and _SPLIT_RE.search(family):
        # Without a comma BibTeX would read the first word as a given name.
        last = _guard(enc(family), True)
    head = f"{von} {last}" if von else last
    first = _guard(enc(parts.first))
    if enc is latex.encode_name:
        first = _initials(first)
    jr = _guard(enc(parts.jr))
    if jr:
        return f"{head}, {jr}, {first}"
    return f"{head}, {first}" if first else head


# Initials as Better BibTeX finds them for biblatex's `given-i`: a given name of initials with one of two
# letters ("Yu. E."), or words that open with two capitals ("PHilippe", "IJsbrand").
_INITIALS_RE = re.compile(r"(?:[^\W\d_]+\.\s*)+")
_LONG_INITIAL_RE = re.compile(r"[^\W\d_]{2}\.")
_UPPER = "".join(chr(c) for c in range(0x250) if chr(c).isupper())    # Latin capitals

def _given_and_initials(given: str) -> tuple[str, list[str]]:
    """(the given name, its initials) when an initial is more than one letter, else (given, [])."""
    if _all_caps(given):
        return given, [given]
    if _INITIALS_RE.fullmatch(given) and _LONG_INITIAL_RE.search(given):
        return given, [i for i in re.split(r"[\s.]+", given) if i]
    if "." in given:
        return given, []
    words, initials = [], []
    for word in given.split():
        caps = len(word) - len(word.lstrip(_UPPER))
        if not caps or not word[caps:caps + 1].islower():
            return given, []
        # "PHilippe" is Philippe with the initial Ph; the Dutch "IJ" stays a capital pair.
        initial = word[:caps] if word[:caps] == "IJ" else word[0] + word[1:caps].lower()
        initials.append(initial)
        words.append(initial + word[caps:])
    return (" ".join(words), initials) if any(len(i) > 1 for i in initials) else (given, [])


def _part(value: str) -> str:
    """A value of biblatex's extended name format: braced when it holds its separators."""
    return _braced(value) if any(c in value for c in ",=") or _AND_RE.search(value) else value


def _extended(parts: NameParts, enc: Callable[[str], str]) -> str:
    """biblatex's extended name format (`family=Dijk, given=Marten, prefix=van, useprefix=true`), for a
    name with a particle or an initial of two letters, as Better BibTeX writes it; else ""."""
    given, initials = _given_and_initials(parts.first)
    prefix = " ".join(p for p in (parts.von, parts.prefix) if p)
    if not (prefix or initials):
        return ""
    out = [f"family={_part(enc(parts.last))}"]
    if given:
        out.append(f"given={_part(enc(given))}")
    if initials:
        # An initial of two letters is one initial: braced, so biber does not take its first letter.
        out.append("given-i=" + "".join("{{" + enc(i) + "}}" if len(i) > 1 and not _all_caps(given) else enc(i)
                                        for i in initials))
    if parts.jr:
        out.append(f"suffix={_part(enc(parts.jr))}")
    if prefix:
        # A particle of the family name is part of it (sorted "van Dijk"); one after the given name not.
        out += [f"prefix={_part(enc(prefix))}", f"useprefix={'true' if parts.prefix else 'false'}"]
    return ", ".join(out)


def _institution(text: str, enc: Callable[[str], str]) -> str:
    # Braced whole, an institution is one token whose brackets and commands a style cannot reach but
    # through its first letters, which `_braced` guards: inside, a field's spelling (`Universit\\'e`).
    value = (latex.encode if enc is latex.encode_name else enc)(text)
    return _braced(value) if value else ""


def bibtex(creator: Creator) -> str:
    """One name for papers.bib (LaTeX, ASCII)."""
    return _render(creator, latex.encode_name)


def biblatex(creator: Creator, extended: bool = False, ascii: bool = False) -> str:
    """One name for papers.biblatex.bib (UTF-8, or LaTeX's commands with `ascii`); with `extended`, a
    name with a particle or a two-letter initial in biblatex's extended name format."""
    enc = latex.encode_ascii if ascii else latex.encode_utf8
    if extended and not _simple(creator):
        parts = split(creator)
        if parts is not None and enc(parts.last):
            written = _extended(parts, enc)
            if written:
                return written
    return _render(creator, enc)


# Most names are capitalised ASCII words: one family word and given words with no particle, suffix,
# comma or "and" (as a word). Every rule above leaves such a name as "Family, Given" in both files.
_FAMILY_RE = re.compile(r"[A-Z][A-Za-z0-9'.]*")
_GIVEN_RE = re.compile(r"(?:[A-Z][A-Za-z0-9'.]*(?: [A-Z][A-Za-z0-9'.]*)*)?")
_LIST_WORDS = frozenset(("and", "others"))


def _simple(creator: Creator) -> str:
    """"Family, Given" for a name every rule leaves alone, else ""."""
    family, given = creator.family, creator.given
    if creator.name or not _FAMILY_RE.fullmatch(family) or not _GIVEN_RE.fullmatch(given) \
            or _TWO_INITIALS_RE.search(given) or _all_caps(given) \
            or family.lower() in _LIST_WORDS or not _LIST_WORDS.isdisjoint(given.lower().split()):
        return ""
    return f"{family}, {given}" if given else family


def _render(creator: Creator, enc: Callable[[str], str]) -> str:
    simple = _simple(creator)
    if simple:
        return simple
    if (creator.name or creator.family).strip() == "others" and not creator.given.strip():
        return "others"     # a creator Zotero holds as "others" is BibTeX's "et al.", as Better BibTeX writes it
    parts = split(creator)
    if parts is None:
        return _institution(creator.name or creator.given, enc)
    if not enc(parts.last):
        # A family name that encodes to nothing (only invisible characters): the given name alone.
        return _institution(parts.first, enc)
    return _person(parts, enc)


def name_list(creators: Iterable[Creator], utf8: bool = False, extended: bool = False, ascii: bool = False) -> str:
    """'A and B and C' for an author or editor field; `utf8` for papers.biblatex.bib, there in the
    extended name format or in ASCII when asked (see `biblatex`)."""
    if utf8:
        return " and ".join(n for n in (biblatex(c, extended, ascii) for c in creators) if n)
    return " and ".join(n for n in (bibtex(c) for c in creators) if n)
