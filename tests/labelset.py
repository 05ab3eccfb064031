"""The labelled test set of issue 9: real papers as the Zotero Connector saves them, the label the field writes
for each, and what Crossref and DBLP answer for them.

`load(group)` reads tests/data/labelset/{curator,field,heldout}.json into `Paper`s. The helpers turn papers into
what the loopback servers serve: Zotero Web API item objects (`zotero_items`), Crossref work messages
(`crossref_works`) and DBLP search hits by title query (`dblp_hits`, `dblp_response`). The data is built by
tests/data/labelset/build.py from the facts in facts.py; edit those, not the JSON.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "labelset"
GROUPS = ("curator", "field", "heldout")
KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"    # the characters of Zotero object keys


@dataclass(frozen=True)
class Expected:
    label: str                   # what the list prints before the year: "SOSP", "arXiv", "Blog", "" (year only)
    year: int | None             # None: nothing to print (an undated web page)
    published_label: str | None  # for a preprint since published: "OSDI 2025" (make check reports it)
    note: str | None             # why, when the case is unusual ("curator slip: wrote ICSE 2022")
    curator: str | None = None   # the curator's (or the replayed list's) own label text, where there is one

    @property
    def text(self) -> str:
        """The label as the list shows it between asterisks: 'SOSP 2017', '2025', or ''."""
        return " ".join(x for x in (self.label, str(self.year) if self.year else "") if x)


@dataclass(frozen=True)
class Paper:
    id: str
    group: str
    category: str                # acm-doi, ieee-doi, usenix, ml-proceedings, arxiv-published, journal, ...
    expected: Expected
    zotero: dict                 # the Zotero item `data` as the Connector saves it (no key or version)
    crossref: dict | None        # Crossref's `message` for the paper's DOI; None when Crossref has none
    dblp: list[dict]             # DBLP search hits for the item's title
    trap: str | None             # prefix-title, superset-title, revisited-sequel, retracted, different-paper, ...
    crossref_published: dict | None = None  # for a preprint: Crossref's message for the published version's DOI
    sections: tuple[str, ...] = ()
    list_title: str | None = None  # the link text in the replayed list, where there is one
    source: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.zotero["title"]

    @property
    def doi(self) -> str:
        return self.crossref["DOI"] if self.crossref else ""


def _paper(group: str, obj: dict, source: dict) -> Paper:
    e = obj["expected"]
    return Paper(id=obj["id"], group=group, category=obj["category"],
                 expected=Expected(e["label"], e["year"], e.get("published_label"), e.get("note"), e.get("curator")),
                 zotero=obj["zotero"], crossref=obj["crossref"], dblp=obj["dblp"], trap=obj["trap"],
                 crossref_published=obj.get("crossref_published"),
                 sections=tuple(obj.get("sections", ())), list_title=obj.get("list_title"), source=source)


def read_group(group: str) -> dict:
    return json.loads((DATA / f"{group}.json").read_text(encoding="utf-8"))


def load(group: str | None = None) -> list[Paper]:
    """The papers of one group ('curator', 'field', 'heldout'), or of all three in that order."""
    papers = []
    for g in ([group] if group else GROUPS):
        if g not in GROUPS:
            raise ValueError(f"unknown labelset group {g!r}; expected one of {', '.join(GROUPS)}")
        doc = read_group(g)
        source = {k: v for k, v in doc.items() if k != "papers"}
        papers += [_paper(g, obj, source) for obj in doc["papers"]]
    return papers


def item_key(paper_id: str) -> str:
    """A stable 8-character Zotero key for a paper."""
    n = int(hashlib.sha256(paper_id.encode()).hexdigest(), 16)
    out = []
    for _ in range(8):
        n, r = divmod(n, len(KEY_ALPHABET))
        out.append(KEY_ALPHABET[r])
    return "".join(out)


def _creator_summary(creators: list[dict]) -> str:
    names = [c.get("lastName") or c.get("name", "") for c in creators if c.get("creatorType") == "author"]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


def zotero_items(papers: list[Paper], collection_key: str, *, library_id: int = 1, version: int = 1,
                 library_name: str = "testuser") -> list[dict]:
    """The papers as Zotero Web API item objects ({key, version, library, links, meta, data}) in one collection."""
    out = []
    for p in papers:
        key = item_key(p.id)
        data = {"key": key, "version": version, **p.zotero, "collections": [collection_key]}
        base = f"https://api.zotero.org/users/{library_id}"
        meta = {"creatorSummary": _creator_summary(data.get("creators", [])), "numChildren": 0}
        if data.get("date"):
            meta["parsedDate"] = data["date"][:10]
        if not meta["creatorSummary"]:
            del meta["creatorSummary"]
        out.append({
            "key": key, "version": version,
            "library": {"type": "user", "id": library_id, "name": library_name,
                        "links": {"alternate": {"href": f"https://www.zotero.org/{library_name}", "type": "text/html"}}},
            "links": {"self": {"href": f"{base}/items/{key}", "type": "application/json"},
                      "alternate": {"href": f"https://www.zotero.org/{library_name}/items/{key}", "type": "text/html"}},
            "meta": meta, "data": data})
    return out


def crossref_works(papers: list[Paper]) -> list[dict]:
    """Crossref work messages for the papers' DOIs and their published versions' DOIs, one per DOI."""
    seen, out = set(), []
    for p in papers:
        for work in (p.crossref, p.crossref_published):
            if work and work["DOI"].lower() not in seen:
                seen.add(work["DOI"].lower())
                out.append(work)
    return out


def dblp_hits(papers: list[Paper]) -> dict[str, list[dict]]:
    """DBLP's hits by title query (the item's title). Papers sharing a title share one answer: the union of hits."""
    out: dict[str, list[dict]] = {}
    for p in papers:
        hits = out.setdefault(p.title, [])
        known = {h["info"]["key"] for h in hits}
        hits += [h for h in p.dblp if h["info"]["key"] not in known]
    return out


def dblp_response(query: str, hits: list[dict], *, first: int = 0, max_hits: int = 30) -> dict:
    """A /search/publ/api?format=json answer in DBLP's documented shape."""
    sent = hits[first:first + max_hits]
    hit_block: dict = {"@total": str(len(hits)), "@computed": str(len(hits)), "@sent": str(len(sent)),
                       "@first": str(first)}
    if sent:
        hit_block["hit"] = sent
    return {"result": {"query": query, "status": {"@code": "200", "text": "OK"},
                       "time": {"@unit": "msecs", "text": "1.00"},
                       "completions": {"@total": "0", "@computed": "0", "@sent": "0"},
                       "hits": hit_block}}


@dataclass(frozen=True)
class Score:
    total: int
    right: int                   # printed == the expected label (the truth)
    as_curator: int              # printed == the curator's own label, where the curator wrote one
    with_curator: int            # papers where the curator wrote a label
    wrong: list[tuple[str, str, str]]   # (paper id, printed, expected)

    @property
    def agreement(self) -> float:
        return self.right / self.total if self.total else 1.0


def _canon(label: str) -> str:
    return " ".join(label.replace("*", " ").split())


def score(papers: list[Paper], printed: dict[str, str]) -> Score:
    """How many papers show the expected label: `printed` maps paper id -> the label text the list shows for it
    (without asterisks; '' for none). A paper missing from `printed` counts as showing nothing."""
    right = as_curator = with_curator = 0
    wrong = []
    for p in papers:
        shown = _canon(printed.get(p.id, ""))
        if shown == p.expected.text:
            right += 1
        else:
            wrong.append((p.id, shown, p.expected.text))
        if p.expected.curator is not None and p.group == "curator":
            with_curator += 1
            as_curator += shown == _canon(p.expected.curator)
    return Score(len(papers), right, as_curator, with_curator, wrong)
