"""Syncing the labelled test set (tests/labelset.py) through the real stages, against loopback Zotero,
Crossref and DBLP servers: what the list prints for each paper. Shared by tests/test_labels.py and
benchmarks/bench_labels.py.

Every paper goes into one Zotero library as the Zotero Connector saved it (in the sections of the list it
comes from); Crossref serves the works of the set (the papers' own and their published versions) and
DBLP the hits of the set, all mixed, so each search meets the near misses of the others too.
"""
from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline import config
from pipeline.machinery import inputs as inputs_
from pipeline.model import Catalog
from pipeline.report import Reporter
from pipeline.sources.crossref import CrossrefClient
from pipeline.sources.dblp import DblpClient
from pipeline.sources.http import RetryPolicy
from pipeline.stages import Options, enrich, merge, pull
from tests.labelset import Paper, crossref_works, item_key
from tests.servers.crossref_api import CrossrefServer, Limits
from tests.servers.dblp_api import DblpServer
from tests.servers.openalex_api import OpenAlexServer
from tests.servers.zotero_api import Library, ZoteroServer

ROOT = Path(__file__).resolve().parents[1]
KEY = "LabelsKey000000000000000"
FAST = {"polite": Limits(1000, 1.0, 8), "public": Limits(1000, 1.0, 8)}


@dataclass
class Run:
    catalog: Catalog
    printed: dict[str, str]          # paper id -> "SOSP 2017", "2025", ""
    records: dict[str, object]       # paper id -> Record
    crossref_requests: int
    dblp_requests: int
    zotero_requests: int
    settings: object


def shown(record) -> str:
    """The label text between the asterisks of the README line: '*SOSP 2017*', '*2025*' or none."""
    return " ".join(x for x in (record.venue_label, str(record.year) if record.year else "") if x)


def library_for(papers: list[Paper]) -> tuple[Library, str]:
    lib = Library("user", 1, "curator")
    top = lib.add_collection("Awesome Machine Learning Reliability")
    sections: dict[str, str] = {}

    def section(path: tuple[str, ...] | str) -> str:
        names = path.split(" > ") if isinstance(path, str) else list(path)
        parent = top
        for depth in range(len(names)):
            name = " > ".join(names[:depth + 1])
            if name not in sections:
                sections[name] = lib.add_collection(names[depth], parent)
            parent = sections[name]
        return parent

    for p in papers:
        colls = [section(s) for s in (p.sections or ("Papers",))]
        lib.add_item(dict(p.zotero), colls, key=item_key(p.id))
    return lib, top


def project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "pipeline.toml", root / "pipeline.toml")
    (root / "data/curated").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "data/curated/venues.csv", root / "data/curated/venues.csv")
    return root


def sync(papers: list[Paper], root: Path, *, rounds: int = 1, shared: bool = False) -> Run:
    """pull -> enrich -> merge for `papers` in a new project at `root`; `rounds` > 1 syncs again, and the
    counts are those of the last round (a no-change sync). `shared`: enrich and merge start from one
    reading of the inputs, as `sync` runs them; else each reads them itself."""
    root = project(root)
    lib, top = library_for(papers)
    publications = [hit["info"] for p in papers for hit in p.dblp if isinstance(hit, dict) and "info" in hit]
    seen, unique = set(), []
    for info in publications:
        if info.get("key") not in seen:
            seen.add(info.get("key"))
            unique.append(info)
    no_sleep = RetryPolicy(sleep=lambda s: None)
    with ZoteroServer(lib, api_key=KEY) as zs, CrossrefServer(crossref_works(papers), limits=FAST) as cs, \
            DblpServer(unique) as ds, OpenAlexServer([]) as oas:     # OpenAlex knows none of them
        settings = config.load(root, environ={
            "ZOTERO_API_URL": zs.url, "ZOTERO_API_KEY": KEY, "ZOTERO_LIBRARY_ID": "1", "ZOTERO_COLLECTION": top,
            "CROSSREF_API_URL": cs.url, "CROSSREF_MAILTO": "labels@example.org", "DBLP_API_URL": ds.url,
            "OPENALEX_API_URL": oas.url, "OPENALEX_MAILTO": "labels@example.org"})
        for _ in range(rounds):
            zs.reset_counts()
            cs.reset_counters()
            ds.reset_counters()
            quiet = Reporter(0, io.StringIO())
            pull.run(settings, Options(), quiet)
            given = inputs_.read(settings) if shared else None
            with CrossrefClient(cs.url, "labels@example.org", sleep=lambda s: None) as crossref, \
                    DblpClient(ds.url, policy=no_sleep, interval=0.0) as dblp:
                enrich.run(settings, Options(), quiet, client=crossref, dblp_client=dblp, inputs=given)
            catalog = merge.build(settings, given)
        counts = (cs.requests, ds.requests, zs.requests)
    by_key = {r.key: r for r in catalog.records}
    records = {p.id: by_key.get(item_key(p.id)) for p in papers}
    printed = {pid: shown(r) if r is not None else "(missing)" for pid, r in records.items()}
    return Run(catalog, printed, records, *counts, settings)


def wrong_papers(papers: list[Paper], run: Run) -> list[tuple[str, str]]:
    """Papers matched with another paper's record: a DOI or a DBLP key that is not the paper's own
    (its Crossref DOI, or a DBLP hit with its title). (paper id, what it was matched with)."""
    from pipeline.rules.match import normalise_title

    out = []
    for p in papers:
        r = run.records.get(p.id)
        if r is None:
            continue
        own_dois = {d.lower() for d in (p.doi, (p.crossref_published or {}).get("DOI", ""),
                                        p.zotero.get("DOI", "")) if d}
        own_dois |= {str(h["info"].get("doi", "")).lower() for h in p.dblp
                     if normalise_title(str(h["info"].get("title", ""))) == normalise_title(p.title)}
        own_keys = {h["info"].get("key") for h in p.dblp
                    if normalise_title(str(h["info"].get("title", ""))).startswith(normalise_title(p.title))}
        if r.doi and r.doi.lower() not in own_dois and r.source_of("doi") != "zotero":
            out.append((p.id, f"doi {r.doi}"))
        elif r.dblp and r.dblp not in own_keys:
            out.append((p.id, f"dblp {r.dblp}"))
    return out
