"""The one HTTP policy every source uses (pipeline/sources/http.py), against a scripted loopback server."""
from __future__ import annotations

import random
import socket
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.sources import http


class Scripted:
    """A server that answers each request with the next (status, headers) of its script, then 200."""

    def __init__(self, *script: tuple[int, dict]):
        self.script = list(script)
        self.seen = 0
        self.body = b'{"ok": true}'
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.seen += 1
                status, headers = outer.script.pop(0) if outer.script else (200, {})
                body = outer.body
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def sleeps():
    return []


def policy(sleeps, **kw) -> http.RetryPolicy:
    return http.RetryPolicy(sleep=sleeps.append, rng=random.Random(1), **kw)


def test_retry_after_in_seconds_and_as_an_http_date():
    now = datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert http.retry_after_seconds("7") == 7.0
    assert http.retry_after_seconds(" 2.5 ") == 2.5
    assert http.retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True),
                                    now=lambda: now) == 30.0
    assert http.retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True),
                                    now=lambda: now) == 0.0
    assert http.retry_after_seconds("soon") is None
    assert http.retry_after_seconds("nan") is None
    assert http.retry_after_seconds("") is None


def test_backoff_is_capped_and_jittered():
    p = http.RetryPolicy(base=1.0, cap=8.0, rng=random.Random(3))
    waits = [p.backoff(a) for a in range(10)]
    assert all(0.5 * min(8.0, 2 ** a) <= w <= min(8.0, 2 ** a) for a, w in enumerate(waits))
    assert len({round(w, 6) for w in waits[4:]}) > 1, "jitter: capped waits are not all the same"


def test_429_with_retry_after_is_obeyed_then_answered(sleeps):
    server = Scripted((429, {"Retry-After": "3"}), (503, {"Retry-After": "2"}), (500, {}))
    try:
        with http.make_client(server.url, policy=policy(sleeps), name="Test") as client:
            assert client.get("/x").json() == {"ok": True}
            assert server.seen == 4
            assert http.transport_of(client).requests == 4
    finally:
        server.close()
    assert sleeps[:2] == [3.0, 2.0]
    assert 1.0 <= sleeps[2] <= 2.0, "a 500 without Retry-After gets the backoff of the third try"


@pytest.mark.parametrize("header", ["Retry-After", "Backoff"])
def test_a_wait_longer_than_the_cap_fails_at_once_saying_why(sleeps, header):
    status = 429 if header == "Retry-After" else 200
    server = Scripted((status, {header: "100000"}))
    try:
        with http.make_client(server.url, policy=policy(sleeps, max_wait=120), name="Zotero") as client:
            with pytest.raises(http.SourceUnavailable) as err:
                client.get("/items")
    finally:
        server.close()
    assert sleeps == [], "no day-long sleep"
    message = str(err.value)
    assert "Zotero" in message and "100000 s" in message and "120 s" in message and "\n" not in message


def test_backoff_header_delays_the_next_request_and_is_announced(sleeps):
    announced = []
    server = Scripted((200, {"Backoff": "9"}))
    try:
        with http.make_client(server.url, policy=policy(sleeps), name="Zotero",
                              on_wait=lambda s, why: announced.append((s, why))) as client:
            client.get("/a")
            client.get("/b")
    finally:
        server.close()
    assert len(sleeps) == 1 and 8.5 < sleeps[0] <= 9.0
    assert announced and "back off" in announced[0][1]


def test_a_closed_port_gives_up_fast_naming_host_and_port(sleeps):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with http.make_client(f"http://127.0.0.1:{port}", policy=policy(sleeps), name="Crossref") as client:
        with pytest.raises(http.SourceUnavailable) as err:
            client.get("/works")
        assert http.transport_of(client).requests == 2
    assert f"127.0.0.1:{port}" in str(err.value) and "unreachable" in str(err.value)
    assert sum(sleeps) < 2.0


def test_every_attempt_fails_then_one_line(sleeps):
    server = Scripted(*[(503, {})] * 10)
    try:
        with http.make_client(server.url, policy=policy(sleeps, attempts=3), name="DBLP") as client:
            with pytest.raises(http.SourceUnavailable) as err:
                client.get("/search/publ/api")
    finally:
        server.close()
    assert server.seen == 3 and len(sleeps) == 2
    assert "DBLP" in str(err.value) and "after 3 attempts (last: HTTP 503)" in str(err.value)


def test_fixed_rate_keeps_its_gap():
    now, slept = [0.0], []

    def sleep(s):
        slept.append(s)
        now[0] += s

    limiter = http.FixedRate(1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.acquire()
        limiter.release()
    assert slept == [1.0, 1.0]
    limiter.pause(5.0)
    limiter.acquire()
    limiter.release()
    assert slept[-1] == pytest.approx(5.0)


def test_fixed_rate_paces_from_a_late_wake_up():
    # A busy machine wakes the sleeping thread 0.3 s late once: the next request still waits a whole
    # gap after the late one (DBLP would otherwise see two requests 0.7 s apart, and answer 429).
    now, slept = [0.0], []

    def sleep(s):
        slept.append(s)
        now[0] += s + (0.3 if len(slept) == 1 else 0.0)

    limiter = http.FixedRate(1.0, clock=lambda: now[0], sleep=sleep)
    starts = []
    for _ in range(3):
        limiter.acquire()
        starts.append(now[0])
        limiter.release()
    assert [b - a for a, b in zip(starts, starts[1:])] == [pytest.approx(1.3), pytest.approx(1.0)]
