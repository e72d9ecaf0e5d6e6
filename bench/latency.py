"""A latency shim: a TCP proxy on 127.0.0.1 that adds a fixed round-trip time to every exchange.

A round trip is paid where a real network pays it: once for the TCP handshake (on accept), and
once each time the conversation turns, i.e. the first bytes flowing one way after bytes flowed
the other way (half on the way out, half on the way back). A large answer streamed in many
chunks is one turn, as it would be on a real link; a client that makes 14 requests one after
the other pays 14 round trips, and a Git fetch pays one per protocol exchange.

Bounded: it serves until its ``with`` block ends and only ever connects to its one target.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Iterator


class LatencyShim:
    def __init__(self, target_port: int, rtt_s: float = 0.1) -> None:
        self.target = ("127.0.0.1", target_port)
        self.rtt_s = rtt_s
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.turns = 0  # round trips added after the handshakes, for the report
        self.connections = 0

    def url_for(self, url: str) -> str:
        """``url`` (on the target's port) through the shim."""
        return url.replace(f"127.0.0.1:{self.target[1]}", f"127.0.0.1:{self.port}", 1)

    def __enter__(self) -> LatencyShim:
        thread = threading.Thread(target=self._accept, name="latency-shim", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        time.sleep(self.rtt_s)  # SYN, SYN-ACK: one round trip before the first byte
        with contextlib.closing(client), _connect(self.target) as server:
            sel = selectors.DefaultSelector()
            sel.register(client, selectors.EVENT_READ, server)
            sel.register(server, selectors.EVENT_READ, client)
            last: socket.socket | None = None
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.5):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    if source is not last:  # the conversation turned: half a round trip
                        if source is client:
                            self.turns += 1
                        time.sleep(self.rtt_s / 2)
                        last = source
                    key.data.sendall(data)


@contextlib.contextmanager
def _connect(target: tuple[str, int]) -> Iterator[socket.socket]:
    sock = socket.create_connection(target)
    try:
        yield sock
    finally:
        sock.close()
