"""Serve the relay with waitress until SIGTERM or SIGINT, then stop gracefully.

On the signal the relay drains: /healthz turns 503 (so a load balancer stops routing to it),
new deliveries get 503 (MLflow retries them), and the deliveries already talking to GitHub
finish and are answered before the process exits, within ``grace`` seconds. Kubernetes sends
SIGTERM and waits ``terminationGracePeriodSeconds`` (30 s by default) before SIGKILL.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from bot.relay.wsgi import App

log = logging.getLogger("bot.relay")


def serve(app: App, host: str, port: int, threads: int, grace: float = 20.0) -> None:
    from waitress import wasyncore  # type: ignore[import-untyped]
    from waitress.server import BaseWSGIServer, create_server  # type: ignore[import-untyped]

    server = create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        # Deliveries beyond the dispatch slots wait here, and past this many connections
        # waitress stops accepting: the queue stays bounded.
        connection_limit=max(16, threads * 8),
        asyncore_use_poll=True,  # select() fails on descriptors above 1023
        ident="model-promotion-relay",
    )
    assert isinstance(server, BaseWSGIServer)  # one address: one listening socket
    stopping = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        app.relay.drain()
        stopping.set()
        server.pull_trigger()  # wake the event loop now, not at its next timeout

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("relay listening on http://%s:%d", server.effective_host, server.effective_port)
    sockets = server._map
    while not stopping.is_set():
        wasyncore.loop(timeout=1.0, map=sockets, use_poll=True, count=1)
    log.info("relay stopping: draining %d delivery(ies)", app.relay.in_flight)
    deadline = time.monotonic() + grace
    while _busy(app, sockets) and time.monotonic() < deadline:
        wasyncore.loop(timeout=0.05, map=sockets, use_poll=True, count=1)
    server.close()
    server.task_dispatcher.shutdown(timeout=2)
    log.info("relay stopped")


def _busy(app: App, sockets: dict[Any, Any]) -> bool:
    """A delivery is in the app, or an answer is not yet written to its socket."""
    if app.relay.in_flight:
        return True
    return any(getattr(c, "total_outbufs_len", 0) for c in list(sockets.values()))
