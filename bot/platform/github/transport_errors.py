"""What ``transport`` raises: GitHub's error answers with their status, parsed body and headers,
and the connection failures that outlived the retries. ``client.api`` maps them to the bot's
errors. None of them holds the token: it travels only in the request's Authorization header."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class HttpError(Exception):
    """GitHub answered ``status`` >= 400 (after the retries); ``data`` is its JSON body (GitHub's
    ``message``, ``errors``, ``documentation_url``), ``headers`` its headers, lower-cased."""

    def __init__(self, status: int, data: Any, headers: Mapping[str, str]) -> None:
        self.status = status
        self.data = data
        self.headers = {str(k).lower(): str(v) for k, v in headers.items()}
        super().__init__(f"GitHub answered {status} ({self.message})")

    @property
    def message(self) -> str:
        message = self.data.get("message") if isinstance(self.data, dict) else None
        return message if isinstance(message, str) else ""


class RateLimitTooLong(HttpError):
    """A rate limit (or any Retry-After) asking to wait ``wait`` seconds, longer than the bot's
    ``max_rate_limit_wait``: raised at once, without waiting."""

    def __init__(self, status: int, data: Any, headers: Mapping[str, str], wait: float) -> None:
        super().__init__(status, data, headers)
        self.wait = wait


class Unreachable(Exception):
    """No answer from GitHub after the retries; ``reason`` is the last connection error."""

    def __init__(self, reason: BaseException) -> None:
        super().__init__(f"{type(reason).__name__}: {reason}")
        self.reason = reason


def body_of(raw: bytes | None) -> Any:
    """An answer's body: its JSON, None when empty, the text under ``data`` when it is not JSON
    (a gateway's HTML page)."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return {"data": text}
