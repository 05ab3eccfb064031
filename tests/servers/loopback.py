"""The life cycle every loopback server of the tests shares: a threaded HTTP server on 127.0.0.1 and a
free port, started and stopped with the object (`with Server(...) as server:`), its handler class bound
to the server object as `api`; and `Handler`, what every protocol's handler does alike (keep-alive,
quiet, one way to answer, one way to drop a connection)."""
from __future__ import annotations

import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as the real services allow

    def log_message(self, *args) -> None:   # quiet: the tests read the server's own log
        pass

    def reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """One answer: the status, the headers given, the body's length, the body (a client that hung up
        is no error of ours)."""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def reset(self) -> None:
        """Drop the connection with no answer: SO_LINGER 0 makes close() send a RST, so the client sees
        a reset, not a polite end of stream."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True


class LoopbackServer:
    handler: type[BaseHTTPRequestHandler]   # the protocol: a handler that reads `self.api`
    thread_name = "loopback"
    poll_interval = 0.05
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        handler = type("Handler", (self.handler,), {"api": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": self.poll_interval},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
