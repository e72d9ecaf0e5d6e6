"""How fast the bot talks to GitHub, following GitHub's REST guidance without a fixed tax.

GitHub asks integrators to make requests one at a time rather than concurrently, and to wait at
least a second between writes only when they make "a large number" of them. The bot is one
thread but for a promotion's reviewers and labels, sent together; reads go back to back. A
run's first few writes (one promotion's worth) go at once; beyond that each write waits
``seconds_between_writes`` after the previous one ended (two sent together, after each other's
start). A GraphQL
query is a POST but reads nothing into the repository, so it is paced as a read; a mutation is a
write. Secondary rate limits and ``Retry-After`` are the retry policy's job (``client``).

The transport calls ``before`` and ``after`` around every request it makes (the platform's,
the pull requests', the comments'); ``install`` puts the same pacer in place of PyGithub's own
deferral hook for the ChatOps calls still made through PyGithub, so one rule paces them all.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any


class Pacer:
    def __init__(
        self,
        free_writes: int,
        seconds_between_writes: float,
        seconds_between_requests: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_writes = free_writes
        self.seconds_between_writes = seconds_between_writes
        self.seconds_between_requests = seconds_between_requests
        self.writes = 0  # writes started this run
        self.slept = 0.0  # seconds spent waiting, for the bench and the tests
        self._sleep, self._clock = sleep, clock
        self._last_request: float | None = None
        self._last_write: float | None = None
        self._next_write = 0.0  # the earliest start for a paced write: two at once are spaced
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """POSTs made inside are reads (GraphQL queries)."""
        self._local.reading = True
        try:
            yield
        finally:
            self._local.reading = False

    def _is_write(self, verb: str) -> bool:
        return verb.upper() != "GET" and not getattr(self._local, "reading", False)

    def before(self, verb: str) -> None:
        with self._lock:  # reviewers and labels go out together (``pulls``)
            now = self._clock()
            due = now
            if self._last_request is not None and self.seconds_between_requests > 0:
                due = max(due, self._last_request + self.seconds_between_requests)
            if self._is_write(verb):
                self.writes += 1
                if self.writes > self.free_writes and self._last_write is not None:
                    due = max(due, self._last_write + self.seconds_between_writes, self._next_write)
                    self._next_write = due + self.seconds_between_writes
        if due > now:
            self.slept += due - now
            self._sleep(due - now)

    def after(self, verb: str) -> None:
        # From the end of a request, as PyGithub does: a slow answer is not counted as a wait.
        self._last_request = self._clock()
        if self._is_write(verb):
            self._last_write = self._last_request


def install(requester: Any, pacer: Pacer) -> None:
    """Pace ``requester``'s requests with ``pacer`` in place of PyGithub's fixed intervals.

    PyGithub calls its private ``__deferRequest`` before and ``__recordRequestTime`` after every
    request, looked up on the instance; replacing them there keeps every other behaviour."""
    requester._Requester__deferRequest = pacer.before
    requester._Requester__recordRequestTime = pacer.after
