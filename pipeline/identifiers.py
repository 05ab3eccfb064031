"""Pure: what a curator types to name a paper (`add ID`) -> which kind of identifier it is.

A DOI (`10.1145/3132747.3132785`, `doi:10...`, `https://doi.org/10...`), an arXiv id (`1904.03257`,
`1904.03257v2`, `cs/0112017`, `arXiv:1904.03257`, an arxiv.org abs or pdf link), a DBLP record key
(`conf/sosp/PeiCYJ17`, or its dblp.org/rec link), or any other http(s) link (a web page). arXiv's own
DataCite DOIs (`10.48550/arXiv.1904.03257`) are arXiv ids: arXiv answers for them, Crossref does not.
Also the spelling of an ISBN the citation files print (`hyphenated_isbns`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from stdnum import isbn as _isbn

DOI = "doi"
ARXIV = "arxiv"
DBLP = "dblp"
URL = "url"

_DOI_RE = re.compile(r"^(?:doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_ARXIV_NEW = r"\d{4}\.\d{4,5}(?:v\d+)?"
_ARXIV_OLD = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?"
_ARXIV_RE = re.compile(rf"^(?:arxiv:\s*)?({_ARXIV_NEW}|{_ARXIV_OLD})$", re.IGNORECASE)
_ARXIV_DOI_RE = re.compile(rf"^10\.48550/arxiv\.({_ARXIV_NEW}|{_ARXIV_OLD})$", re.IGNORECASE)
_ARXIV_PATH_RE = re.compile(rf"^/(?:abs|pdf|html)/({_ARXIV_NEW}|{_ARXIV_OLD})(?:\.pdf)?/?$", re.IGNORECASE)
_DBLP_KEY_RE = re.compile(r"^(?:conf|journals|books|series|reference|phd|tr|persons|homepages)/[\w\-]+(?:/[\w\-.]+)+$")
_DBLP_PATH_RE = re.compile(r"^/rec/(?:bibtex/|xml/)?((?:conf|journals|books|series|reference|phd|tr)/[\w\-./]+?)"
                           r"(?:\.(?:html|xml|bib|ris|nt|ttl|rdf))?$")
_VERSION_RE = re.compile(r"v\d+$")


@dataclass(frozen=True)
class Identifier:
    kind: str        # DOI, ARXIV, DBLP or URL
    value: str       # the DOI, the arXiv id (no version), the DBLP key or the URL
    given: str       # what was typed

    def __str__(self) -> str:
        return {DOI: "DOI ", ARXIV: "arXiv:", DBLP: "DBLP ", URL: ""}[self.kind] + self.value


class NotAnIdentifier(ValueError):
    pass


def parse(given: str) -> Identifier:
    """The identifier `given` names; NotAnIdentifier (with a one-line reason) when it names none."""
    text = given.strip()
    if not text:
        raise NotAnIdentifier("an empty identifier")
    m = _ARXIV_DOI_RE.match(text.removeprefix("doi:").strip())
    if m:
        return Identifier(ARXIV, _VERSION_RE.sub("", m.group(1)), given)
    m = _DOI_RE.match(text)
    if m:
        return Identifier(DOI, m.group(1).rstrip(".,;"), given)
    m = _ARXIV_RE.match(text)
    if m:
        return Identifier(ARXIV, _VERSION_RE.sub("", m.group(1)), given)
    if _DBLP_KEY_RE.match(text):
        return Identifier(DBLP, text, given)
    if re.match(r"^https?://", text, re.IGNORECASE):
        return _from_url(text, given)
    raise NotAnIdentifier(f"{given!r} is not a DOI, an arXiv id, a DBLP key or an http(s) link")


def _from_url(url: str, given: str) -> Identifier:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = unquote(parts.path)
    if host in ("doi.org", "dx.doi.org"):
        return parse(path.lstrip("/"))
    if host in ("arxiv.org", "export.arxiv.org"):
        m = _ARXIV_PATH_RE.match(path)
        if m:
            return Identifier(ARXIV, _VERSION_RE.sub("", m.group(1)), given)
    if host in ("dblp.org", "dblp.uni-trier.de"):
        m = _DBLP_PATH_RE.match(path)
        if m:
            return Identifier(DBLP, m.group(1), given)
    if not host:
        raise NotAnIdentifier(f"{given!r} is not a usable link")
    return Identifier(URL, url, given)


_ISBN_SEPARATORS_RE = re.compile(r"([\s,;]+)")


def hyphenated_isbns(value: str) -> str:
    """'3800721414 9783800721412' -> '3-8007-2141-4 978-3-8007-2141-2': each valid ISBN of a field with
    the hyphens of its registration group and registrant, as Better BibTeX prints them and readers
    expect. The ranges are the International ISBN Agency's, as python-stdnum ships them. A field with
    anything else in it (a number that is not a valid ISBN, a typo, a check digit off, one in no range
    known, a note such as "(PBK)") is kept as typed, as Zotero and Better BibTeX keep it, rather than
    half rewritten or given made-up hyphens."""
    parts = _ISBN_SEPARATORS_RE.split(value)
    numbers = [part for i, part in enumerate(parts) if i % 2 == 0 and part]
    if not numbers or not all(_isbn.is_valid(n) and all(_isbn.split(_isbn.compact(n))[1:4]) for n in numbers):
        return value
    return "".join(_isbn.format(part) if i % 2 == 0 and part else part for i, part in enumerate(parts))
