"""Pure: citation keys that never change once published.

Authors paste keys into papers with deadlines, so a key is a promise (Better BibTeX #76 "Showstopper:
citation keys change!"). The rules, in the order they are applied:

1. A record already in the committed key map keeps its published key, whatever happens to its title,
   year or authors, unless the curator pinned a different key in Zotero.
2. A pinned key (Zotero's `citationKey` field, or `Citation Key:` in `extra`) wins for a new record,
   and replaces the published key of a known one; the old key is kept as an alias (biblatex `ids`),
   so documents that cite it still compile with biber.
3. Any other record gets a Better BibTeX-style key: first author's family name (lower case, ASCII),
   the first three significant title words (each capitalised), the year: `smithDeepLearningRobust2020`.
   New records that want the same key get it in date-added order: the first has it bare, the next
   ones `a`, `b`, ... (BBT #415 taught that the older item must not get the postfix). Keys already
   published, or kept as aliases, are never handed out again, even after their item left the list:
   an old document would otherwise silently cite a different paper.

BibTeX compares keys without regard to case, so clashes are found case-insensitively, and keys are
restricted to `[A-Za-z0-9_:.-]`, which bibtex, biber and LaTeX's `\\cite` all accept.

The key map (data/curated/citekeys.json, committed) is `{"format": 1, "keys": {zotero key: citekey},
"aliases": {zotero key: [old keys]}}`: one line per item, sorted, so a new paper is a one-line diff.
"""
from __future__ import annotations

import re

from anyascii import anyascii

from pipeline.model import Problem, Record
from pipeline.render.richtext import plain_text

FORMAT = 1
KEY_RE = re.compile(r"^[A-Za-z0-9_:.\-]+$")
_BAD_RUN_RE = re.compile(r"[^A-Za-z0-9_:.\-]+")
_WORD_RE = re.compile(r"[A-Za-z0-9]+")

# Words that do not make a title recognisable: articles, prepositions, conjunctions (English and the
# commonest European ones, since the fold to ASCII happens first).
STOP_WORDS = frozenset("""
a about above across after against along am among an and anti are around as at be before behind below
between beyond but by can do down during for from has have how if in into is it its near nor not of off
on onto or out over per since so than that the their this through to toward towards under until up upon
via vs was we what when where which while who why will with within without yet
au aux d da das de del della dem den der des di die do du ein eine einem einen einer eines el en et
il la las le les lo los o og och por para sur um un una une und van von y zu zum zur
""".split())


def sanitize(key: str) -> str:
    """A pinned key made safe for bibtex: other characters become `_` ('DBLP:books/x' -> 'DBLP:books_x')."""
    return _BAD_RUN_RE.sub("_", anyascii(key or "")).strip("_")


def first_author(record: Record):
    """The creator a key is named after: the first author (`Record.people`), else the first creator."""
    authors, _ = record.people
    return (authors or record.creators or (None,))[0]


def derive(record: Record) -> str:
    """The Better BibTeX-style key a record would get, before any clash postfix."""
    author = first_author(record)
    auth = ""
    if author is not None:
        if author.family:
            auth = "".join(_WORD_RE.findall(anyascii(author.family))).lower()
        else:
            # An institution: its first word ("World Health Organization" -> "world").
            words = _WORD_RE.findall(anyascii(author.name or author.given))
            auth = words[0].lower() if words else ""
    words = [w for w in _WORD_RE.findall(anyascii(plain_text(record.title))) if w.lower() not in STOP_WORDS]
    short = "".join(w[:1].upper() + w[1:] for w in words[:3])
    key = f"{auth}{short}{record.year or ''}"
    # Nothing to build a key from: the Zotero key is unique and stable.
    return key or sanitize(record.key).lower() or "item"


def _postfixes():
    """'a', 'b', ..., 'z', 'aa', 'ab', ...: as many as needed."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = 1
    while True:
        for i in range(len(letters) ** n):
            s, v = "", i
            for _ in range(n):
                s = letters[v % 26] + s
                v //= 26
            yield s
        n += 1


def _free(base: str, taken: dict[str, str], owner: str) -> str:
    for postfix in _postfixes():
        candidate = base + postfix
        if taken.get(candidate.casefold(), owner) == owner:
            return candidate
    raise AssertionError("unreachable")


def _date_order(record: Record) -> tuple[int, str, str]:
    # Items without a date-added sort after dated ones, then by Zotero key: any input order gives
    # the same keys.
    return (0 if record.date_added else 1, record.date_added, record.key)


def read_map(published: dict | None) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(keys, aliases) of a stored key map; entries that are not valid keys are ignored."""
    published = published if isinstance(published, dict) else {}
    keys = {str(k): v for k, v in (published.get("keys") or {}).items()
            if isinstance(v, str) and KEY_RE.match(v)}
    aliases = {}
    for k, values in (published.get("aliases") or {}).items():
        if isinstance(values, list):
            good = [v for v in values if isinstance(v, str) and KEY_RE.match(v)]
            if good:
                aliases[str(k)] = good
    return keys, aliases


def assign(records: list[Record], published: dict) -> tuple[dict[str, str], dict]:
    """({item key: citation key} for `records`, the key map to store). `published` is the stored map.

    Pure and independent of the order of `records`.
    """
    pub_keys, pub_aliases = read_map(published)
    aliases = {k: list(v) for k, v in pub_aliases.items()}
    taken: dict[str, str] = {}            # casefolded key or alias -> the Zotero key that owns it
    for zkey, ckey in pub_keys.items():
        taken[ckey.casefold()] = zkey
    for zkey, olds in pub_aliases.items():
        for old in olds:
            taken.setdefault(old.casefold(), zkey)

    unique: dict[str, Record] = {}
    for record in sorted(records, key=_date_order):
        unique.setdefault(record.key, record)
    ordered = list(unique.values())

    result: dict[str, str] = {}
    pinned: list[tuple[Record, str]] = []
    derived: list[Record] = []
    for record in ordered:
        pin = sanitize(record.citation_key)
        old = pub_keys.get(record.key)
        if old and (not pin or pin == old):
            result[record.key] = old
        elif pin:
            pinned.append((record, pin))
        else:
            derived.append(record)

    def give(record: Record, wanted: str) -> None:
        owner = taken.get(wanted.casefold())
        key = wanted if owner in (None, record.key) else _free(wanted, taken, record.key)
        result[record.key] = key
        taken[key.casefold()] = record.key

    for record, pin in pinned:
        give(record, pin)
    for record in derived:
        give(record, derive(record))

    for record in ordered:
        key = result[record.key]
        olds = list(aliases.get(record.key, ()))
        previous = pub_keys.get(record.key)
        if previous and previous != key:
            olds.append(previous)
        olds.extend(a for a in record.citation_key_aliases if KEY_RE.match(a))
        # An alias that only differs in case from the key would be a duplicate to bibtex and biber.
        kept = sorted({a for a in olds if a.casefold() != key.casefold()})
        if kept:
            aliases[record.key] = kept
        else:
            aliases.pop(record.key, None)

    # Items that left the list stay in the map: their keys are never reused.
    stored = dict(pub_keys)
    stored.update(result)
    keymap = {
        "format": FORMAT,
        "keys": dict(sorted(stored.items())),
        "aliases": {k: v for k, v in sorted(aliases.items()) if v},
    }
    return {r.key: result[r.key] for r in records if r.key in result}, keymap


def moved(keymap: dict, moves: dict[str, str]) -> dict:
    """The stored key map with each paper's citation key and aliases carried from its old item key to
    its new one (`moves`: {old item key: new}, what push made in Zotero of an imported paper), so the
    paper keeps the key the list published for it instead of being handed a fresh one (`...2023a`)."""
    keys, old_aliases = read_map(keymap)
    return {"format": FORMAT, "keys": dict(sorted((moves.get(k, k), v) for k, v in keys.items())),
            "aliases": dict(sorted((moves.get(k, k), v) for k, v in old_aliases.items()))}


def aliases(keymap: dict) -> dict[str, tuple[str, ...]]:
    """{item key: older keys} of a key map, for the .bib's `ids` field."""
    return {k: tuple(v) for k, v in read_map(keymap)[1].items()}


def check(records: list[Record], keys: dict[str, str]) -> list[Problem]:
    """Warnings for pinned keys that could not be used as typed."""
    problems = []
    for record in records:
        pin = record.citation_key
        if not pin:
            continue
        key = keys.get(record.key, "")
        clean = sanitize(pin)
        if clean != pin:
            problems.append(Problem(record.key, f"pinned citation key {pin!r} has characters bibtex "
                                    f"rejects; published as {key!r}", "warning", "citekey-pinned-invalid"))
        elif key != pin:
            problems.append(Problem(record.key, f"pinned citation key {pin!r} is already used by another "
                                    f"item; published as {key!r}", "warning", "citekey-pinned-taken"))
    return problems
