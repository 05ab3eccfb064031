"""The link checker against loopback servers: every verdict, the cache of verdicts, the report."""
from __future__ import annotations

import io
import socket
import ssl
from datetime import date, timedelta

import httpx2
import pytest

from pipeline import config
from pipeline.machinery import files
from pipeline.model import Catalog, Record, Section
from pipeline.report import Reporter
from pipeline.sources import links as checking
from pipeline.stages import Options
from pipeline.stages import links
from tests.servers.links_api import ArchiveServer, LinkServer, closed_port

TODAY = date(2026, 12, 4)


@pytest.fixture
def server():
    with LinkServer() as s:
        yield s


@pytest.fixture
def archive():
    with ArchiveServer() as a:
        yield a


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """A published link this module forgot to point at a loopback server fails the test, never
    reaching the internet (a record's DOI publishes a doi.org link)."""
    send = checking.LinkChecker._send

    def guarded(self, method, url):
        assert httpx2.URL(url).host == "127.0.0.1", f"a test asked {url}"
        return send(self, method, url)

    monkeypatch.setattr(checking.LinkChecker, "_send", guarded)


def policy(sleeps: list | None = None, timeout: float = 0.5):
    """Waits are recorded, never slept (the policy's sleep), except a server that does not answer."""
    return checking.default_policy(timeout=timeout, sleep=(sleeps if sleeps is not None else []).append)


def check(url: str, sleeps: list | None = None, **kwargs) -> checking.Answer:
    with checking.LinkChecker(contact="curator@example.org", policy=policy(sleeps), **kwargs) as checker:
        return checker.check(url)


# --- verdicts ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, verdict, status", [
    ("/ok", "ok", 200),
    ("/slow/150", "ok", 200),
    ("/s/404", "broken", 404),
    ("/s/410", "broken", 410),
    ("/s/401", "needs-a-browser", 401),
    ("/s/403", "needs-a-browser", 403),
    ("/wall", "needs-a-browser", 403),
    ("/r/302/ok", "ok", 200),
    ("/r/307/ok", "ok", 200),
    ("/r/302/s/404", "broken", 404),
])
def test_verdict_of_each_kind_of_answer(server, path, verdict, status):
    answer = check(server.url + path)
    assert (answer.verdict, answer.status) == (verdict, status)


@pytest.mark.parametrize("code", [301, 308])
def test_a_permanent_redirect_is_moved_and_names_the_new_address(server, code):
    answer = check(f"{server.url}/r/{code}/ok")
    assert answer.verdict == "moved"
    assert answer.moved_to == answer.final_url == f"{server.url}/ok"
    assert answer.redirects == ((code, f"{server.url}/ok"),)


def test_a_temporary_hop_after_a_permanent_one_moves_the_link_only_as_far_as_the_permanent_hop(server):
    answer = check(f"{server.url}/r/301/r/302/ok")
    assert answer.verdict == "moved"
    assert answer.moved_to == f"{server.url}/r/302/ok"
    assert [code for code, _ in answer.redirects] == [301, 302]


def test_a_redirect_loop_is_broken_after_one_round(server):
    answer = check(f"{server.url}/loop/a")
    assert answer.verdict == "broken" and "loop" in answer.reason
    assert server.requests <= 4      # HEAD /loop/a, /loop/b, and the loop is seen: no 10-hop chase


def test_too_many_redirects_is_broken(server):
    deep = "/r/302" * 4 + "/ok"
    answer = check(server.url + deep, max_redirects=3)
    assert answer.verdict == "broken" and "more than 3 redirects" in answer.reason


@pytest.mark.parametrize("code", [405, 501, 403, 404])
def test_a_server_refusing_head_is_asked_with_get(server, code):
    answer = check(f"{server.url}/nohead/{code}")
    assert answer.verdict == "ok"
    assert [m for m, _p, _a in server.log] == ["HEAD", "GET"]


def test_a_host_that_does_not_support_head_is_asked_with_get_from_then_on(server):
    with checking.LinkChecker(policy=policy()) as checker:
        checker.check(f"{server.url}/nohead/405")
        checker.check(f"{server.url}/ok")
    assert [m for m, _p, _a in server.log] == ["HEAD", "GET", "GET"]


def test_429_with_retry_after_is_waited_for_through_the_policy(server):
    sleeps: list[float] = []
    server.retry_after = "7"
    answer = check(f"{server.url}/flaky/429/1", sleeps)
    assert answer.verdict == "ok"
    assert server.seen["/flaky/429/1"] == 2
    assert any(6.5 <= s <= 7.5 for s in sleeps)      # the server's Retry-After, not our backoff


def test_a_retry_after_longer_than_the_cap_is_not_waited_for(server):
    sleeps: list[float] = []
    server.retry_after = "86400"
    answer = check(f"{server.url}/flaky/429/5", sleeps)
    assert answer.verdict == "unknown" and "429" in answer.reason
    assert server.seen["/flaky/429/5"] == 1 and not any(s > 60 for s in sleeps)


def test_500_then_200_is_ok_and_500_every_time_is_broken_after_the_retries(server):
    assert check(f"{server.url}/flaky/500/1").verdict == "ok"
    answer = check(f"{server.url}/s/500")
    assert answer.verdict == "broken" and answer.reason == "HTTP 500 after 3 tries"
    assert server.seen["/s/500"] == 3


def test_a_server_that_never_answers_ends_in_bounded_time(server):
    # Bounded by tries x timeout (0.5 s here); the backoff between tries goes through the policy's sleep.
    answer = check(f"{server.url}/hang")
    assert answer.verdict == "broken" and answer.reason == "no answer within 0.5 s"
    assert server.seen["/hang"] == 3


def test_a_refused_connection_is_broken():
    answer = check(f"http://127.0.0.1:{closed_port()}/paper.pdf")
    assert answer.verdict == "broken" and answer.reason == "connection refused"


def test_tls_to_a_server_without_tls_is_broken_and_not_retried(server, monkeypatch):
    handshakes = []
    handle = checking.CheckingTransport.handle_request
    monkeypatch.setattr(checking.CheckingTransport, "handle_request",
                        lambda self, request: handshakes.append(request.url) or handle(self, request))
    tls = "https" + server.url[len("http"):]
    with checking.LinkChecker(policy=policy()) as checker:
        answers = [checker.check(f"{tls}/ok"), checker.check(f"{tls}/s/404")]
    assert [a.verdict for a in answers] == ["broken", "broken"]
    assert all(a.reason.startswith("TLS handshake with 127.0.0.1 failed") for a in answers)
    assert server.requests == 0 and len(handshakes) == 1     # not retried, and the host's other link not asked


def test_a_dns_failure_is_named_as_such():
    chained = httpx2.ConnectError("[Errno -2] Name or service not known")
    chained.__cause__ = socket.gaierror(-2, "Name or service not known")
    assert checking._cause_of(chained) == "dns"
    tls = httpx2.ConnectError("handshake")
    tls.__cause__ = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER]")
    assert checking._cause_of(tls) == "tls"


def test_a_large_body_is_not_downloaded(server):
    answer = check(f"{server.url}/big")
    assert answer.verdict == "ok"


def test_user_agent_names_the_contact_address(server):
    check(f"{server.url}/ok")
    assert server.log[0][2] == "awesome-ml-reliability-pipeline/0.1 (link check; mailto:curator@example.org)"


def test_at_most_two_requests_at_once_per_host():
    with LinkServer(latency=0.05) as one, LinkServer(latency=0.05) as two:
        urls = [f"{s.url}/slow/1?{i}" for s in (one, two) for i in range(12)]
        with checking.LinkChecker(policy=policy(), per_host=2, rate=1000) as checker:
            answers = checker.check_all(urls)
    assert {a.verdict for a in answers.values()} == {"ok"}
    assert one.peak <= 2 and two.peak <= 2
    assert max(one.peak, two.peak) == 2      # and the limit is used, not one at a time


def test_the_global_rate_spaces_request_starts():
    sleeps: list[float] = []
    with LinkServer() as s:
        with checking.LinkChecker(policy=policy(sleeps), per_host=1, rate=4) as checker:
            checker.check_all([f"{s.url}/ok?{i}" for i in range(5)])
    # The fake sleep never advances the clock: each start is reserved 1/4 s after the one before.
    assert len(sleeps) >= 4 and sleeps[-1] >= 0.9


def test_past_the_run_deadline_no_request_starts(server):
    with checking.LinkChecker(policy=policy(), run_timeout=0) as checker:
        answer = checker.check(f"{server.url}/ok")
    assert answer.verdict == "unknown" and server.requests == 0


def test_a_link_whose_turn_comes_after_the_deadline_is_not_asked(server):
    with checking.LinkChecker(policy=policy(), per_host=1, rate=1, run_timeout=2.5) as checker:
        answers = checker.check_all([f"{server.url}/ok?{i}" for i in range(5)])
    # Starts are reserved a second apart (the fake sleep lets no time pass): 0, 1, 2 fit in 2.5 s.
    assert sorted(a.verdict for a in answers.values()) == ["ok", "ok", "ok", "unknown", "unknown"]
    assert server.requests == 3


def test_archive_availability_api(server, archive):
    dead = f"{server.url}/s/404"
    archive.capture(dead, "20240506070809")
    with checking.LinkChecker(policy=policy()) as checker:
        found, why = checker.archived(archive.api_url, dead)
        none, why_not = checker.archived(archive.api_url, f"{server.url}/never-captured")
    assert found == checking.Snapshot(f"https://web.archive.org/web/20240506070809/{dead}", "20240506070809")
    assert (none, why, why_not) == (None, "", "")
    assert archive.asked == [dead, f"{server.url}/never-captured"]


# --- the stage: which links, the cache, the report ---------------------------------------------------

def project_settings(project, archive=None, **links_table):
    table = {"archive_api_url": archive.api_url if archive else "http://127.0.0.1:9/wayback/available",
             "timeout": 0.5, **links_table}
    body = "\n".join(f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in table.items())
    (project / "pipeline.toml").write_text(f"[links]\n{body}\n".replace("'", '"'), encoding="utf-8")
    return config.load(project, environ={"CROSSREF_MAILTO": "curator@example.org"})


def catalog(*records: Record) -> Catalog:
    return Catalog(title="T", sections=(Section("SEC", "Papers", None, ("Papers",)),), records=records)


def paper(key: str, url: str, **fields) -> Record:
    return Record(key=key, title=f"Paper {key}", url=url, sections=("SEC",), **fields)


def run_links(settings, cat, day=TODAY, **options):
    out = io.StringIO()
    broken = links.run(settings, Options(**options), Reporter(1, out), today=day, policy=policy(), catalog=cat)
    return broken, out.getvalue()


def test_published_links_are_what_the_outputs_carry():
    cat = catalog(paper("AAAA2345", "https://a.example/p", doi="10.1/x", review_path="reviews/a.md", review_text=True),
                  paper("BBBB2345", "", arxiv="2101.00001"),
                  paper("HIDE2345", "https://h.example/p", hidden=True),
                  paper("BADU2345", "javascript:alert(1)"))
    found = links.published(cat)
    assert list(found) == ["https://a.example/p", "https://doi.org/10.1/x", "reviews/a.md",
                           "https://arxiv.org/abs/2101.00001", "https://h.example/p"]
    assert found["https://a.example/p"] == [links.Use("AAAA2345", "Paper AAAA2345", "paper")]


def test_the_stage_checks_reports_and_caches(project, server, archive):
    settings = project_settings(project, archive)
    dead = f"{server.url}/s/404"
    archive.capture(dead)
    cat = catalog(paper("GOOD2345", f"{server.url}/ok"), paper("DEAD2345", dead, arxiv="1904.03257"),
                  paper("MOVE2345", f"{server.url}/r/301/ok"), paper("WALL2345", f"{server.url}/s/403"))
    broken, out = run_links(settings, cat)
    assert broken
    assert "broken          DEAD2345 Paper DEAD2345 (paper)" in out
    assert f"{dead}: HTTP 404, broken since 2026-12-04" in out
    assert (f"try https://arxiv.org/abs/1904.03257 (arXiv), https://web.archive.org/web/20230102030405/{dead} "
            "(Internet Archive, 2023-01-02)") in out
    assert f"{server.url}/r/301/ok -> {server.url}/ok" in out
    assert "needs-a-browser MOVE2345" not in out and "needs-a-browser WALL2345" in out
    assert "links: 4 links: 1 ok, 1 moved, 1 broken, 1 need a browser; verdicts 0-0 days old" in out
    doc = links.LinkCache(settings.paths.links).verdict(dead)
    assert doc["checked"] == "2026-12-04" and doc["broken_since"] == "2026-12-04" and doc["status"] == 404
    first = server.requests

    # Within the age limit: no request at all, the same report.
    broken_again, again = run_links(settings, cat, TODAY + timedelta(days=6))
    assert server.requests == first and broken_again
    assert "verdicts 6-6 days old" in again

    # Expired: asked again; the date it broke is kept, the archived copy not asked for twice.
    asked = len(archive.asked)
    run_links(settings, cat, TODAY + timedelta(days=7))
    assert server.requests > first and len(archive.asked) == asked
    doc = links.LinkCache(settings.paths.links).verdict(dead)
    assert doc["checked"] == "2026-12-11" and doc["broken_since"] == "2026-12-04"


def test_suggestions_for_a_broken_link_come_in_order():
    record = paper("DEAD2345", "https://gone.example/p", doi="10.1145/3132747.3132785", arxiv="1904.03257")
    doc = {"archive": {"url": "https://web.archive.org/web/2023/https://gone.example/p", "timestamp": "2023"}}
    assert links.suggestions("https://gone.example/p", doc, [record]) == [
        ("https://doi.org/10.1145/3132747.3132785", "DOI"), ("https://arxiv.org/abs/1904.03257", "arXiv"),
        ("https://web.archive.org/web/2023/https://gone.example/p", "Internet Archive")]
    # The broken link is never suggested as its own replacement.
    assert links.suggestions("https://doi.org/10.1145/3132747.3132785", {}, [record]) == [
        ("https://arxiv.org/abs/1904.03257", "arXiv")]


def test_cache_files_are_deterministic(project, server):
    settings = project_settings(project)
    cat = catalog(paper("MOVE2345", f"{server.url}/r/308/ok"))
    run_links(settings, cat)
    path = next((settings.paths.links / "urls").iterdir())
    first = path.read_bytes()
    run_links(settings, cat, refresh=True)
    assert path.read_bytes() == first
    assert first.decode() == files.dump_json(files.read_json(path))


def test_offline_answers_from_the_cache_and_says_how_old(project, server):
    settings = project_settings(project)
    cat = catalog(paper("GOOD2345", f"{server.url}/ok"), paper("NEWP2345", f"{server.url}/s/404"))
    run_links(settings, catalog(cat.records[0]))
    asked = server.requests
    broken, out = run_links(settings, cat, TODAY + timedelta(days=9), offline=True)
    assert server.requests == asked and not broken
    assert "offline: 2 of 2 links are due a check" in out
    assert "verdicts 9-9 days old; 1 never checked" in out


def test_dry_run_checks_but_writes_nothing(project, server):
    settings = project_settings(project)
    broken, out = run_links(settings, catalog(paper("DEAD2345", f"{server.url}/s/410")), dry_run=True)
    assert broken and "HTTP 410" in out and "dry run" in out
    assert not settings.paths.links.exists()


def test_a_damaged_cache_file_is_named_and_checked_again(project, server):
    settings = project_settings(project)
    url = f"{server.url}/ok"
    path = settings.paths.links / "urls" / f"{links.url_id(url)}.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    out = io.StringIO()
    links.run(settings, Options(), Reporter(2, out), today=TODAY, policy=policy(), catalog=catalog(paper("A", url)))
    assert f"data/raw/links/urls/{path.name}: not JSON" in out.getvalue()
    assert links.LinkCache(settings.paths.links).verdict(url)["verdict"] == "ok"


def test_an_unknown_answer_keeps_the_old_verdict(project, server):
    settings = project_settings(project)
    url = f"{server.url}/flaky/429/99"
    cache = links.LinkCache(settings.paths.links)
    cache.write({"url": url, "verdict": "ok", "status": 200, "final_url": url, "redirects": [], "reason": "",
                 "moved_to": "", "checked": "2026-01-01", "broken_since": ""})
    server.retry_after = "3600"
    broken, out = run_links(settings, catalog(paper("RATE2345", url)))
    assert not broken and "could not be checked now" in out
    assert links.LinkCache(settings.paths.links).verdict(url)["checked"] == "2026-01-01"


def test_a_missing_review_file_is_a_broken_link(project):
    settings = project_settings(project)
    (project / "reviews").mkdir()
    (project / "reviews/here.md").write_text("x")
    cat = catalog(paper("HERE2345", "", review_path="reviews/here.md", review_text=True),
                  paper("GONE2345", "", review_path="reviews/gone.md", review_text=True))
    broken, out = run_links(settings, cat, offline=True)
    assert broken and "GONE2345 Paper GONE2345 (review)" in out and "HERE2345" not in out
    assert "links: 2 links: 1 ok, 0 moved, 1 broken, 0 need a browser; no verdicts yet\n" in out


def test_settings_are_checked():
    with pytest.raises(config.ConfigError, match=r"\[links\] mend must be"):
        config.link_settings({"mend": "wayback"})
    with pytest.raises(config.ConfigError, match=r"\[links\] per_host must be a positive number"):
        config.check_types({"links": {"per_host": 0}})
    assert config.link_settings({}).max_age_days == 7
