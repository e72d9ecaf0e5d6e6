"""A ``http.server`` server run from a daemon thread for the length of a ``with`` block."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Generic, TypeVar

S = TypeVar("S", bound=ThreadingHTTPServer)


class Served(Generic[S]):
    def __init__(self, server: S, name: str) -> None:
        self._server = server
        # A short poll interval keeps the block's exit fast.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name=name, daemon=True
        )

    def __enter__(self) -> Served[S]:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
