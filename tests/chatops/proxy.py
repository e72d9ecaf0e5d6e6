"""``LateFaultProxy``: the rig's ``FaultProxy`` plus one fault it lacks, an error answered
*after* the upstream carried the request out (a gateway's 502 once the comment exists)."""

from __future__ import annotations

import socket
import threading
import time
from http import HTTPStatus

from tests.rig.fault_proxy import FaultProxy, Seen, _read_request

_PEEK = 8192


class LateFaultProxy(FaultProxy):
    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self._late: list[tuple[str, int]] = []  # ("METHOD /path", status), oldest first
        self._late_lock = threading.Lock()

    def answer_after_forward(self, match: str, status: int = 502) -> None:
        """Forward the next request matching ``"METHOD /path"``, drop the upstream's answer
        and answer ``status`` instead."""
        with self._late_lock:
            self._late.append((match, status))

    def _serve(self, client: socket.socket) -> None:
        status = self._late_fault(client)
        if status is None:
            super()._serve(client)
            return
        try:
            request = _read_request(client)
            if request is None:
                return
            method, target, head, body = request
            self._forward(None, head, body)
            with self._lock:
                self.requests.append(Seen(method, target, f"forwarded, then {status}"))
            phrase = HTTPStatus(status).phrase.encode()
            client.sendall(
                b"HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                % (status, phrase)
            )
        finally:
            client.close()

    def _late_fault(self, client: socket.socket) -> int | None:
        """The status to answer late if the waiting request matches a queued fault (read
        with MSG_PEEK, so the request stays for whichever path serves it)."""
        client.settimeout(30)
        seen = b""
        for _ in range(100):  # the request line is one small write; wait a little for it
            seen = client.recv(_PEEK, socket.MSG_PEEK)
            if not seen or b"\r\n" in seen:
                break
            time.sleep(0.01)
        method, target, _ = (seen.split(b"\r\n", 1)[0].decode("latin-1") + "  ").split(" ", 2)
        request = f"{method} {target.split('?', 1)[0]}"
        with self._late_lock:
            for index, (match, status) in enumerate(self._late):
                if match == request:
                    del self._late[index]
                    return status
        return None
