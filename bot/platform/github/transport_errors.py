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


class Unexpected(Exception):
    """An answer without the shape GitHub documents for it (a proxy's page, a broken server):
    ``str()`` says what was missing, never the answer itself."""


def field(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]...``, or ``Unexpected`` naming the first missing step."""
    for depth, key in enumerate(path):
        if not isinstance(data, dict) or data.get(key) is None:
            raise Unexpected(f"no {'.'.join(path[: depth + 1])} in the answer")
        data = data[key]
    return data


def listed(data: Any) -> list[Any]:
    """A listing's page: a JSON array, else ``Unexpected``."""
    if not isinstance(data, list):
        raise Unexpected("not a list where a list was expected")
    return data


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
