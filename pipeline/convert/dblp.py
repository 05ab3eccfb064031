"""Pure: one DBLP search hit (`result.hits.hit[i]` of `/search/publ/api?format=json`) -> record field
values, a `pipeline.rules.match.Candidate`, and the search a record asks DBLP.

DBLP's JSON is its XML turned into JSON, with the quirks that come with that: every number is a
string ("2017", "@total": "3"); a list of one is the element itself (one author is an object, not a
list; one `ee` a string; a venue may be a list); a missing list is a missing key (no `hit` at all when
nothing matched). Titles end with a "." DBLP adds; authors with namesakes carry DBLP's four-digit
homonym number ("Wei Wang 0001"). Preprints are CoRR records of type "Informal and Other
Publications" ("Informal Publications" before 2023), with the arXiv id in the key
(`journals/corr/abs-2506-14813`), the `ee` or the DataCite DOI 10.48550/arXiv.<id>.

The venue stays DBLP's raw string ("SOSP", "USENIX ATC", "NeurIPS", "CoRR"): the one venue
normaliser turns it into a label, as it does for every source.
"""
from __future__ import annotations

import re
from typing import Mapping

from pipeline.convert import query_id  # noqa: F401 (the one naming rule, for callers of this module)
from pipeline.convert.zotero import clean_doi, text
from pipeline.model import Creator, Record
from pipeline.rules import match

# Hits per search. The title words narrow DBLP's answer to the paper, its preprint and the few papers
# that share every word; ten are enough to see the rivals `pipeline.rules.match` must see, and a small `h`
# is part of DBLP's request for gentle use.
SEARCH_HITS = 10

PREPRINT_TYPES = frozenset({"Informal and Other Publications", "Informal Publications"})
PREPRINT_VENUES = frozenset({"corr"})

# DBLP `type` -> Zotero item type.
ITEM_TYPES = {
    "Conference and Workshop Papers": "conferencePaper",
    "Journal Articles": "journalArticle",
    "Parts in Books or Collections": "bookSection",
    "Books and Theses": "book",
    "Editorship": "book",
    "Reference Works": "encyclopediaArticle",
    "Data and Artifacts": "dataset",
}

_HOMONYM_RE = re.compile(r"\s+\d{4}$")
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du",
                        "le", "la", "ten", "ter", "zu", "al", "el", "bin", "ibn"})
_ARXIV_URL_RE = re.compile(r"arxiv\.org/(?:abs|pdf)/((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))",
                           re.IGNORECASE)
_ARXIV_DOI_RE = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_CORR_KEY_RE = re.compile(r"^journals/corr/abs-(\d{4})-(\d{4,5})$")
_CORR_OLD_KEY_RE = re.compile(r"^journals/corr/abs-([a-z\-]+)-(\d{7})$")
_VERSION_RE = re.compile(r"v\d+$")
# DBLP's query syntax: `$` ends an exact word, `|` joins alternatives, `-` negated a word and `.`
# joined a phrase (both disabled since 2017, but reserved), `:` starts a field (`author:`, `venue:`).
# A title is searched by its words alone.
_QUERY_WORD_RE = re.compile(r"\w+")


# --- small readers ----------------------------------------------------------------------------------

def as_list(value: object) -> list:
    """DBLP's one-or-many: a list stays a list, one value becomes a list of one, nothing is []."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(value: object) -> str:
    """An element's text: a string, or the `text` of an object that also has attributes (`@pid`)."""
    if isinstance(value, Mapping):
        value = value.get("text")
    return " ".join(text(value).split())


def _year(value: object) -> int | None:
    try:
        year = int(_text(value))
    except ValueError:
        return None
    return year if 1000 <= year <= 2999 else None


def clean_title(value: object) -> str:
    """The title without the full stop DBLP ends every title with ('?' and '!' stay)."""
    title = _text(value)
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title


def author_name(value: object) -> str:
    """An author's name without DBLP's homonym number ('Wei Wang 0001' -> 'Wei Wang')."""
    return _HOMONYM_RE.sub("", _text(value))


def split_name(name: str) -> Creator:
    """DBLP writes names given-first; the family name is the last word with its particles."""
    words = name.split()
    if len(words) < 2:
        return Creator(family=name)
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return Creator(family=" ".join(words[start:]), given=" ".join(words[:start]))


def info_of(hit: Mapping) -> Mapping:
    info = hit.get("info") if isinstance(hit, Mapping) else None
    return info if isinstance(info, Mapping) else {}


def hits_of(body: object) -> list[dict]:
    """The hit list of a `/search/*/api?format=json` answer; [] when there is none.

    Raises ValueError when the body is not a DBLP search result at all, so a client can tell an empty
    answer from a wrong one.
    """
    result = body.get("result") if isinstance(body, Mapping) else None
    if not isinstance(result, Mapping) or not isinstance(result.get("hits"), Mapping):
        raise ValueError("not a DBLP search result (no result.hits)")
    return [h for h in as_list(result["hits"].get("hit")) if isinstance(h, dict)]


# --- one hit ----------------------------------------------------------------------------------------

def authors(info: Mapping) -> tuple[Creator, ...]:
    people = info.get("authors")
    names = as_list(people.get("author")) if isinstance(people, Mapping) else []
    return tuple(split_name(n) for n in (author_name(a) for a in names) if n)


def venue(info: Mapping) -> str:
    """DBLP's venue string; a record in two venues (a joint issue) gives the first."""
    return next((v for v in (_text(x) for x in as_list(info.get("venue"))) if v), "")


def links(info: Mapping) -> list[str]:
    return [u for u in (_text(x) for x in as_list(info.get("ee"))) if u]


def doi(info: Mapping) -> str:
    """The DOI: DBLP's `doi` field, else an `ee` at doi.org; in lower case, as Crossref answers (DBLP
    is not the registrant: the registrant's form comes from Zotero)."""
    found = clean_doi(_text(info.get("doi")))
    if found:
        return found.lower()
    for url in links(info):
        if re.search(r"//(?:dx\.)?doi\.org/", url):
            found = clean_doi(url)
            if found:
                return found.lower()
    return ""


def arxiv_id(info: Mapping) -> str:
    """The arXiv identifier ('2506.14813'), from an `ee` at arxiv.org, the DataCite DOI or a CoRR key."""
    for url in links(info):
        m = _ARXIV_URL_RE.search(url)
        if m:
            return _VERSION_RE.sub("", m.group(1))
    for candidate in [doi(info)] + [clean_doi(u) for u in links(info)]:
        m = _ARXIV_DOI_RE.match(candidate or "")
        if m:
            return _VERSION_RE.sub("", m.group(1))
    key = _text(info.get("key"))
    m = _CORR_KEY_RE.match(key)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    m = _CORR_OLD_KEY_RE.match(key)
    if m:
        return f"{m.group(1)}/{m.group(2)}"
    return ""


def is_preprint(info: Mapping) -> bool:
    """A CoRR (arXiv) record, or any informal publication in a preprint server's venue."""
    kind = _text(info.get("type"))
    return venue(info).casefold() in PREPRINT_VENUES or (kind in PREPRINT_TYPES and bool(arxiv_id(info)))


def hit_fields(hit: Mapping) -> dict:
    """Record field values from one hit. Empty values are left out: they fill nothing."""
    info = info_of(hit)
    preprint = is_preprint(info)
    values = dict(
        title=clean_title(info.get("title")),
        creators=authors(info),
        year=_year(info.get("year")),
        venue=venue(info),
        doi=doi(info),      # for a CoRR record, arXiv's DataCite DOI (10.48550/arxiv.<id>)
        arxiv=arxiv_id(info),
        dblp=_text(info.get("key")),
        item_type="preprint" if preprint else ITEM_TYPES.get(_text(info.get("type")), ""),
        pages=_text(info.get("pages")),
        volume=_text(info.get("volume")),
        issue=_text(info.get("number")),
    )
    return {k: v for k, v in values.items() if v not in ("", (), None)}


def candidate(hit: Mapping) -> match.Candidate:
    """A hit as `pipeline.rules.match` compares it. DBLP's `@score` is not used: its scale is undocumented
    and the cache does not keep it, so a cached and a fresh answer decide alike.

    DBLP writes title and subtitle as one string ("DeepXplore: Automated Whitebox Testing ..."); the
    part before the first colon stands in for Crossref's separate main title, so a curator's "Title"
    meets both sources alike.
    """
    info = info_of(hit)
    people = authors(info)
    title = clean_title(info.get("title"))
    return match.Candidate(
        key=_text(info.get("key")),
        title=title,
        main_title=title.split(": ", 1)[0] if ": " in title else "",
        year=_year(info.get("year")),
        first_author=people[0].family if people else "",
        authors=len(people),
        doi=doi(info),
        venue=venue(info),
        is_preprint=is_preprint(info),
    )


def candidates(hits: list) -> list[match.Candidate]:
    return [candidate(h) for h in hits if isinstance(h, Mapping)]


def venue_fields(hit: Mapping) -> dict:
    """One hit of `/search/venue/api`: the venue's name, acronym, type and DBLP page."""
    info = info_of(hit)
    return {k: _text(info.get(k)) for k in ("venue", "acronym", "type", "url") if _text(info.get(k))}


# --- searching --------------------------------------------------------------------------------------

def query_words(title: str) -> str:
    """A title as a DBLP query: its words, lower case, no operator DBLP would read ($ | - . :)."""
    return " ".join(_QUERY_WORD_RE.findall(title.casefold().replace("_", " ")))


def search_params(record: Record) -> dict | None:
    """The DBLP query for a record, or None when it has no title to search by.

    Only the title: DBLP matches every word (as a prefix) anywhere in a record, and the title alone
    also brings the preprint and the published version of the paper, which `pipeline.rules.match` needs.
    """
    words = query_words(record.title)
    if not words:
        return None
    return {"q": words, "h": SEARCH_HITS}


# --- one record by key (`/rec/<key>.xml`) ----------------------------------------------------------------

# DBLP's record element -> the `type` its search API names for the same record.
_RECORD_TYPES = {
    "inproceedings": "Conference and Workshop Papers", "article": "Journal Articles",
    "incollection": "Parts in Books or Collections", "book": "Books and Theses", "phdthesis": "Books and Theses",
    "mastersthesis": "Books and Theses", "proceedings": "Editorship",
}


def record_hit(xml_text: str) -> dict:
    """A `/rec/<key>.xml` record shaped as a search hit, so `hit_fields` reads both alike. Raises
    ValueError when the text holds no DBLP record."""
    import xml.etree.ElementTree as ET   # only `add` reads records

    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ValueError(f"not a DBLP record ({exc})") from None
    node = next((child for child in root if child.tag in _RECORD_TYPES), None)
    if node is None:
        raise ValueError("not a DBLP record (no publication element)")
    kind = _RECORD_TYPES[node.tag]
    if node.get("publtype") == "informal" or (node.findtext("journal") or "").strip() == "CoRR":
        kind = "Informal and Other Publications"
    info: dict = {"key": node.get("key", ""), "type": kind,
                  "authors": {"author": [" ".join((a.text or "").split()) for a in node.findall("author")]}}
    for name in ("title", "pages", "year", "volume", "number"):
        value = " ".join("".join(node.find(name).itertext()).split()) if node.find(name) is not None else ""
        if value:
            info[name] = value
    venue_ = (node.findtext("booktitle") or node.findtext("journal") or "").strip()
    if venue_:
        info["venue"] = venue_
    ees = [(e.text or "").strip() for e in node.findall("ee") if (e.text or "").strip()]
    if ees:
        info["ee"] = ees
    return {"info": info}
