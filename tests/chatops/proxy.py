"""``LateFaultProxy``: the rig's ``FaultProxy`` plus one fault it lacks, an error answered
*after* the upstream carried the request out (a gateway's 502 once the comment exists); and
what the comment tests share around it: GitHub settings that go through the proxy, the issue
to comment on, the comments written, the POST to fault. The ``proxy`` fixture is in
``tests/chatops/conftest.py``."""

from __future__ import annotations

import socket
import threading
import time
from http import HTTPStatus
from urllib.parse import urlsplit

from bot.platform.github import GitHubSettings
from tests.rig.fake_github import FakeGitHub
from tests.rig.fault_proxy import FaultProxy, Seen, _read_request
from tests.rig.github_rig import TOKEN

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


def proxied_settings(fake: FakeGitHub, proxy: LateFaultProxy) -> GitHubSettings:
    """The fake's repository reached through ``proxy``; no pacing and no backoff, so a fault
    test does not sleep through the client's retries."""
    return GitHubSettings(
        repository="acme/gitops",
        token=TOKEN,
        api_url=proxy.url_for(fake.base_url),
        seconds_between_requests=0,
        seconds_between_writes=0,
        retry_backoff=0,
    )


def open_issue(fake: FakeGitHub) -> int:
    return int(fake.open_issue("Promotions")["number"])


def bodies(fake: FakeGitHub, number: int) -> list[str]:
    return [c["body"] for c in fake.comments.get(number, [])]


def comment_post(fake: FakeGitHub, number: int) -> str:
    """The POST of a comment on ``number``, as the proxy names requests."""
    path = urlsplit(fake.base_url).path.rstrip("/")
    return f"POST {path}/repos/acme/gitops/issues/{number}/comments"
