"""OpenAlex on the source seam: enrich asks it in batches and caches every answer in data/raw/openalex,
merge's rule adds citation counts, open-access copies and retractions, and the outputs carry them.
Against the loopback OpenAlex and Crossref servers (tests/servers/)."""
from __future__ import annotations

import io
import shutil

from pipeline import config
from pipeline.machinery import inputs as inputs_
from pipeline.machinery.registry import SOURCES
from pipeline.model import Record
from pipeline.render import csljson, readme, table
from pipeline.report import Reporter
from pipeline.rules import enrichment
from pipeline.sources import http
from pipeline.sources.openalex import OpenAlexClient
from pipeline.stages import Options, enrich
from tests.crossref_fixtures import generate_works, item_key
from tests.servers.crossref_api import CrossrefServer
from tests.servers.openalex_api import OpenAlexServer, work
from tests.test_enrich_stage import FAST, MAILTO, make_project
from tests.test_openalex import FakeTime

PUBLISHER = "https://publisher.example/closed/paper.pdf"


def settings_for(root, crossref: CrossrefServer, openalex: OpenAlexServer):
    return config.load(root, environ={"CROSSREF_API_URL": crossref.url, "CROSSREF_MAILTO": MAILTO,
                                      "DBLP_API_URL": "http://127.0.0.1:9", "OPENALEX_API_URL": openalex.url,
                                      "OPENALEX_MAILTO": MAILTO})


def run(settings, **clients):
    out = io.StringIO()
    summary = enrich.run(settings, Options(), Reporter(1, out), clients=clients)
    return summary, out.getvalue()


def records_of(settings) -> dict[str, tuple[Record, list]]:
    given = inputs_.read(settings, sections=False)
    return {r.key: tuple(enrichment.apply(r, given.lookups)) for r in given.records}


def openalex_works(works: list[dict], **kwargs) -> list[dict]:
    return [work(i + 1, doi=w["DOI"], title=w["title"][0], cited_by=i, **kwargs) for i, w in enumerate(works)]


def test_openalex_is_on_the_registry_after_crossref_and_dblp():
    assert [s.name for s in SOURCES] == ["crossref", "dblp", "openalex"]


def test_a_first_sync_of_1000_dois_takes_at_most_20_requests_then_none(tmp_path):
    works = generate_works(1000, seed=4)
    make_project(tmp_path, works)
    with CrossrefServer(works, limits=FAST) as crossref, OpenAlexServer(openalex_works(works)) as openalex:
        settings = settings_for(tmp_path, crossref, openalex)
        summary, out = run(settings)
        assert openalex.requests <= 20 and summary.failed == 0 and summary.complete
        assert "OpenAlex: 1000 works and 0 unknown DOIs of 1000" in out
        assert len(list((tmp_path / "data/raw/openalex/works").iterdir())) == 1000
        openalex.reset_counters()
        summary, _ = run(settings)                      # the cache answers: no request at all
        assert openalex.requests == 0 and summary.complete
    by_key = records_of(settings)
    record, _ = by_key[item_key(7)]
    assert record.citations == 7 and record.citations_date and record.source_of("citations") == "openalex"


def test_a_no_change_sync_asks_openalex_nothing(tmp_path, monkeypatch):
    from tests.test_sync import OFFLINE, make_project as sync_project, run as cli

    root = sync_project(tmp_path)
    shutil.rmtree(root / "data/raw/openalex")
    dois = [f"10.1234/paper.{n}" for n in range(6)]
    with OpenAlexServer([work(n + 1, doi=d, title=f"Paper number {n}", cited_by=10 + n) for n, d in enumerate(dois)]) as oa:
        for name, value in {**OFFLINE, "OPENALEX_API_URL": oa.url, "OPENALEX_MAILTO": MAILTO}.items():
            monkeypatch.setenv(name, value)
        cli(root, "sync")
        assert 1 <= oa.requests <= 2 and (root / "build/sync.json").is_file()
        oa.reset_counters()
        out = cli(root, "sync")
        assert "skipped" in out and oa.requests == 0
    assert "10.1234/paper.3" in (root / "data/curated/papers.csv").read_text(encoding="utf-8")


def test_429_and_retry_after_are_waited_through(tmp_path):
    works = generate_works(3, seed=5)
    make_project(tmp_path, works)
    time_ = FakeTime()
    with CrossrefServer(works, limits=FAST) as crossref, OpenAlexServer(openalex_works(works)) as openalex:
        settings = settings_for(tmp_path, crossref, openalex)
        openalex.throttle_next(1, retry_after=3)
        policy = http.RetryPolicy(attempts=4, base=0.5, max_wait=60.0, sleep=time_.sleep, clock=time_.clock)
        client = OpenAlexClient(openalex.url, MAILTO, policy=policy)
        summary, _ = run(settings, openalex=client)
        assert [entry[2] for entry in openalex.log] == [429, 200]
    assert 3.0 in time_.waits and summary.complete
    assert all(r.citations is not None for r, _ in records_of(settings).values())


def test_a_doi_openalex_lacks_keeps_crossrefs_count_and_is_not_asked_again(tmp_path):
    works = generate_works(2, seed=6)
    make_project(tmp_path, works)
    with CrossrefServer(works, limits=FAST) as crossref, OpenAlexServer(openalex_works(works[:1])) as openalex:
        settings = settings_for(tmp_path, crossref, openalex)
        summary, out = run(settings)
        assert "1 works and 1 unknown DOIs of 2" in out and summary.complete
        openalex.reset_counters()
        run(settings)
        assert openalex.requests == 0                   # "not known" is an answer, cached
    lacking, problems = records_of(settings)[item_key(1)]
    assert lacking.citations == works[1].get("is-referenced-by-count") and not lacking.citations_date
    assert not lacking.oa_url and "retracted" not in [p.code for p in problems]


def test_a_retracted_work_is_an_error_and_carries_its_notice(tmp_path):
    works = generate_works(1, seed=7)
    make_project(tmp_path, works)
    with CrossrefServer(works, limits=FAST) as crossref, \
            OpenAlexServer(openalex_works(works, retracted=True)) as openalex:
        run(settings_for(tmp_path, crossref, openalex))
        settings = settings_for(tmp_path, crossref, openalex)
    record, problems = records_of(settings)[item_key(0)]
    assert record.retracted and record.notices[-1].source == "openalex"
    assert [p.level for p in problems if p.code == "retracted"] == ["error"]
    assert table.row(record, "key")[table.NAMES.index("retracted")] == "true"


def test_an_open_copy_never_replaces_the_curators_link(tmp_path):
    works = generate_works(1, seed=8)
    make_project(tmp_path, works)
    oa_pdf = "https://repository.example/open/paper.pdf"
    with CrossrefServer(works, limits=FAST) as crossref, \
            OpenAlexServer(openalex_works(works, is_oa=True, pdf_url=oa_pdf, oa_license="cc-by")) as openalex:
        settings = settings_for(tmp_path, crossref, openalex)
        run(settings)
    record, _ = records_of(settings)[item_key(0)]
    assert (record.oa_url, record.oa_license) == (oa_pdf, "cc-by")
    curated = record.evolve(url=PUBLISHER)
    line = readme.entry(curated)
    assert line.startswith(f"- [{readme.inline(curated.title)}]({PUBLISHER}) [PDF]({oa_pdf})")
    # The curator's own link is open already (an arXiv page): no [PDF] beside it.
    assert "[PDF]" not in readme.entry(record.evolve(url="https://arxiv.org/abs/2101.00001"))
    row = dict(zip(table.NAMES, table.row(curated, "key")))
    assert (row["url"], row["oa_url"], row["oa_license"]) == (PUBLISHER, oa_pdf, "cc-by")
    custom = csljson.item(curated, "key")["custom"]
    assert custom["oa-url"] == oa_pdf and custom["citations"] == 0 and custom["citations-date"]
    assert csljson.item(curated, "key")["URL"] == PUBLISHER


def test_offline_asks_nothing_and_says_so(tmp_path):
    works = generate_works(2, seed=9)
    make_project(tmp_path, works)
    with CrossrefServer(works, limits=FAST) as crossref, OpenAlexServer(openalex_works(works)) as openalex:
        settings = settings_for(tmp_path, crossref, openalex)
        out = io.StringIO()
        summary = enrich.run(settings, Options(offline=True), Reporter(1, out))
        assert openalex.requests == 0 and not summary.complete
    assert "items not looked up on OpenAlex" in out.getvalue()


def test_a_paper_no_source_placed_is_searched_by_title_and_gains_its_doi(tmp_path):
    works = generate_works(1, seed=10)
    make_project(tmp_path, works, without_doi=1)
    w = works[0]
    names = [f"{a['given']} {a['family']}" for a in w["author"]]
    year = w["issued"]["date-parts"][0][0]
    found = work(1, doi=w["DOI"], title=w["title"][0], authors=names, year=year, cited_by=42)
    with CrossrefServer([], limits=FAST) as crossref, OpenAlexServer([found]) as openalex:
        settings = settings_for(tmp_path, crossref, openalex)
        _, out = run(settings)
        assert "1 searches, 1 verified" in out
    record, _ = records_of(settings)[item_key(0)]
    assert record.doi == w["DOI"].lower() and record.citations == 42 and record.source_of("doi") == "openalex"


def test_settings_from_pipeline_toml_and_the_environment(tmp_path):
    (tmp_path / "pipeline.toml").write_text('[openalex]\napi_url = "http://127.0.0.1:8/"\nmailto = "a@example.org"\n')
    settings = config.load(tmp_path, environ={})
    assert (settings.openalex_api_url, settings.openalex_mailto) == ("http://127.0.0.1:8", "a@example.org")
    assert settings.paths.openalex == tmp_path / "data/raw/openalex"
    settings = config.load(tmp_path, environ={"OPENALEX_API_URL": "http://127.0.0.1:7", "OPENALEX_MAILTO": "b@example.org"})
    assert (settings.openalex_api_url, settings.openalex_mailto) == ("http://127.0.0.1:7", "b@example.org")
