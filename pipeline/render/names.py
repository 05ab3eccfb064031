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
    """A person's name as BibTeX's four parts, in plain text."""

    first: str = ""
    von: str = ""
    last: str = ""
    jr: str = ""


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
    # (A comma typed before or after the given name, ", Marquis de", is a slip, not a name part.)
    family, given = creator.family.strip(), creator.given.strip().strip(",").strip()
    if creator.name or not family:
        return None
    if len(family) > 2 and family[0] == family[-1] == '"':
        return NameParts(first=given, last=family[1:-1].strip())
    given, jr = _split_suffix(given)
    family, family_jr = _split_suffix(family)
    jr = jr or family_jr
    tokens = _SPLIT_RE.split(family)
    if not jr and len(tokens) > 1 and tokens[-1].lower() in SUFFIXES:
        jr, tokens = tokens[-1], tokens[:-1]
    von: list[str] = []
    given_tokens = _SPLIT_RE.split(given) if given else []
    while len(given_tokens) > 1 and given_tokens[-1].lower() in PARTICLES and _first_letter_lower(given_tokens[-1]):
        von.insert(0, given_tokens.pop())
    while len(tokens) > 1 and _first_letter_lower(tokens[0]):
        von.append(tokens.pop(0))
    return NameParts(first=" ".join(given_tokens), von=" ".join(von), last=" ".join(tokens), jr=jr)


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


def _initials(first: str) -> str:
    def repl(m: re.Match) -> str:
        pair = m.group(0)
        # "PHilippe" is Philippe with a two-letter initial; the Dutch digraph "IJ" stays as written.
        return "{\\relax " + (pair if pair == "IJ" or pair[1].islower() else pair[0] + pair[1].lower()) + "}"
    return _TWO_INITIALS_RE.sub(repl, first)


def _person(parts: NameParts, enc: Callable[[str], str]) -> str:
    last = _guard(enc(parts.last), _needs_whole(parts.last))
    von = enc(parts.von)
    if von and (_AND_RE.search(von) or "," in von):
        # Only a von of particles is left free; anything odd joins the braced last name.
        von, last = "", _guard(enc(f"{parts.von} {parts.last}"), True)
    if not parts.first and not von and _SPLIT_RE.search(parts.last):
        # Without a comma BibTeX would read the first word as a given name.
        last = _guard(enc(parts.last), True)
    head = f"{von} {last}" if von else last
    first = _guard(enc(parts.first))
    if enc is latex.encode:
        first = _initials(first)
    jr = _guard(enc(parts.jr))
    if jr:
        return f"{head}, {jr}, {first}"
    return f"{head}, {first}" if first else head


def _institution(text: str, enc: Callable[[str], str]) -> str:
    value = enc(text)
    return _braced(value) if value else ""


def bibtex(creator: Creator) -> str:
    """One name for papers.bib (LaTeX, ASCII)."""
    return _render(creator, latex.encode)


def biblatex(creator: Creator) -> str:
    """One name for papers.biblatex.bib (UTF-8)."""
    return _render(creator, latex.encode_utf8)


# Most names are capitalised ASCII words: one family word and given words with no particle, suffix,
# comma or "and" (as a word). Every rule above leaves such a name as "Family, Given" in both files.
_FAMILY_RE = re.compile(r"[A-Z][A-Za-z0-9'.]*")
_GIVEN_RE = re.compile(r"(?:[A-Z][A-Za-z0-9'.]*(?: [A-Z][A-Za-z0-9'.]*)*)?")
_LIST_WORDS = frozenset(("and", "others"))


def _simple(creator: Creator) -> str:
    """"Family, Given" for a name every rule leaves alone, else ""."""
    family, given = creator.family, creator.given
    if creator.name or not _FAMILY_RE.fullmatch(family) or not _GIVEN_RE.fullmatch(given) \
            or _TWO_INITIALS_RE.search(given) \
            or family.lower() in _LIST_WORDS or not _LIST_WORDS.isdisjoint(given.lower().split()):
        return ""
    return f"{family}, {given}" if given else family


def _render(creator: Creator, enc: Callable[[str], str]) -> str:
    simple = _simple(creator)
    if simple:
        return simple
    parts = split(creator)
    if parts is None:
        return _institution(creator.name or creator.given, enc)
    if not enc(parts.last):
        # A family name that encodes to nothing (only invisible characters): the given name alone.
        return _institution(parts.first, enc)
    return _person(parts, enc)


def name_list(creators: Iterable[Creator], utf8: bool = False) -> str:
    """'A and B and C' for an author or editor field."""
    one = biblatex if utf8 else bibtex
    return " and ".join(n for n in (one(c) for c in creators) if n)
