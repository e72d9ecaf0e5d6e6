"""The relay's decisions for one delivery: verify, filter, deduplicate, dispatch, answer.

``Relay.handle(headers, body)`` is the whole logic without HTTP; ``bot.relay.wsgi`` serves it.
Answers are chosen for MLflow's delivery retries (it retries 429 and 5xx, never other 4xx):
200 dispatched / ignored / duplicate, 400 malformed, 401 bad signature or stale timestamp,
429 the same delivery is in flight, 502 GitHub refused, 503 no dispatch slot free. The table
with every case is in docs/relay.md.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from bot.config import Config
from bot.platform.github.dispatch import DispatchFailed
from bot.relay import matching, signature
from bot.relay.deliveries import Claim, DeliveryLog
from bot.relay.events import Event, Malformed, parse


class Sender(Protocol):
    def send(self, model: str, version: str, delivery_id: str) -> None: ...


@dataclass(frozen=True)
class Limits:
    replay_window: float = 300.0  # seconds a delivery's timestamp may be from now
    max_body: int = 256 * 1024  # MLflow's bodies are a few hundred bytes
    dispatch_slots: int = 4  # deliveries talking to GitHub at once
    slot_wait: float = 5.0  # seconds a delivery waits for a slot before 503


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    github_seconds: float = 0.0


@dataclass
class _Stats:
    last_delivery: float | None = None
    last_dispatch: float | None = None
    # (seconds handling, seconds of it waiting for GitHub) per delivery, for the benchmark.
    timings: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=10_000))


class Relay:
    def __init__(
        self,
        config: Config,
        secrets: Sequence[str],
        sender: Sender,
        limits: Limits = Limits(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config, self.sender, self.limits, self.clock = config, sender, limits, clock
        self._secrets = tuple(secrets)
        self.deliveries = DeliveryLog(ttl=2 * limits.replay_window)
        self._slots = threading.BoundedSemaphore(limits.dispatch_slots)
        self._in_flight = 0
        self._lock = threading.Lock()
        self.draining = False
        self.stats = _Stats()

    def health(self) -> Answer:
        body = {
            "status": "draining" if self.draining else "ok",
            "last_delivery": _iso(self.stats.last_delivery),
            "last_dispatch": _iso(self.stats.last_dispatch),
            "in_flight": self._in_flight,
        }
        return Answer(503 if self.draining else 200, body)

    def drain(self) -> None:
        """Shutting down: new deliveries get 503 (MLflow retries them elsewhere or later)."""
        self.draining = True

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Counts a request in flight, for /healthz and a graceful shutdown."""
        with self._lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    # -- one delivery -----------------------------------------------------------------------

    def handle(self, headers: dict[str, str], body: bytes) -> Answer:
        try:
            delivery = signature.verify(
                self._secrets, headers, body, self.clock(), self.limits.replay_window
            )
        except signature.Rejected as err:
            return Answer(401, {"error": str(err)})
        self.stats.last_delivery = self.clock()
        try:
            event = parse(body)
        except Malformed as err:
            return _with(Answer(400, {"error": str(err)}), delivery.delivery_id)
        found = matching.triggers(self.config, event)
        answer = self._dispatch(delivery.delivery_id, found) if found else _ignored(event)
        answer.body.setdefault("event", event.kind)
        if event.name:
            answer.body.setdefault("registered_model", event.name)
            answer.body.setdefault("version", event.version)
        return _with(answer, delivery.delivery_id)

    def _dispatch(self, delivery_id: str, found: list[matching.Trigger]) -> Answer:
        claim = self.deliveries.claim(delivery_id)
        if claim is Claim.DONE:
            return Answer(200, {"status": "duplicate"})
        if claim is Claim.BUSY:
            return Answer(429, {"error": "this delivery is being handled"}, {"Retry-After": "2"})
        complete = False
        try:
            if not self._slots.acquire(timeout=self.limits.slot_wait):
                return Answer(503, {"error": "too many deliveries at once"}, {"Retry-After": "5"})
            try:
                answer = self._send_all(delivery_id, found)
            finally:
                self._slots.release()
            complete = answer.status == 200
            return answer
        finally:
            self.deliveries.finish(delivery_id, complete)

    def _send_all(self, delivery_id: str, found: list[matching.Trigger]) -> Answer:
        done = self.deliveries.dispatched(delivery_id)
        waited = 0.0
        for trigger in found:
            if trigger.model in done:
                continue
            started = time.perf_counter()
            try:
                self.sender.send(trigger.model, trigger.version, delivery_id)
            except DispatchFailed as err:
                waited += time.perf_counter() - started
                error = f"GitHub did not accept the dispatch: {err}"
                failed = {"error": error, "models": _models(found)}
                return Answer(502, failed, github_seconds=waited)
            waited += time.perf_counter() - started
            self.deliveries.record(delivery_id, trigger.model)
            self.stats.last_dispatch = self.clock()
        body: dict[str, Any] = {"status": "dispatched", "models": _models(found)}
        return Answer(200, {**body, "version": found[0].version}, github_seconds=waited)


def _ignored(event: Event) -> Answer:
    reason = "no configured model" if event.relevant else "event type not used"
    return Answer(200, {"status": "ignored", "reason": reason})


def _with(answer: Answer, delivery_id: str) -> Answer:
    answer.body["delivery_id"] = delivery_id
    return answer


def _models(found: list[matching.Trigger]) -> list[str]:
    return [t.model for t in found]


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="seconds")
