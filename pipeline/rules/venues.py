"""Pure: any source's venue string -> the short label a researcher of the field writes (SOSP, TSE, ICSEW).

Every source names venues its own way: Zotero holds the proceedings title as the publisher prints it
("Proceedings of the ACM SIGOPS 31st Symposium on Operating Systems Principles", "19th USENIX Symposium on
Operating Systems Design and Implementation (OSDI 25)"), Crossref adds event acronyms ("ICSE '20") and ISO
short titles ("IEEE Trans. Softw. Eng."), DBLP has its own strings ("ESEC/SIGSOFT FSE", "ASPLOS (2)",
"DEEM@SIGMOD", "CoRR"). One function, `label`, reads them all against one table
(data/curated/venues.csv, parsed here from text by `parse_table`; the stage that reads the file hands the
text in). Nothing here does I/O.

How a name is matched: it is folded to a key (case, accents, punctuation, "Proceedings of the",
"Companion", "Volume 2", years, ordinals like "43rd" or "Thirty-Fourth" and edition numbers like the "25"
of "OSDI 25" all ignored), and the key is looked up among the table's names. When the whole name is not
known, its parts are tried: an acronym in parentheses, each side of a colon or comma (a side only if it is
an acronym or has three words or more: "Artificial Intelligence: Methodology, Systems, and Applications"
is not the journal Artificial Intelligence), an acronym after a dash (ACM's "... - DISCS '15"), the
workshop before an "@", an acronym with its edition glued on ("SC21"). Then a second, looser key that
also ignores the publisher ("ACM", "IEEE", "USENIX", "SIGOPS", ...) and "International"/"Annual", so
"ACM SIGOPS 28th Symposium on Operating Systems Principles" and "USENIX OSDI" need no row of their own; a
loose key two venues share is not used. A name the table does not know still has a label when it carries
an acronym ("(FOOBAR '21)" -> FOOBAR); otherwise it has none and the caller shows the raw name.

Workshops never become their host: a workshop proceedings title that names its host in parentheses
("Workshop on X (ICSE 2020)") gives no label rather than ICSE, and `best_label` prefers a workshop label
over the host's when a source gives both (Crossref's event acronym for a DEEM paper is "SIGMOD/PODS '19").
"""
from __future__ import annotations

import csv
import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from pipeline.model import Problem

CONFERENCE = "conference"
JOURNAL = "journal"
MAGAZINE = "magazine"
WORKSHOP = "workshop"
PREPRINT = "preprint"
OTHER = "other"
KINDS = frozenset({CONFERENCE, JOURNAL, MAGAZINE, WORKSHOP, PREPRINT, OTHER})

PROBLEM_CODE = "venue-table"

# --- keys ------------------------------------------------------------------------------------------

_ORDINAL_WORDS = frozenset(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth fortieth "
    "fiftieth sixtieth seventieth eightieth ninetieth hundredth".split())
_TENS = frozenset("twenty thirty forty fifty sixty seventy eighty ninety".split())
# Words that never tell one venue from another: the ordinals and numbers above, and these.
_NOISE = frozenset({"proceedings", "proc", "companion", "the", "volume", "vol", "pp", "pages"})
# Words the loose key also drops: who publishes or sponsors a venue, and the adjectives its name gains
# and loses between editions and sources ("ACM SIGOPS 28th Symposium on Operating Systems Principles",
# "38th Annual ACM Symposium on Principles of Distributed Computing").
_PUBLISHERS = frozenset({"acm", "ieee", "usenix", "ifip", "siam"})
_LOOSE_NOISE = _PUBLISHERS | frozenset({
    "cvf", "rsj", "spec", "sigmetrics",
    "sigops", "sigplan", "sigsoft", "sigarch", "sigsac", "sigkdd", "sigbed", "sigmicro", "sigmobile",
    "sigda", "sigapp", "sigcse", "sigsim", "sigweb", "sigai", "sigart", "sigact", "sigcas", "sigevo",
    "international", "annual",
})
_ORDINAL_RE = re.compile(r"^\d+(?:st|nd|rd|th)$")
_WORD_RE = re.compile(r"[^\W_]+")
# 'arXiv:1904.03257 [cs]' (older Zotero arXiv items), 'arXiv preprint arXiv:2101.00001' (Google Scholar).
_ARXIV_ID_IN_NAME_RE = re.compile(r"arxiv:\s*[^\s\[]+(?:\s*\[[^\]]*\])?", re.I)
_CORR_VOLUME_RE = re.compile(r"\babs/\S+")   # DBLP's volume of CoRR papers: 'CoRR abs/2101.00001'
_PARENS_RE = re.compile(r"\(([^()]*)\)")
_BRACKETS_RE = re.compile(r"[\[\]{}]")
# ACM proceedings titles end with the acronym after a dash: '... Scalable Computing Systems - DISCS '15'.
_DASH_TAIL_RE = re.compile(r"\s[-–—]\s*([^-–—]+)$")
_AT_RE = re.compile(r"([A-Za-z][\w\-+&/.]*)\s*@\s*[A-Za-z]")
# An edition after an acronym: '17, 2021, 25 (USENIX's two digits), XVII (HotOS's roman numerals).
_EDITION_TAIL_RE = re.compile(r"(?:\s*['’‘`]\s*\d{2}|\s+\d{2}|\s*\d{4}|\s+[IVXLC]+)$")
_TRAILING_DIGITS_RE = re.compile(r"\d+$")
_GLUED_EDITION_RE = re.compile(r"(?<=[A-Za-z])(?:\d{2}|\d{4})$")
_ACRONYM_RE = re.compile(r"^[A-Za-z][\w&/+\-.@]*(?: [A-Za-z][\w&/+\-.@]*){0,2}$")
_PUBLISHER_PREFIX_RE = re.compile(r"^(?:(?:ACM|IEEE|USENIX|IFIP|SIAM)\s*[/-]?\s*)+(?=\S)")
_MIN_SIDE_WORDS = 3
_MAX_ACRONYM = 24
_WORKSHOP_RE = re.compile(r"\bworkshops?\b", re.I)


@lru_cache(maxsize=65536)
def _tokens(name: str) -> tuple[str, ...]:
    if "&" in name and ";" in name:
        name = html.unescape(name)
    if ":" in name:
        name = _ARXIV_ID_IN_NAME_RE.sub(" arxiv ", name)
    if not name.isascii():
        name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    folded = name.casefold().replace("&", " and ")
    words = _WORD_RE.findall(folded)
    out = []
    for i, word in enumerate(words):
        if word.isdigit() or word in _NOISE or word in _ORDINAL_WORDS or _ORDINAL_RE.match(word):
            continue
        if word in _TENS and i + 1 < len(words) and words[i + 1] in _ORDINAL_WORDS:
            continue
        out.append(word)
    # What is left of "In Proceedings of the ...", "Companion of the ...", "Proceedings on ...".
    while out and out[0] in ("in", "of", "on"):
        out = out[1:]
    # 'Proceedings of the IEEE' is a journal, and 'IEEE' alone no venue: keep what tells them apart.
    if out and len(out) < len(words) and all(w in _PUBLISHERS for w in out) and \
            any(w in ("proceedings", "proc") for w in words):
        out.insert(0, "proceedings")
    return tuple(out)


def venue_key(name: str) -> str:
    """The key a name is matched by: 'Proceedings of the 2021 IEEE/ACM 43rd International Conference on
    Software Engineering' -> 'ieee acm international conference on software engineering'."""
    return " ".join(_tokens(name))


def loose_key(name: str) -> str:
    """`venue_key` without publishers and the words names gain and lose between sources."""
    return " ".join(w for w in _tokens(name) if w not in _LOOSE_NOISE)


# --- the table -------------------------------------------------------------------------------------

@dataclass
class VenueTable:
    """Names (by key) -> label, and label -> kind. Build it with `parse_table`; it memoises `label`."""

    names: dict[str, str] = field(default_factory=dict)       # venue_key -> label
    loose: dict[str, str] = field(default_factory=dict)       # loose_key -> label, unambiguous ones only
    kinds: dict[str, str] = field(default_factory=dict)       # label -> kind ('' when the table says none)
    full_names: dict[str, str] = field(default_factory=dict)  # label -> the venue's name (its row with a kind)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.kinds)

    @property
    def labels(self) -> list[str]:
        return sorted(self.kinds, key=str.casefold)

    def lookup(self, name: str) -> str:
        """The label of a name the table knows (by its key, else its loose key); '' otherwise."""
        key = venue_key(name)
        if not key:
            return ""
        return self.names.get(key) or self.loose.get(loose_key(name), "")


EMPTY = VenueTable()

_HEADERS = ({"venue", "label"}, {"venue", "label", "kind"})


def table_from_bytes(data: bytes, name: str = "venues.csv") -> tuple[VenueTable, list[Problem]]:
    """The venue table from the file's bytes (`read_venues` in machinery/crossref_cache.py reads them).
    A row that is not UTF-8 is skipped and named, not the table; a leading BOM is dropped."""
    problems: list[Problem] = []
    lines = []
    for number, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:   # one bad row is skipped and named, not the whole table
            problems.append(Problem(f"{name}:{number}", "not UTF-8 (row ignored)", "warning", "venue-table"))
            lines.append("\n")
    if lines:
        lines[0] = lines[0].removeprefix("\ufeff")
    table, found = parse_table("".join(lines), name)
    return table, problems + found


def parse_table(text: str, filename: str = "venues.csv") -> tuple[VenueTable, list[Problem]]:
    """The venue table from the text of data/curated/venues.csv, and a warning per row it cannot use.

    Rows are `venue,label[,kind]`; '#' starts a comment line. Each label is also a name of itself. A row
    whose name is already another label's is refused (the first row wins), as is a second kind for a label.
    """
    table = VenueTable()
    problems: list[Problem] = []
    first_line: dict[str, int] = {}

    def warn(number: int, message: str) -> None:
        problems.append(Problem(f"{filename}:{number}", message, "warning", PROBLEM_CODE))

    seen_content = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        row = [c.strip() for c in next(csv.reader([line]), [])]
        if not seen_content:
            seen_content = True
            if {c.lower() for c in row if c} in _HEADERS:
                continue
        while row and not row[-1]:
            row.pop()
        if len(row) < 2 or not row[0] or not row[1]:
            warn(number, "expected `venue,label` or `venue,label,kind`")
            continue
        if len(row) > 3:
            warn(number, f"{len(row)} columns, expected at most 3 (quote a name that contains a comma)")
            continue
        name, label_, kind = row[0], row[1], (row[2].lower() if len(row) > 2 else "")
        if kind and kind not in KINDS:
            warn(number, f"unknown kind {kind!r} (one of {', '.join(sorted(KINDS))})")
            continue
        key = venue_key(name)
        if not key:
            warn(number, f"{name!r} has nothing to match by once years, numbers and 'Proceedings' are dropped")
            continue
        known = table.names.get(key)
        if known is not None and known != label_:
            warn(number, f"{name!r} is already a name of {known} (line {first_line[key]}); row ignored")
            continue
        if kind and table.kinds.get(label_) and table.kinds[label_] != kind:
            warn(number, f"{label_} is already a {table.kinds[label_]}; row ignored")
            continue
        table.names.setdefault(key, label_)
        first_line.setdefault(key, number)
        if kind or label_ not in table.kinds:
            table.kinds[label_] = kind or table.kinds.get(label_, "")
        if kind and name != label_:
            table.full_names.setdefault(label_, name)      # the first row of a venue names it
    # A label is a name of itself ("SOSP", "IEEE Software"), unless a row gave that name to another.
    for label_ in table.kinds:
        key = venue_key(label_)
        if key:
            table.names.setdefault(key, label_)
    table.loose = _loose_names(table.names)
    return table, problems


def _loose_names(names: dict[str, str]) -> dict[str, str]:
    by_key: dict[str, set[str]] = {}
    for key, label_ in names.items():
        loose = " ".join(w for w in key.split() if w not in _LOOSE_NOISE)
        # One word left is too little to go on ('software' of 'IEEE Software', 'micro'): exact keys only.
        if len(loose.split()) >= 2:
            by_key.setdefault(loose, set()).add(label_)
    return {k: next(iter(v)) for k, v in by_key.items() if len(v) == 1}


def full_name(venue: str, label_: str, table: VenueTable) -> str:
    """The venue's name for a .bib or CSL file: as Zotero holds it, unless that is only the label itself
    ("NeurIps" typed as the conference name), when the table's name of the venue stands in for it with
    the label researchers know a conference by ("Advances in Neural Information Processing Systems
    (NeurIPS)"; a journal's name alone: "Information and Software Technology")."""
    if venue and label_ and venue_key(venue) == venue_key(label_) and label_ in table.full_names:
        name = table.full_names[label_]
        # Researchers name a conference by its acronym beside its name; a journal by its name alone.
        return f"{name} ({label_})" if table.kinds.get(label_) in ("conference", "workshop") else name
    return venue


def kind_of(label_: str, table: VenueTable) -> str:
    """'conference', 'journal', 'magazine', 'workshop', 'preprint', 'other'; '' for a label the table
    does not know or gives no kind."""
    return table.kinds.get(label_, "")


# --- labels ----------------------------------------------------------------------------------------

def _strip_edition(acronym: str) -> str:
    """'SOSP '17' -> 'SOSP', 'OSDI 25' -> 'OSDI', 'HotOS XVII' -> 'HotOS', 'ICSE 2021' -> 'ICSE'."""
    acronym = acronym.strip()
    while True:
        shorter = _EDITION_TAIL_RE.sub("", acronym).strip()
        if shorter == acronym or not shorter:
            return acronym
        acronym = shorter


def _as_acronym(value: str) -> str:
    """`value` without its edition if it looks like a venue acronym ('ESEC/FSE '23', 'USENIX ATC 19'),
    else ''. An acronym has at most three words, and two capitals or a capital and a digit."""
    value = " ".join(value.split())
    if len(value) > _MAX_ACRONYM + 8:      # room for an edition: ' 2021', "'21", ' XVII'
        return ""
    value = _strip_edition(value)
    if not value or len(value) > _MAX_ACRONYM or not _ACRONYM_RE.match(value):
        return ""
    # Each word two capitals or a capital and a digit: 'EuroSys', 'ML4Sys', 'USENIX ATC'; not 'Nature'.
    for word in value.split():
        capitals = sum(c.isupper() for c in word)
        if capitals < 2 and not (capitals and any(c.isdigit() for c in word)):
            return ""
    return value


def _parts(name: str) -> list[tuple[str, bool]]:
    """The parts of a name worth looking up alone, best first, each with whether it is an acronym."""
    parts: list[tuple[str, bool]] = [(inner, True) for inner in _PARENS_RE.findall(name)]
    bare = " ".join(_PARENS_RE.sub(" ", name).split())
    if bare != name:
        parts.append((bare, False))
    sides = []
    if ":" in bare:
        sides += bare.split(":")
    if "," in bare:
        sides += bare.split(",")
    dash = _DASH_TAIL_RE.search(bare)
    if dash:
        sides += [dash.group(1), bare[: dash.start()]]
    for side in sides:
        if _as_acronym(side):
            parts.append((side, True))
        # A side is a name only if it says enough: 'Artificial Intelligence: Methodology, Systems, and
        # Applications' is not the journal Artificial Intelligence.
        elif len(_tokens(side)) >= _MIN_SIDE_WORDS:
            parts.append((side, False))
    at = _AT_RE.search(name)
    if at:
        parts.append((at.group(1), True))
    return parts


def _resolve(name: str, table: VenueTable) -> tuple[str, bool]:
    """(label, whether the table knew it) for one name; ('', False) when nothing is worth showing."""
    if ":" in name:
        name = _ARXIV_ID_IN_NAME_RE.sub(" arXiv ", name)
    if "abs/" in name:
        name = _CORR_VOLUME_RE.sub(" ", name)
    if "[" in name or "{" in name:
        name = _BRACKETS_RE.sub(" ", name)
    name = " ".join(name.split())
    if not name:
        return "", False
    whole = table.names.get(venue_key(name))
    if whole:
        return whole, True
    workshop = bool(_WORKSHOP_RE.search(name))

    def fits(found: str) -> bool:
        # A workshop's title may name its host ('... (ICSE 2020)'); the host is not the workshop's label.
        return not workshop or table.kinds.get(found, "") in (WORKSHOP, "")

    parts = _parts(name)
    for part, is_acronym in parts:
        candidate = _strip_edition(part) if is_acronym else part
        found = table.names.get(venue_key(candidate))
        if found and fits(found):
            return found, True
    # 'SC21', 'ICSE2020': an edition glued to a known acronym.
    for candidate in [name] + [p for p, is_acronym in parts if is_acronym]:
        candidate = candidate.strip()
        if not (candidate[-1:].isdigit() and _as_acronym(candidate)):
            continue
        glued = _GLUED_EDITION_RE.sub("", candidate)
        if glued != candidate:
            found = table.names.get(venue_key(glued))
            if found and fits(found):
                return found, True
    for candidate in [name] + [p for p, is_acronym in parts if not is_acronym]:
        key = loose_key(candidate)
        found = table.loose.get(key) if key else None
        if found and fits(found):
            return found, True
    # 'USENIX OSDI', 'ACM SIGMOD', 'IEEE ICDE 2021': a known acronym behind its publisher.
    for candidate in [name] + [p for p, is_acronym in parts if is_acronym]:
        if _as_acronym(candidate):
            key = loose_key(_strip_edition(candidate))
            found = table.names.get(key) if key else None
            if found and fits(found):
                return found, True
    # Not in the table: an acronym the source itself gives is still the label a reader knows.
    whole_acronym = _as_acronym(name)
    if whole_acronym:
        return _without_publisher(whole_acronym), False
    for part, is_acronym in parts:
        if is_acronym:
            acronym = _as_acronym(part)
            if acronym and fits(table.names.get(venue_key(acronym), "")):
                return _without_publisher(acronym), False
    return "", False


def _without_publisher(acronym: str) -> str:
    """'IEEE QRS' -> 'QRS', 'FOO21' -> 'FOO': the list writes a venue's acronym, not its publisher's or
    its edition."""
    if all(w in _PUBLISHERS for w in _tokens(acronym)):
        return ""
    acronym = _PUBLISHER_PREFIX_RE.sub("", acronym)
    # 'FOO21' -> 'FOO': the list shows the year on its own.
    unglued = _GLUED_EDITION_RE.sub("", acronym)
    return unglued if _as_acronym(unglued) == unglued else acronym


def _issue_label(found: str, issue: str, table: VenueTable) -> str:
    """PACMPL, PACMSE, ... publish each conference as an issue ('OOPSLA2', 'FSE'): the issue is the label."""
    if not issue or table.kinds.get(found) != JOURNAL:
        return found
    by_issue = table.names.get(venue_key(_strip_edition(_TRAILING_DIGITS_RE.sub("", issue.strip()))))
    if by_issue and table.kinds.get(by_issue) in (CONFERENCE, WORKSHOP):
        return by_issue
    return found


def _memo_resolve(name: str, table: VenueTable, issue: str) -> tuple[str, bool]:
    memo_key = (name, issue)
    hit = table._memo.get(memo_key)
    if hit is None:
        found, known = _resolve(name, table)
        if known:
            found = _issue_label(found, issue, table)
        hit = table._memo[memo_key] = (found, known)
    return hit


def resolve(name: str, table: VenueTable, *, issue: str = "") -> tuple[str, bool]:
    """(label, whether the table knew the venue): `label` with where the answer came from, so a caller
    can tell a table's label from an acronym only the source gave ('FOOBAR' of '... (FOOBAR '21)')."""
    if not isinstance(name, str) or not name.strip():
        return "", False
    return _memo_resolve(name, table, issue or "")


def label(name: str, table: VenueTable, *, issue: str = "") -> str:
    """The label for any source's venue string, '' when there is none worth showing (the caller then
    shows the raw name). `issue` is the item's issue field: PACMPL's 'OOPSLA2' makes the label OOPSLA."""
    if not isinstance(name, str) or not name.strip():
        return ""
    return _memo_resolve(name, table, issue or "")[0]


def best_label(names: Iterable[str], table: VenueTable, *, issue: str = "") -> str:
    """One label from all the venue strings a source gives for an item, in the caller's order of trust.

    A workshop label wins over any other (a workshop paper's event is often its host's: Crossref gives
    'SIGMOD/PODS '19' for DEEM papers); then the first name the table knows; then the first acronym a
    name carries. When a name says it is a workshop and the table does not know it, no venue the table
    knows may stand in for it (that would be the host); an acronym only the source gives still may.
    """
    resolved = []
    unknown_workshop = False
    for name in names:
        if not isinstance(name, str) or not name.strip():
            continue
        found, known = _memo_resolve(name, table, issue or "")
        if not found and _WORKSHOP_RE.search(name):
            unknown_workshop = True
        if found:
            resolved.append((found, known))
    for found, known in resolved:
        if known and table.kinds.get(found) == WORKSHOP:
            return found
    if unknown_workshop:
        # The host is a venue the table knows; an acronym it does not know may be the workshop's own
        # (Crossref's event acronym "DISCS '15" beside an event name "the 2015 International Workshop").
        resolved = [(found, known) for found, known in resolved if not known]
    for found, known in resolved:
        if known:
            return found
    return resolved[0][0] if resolved else ""


# --- labels the item type decides ------------------------------------------------------------------

_ARXIV_NEW_RE = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}(?:v\d+)?$")
_ARXIV_OLD_RE = re.compile(r"^[a-z\-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}(?:v\d+)?$", re.I)
_PHD_RE = re.compile(r"ph\.?\s?d|doctor|doktor|dissertation|dr\.", re.I)
_MASTER_RE = re.compile(r"master|m\.?\s?sc|\bm\.?s\.?\b|\bmaster's|diplom|m\.?\s?eng|magister", re.I)
_BACHELOR_RE = re.compile(r"bachelor|b\.?\s?sc|\bb\.?s\.?\b|undergraduate|licen", re.I)


def arxiv_year(arxiv_id: str) -> int | None:
    """The year an arXiv identifier was assigned: '2101.00001' -> 2021, 'cs/0701001' -> 2007."""
    arxiv_id = (arxiv_id or "").strip()
    match = _ARXIV_NEW_RE.match(arxiv_id) or _ARXIV_OLD_RE.match(arxiv_id)
    if not match:
        return None
    yy, mm = int(match.group(1)), int(match.group(2))
    if not 1 <= mm <= 12:
        return None
    return (1900 if yy >= 91 else 2000) + yy


def thesis_label(thesis_type: str) -> str:
    """Zotero's free-text `thesisType` ('PhD Thesis', 'Ph.D. dissertation', 'MSc thesis') -> a label."""
    if _PHD_RE.search(thesis_type or ""):
        return "PhD thesis"
    if _MASTER_RE.search(thesis_type or ""):
        return "Master's thesis"
    if _BACHELOR_RE.search(thesis_type or ""):
        return "Bachelor's thesis"
    return "Thesis"


def type_label(item_type: str, *, thesis_type: str = "", venue: str = "", url: str = "",
               arxiv_id: str = "", dated: bool = False) -> str | None:
    """The label an item's type decides, or None when the venue decides.

    'blogPost' -> 'Blog'; a preprint on arXiv (an arXiv id, an arxiv.org URL, or 'arXiv' as repository)
    -> 'arXiv'; 'thesis' -> 'PhD thesis' / "Master's thesis" from `thesis_type`; a report or web page
    with a date (`dated`) -> '' (the list shows the year alone: `*2025*`).
    """
    if item_type == "blogPost":
        return "Blog"
    if item_type == "thesis":
        return thesis_label(thesis_type)
    if item_type == "preprint":
        on_arxiv = bool(arxiv_id) or "arxiv.org/" in (url or "").lower() or \
            venue_key(venue) in ("arxiv", "corr", "arxiv org", "arxiv preprint", "cornell university")
        return "arXiv" if on_arxiv else None
    if item_type in ("report", "webpage") and dated:
        return ""
    return None
