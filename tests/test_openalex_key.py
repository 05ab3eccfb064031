"""OPENALEX_API_KEY: read from the environment only, sent to OpenAlex as `api_key`, and found in no
message, cache file, settings repr or fingerprint, even when OpenAlex fails. Against the loopback
OpenAlex server."""
from __future__ import annotations

import io
import urllib.parse

from pipeline import config
from pipeline.report import Reporter
from pipeline.stages import Options, enrich, sync
from tests.crossref_fixtures import generate_works
from tests.servers.crossref_api import CrossrefServer
from tests.servers.openalex_api import OpenAlexServer, work
from tests.test_enrich_stage import FAST, MAILTO, make_project

KEY = "oaKey7f3c9d2e1b8a4c6d"


def settings_for(root, crossref, openalex, **more):
    return config.load(root, environ={"CROSSREF_API_URL": crossref.url, "CROSSREF_MAILTO": MAILTO,
                                      "DBLP_API_URL": "http://127.0.0.1:9", "OPENALEX_API_URL": openalex.url,
                                      "OPENALEX_MAILTO": MAILTO, "OPENALEX_API_KEY": KEY, **more})


def sent_keys(server: OpenAlexServer) -> list[str]:
    return [urllib.parse.parse_qs(query).get("api_key", [""])[0] for _, query, _ in server.log]


def written(root) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted((root / "data/raw").rglob("*.json"))
                   if "zotero" not in p.parts)


def test_the_key_is_sent_and_kept_nowhere(tmp_path):
    works = generate_works(3, seed=9)
    make_project(tmp_path, works, without_doi=1)
    with (CrossrefServer(works[1:], limits=FAST) as crossref,
          OpenAlexServer([work(1, doi=works[1]["DOI"], title=works[1]["title"][0])]) as openalex):
        settings = settings_for(tmp_path, crossref, openalex)
        out = io.StringIO()
        summary = enrich.run(settings, Options(), Reporter(2, out), clients={"dblp": None})
    assert openalex.requests >= 1 and set(sent_keys(openalex)) == {KEY}
    assert summary.failed == summary.dblp_failed          # only DBLP, which is not served here, failed
    # The summary counts OpenAlex's answers as it does Crossref's and DBLP's.
    assert (summary.openalex_works, summary.openalex_not_found, summary.openalex_searches) == (1, 1, 1)
    assert summary.openalex_failed == 0
    assert KEY not in out.getvalue() and KEY not in written(tmp_path)
    assert KEY not in repr(settings) and KEY not in sync.shaping_settings(settings)


def test_a_failing_openalex_says_why_without_the_key(tmp_path):
    works = generate_works(3, seed=10)
    make_project(tmp_path, works, without_doi=1)
    with CrossrefServer(works, limits=FAST) as crossref, OpenAlexServer() as openalex:
        openalex.fail_next(1, status=400)           # a request OpenAlex refuses: named by its path
        settings = settings_for(tmp_path, crossref, openalex)
        out = io.StringIO()
        summary = enrich.run(settings, Options(), Reporter(2, out), clients={"dblp": None})
        said_400 = out.getvalue()
        openalex.reset_counters()
        openalex.failing = 503                      # every retry fails: OpenAlex is down for the run
        out = io.StringIO()
        summary = enrich.run(settings, Options(), Reporter(2, out), clients={"dblp": None})
    assert summary.failed and not summary.complete and set(sent_keys(openalex)) == {KEY}
    lines = [line for line in (said_400 + out.getvalue()).splitlines() if "OpenAlex" in line]
    assert any("HTTP 400" in line for line in lines) and any("503" in line for line in lines)
    assert all(KEY not in line for line in lines) and KEY not in written(tmp_path)


def test_the_key_is_read_from_the_environment_only(tmp_path):
    (tmp_path / "pipeline.toml").write_text(f'[openalex]\napi_key = "{KEY}"\n', encoding="utf-8")
    settings = config.load(tmp_path, environ={})
    assert not settings.openalex_api_key                         # a committed file holds no secret
    assert any("api_key" in p.message for p in settings.problems)
    keyed = config.load(tmp_path, environ={"OPENALEX_API_KEY": KEY})
    assert keyed.openalex_api_key.reveal() == KEY and sync.fingerprint(keyed) == sync.fingerprint(settings)
