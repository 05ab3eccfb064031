"""Pure: the one rule that decides whether a search hit is the curator's paper, for every source.

Crossref search hits and DBLP hits are each turned into a neutral `Candidate` by their converter, and
then go through `verify` here, so a paper is accepted by the same rule whichever source found it, and
`published_version` finds a preprint's published version among the same candidates.

The rule, in order of what must hold for a hit to be accepted:

- title: with authors, the normalised titles are nearly equal (the main title or the title with its
  subtitle); without authors (issue 9.5: items imported from a list, hand-made items), the normalised
  title is the same. Either way a title that only adds or drops words around the other ("Deep
  Learning" vs "Deep Learning for X") or names a sequel ("... Revisited") is a different paper;
- year: within one (a preprint and its proceedings). Without authors an item with no year may still
  match; with authors a missing year on either side stays a question, as it always was;
- first author: the same family name, when the item has authors;
- the hit is neither retracted nor itself an editorial notice;
- no other hit comes close: another hit whose title could pass too (and, where the item has authors,
  by the same first author) leaves the choice to the curator; where the source ranks with a score
  (Crossref), the accepted hit also leads the best other hit by `SCORE_LEAD`. A preprint and its
  published version (same title, same first author, one of them a preprint) are one paper, not rivals.

Anything else stays a candidate: `Match.reasons` says why, so `make check` can show it.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from rapidfuzz import fuzz

from pipeline.model import Creator, Record

# Crossref's `score` has no fixed scale (it changed once, moving an OpenCitations cut-off from 2.7 to
# 75: essepuntato/opencitations#6), so it is only ever compared with the runner-up's: betterbib accepts
# a top hit whose score is more than 1.5x the second's.
TITLE_SIMILARITY = 93.0       # rapidfuzz ratio (0-100) of the normalised titles: "nearly equal"
CLOSE_SIMILARITY = 85.0       # another hit this close in title is a rival for the same item
CANDIDATE_SIMILARITY = 70.0   # below this a hit is unrelated and not worth showing the curator
SCORE_LEAD = 1.5              # accepted score / best rival score, where the source scores its hits

# Words that make a title a sequel or a variant of another paper with the same words.
SEQUEL_WORDS = frozenset({"revisited", "revisiting", "reloaded", "redux", "reconsidered", "continued",
                          "extended", "ii", "iii", "iv", "2", "3", "2.0", "part", "addendum", "erratum",
                          "corrigendum", "retraction", "retracted", "comment", "reply", "response"})

_TAG_RE = re.compile(r"<[^>]+>")
_NON_WORD_RE = re.compile(r"[^\w]+")
PREPRINT_VENUES = frozenset({"arxiv", "corr", "biorxiv", "medrxiv", "ssrn", "techrxiv", "openreview net"})


@dataclass(frozen=True)
class Candidate:
    """One search hit, as every source describes it for matching. Text is as the source gives it.

    `key` names the hit in its source (a DOI for Crossref, a DBLP record key) so a caller can find the
    raw hit again; `score` is the source's relevance score, None where the source has none we trust.
    """

    key: str
    title: str                     # the title with its subtitle, as one string
    main_title: str = ""           # the title without the subtitle, where the source keeps them apart
    year: int | None = None
    first_author: str = ""         # family name of the first author, as given
    authors: int = 0               # how many authors the source lists
    doi: str = ""
    venue: str = ""
    score: float | None = None
    retracted: bool = False
    notice: bool = False           # the hit is itself a retraction or correction notice
    is_preprint: bool = False


@dataclass(frozen=True)
class Match:
    """What the hits say about one item.

    `index` points into the candidates: the accepted hit (verified) or the best-titled hit worth showing
    the curator; None when nothing is plausible. `reasons` says why a candidate was not accepted.
    """

    verified: bool
    index: int | None = None
    candidate: Candidate | None = None
    similarity: float = 0.0
    reasons: tuple[str, ...] = ()


# --- normalising ------------------------------------------------------------------------------------

def fold(value: str) -> str:
    """Lower case, accents dropped, punctuation to spaces: how titles and names are compared."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD_RE.sub(" ", stripped.casefold()).replace("_", " ").split())


def normalise_title(title: str) -> str:
    """A title for comparison: markup and entities dropped, then folded."""
    return fold(html.unescape(_TAG_RE.sub("", str(title or ""))))


def title_similarity(a: str, b: str) -> float:
    na, nb = normalise_title(a), normalise_title(b)
    if not na or not nb:
        return 0.0
    return float(fuzz.ratio(na, nb))


def first_author_family(creators: Sequence[Creator]) -> str:
    """The folded family name of the first author (the first creator when none is an author)."""
    people = [c for c in creators if c.role in ("author", "")] or list(creators)
    if not people:
        return ""
    return fold(people[0].family or people[0].name)


def is_preprint_record(record: Record) -> bool:
    """An item the curator filed as a preprint (or only knows by its arXiv id)."""
    if record.item_type == "preprint":
        return True
    venue = fold(record.venue_label or record.venue)
    return venue in PREPRINT_VENUES or (bool(record.arxiv) and not venue)


# --- comparing one hit ------------------------------------------------------------------------------

def _titles(c: Candidate) -> list[str]:
    return [t for t in dict.fromkeys((normalise_title(c.title), normalise_title(c.main_title))) if t]


def similarity(record: Record, c: Candidate) -> float:
    """How close the hit's title is to the item's: the better of its full and main title."""
    ours = normalise_title(record.title)
    if not ours:
        return 0.0
    return max((float(fuzz.ratio(ours, t)) for t in _titles(c)), default=0.0)


def title_difference(a: str, b: str) -> str:
    """Why two normalised titles name different papers although they share their words, '' if not.

    One title inside the other with words around it ('deep learning' in 'deep learning for x'), or
    a sequel word on one side only ('... revisited'): near-equal ratios hide both on long titles.
    """
    if a == b or not a or not b:
        return ""
    wa, wb = a.split(), b.split()
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    extra = set(wa) ^ set(wb)
    if extra & SEQUEL_WORDS:
        return f"one title adds {' '.join(sorted(extra & SEQUEL_WORDS))!r} (a sequel or notice)"
    n = len(short)
    if n < len(long_) and any(long_[i:i + n] == short for i in range(len(long_) - n + 1)):
        added = [w for w in long_ if w not in short] or long_[n:]
        return f"one title adds {' '.join(added[:4])!r} to the other"
    return ""


def _title_reasons(record: Record, c: Candidate, authorless: bool) -> list[str]:
    ours = normalise_title(record.title)
    titles = _titles(c)
    if ours in titles:
        # The main title alone matches ("Title" vs "Title: Subtitle"): with authors that is the same
        # paper; without them it may be another paper that starts alike, so the full title must match.
        if not authorless or ours == normalise_title(c.title):
            return []
        return [f"title {title_difference(ours, normalise_title(c.title)) or 'differs'}"]
    best = similarity(record, c)
    if best < TITLE_SIMILARITY:
        return [f"title {best:.0f}% similar"]
    if authorless:
        return [f"title {best:.0f}% similar, not the same (no authors to confirm it)"]
    differences = [title_difference(ours, t) for t in titles]
    if all(differences):
        return [f"title: {differences[0]}"]
    return []


def mismatches(record: Record, c: Candidate) -> list[str]:
    """Why `c` may not be the item's paper, by its own fields alone; [] if it may be."""
    ours = first_author_family(record.creators)
    authorless = not ours
    reasons = _title_reasons(record, c, authorless)
    if c.year is None or (record.year is None and not authorless):
        reasons.append("no year to compare")
    elif record.year is not None and abs(record.year - c.year) > 1:
        reasons.append(f"year {c.year}")
    theirs = fold(c.first_author)
    if not authorless and ours != theirs:
        reasons.append(f"first author {theirs or 'unknown'}")
    if c.retracted:
        reasons.append("retracted")
    if c.notice:
        reasons.append("an editorial notice, not a paper")
    return reasons


def same_work(a: Candidate, b: Candidate) -> bool:
    """A preprint and its published version: one paper listed twice, not two rivals."""
    if a.is_preprint == b.is_preprint:
        return False
    if not set(_titles(a)) & set(_titles(b)):
        return False
    if fold(a.first_author) != fold(b.first_author):
        return False
    return a.year is None or b.year is None or abs(a.year - b.year) <= 3


def _rival(record: Record, chosen: Candidate, other: Candidate) -> bool:
    """`other` comes close enough to the item to make `chosen` a guess."""
    # A retracted record of the same title still counts: a paper retracted and published again is
    # two records, and which one the curator means is theirs to say. A notice is no paper at all.
    if same_work(chosen, other) or other.notice:
        return False
    if similarity(record, other) < CLOSE_SIMILARITY:
        return False
    ours = first_author_family(record.creators)
    if ours and other.first_author and fold(other.first_author) != ours:
        return False     # another author's paper with a like title: the author tells them apart
    if record.year is not None and other.year is not None and abs(record.year - other.year) > 1:
        return False
    return True


def _lead(chosen: Candidate, rivals: list[Candidate]) -> str:
    scored = [r.score for r in rivals if r.score is not None]
    if chosen.score is None or not scored:
        return ""
    best = max(scored)
    if chosen.score < SCORE_LEAD * best:
        return f"score {chosen.score:g} not clearly ahead of {best:g}"
    return ""


# --- the rule ---------------------------------------------------------------------------------------

def reads(record: Record) -> tuple:
    """What this module reads of a record: two records alike in these get the same verdict from the same
    hits, so a verdict can be remembered (machinery/inputs.Lookups) instead of worked out again."""
    return (record.title, record.creators, record.year, record.item_type, record.venue, record.venue_label,
            record.arxiv)


def verify(record: Record, candidates: Sequence[Candidate]) -> Match:
    """Accept a hit only if it is surely the item's paper (see the module docstring); `candidates`
    are in the source's order, best first."""
    candidates = list(candidates)
    if not candidates or not normalise_title(record.title):
        return Match(False)
    passing = [i for i, c in enumerate(candidates) if not mismatches(record, c)]
    if passing:
        # A preprint item takes the preprint hit, a published item the published one; else the first.
        want_preprint = is_preprint_record(record)
        index = next((i for i in passing if candidates[i].is_preprint == want_preprint), passing[0])
        chosen = candidates[index]
        others = [c for i, c in enumerate(candidates) if i != index]
        reasons = []
        close = [c for c in others if _rival(record, chosen, c)]
        if close:
            reasons.append(f"another hit comes close: {close[0].title!r}"
                           f"{f' ({close[0].year})' if close[0].year else ''}")
        # Where the source scores its hits, the chosen one must also lead every hit that is not it.
        rivals = [c for c in others if not same_work(chosen, c)]
        lead = _lead(chosen, rivals)
        if lead:
            above = [c for c in candidates[:index] if not same_work(chosen, c)]
            if above:
                reasons.insert(0, "not the top hit")
            reasons.append(lead)
        return Match(not reasons, index, chosen, similarity(record, chosen), tuple(reasons))
    # Nothing accepted: offer the curator the hit whose title is closest, if any is plausible.
    top = candidates[0]
    index, best = 0, similarity(record, top)
    for i, c in enumerate(candidates[1:], start=1):
        s = similarity(record, c)
        if s > best:
            index, best = i, s
    if best < CANDIDATE_SIMILARITY:
        return Match(False, None, None, best, tuple(mismatches(record, top)))
    reasons = mismatches(record, candidates[index])
    if index:
        reasons = ["not the top hit"] + reasons
    return Match(False, index, candidates[index], best, tuple(reasons))


def published_version(record: Record, candidates: Sequence[Candidate]) -> Candidate | None:
    """For a preprint item: the published (non-preprint) hit of the same paper, or None.

    Same title (the same normalised title without authors; nearly equal with them), the same first
    author where the item has authors, not retracted, and not published more than a year before the
    preprint's year. Two such hits (a conference paper and a journal version of one title) give the
    earlier one; two in the same earliest year are a question for the curator, so None.
    """
    ours = first_author_family(record.creators)
    found = []
    for c in candidates:
        if c.is_preprint or c.retracted or c.notice:
            continue
        reasons = _title_reasons(record, c, not ours)
        if reasons:
            continue
        if ours and fold(c.first_author) != ours:
            continue
        if record.year is not None and c.year is not None and c.year < record.year - 1:
            continue
        found.append(c)
    if not found:
        return None
    found.sort(key=lambda c: (c.year is None, c.year or 0))
    if len(found) > 1 and found[0].year == found[1].year and found[0].key != found[1].key:
        return None
    return found[0]
