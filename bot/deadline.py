"""One total deadline for every registry call of a run (``--timeout``, the action's ``timeout``).

Library retries (urllib3 under MLflow, botocore) count attempts, not time: with a registry
down, their defaults add up to minutes per call, and a run makes several calls. The entry
point arms the deadline once; it starts with the first registry call (reading the config or
the repository does not count), each call gets what is left of it, and the first
call that runs out raises ``DeadlineExceeded`` with one line saying what did not answer. Later
calls fail at once with the same line, so a run ends soon after the deadline, not one retry
budget per model later. Without ``start`` (a library user) there is no deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from bot.errors import RetryableError

T = TypeVar("T")
DEFAULT_SECONDS = 180.0

_lock = threading.Lock()
_armed: float | None = None  # seconds, until the first registry call starts the clock
_ends: float | None = None
_total: float = DEFAULT_SECONDS
_fired: DeadlineExceeded | None = None


class DeadlineExceeded(RetryableError):
    """The run's registry deadline passed; the message names the registry and the fix."""


def start(seconds: float | None) -> None:
    """Arm (or re-arm) the run's deadline: it runs from the next registry call; None clears it."""
    global _armed, _ends, _total, _fired
    with _lock:
        _fired, _ends, _armed = None, None, seconds
        _total = DEFAULT_SECONDS if seconds is None else seconds


def remaining() -> float | None:
    """Seconds left (never negative), or None when no deadline is armed. The first call
    starts the clock: registry clients call it before each request."""
    global _ends
    if _ends is None:
        if _armed is None:
            return None
        with _lock:
            if _ends is None and _armed is not None:
                _ends = time.monotonic() + _armed
    return max(0.0, _ends - time.monotonic()) if _ends is not None else None


def fired() -> DeadlineExceeded | None:
    """The error the deadline raised this run, if it did."""
    return _fired


def exceeded(what: str, detail: str | None, check: str) -> DeadlineExceeded:
    """The one line: ``what`` did not answer within the deadline; ``check`` says what to look at.
    Remembered, so the command can end on this line rather than one failure per model."""
    global _fired
    seconds = f"{_total:g}"
    why = f" ({detail})" if detail else ""
    err = DeadlineExceeded(
        f"{what} did not answer within {seconds} s{why}; check {check},"
        f" or give it longer with --timeout"
    )
    with _lock:
        if _fired is None:
            _fired = err
        return _fired


def bounded(
    fn: Callable[[], T],
    what: str,
    check: str,
    detail: Callable[[], str | None] = lambda: None,
) -> T:
    """``fn()``, given at most what is left of the deadline.

    A client whose retries cannot be bounded in time (MLflow's, boto3's) runs in a daemon
    thread; when the deadline passes first, that thread is left to its retries (it writes
    nothing the run still waits for) and the process can exit without it."""
    left = remaining()
    if left is None:
        return fn()
    if _fired is not None or left <= 0:
        raise exceeded(what, detail(), check)
    box: list[T] = []
    error: list[BaseException] = []

    def work() -> None:
        try:
            box.append(fn())
        except BaseException as err:  # handed to the caller's thread, raised there
            error.append(err)

    worker = threading.Thread(target=work, name="registry-call", daemon=True)
    worker.start()
    worker.join(left)
    if worker.is_alive():
        raise exceeded(what, detail(), check)
    if error:
        raise error[0]
    return box[0]
