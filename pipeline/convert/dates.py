"""Pure: Zotero's free-text dates -> the year, the ISO start date and the EDTF form biblatex and CSL read.

People type dates the way they write them: "June 29, 2007", "9/22/2016", "18-10-2022", "1995.12",
"29 June-1 July 2011", "January 30–February 3, 1989", "July-October 1985", "1897/1913", "[1990]2002"
(a reprint of 1990's text), "1723?" or "-0876" (EDTF: uncertain, approximate, a year BC), "199u" or
"2004-06-01/unknown" (the EDTF draft Better BibTeX still writes), "2016-01-19T14:20:00Z" (a time of
day). A `Date` keeps three readings of one:
  * `year`, the year BibTeX styles print (the start of a range; a year BC as a negative number; none
    when its digits are not all known, as in "199u");
  * `iso`, the start as YYYY[-MM[-DD]], what the CSV and the README show;
  * `edtf`, the whole date as biblatex's `date` takes it, or "" when `iso` says it all. It is written in
    the spelling biber 2.18 accepts (ISO 8601-2), whatever the spelling typed: a range `start/end`, an
    open end `..` and an unknown one empty (EDTF's draft `unknown`), uncertain `?`, approximate `~`,
    both `%` (the draft's `?~`), unspecified digits `X` (the draft's `u`: `199X`, `1999-XX`), years
    beyond four digits `Y-51234`, a time to the second with its zone `2016-07-18T20:26:06+10:00`.
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
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO_RE = re.compile(rf"^(-?\d{{4}})(?:-(\d{{1,2}})(?:-(\d{{1,2}}))?)?{_TIME}$")
# EDTF (levels 0 and 1) as typed, in the final spelling or the draft's: a year (`-0876`, `Y52000`, `199u`),
# a month and a day, each digit of which may be unspecified (`X`, `u`), or a season or quarter in the
# month's place (`2004-22`, summer 2004: ISO 8601-2's 21-41, which biber reads), then a qualifier.
SEASONS = range(21, 42)     # in a month's place: spring 21 ... winter 24, then hemispheres, quarters
_EDTF_DATE = (r"(?P<year>-?\d{4}|-?\d{3}[uUxX]|-?\d{2}[uUxX]{2}|[yY]-?\d{5,})"
              r"(?:-(?:(?P<month>0[1-9]|1[0-2]|[uUxX]{2})(?:-(?P<day>0[1-9]|[12]\d|3[01]|[uUxX]{2}))?"
              rf"|(?P<season>{'|'.join(map(str, SEASONS))})))?"
              r"(?P<qualifier>\?~|~\?|[?~%])?")
_EDTF_DATE_RE = re.compile(f"^{_EDTF_DATE}$")
_OPEN_ENDS = {"..": "..", "open": "..", "": "", "unknown": ""}
# A date and time as ISO 8601 writes it, to the minute at least.
_TIME_RE = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))T([01]\d|2[0-3]):([0-5]\d)"
                      r"(?::([0-5]\d)(?:\.\d+)?)?(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$")
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
    m = re.fullmatch(rf"(\d{{4}})[/.](\d{{1,2}})[/.](\d{{1,2}})/?{_TIME}", text)      # 2019/09/25, 2016/09/22 17:12:01
    if m:
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    m = re.fullmatch(r"(\d{4})[/.](\d{1,2})", text)                                        # 1995.12, 1995/12
    if m and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2)), 0
    m = re.fullmatch(r"(\d{1,2})[/ ](\d{4})", text)                                        # 11/2010, 08 1995
    if m and 1 <= int(m.group(1)) <= 12:
        return int(m.group(2)), int(m.group(1)), 0
    m = re.fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", text)                  # 9/22/2016, 22.9.2016, 18-10-2022
    if m:
        a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
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
    m = re.fullmatch(rf"{_MONTH}{_DASH}{_MONTH},?\s+(\d{{4}})", text)                     # July-October 1985
    if m and _month(m.group(1)) and _month(m.group(2)):
        y = int(m.group(3))
        return (y, _month(m.group(1)), 0), (y, _month(m.group(2)), 0)
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


def _edtf_part(text: str) -> tuple[str, int | None, str] | None:
    """(the part in biber's spelling, its year when fully known, its ISO start) of one EDTF date."""
    m = _EDTF_DATE_RE.match(text)
    if not m:
        return None
    year, month, day, qualifier = m.group("year"), m.group("month") or "", m.group("day") or "", m.group("qualifier")
    month = month or m.group("season") or ""
    if month[:1] in "uUxX" and day[:1].isdigit():
        return None             # a known day of an unknown month is no date
    long = year[:1] in "yY"
    year = ("Y" + year[1:]) if long else year.translate(_UNSPECIFIED)
    written = "-".join(p for p in (year, month.translate(_UNSPECIFIED), day.translate(_UNSPECIFIED)) if p)
    written += {"?~": "%", "~?": "%"}.get(qualifier or "", qualifier or "")
    known = "X" not in year
    number = int(year[1:] if long else year) if known else None
    iso = ""
    if known and not long and not year.startswith("-"):
        iso = _iso(number, int(month) if month.isdigit() else 0, int(day) if day.isdigit() and month.isdigit() else 0)
    return written, number, iso


_UNSPECIFIED = str.maketrans("uUx", "XXX")


def _edtf(text: str) -> Date | None:
    """A date typed in EDTF that `iso` cannot hold (a range, an open end, a qualifier, unknown digits,
    a year BC or beyond 9999), as a `Date`; None for anything else."""
    if "/" in text:
        start, _, end = text.partition("/")
        if "/" in end:
            return None
        ends = [_OPEN_ENDS.get(e.lower(), None) for e in (start, end)]
        parts = [(e, None, "") if o is not None else _edtf_part(e) for e, o in zip((start, end), ends)]
        if None in parts or all(o is not None for o in ends):
            return None
        written = "/".join(o if o is not None else p[0] for o, p in zip(ends, parts))
        first = parts[0] if ends[0] is None else parts[1]
        return Date(first[1], first[2], written)
    found = _edtf_part(text)
    if found is None or found[0] == text == found[2]:
        return None             # plain ISO: `iso` holds it
    return Date(found[1], found[2], found[0])


def _time(text: str) -> Date | None:
    """A date with a time of day, to the second and with its zone as biber reads them
    (`2017-10-28T04:44` -> `2017-10-28T04:44:00`, `+1000` -> `+10:00`, fractions of a second dropped)."""
    m = _TIME_RE.match(text)
    if not m:
        return None
    day, hour, minute, second, zone = m.groups()
    zone = zone or ""
    if len(zone) == 5:
        zone = zone[:3] + ":" + zone[3:]
    y, mo, d = (int(p) for p in day.split("-"))
    return Date(y, _iso(y, mo, d), f"{day}T{hour}:{minute}:{second or '00'}{zone}")


def parse(value: str, parsed: str = "") -> Date:
    """A `Date` from Zotero's date field (and the API's `meta.parsedDate`, when there is one)."""
    text = " ".join(str(value or "").split())
    original = ""
    m = _ORIGINAL_RE.match(text)
    if m:
        original, text = m.group(1), m.group(2)
    found = _edtf(text) or _time(text)
    if found:
        return Date(found.year, found.iso, found.edtf, original)
    span = _range(text)
    if span:
        (y1, m1, d1), (y2, m2, d2) = span
        a, b = _iso(y1, m1, d1), _iso(y2, m2, d2)
        return Date(y1, a, f"{a}/{b}" if a != b else "", original)
    for candidate in (parsed, text):
        found_ = _one(str(candidate or "")) if candidate else None
        if found_ and found_[0]:
            y, mo, d = found_
            return Date(y, _iso(y, mo, d), "", original)
    m = re.search(r"(?<!\d)(1[0-9]\d\d|20\d\d|2100)(?!\d)", text)
    if m:
        return Date(int(m.group(1)), m.group(1), "", original)
    return Date(None, "", "", original)
