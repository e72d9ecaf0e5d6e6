"""A counting pass-through proxy in front of the MLflow tracking server.

The GitHub fake logs every request it answers; MLflow's server does not. Pointing the bot's
``MLFLOW_TRACKING_URI`` at this proxy shows how many registry round trips a poll makes per
model, which is what decides how many models one scheduled job can poll. Timed runs skip
the proxy, so its extra hop never shows in a wall time.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from bench.served import Served

# Headers that describe one connection, not the message: never forwarded.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the MLflow client uses with the server
    server: _ProxyServer

    def do_GET(self) -> None:
        self._forward()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        started = time.perf_counter()
        upstream = http.client.HTTPConnection(self.server.upstream_host, timeout=60)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        self.server.record(self.command, self.path, time.perf_counter() - started)
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream_host = urlsplit(upstream).netloc
        self.calls: Counter[str] = Counter()
        self.upstream_seconds = 0.0
        self.lock = threading.Lock()

    def record(self, method: str, path: str, seconds: float) -> None:
        endpoint = path.split("?", 1)[0]
        with self.lock:
            self.calls[f"{method} {endpoint}"] += 1
            self.upstream_seconds += seconds


class CountingProxy(Served[_ProxyServer]):
    """``with CountingProxy(server_uri) as proxy:`` then point MLflow clients at ``proxy.uri``."""

    def __init__(self, upstream: str) -> None:
        super().__init__(_ProxyServer(upstream), "mlflow-proxy")

    def __enter__(self) -> CountingProxy:
        super().__enter__()
        return self

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def take(self) -> tuple[Counter[str], float]:
        """Requests by endpoint, and seconds the server spent on them, since the last call."""
        with self._server.lock:
            calls, self._server.calls = self._server.calls, Counter()
            seconds, self._server.upstream_seconds = self._server.upstream_seconds, 0.0
        return calls, seconds
