"""Pure: Zotero's free-text dates -> the year, the ISO start date and the EDTF form biblatex and CSL read.

People type dates the way they write them: "June 29, 2007", "9/22/2016", "29 June-1 July 2011",
"January 30–February 3, 1989", "1897/1913", "[1990]2002" (a reprint of 1990's text), "1723?" or
"-0876" (EDTF: uncertain, approximate, a year BC). A `Date` keeps three readings of one:
  * `year`, the year BibTeX styles print (the start of a range; a year BC as a negative number);
  * `iso`, the start as YYYY[-MM[-DD]], what the CSV and the README show;
  * `edtf`, the whole date as biblatex's `date` takes it (a range `start/end`, open ends `..`,
    uncertain `?`, approximate `~`, both `%`, years BC), or "" when `iso` says it all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = {}
for _number, _names in enumerate((
        "january jan janv januar enero gennaio janeiro", "february feb febr fevr février februar febrero febbraio",
        "march mar mars märz marz marzo março", "april apr avr avril abril aprile",
        "may mai mayo maggio maio", "june jun juin juni junio giugno junho",
        "july jul juil juillet juli julio luglio julho", "august aug aout août agosto",
        "september sep sept septembre settembre setembro", "october oct octobre oktober octubre ottobre outubro",
        "november nov novembre noviembre novembro", "december dec déc décembre dezember diciembre dicembre dezembro"),
        start=1):
    for _name in _names.split():
        _MONTHS[_name] = _number

_DASH = r"\s*(?:[-‐‑–—]|to|/)\s*"
_MONTH = r"([A-Za-zéûäç]{3,9})\.?"
_ISO_RE = re.compile(r"^(-?\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
# biblatex's EDTF (level 0 and 1): qualified dates and ranges with open ends.
_EDTF_PART = r"-?\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?[?~%]?"
_EDTF_RE = re.compile(rf"^(?:{_EDTF_PART}|(?:{_EDTF_PART}|\.\.|)/(?:{_EDTF_PART}|\.\.|))$")
_TIME_RE = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:Z|[+-]\d{2}:\d{2})?$")
_ORIGINAL_RE = re.compile(r"^\[(\d{4})\]\s*(.+)$")


@dataclass(frozen=True)
class Date:
    year: int | None = None
    iso: str = ""
    edtf: str = ""         # "" when `iso` is the whole date
    original: str = ""     # the original date of a reprint ("[1990]2002"), ISO


def _iso(year: int, month: int = 0, day: int = 0) -> str:
    sign = "-" if year < 0 else ""
    out = f"{sign}{abs(year):04d}"
    if 1 <= month <= 12:
        out += f"-{month:02d}"
        if 1 <= day <= 31:
            out += f"-{day:02d}"
    return out


def _month(word: str) -> int:
    return _MONTHS.get(word.lower().rstrip("."), 0)


def _one(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of one date, month and day 0 where unknown."""
    text = text.strip().strip(",").strip()
    m = _ISO_RE.match(text)
    if m:
        y, mo, d = m.groups()
        return int(y), int(mo or 0), int(d or 0)
    m = re.fullmatch(rf"{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", text)        # June 29, 2007
    if m and _month(m.group(1)):
        return int(m.group(3)), _month(m.group(1)), int(m.group(2))
    m = re.fullmatch(rf"(\d{{1,2}})\.?\s+{_MONTH},?\s+(\d{{4}})", text)                  # 29 June 2007
    if m and _month(m.group(2)):
        return int(m.group(3)), _month(m.group(2)), int(m.group(1))
    m = re.fullmatch(rf"{_MONTH},?\s+(\d{{4}})", text)                                    # June 2007
    if m and _month(m.group(1)):
        return int(m.group(2)), _month(m.group(1)), 0
    m = re.fullmatch(rf"(\d{{4}}),?\s+{_MONTH}(?:\s+(\d{{1,2}}))?", text)                 # 2007 June 29
    if m and _month(m.group(2)):
        return int(m.group(1)), _month(m.group(2)), int(m.group(3) or 0)
    m = re.fullmatch(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})/?", text)                          # 2019/09/25, 2012.09.27
    if m:
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    m = re.fullmatch(r"(\d{1,2})[/ ](\d{4})", text)                                        # 11/2010, 08 1995
    if m and 1 <= int(m.group(1)) <= 12:
        return int(m.group(2)), int(m.group(1)), 0
    m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)                          # 9/22/2016, 22.9.2016
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        # Zotero reads the US order unless the first number cannot be a month.
        month, day = (b, a) if a > 12 or "." in text else (a, b)
        return y, month, day
    return None


def _range(text: str) -> tuple[tuple[int, int, int], tuple[int, int, int]] | None:
    """A range typed as people write it: the parts the end leaves out are the start's."""
    m = re.fullmatch(rf"{_MONTH}\s+(\d{{1,2}}){_DASH}{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})", text)
    if m and _month(m.group(1)) and _month(m.group(3)):                 # January 30–February 3, 1989
        y = int(m.group(5))
        return (y, _month(m.group(1)), int(m.group(2))), (y, _month(m.group(3)), int(m.group(4)))
    m = re.fullmatch(rf"{_MONTH}\s+(\d{{1,2}}){_DASH}(\d{{1,2}}),?\s+(\d{{4}})", text)   # December 3-5, 1986
    if m and _month(m.group(1)):
        y, mo = int(m.group(4)), _month(m.group(1))
        return (y, mo, int(m.group(2))), (y, mo, int(m.group(3)))
    m = re.fullmatch(rf"(\d{{1,2}})\s+{_MONTH}{_DASH}(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})", text)  # 29 June-1 July 2011
    if m and _month(m.group(2)) and _month(m.group(4)):
        y = int(m.group(5))
        return (y, _month(m.group(2)), int(m.group(1))), (y, _month(m.group(4)), int(m.group(3)))
    m = re.fullmatch(rf"(\d{{1,2}}){_DASH}(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})", text)   # 22-26 June 2015
    if m and _month(m.group(3)):
        y, mo = int(m.group(4)), _month(m.group(3))
        return (y, mo, int(m.group(1))), (y, mo, int(m.group(2)))
    m = re.fullmatch(r"(\d{4})\s*(?:[-‐‑–—_/])\s*(\d{4})", text)                      # 1897/1913, 1829–1830
    if m and int(m.group(1)) < int(m.group(2)):
        return (int(m.group(1)), 0, 0), (int(m.group(2)), 0, 0)
    if "/" in text:
        start, _, end = text.partition("/")
        a, b = _one(start), _one(end)
        if a and b:
            return a, b
    return None


def parse(value: str, parsed: str = "") -> Date:
    """A `Date` from Zotero's date field (and the API's `meta.parsedDate`, when there is one)."""
    text = " ".join(str(value or "").split())
    original = ""
    m = _ORIGINAL_RE.match(text)
    if m:
        original, text = m.group(1), m.group(2)
    if _EDTF_RE.match(text) and re.search(r"[?~%/]|^-", text):
        start = re.match(r"-?\d{4}(?:-\d{2}(?:-\d{2})?)?", text)
        end = re.search(r"/(-?\d{4}(?:-\d{2}(?:-\d{2})?)?)", text)
        first = start or end
        iso = first.group(1) if first is end else first.group(0) if first else ""
        year = int(iso[:5] if iso.startswith("-") else iso[:4]) if iso else None
        # A year BC is in the year and the EDTF form; the ISO column (CSV, README) holds dates AD only.
        return Date(year, "" if iso.startswith("-") else iso, text, original)
    m = _TIME_RE.match(text)
    if m:
        # A time of day, as biber reads it (seconds and a zone with a colon): kept for biblatex.
        y, mo, d = (int(p) for p in m.group(1).split("-"))
        return Date(y, _iso(y, mo, d), text, original)
    span = _range(text)
    if span:
        (y1, m1, d1), (y2, m2, d2) = span
        a, b = _iso(y1, m1, d1), _iso(y2, m2, d2)
        return Date(y1, a, f"{a}/{b}" if a != b else "", original)
    for candidate in (parsed, text):
        found = _one(str(candidate or "")) if candidate else None
        if found and found[0]:
            y, mo, d = found
            return Date(y, _iso(y, mo, d), "", original)
    m = re.search(r"(?<!\d)(1[0-9]\d\d|20\d\d|2100)(?!\d)", text)
    if m:
        return Date(int(m.group(1)), m.group(1), "", original)
    return Date(None, "", "", original)
