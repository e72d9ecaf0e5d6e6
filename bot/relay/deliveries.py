"""Which deliveries were already handled: a bounded, time-limited memory of delivery ids.

MLflow retries a failed delivery with the same id, so an id is remembered as *done* only once
GitHub accepted every dispatch it caused; a failed attempt releases it for the retry. Per
model, too: when one of two dispatches failed, the retry sends only the missing one.
Entries live for twice the replay window: past that the timestamp check rejects a replay.
The memory is per process: run one replica, or accept that a replay across replicas within
the window costs one extra dispatch (the bot's policy makes it harmless).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import Enum

from cachetools import TTLCache


class Claim(Enum):
    NEW = "new"  # this caller handles the delivery
    DONE = "done"  # handled before: answer success, do nothing
    BUSY = "busy"  # another request is handling it right now


class DeliveryLog:
    def __init__(
        self, ttl: float, maxsize: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._complete: TTLCache[str, bool] = TTLCache(maxsize, ttl, timer=clock)
        self._partial: TTLCache[str, frozenset[str]] = TTLCache(maxsize, ttl, timer=clock)
        self._busy: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, delivery_id: str) -> Claim:
        with self._lock:
            if delivery_id in self._busy:
                return Claim.BUSY
            if delivery_id in self._complete:
                return Claim.DONE
            self._busy.add(delivery_id)
            return Claim.NEW

    def dispatched(self, delivery_id: str) -> frozenset[str]:
        """Models already dispatched for this delivery (by an earlier, partly failed try)."""
        with self._lock:
            return self._partial.get(delivery_id, frozenset())

    def record(self, delivery_id: str, model: str) -> None:
        with self._lock:
            self._partial[delivery_id] = self._partial.get(delivery_id, frozenset()) | {model}

    def finish(self, delivery_id: str, complete: bool) -> None:
        """Release the claim; ``complete`` marks the delivery done for every later try."""
        with self._lock:
            self._busy.discard(delivery_id)
            if complete:
                self._complete[delivery_id] = True
                self._partial.pop(delivery_id, None)
