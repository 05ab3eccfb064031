"""The sources' first rounds overlap (machinery/overlap.py): DBLP is asked only what Crossref could not
settle, it starts while the other sources are still waiting for answers, and the caches a run writes do
not depend on which thread ran first. Against the loopback Crossref, DBLP and OpenAlex servers."""
from __future__ import annotations

import io
import threading
import urllib.parse
from pathlib import Path

import pytest

from pipeline import config
from pipeline.machinery import overlap, registry
from pipeline.machinery.crossref_cache import CrossrefCache, work_filename
from pipeline.machinery.seam import Plan
from pipeline.report import Reporter
from pipeline.sources.dblp import DblpClient
from pipeline.sources.http import Outcome
from pipeline.stages import Options, enrich
from tests.crossref_fixtures import generate_works
from tests.servers.crossref_api import CrossrefServer
from tests.servers.dblp_api import DblpServer
from tests.servers.openalex_api import OpenAlexServer, work
from tests.test_enrich_stage import FAST, MAILTO, make_project

DAY = "2026-12-04"


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    # OpenAlex's cache records the day of its answer: two runs compared byte for byte share one day.
    monkeypatch.setattr(registry.openalex_cache.SOURCE, "today", lambda: DAY)


def settings_for(root: Path, crossref: str, dblp: str, openalex: str):
    return config.load(root, environ={"CROSSREF_API_URL": crossref, "CROSSREF_MAILTO": MAILTO, "DBLP_API_URL": dblp,
                                      "OPENALEX_API_URL": openalex, "OPENALEX_MAILTO": MAILTO})


def searched_titles(server: DblpServer) -> list[str]:
    return [urllib.parse.parse_qs(query)["q"][0] for path, query, _ in server.log if path == "/search/publ/api"]


def run(settings, **clients) -> tuple[enrich.Summary, str]:
    out = io.StringIO()
    return enrich.run(settings, Options(), Reporter(1, out), clients=clients), out.getvalue()


def test_dblp_is_not_asked_about_what_crossref_settled(tmp_path):
    works = generate_works(4, seed=5)
    make_project(tmp_path, works, without_doi=1)     # item 0 has no DOI: Crossref's search finds it
    with (CrossrefServer(works[:3], limits=FAST) as crossref, DblpServer() as dblp,    # Crossref lacks item 3's DOI
          OpenAlexServer() as openalex):
        settings = settings_for(tmp_path, crossref.url, dblp.url, openalex.url)
        summary, _ = run(settings, dblp=DblpClient(dblp.url, interval=0))
    assert summary.verified == 1 and summary.not_found == 1 and summary.failed == 0
    # Items 0-2 are placed at their published venue by Crossref (a DOI or a verified search): only the
    # DOI Crossref does not know is searched on DBLP.
    assert dblp.requests == 1 and summary.dblp_searches == 1
    assert searched_titles(dblp)[0].startswith(works[3]["title"][0].split()[0].lower())


class Blocked:
    """A client that takes its lookups and answers none until `gate` opens (then each fails)."""

    def __init__(self, gate: threading.Event):
        self.gate, self.asked, self.requests, self.down = gate, threading.Event(), 0, ""

    def _wait(self, keys):
        keys = list(keys)
        self.asked.set()
        self.gate.wait(60)
        for key in keys:
            yield Outcome(key, "failed", reason="blocked by the test")

    def fetch_works(self, dois):
        return self._wait(dois)

    def fetch_searches(self, queries):
        return self._wait(queries)

    def close(self) -> None:
        pass


def test_dblp_asks_while_crossref_and_openalex_are_blocked(tmp_path):
    works = generate_works(8, seed=6)
    make_project(tmp_path, works)
    settings = settings_for(tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9")
    # Crossref has already said it does not know the first five DOIs (so DBLP is asked about them); the
    # other three it must still be asked about, and it will not answer until the gate opens.
    cache = CrossrefCache.for_settings(settings)
    for w in works[:5]:
        cache.write_work(w["DOI"], None)
    gate = threading.Event()
    crossref, openalex = Blocked(gate), Blocked(gate)
    result = {}
    with DblpServer() as dblp:
        client = DblpClient(dblp.url, interval=0)
        thread = threading.Thread(target=lambda: result.update(
            run=run(settings, crossref=crossref, dblp=client, openalex=openalex)))
        thread.start()
        try:
            assert crossref.asked.wait(30)
            for _ in range(300):             # DBLP's five searches arrive with the gate still shut
                if dblp.requests >= 5:
                    break
                threading.Event().wait(0.1)
            assert dblp.requests == 5 and not gate.is_set() and thread.is_alive()
        finally:
            gate.set()
            thread.join(60)
    summary, out = result["run"]
    # Crossref's three and OpenAlex's eight DOIs, blocked, then failed.
    assert summary.dblp_searches == 5 and summary.failed == 3 + 8
    assert dblp.requests == 5                  # the three Crossref failed on are not DBLP's to ask
    assert "blocked by the test" in out


def cache_bytes(root: Path) -> dict[str, bytes]:
    raw = root / "data/raw"
    return {str(p.relative_to(raw)): p.read_bytes() for p in sorted(raw.rglob("*.json"))
            if p.parts[len(raw.parts)] != "zotero"}


def test_the_caches_do_not_depend_on_the_threads_timing(tmp_path):
    works = generate_works(60, seed=7)
    hits = [{"title": w["title"][0] + ".", "year": str(w["issued"]["date-parts"][0][0]), "venue": "ICSE",
             "type": "Conference and Workshop Papers", "key": f"conf/icse/K{i}", "doi": w["DOI"],
             "authors": {"author": [{"text": f"{a.get('given', '')} {a['family']}".strip()} for a in w["author"]]}}
            for i, w in enumerate(works[:10] + works[40:45])]
    trees = []
    for n, (interval, slow) in enumerate(((0.0, 0), (0.02, 8))):
        root = tmp_path / f"run{n}"
        make_project(root, works, without_doi=20)
        # Items 0-19 have no DOI: Crossref's search finds 10-19, DBLP 0-9 (their DOIs are then asked on
        # Crossref); Crossref lacks the DOIs of items 40-49, DBLP knows 40-44.
        with (CrossrefServer(works[10:40] + works[50:], limits=FAST) as crossref, DblpServer(hits) as dblp,
              OpenAlexServer([work(i + 1, doi=w["DOI"], title=w["title"][0], cited_by=i) for i, w in enumerate(works)])
              as openalex):
            dblp.slow_next(slow, 0.05)        # the second run's DBLP answers late, so the threads interleave otherwise
            settings = settings_for(root, crossref.url, dblp.url, openalex.url)
            summary, _ = run(settings, dblp=DblpClient(dblp.url, interval=interval))
            assert summary.failed == 0 and summary.complete and dblp.requests == 20
        trees.append(cache_bytes(root))
    assert trees[0] == trees[1] and any(name.startswith("dblp/") for name in trees[0])
    # The DOIs DBLP found for items 0-9 were asked of Crossref (which does not know them).
    assert all(f"crossref/works/{work_filename(w['DOI'])}" in trees[0] for w in works[:10])


def test_a_source_may_read_only_those_listed_before_it():
    class Early:
        name, after = "early", ("late",)

    class Late:
        name, after = "late", ()

    with pytest.raises(ValueError, match="early reads late"):
        overlap.Overlap((Early(), Late()), [], None, False, lambda s: None, None, lambda s: None)
    assert [s.name for s in registry.SOURCES if not s.after] == ["crossref"]
    assert Plan().lookups == 0
