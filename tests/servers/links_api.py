"""Web servers on 127.0.0.1 whose pages behave as published links do, and an Internet Archive
availability API, for the link checker's tests and benchmark.

`LinkServer` answers by path, for HEAD and GET alike unless said otherwise:

    /ok                     200
    /s/<code>               that status (404, 410, 403, 500 ...)
    /r/<code>/<rest>        a redirect with that status to /<rest> (301, 308, 302, 307; chains nest)
    /loop/a, /loop/b        a 302 to each other
    /nohead/<code>          HEAD answers <code> (405, 501, 403 ...), GET 200
    /flaky/<code>/<n>       the first n requests of this path answer <code> (429 and 503 with
                            `Retry-After: <retry_after>`), then 200
    /slow/<ms>              200 after that many milliseconds
    /hang                   never answers (until the server stops)
    /wall                   403 with Cloudflare's `cf-mitigated: challenge`
    /big                    200 with a body of 5 MB, for GET

It counts `requests` and keeps a `log` of (method, path, User-Agent), and the most requests it
served at once (`peak`), so a test can check the per-host limit. `latency` (seconds) delays every
answer: the benchmark's stand-in for a real server's think time.

`ArchiveServer` speaks `GET /wayback/available?url=...` in the documented JSON shape:
`{"archived_snapshots": {"closest": {"available": true, "url", "timestamp", "status": "200"}}}` for a
URL given to `capture(url, timestamp)`, `{"archived_snapshots": {}}` for any other.
"""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler

from tests.servers.loopback import LoopbackServer


class LinkServer(LoopbackServer):
    thread_name = "links"

    def __init__(self, *, latency: float = 0.0, retry_after: str = "1"):
        self.latency = latency
        self.retry_after = retry_after
        self.requests = 0
        self.log: list[tuple[str, str, str]] = []
        self.seen: Counter = Counter()
        self.in_flight = 0
        self.peak = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def stop(self) -> None:
        self.stopping.set()
        super().stop()

    def arrive(self, method: str, path: str, agent: str) -> int:
        with self._lock:
            self.requests += 1
            self.log.append((method, path, agent))
            self.seen[path] += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return self.seen[path]

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _LinkHandler(BaseHTTPRequestHandler):
    api: LinkServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_GET(self) -> None:
        self._serve("GET")

    def _send(self, status: int, headers: dict | None = None, body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def _serve(self, method: str) -> None:
        api = self.api
        path = urllib.parse.urlsplit(self.path).path
        nth = api.arrive(method, path, self.headers.get("User-Agent", ""))
        try:
            if api.latency:
                time.sleep(api.latency)
            self._route(method, path, nth)
        finally:
            api.leave()

    def _route(self, method: str, path: str, nth: int) -> None:
        api = self.api
        parts = path.strip("/").split("/")
        head = parts[0]
        if path == "/ok":
            self._send(200, {"Content-Type": "text/html"}, b"<p>ok</p>")
        elif head == "s" and len(parts) == 2:
            self._send(int(parts[1]), {"Content-Type": "text/html"}, b"<p>status</p>")
        elif head == "r" and len(parts) >= 3:
            self._send(int(parts[1]), {"Location": "/" + "/".join(parts[2:])})
        elif head == "loop" and len(parts) == 2:
            self._send(302, {"Location": "/loop/b" if parts[1] == "a" else "/loop/a"})
        elif head == "nohead" and len(parts) == 2:
            self._send(int(parts[1]) if method == "HEAD" else 200, {}, b"<p>page</p>")
        elif head == "flaky" and len(parts) == 3:
            code, times = int(parts[1]), int(parts[2])
            if nth <= times:
                extra = {"Retry-After": api.retry_after} if code in (429, 503) else {}
                self._send(code, extra, b"busy")
            else:
                self._send(200, {}, b"<p>ok now</p>")
        elif head == "slow" and len(parts) == 2:
            time.sleep(int(parts[1]) / 1000)
            self._send(200, {}, b"<p>slow</p>")
        elif path == "/hang":
            api.stopping.wait(60)
        elif path == "/wall":
            self._send(403, {"cf-mitigated": "challenge"}, b"<p>checking your browser</p>")
        elif path == "/big":
            self._send(200, {"Content-Type": "application/pdf"}, b"%PDF" + b"0" * (5 * 2**20))
        else:
            self._send(404, {}, b"<p>not found</p>")


LinkServer.handler = _LinkHandler


class ArchiveServer(LoopbackServer):
    thread_name = "archive"

    def __init__(self):
        self.captures: dict[str, tuple[str, str]] = {}
        self.asked: list[str] = []

    @property
    def api_url(self) -> str:
        return f"{self.url}/wayback/available"

    def capture(self, url: str, timestamp: str = "20230102030405") -> str:
        """Record a capture of `url`; returns the snapshot's address."""
        snapshot = f"http://web.archive.org/web/{timestamp}/{url}"
        self.captures[url] = (snapshot, timestamp)
        return snapshot


class _ArchiveHandler(BaseHTTPRequestHandler):
    api: ArchiveServer

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        if parts.path != "/wayback/available":
            self.send_error(404)
            return
        url = urllib.parse.parse_qs(parts.query).get("url", [""])[0]
        self.api.asked.append(url)
        found = self.api.captures.get(url)
        doc = {"archived_snapshots": {}}
        if found:
            doc = {"archived_snapshots": {"closest": {"available": True, "url": found[0], "timestamp": found[1],
                                                      "status": "200"}}}
        body = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ArchiveServer.handler = _ArchiveHandler


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (a refused connection)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
