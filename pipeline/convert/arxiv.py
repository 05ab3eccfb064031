"""Pure: an arXiv API Atom feed -> record field values for the entry it holds.

arXiv hard-wraps titles and abstracts (whitespace is folded here), gives authors given-name first,
dates as timestamps (`published` is version 1's: the year a preprint is cited by), and, when the
authors said so, the DOI and journal reference of the published version. An error is a feed whose one
entry has an `id` under `arxiv.org/api/errors`.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from pipeline.convert.dblp import split_name
from pipeline.convert.zotero import clean_doi

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_ID_RE = re.compile(r"arxiv\.org/abs/(.+?)(?:v\d+)?$")


class FeedError(ValueError):
    pass


def _text(node) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def entry_fields(feed: str) -> dict | None:
    """Record fields of the feed's first entry; None when the feed has none (no such id); FeedError
    when it is no feed, or arXiv's answer is an error entry."""
    try:
        root = ET.fromstring(feed)
    except ET.ParseError as exc:
        raise FeedError(f"arXiv sent something other than an Atom feed ({exc})") from None
    entry = root.find(f"{ATOM}entry")
    if entry is None:
        return None
    ident = _text(entry.find(f"{ATOM}id"))
    if "/api/errors" in ident:
        raise FeedError(f"arXiv refused the id: {_text(entry.find(f'{ATOM}summary')) or ident}")
    m = _ID_RE.search(ident)
    if not m:
        raise FeedError(f"arXiv sent an entry without an arXiv id ({ident[:80]!r})")
    arxiv = m.group(1)
    published = _text(entry.find(f"{ATOM}published"))
    year = int(published[:4]) if published[:4].isdigit() else None
    creators = tuple(split_name(_text(a.find(f"{ATOM}name"))) for a in entry.findall(f"{ATOM}author")
                     if _text(a.find(f"{ATOM}name")))
    values = dict(
        title=_text(entry.find(f"{ATOM}title")),
        abstract=_text(entry.find(f"{ATOM}summary")),
        creators=creators,
        year=year,
        date=published[:10],
        arxiv=arxiv,
        doi=f"10.48550/arXiv.{arxiv}",
        item_type="preprint",
        venue="arXiv",
        published_doi=clean_doi(_text(entry.find(f"{ARXIV}doi"))),
        url=f"https://arxiv.org/abs/{arxiv}",
    )
    return {k: v for k, v in values.items() if v not in ("", (), None)}
