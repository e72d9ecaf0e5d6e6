"""HTTP around ``Relay``: two routes, a bounded body, one log line per delivery."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.relay import signature
from bot.relay.app import Answer, Relay
from bot.relay.names import HEALTH_PATH, WEBHOOK_PATH

_HEADERS = (signature.SIGNATURE_HEADER, signature.TIMESTAMP_HEADER, signature.DELIVERY_ID_HEADER)
log = logging.getLogger("bot.relay")


class App:
    """The WSGI callable waitress serves."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            answer = self.relay.health()
        elif path == WEBHOOK_PATH and method == "POST":
            answer = self._delivery(environ)
        elif path in (HEALTH_PATH, WEBHOOK_PATH):
            answer = Answer(405, {"error": "method not allowed"})
        else:
            answer = Answer(404, {"error": f"not found; MLflow posts to {WEBHOOK_PATH}"})
        data = json.dumps(answer.body).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        status = f"{answer.status} {_REASONS.get(answer.status, 'Unknown')}"
        start_response(status, headers + list(answer.headers.items()))
        return [data]

    def _delivery(self, environ: dict[str, Any]) -> Answer:
        started = time.perf_counter()
        with self.relay.busy():
            answer = self._read_and_handle(environ)
        elapsed = time.perf_counter() - started
        self.relay.stats.timings.append((elapsed, answer.github_seconds))
        _log_line(environ, answer, elapsed)
        return answer

    def _read_and_handle(self, environ: dict[str, Any]) -> Answer:
        if self.relay.draining:
            return Answer(503, {"error": "shutting down"}, {"Retry-After": "5"})
        limit = self.relay.limits.max_body
        raw = str(environ.get("CONTENT_LENGTH") or "0")
        if not raw.isdigit() or int(raw) > limit:
            return Answer(413, {"error": f"body must be at most {limit} bytes"})
        body = environ["wsgi.input"].read(int(raw)) if int(raw) else b""
        wanted = {n: str(environ.get("HTTP_" + n.upper().replace("-", "_"), "")) for n in _HEADERS}
        return self.relay.handle(wanted, body)


def _log_line(environ: dict[str, Any], answer: Answer, elapsed: float) -> None:
    """One line per delivery. Values come from the sender, so each is JSON-quoted (none can
    forge a line) and cut short; of the headers only the delivery id is logged."""
    body = answer.body
    fields = {
        "delivery": body.get("delivery_id"),
        "event": body.get("event"),
        "outcome": body.get("status") or body.get("error"),
        "registered_model": body.get("registered_model"),
        "models": ",".join(body.get("models", [])),
        "version": body.get("version"),
    }
    text = " ".join(f"{k}={json.dumps(str(v)[:200])}" for k, v in fields.items() if v)
    log.info(
        "delivery status=%d ms=%.1f github_ms=%.1f from=%s %s",
        answer.status,
        elapsed * 1000,
        answer.github_seconds * 1000,
        environ.get("REMOTE_ADDR", "-"),
        text,
    )


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    429: "Too Many Requests",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
