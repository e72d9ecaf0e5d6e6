"""Serve the relay with waitress until SIGTERM or SIGINT, then stop gracefully.

On the signal the relay drains: /healthz turns 503 (so a load balancer stops routing to it),
new deliveries get 503 (MLflow retries them), and the deliveries already talking to GitHub
finish and are answered before the process exits, within ``grace`` seconds. Kubernetes sends
SIGTERM and waits ``terminationGracePeriodSeconds`` (30 s by default) before SIGKILL.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from typing import Any

from bot.errors import UserError
from bot.relay.wsgi import App

log = logging.getLogger("bot.relay")


class Server:
    """waitress's event loop run here (not ``server.run()``), so stopping can drain first."""

    def __init__(self, app: App, host: str, port: int, threads: int, grace: float = 20.0):
        try:
            from waitress.server import BaseWSGIServer, create_server  # type: ignore[import-untyped]
        except ImportError:
            raise UserError(
                "promote relay needs waitress: pip install 'model-promotion-bot[relay]'"
            ) from None

        self.app, self.grace = app, grace
        self._server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            # Past this many open connections waitress stops accepting until some close, so
            # deliveries waiting for a dispatch slot form a bounded queue.
            connection_limit=max(16, threads * 8),
            asyncore_use_poll=True,  # select() fails on descriptors above 1023
            ident="model-promotion-relay",
        )
        assert isinstance(self._server, BaseWSGIServer)  # one address: one listening socket
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self._server.effective_port}"

    def run(self) -> None:
        from waitress import wasyncore  # type: ignore[import-untyped]

        log.info("relay listening on %s", self.url)
        sockets = self._server._map
        while not self._stopping.is_set():
            wasyncore.loop(timeout=1.0, map=sockets, use_poll=True, count=1)
        log.info("relay stopping: %d delivery(ies) in flight", self.app.relay.in_flight)
        deadline = time.monotonic() + self.grace
        while self._busy(sockets) and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.05, map=sockets, use_poll=True, count=1)
        self._server.close()
        self._server.task_dispatcher.shutdown(timeout=2)
        log.info("relay stopped")

    def stop(self) -> None:
        """Safe from a signal handler or another thread, and to call twice."""
        if self._stopping.is_set():
            return
        self.app.relay.drain()
        self._stopping.set()
        with contextlib.suppress(OSError):  # the loop may have closed the trigger already
            self._server.pull_trigger()  # wake the event loop now, not at its next timeout

    def _busy(self, sockets: dict[Any, Any]) -> bool:
        """A request is being served, or its answer is not yet written to its socket."""
        if self.app.relay.in_flight:
            return True
        return any(
            getattr(c, "requests", None) or getattr(c, "total_outbufs_len", 0)
            for c in list(sockets.values())
        )


def serve(app: App, host: str, port: int, threads: int) -> None:
    server = Server(app, host, port, threads)
    signal.signal(signal.SIGTERM, lambda signum, frame: server.stop())
    signal.signal(signal.SIGINT, lambda signum, frame: server.stop())
    server.run()
