"""When a GitHub request is sent again, and how long the bot waits first: urllib3's ``Retry``
taught GitHub's rate limits. Imported by ``transport`` on its first request (it loads urllib3).

- 5xx and 429, and connection errors, are retried with urllib3's exponential backoff, on every
  method the bot uses; a ``Retry-After`` on any answer is slept as asked (urllib3 does that).
- A 403 is a rate limit only when it says so: with ``Retry-After``, or a body worded as GitHub
  words its primary limit (then the wait lasts until ``X-RateLimit-Reset``, plus a second) or
  a secondary one (then ``secondary_rate_wait``, as GitHub asks for when it gives no time).
  Any other 403 is a refusal and is answered at once, body and all.
- A wait longer than ``max_rate_limit_wait`` (a rate limit's, or any Retry-After) is never
  slept: ``RateLimitTooLong`` is raised at once, naming the wait.
- After the last retry the last answer is handed back as it came (``raise_on_status=False``),
  so the error names GitHub's status and message.
"""

from __future__ import annotations

import json
import time
from typing import Any

from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from bot.platform.github.limits import is_primary, is_rate_limit, rate_limit_wait
from bot.platform.github.settings import GitHubSettings
from bot.platform.github.transport_errors import RateLimitTooLong, body_of

METHODS = frozenset({"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"})


class GitHubRetry(Retry):
    def __init__(
        self,
        secondary_rate_wait: float = 60.0,
        max_rate_limit_wait: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.secondary_rate_wait = secondary_rate_wait
        self.max_rate_limit_wait = max_rate_limit_wait
        self.rate_wait: float | None = None  # set on the retry that follows a rate limit
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> GitHubRetry:
        kw.update(
            secondary_rate_wait=self.secondary_rate_wait,
            max_rate_limit_wait=self.max_rate_limit_wait,
        )
        return super().new(**kw)

    def get_backoff_time(self) -> float:
        # At least the exponential backoff, and at least what the rate limit asks for.
        backoff = super().get_backoff_time()
        return backoff if self.rate_wait is None else max(backoff, self.rate_wait)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> GitHubRetry:
        if response is None:  # a connection error: urllib3's rules
            return super().increment(method, url, response, error, _pool, _stacktrace)
        headers = response.headers
        status = int(response.status)
        if status in (403, 429) or "Retry-After" in headers:
            self._refuse_longer(response, rate_limit_wait(headers, time.time()))
        if status != 403 or "Retry-After" in headers:
            return super().increment(method, url, response, error, _pool, _stacktrace)
        message = _message(response)
        if not is_rate_limit(message):
            # A refusal, not a limit: no retry left for it, so the caller gets this answer.
            raise MaxRetryError(_pool, url or "", None)
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = self.secondary_rate_wait
        if is_primary(message):
            reset = str(headers.get("X-RateLimit-Reset") or "")
            wait = int(reset) - time.time() + 1 if reset.isdigit() else 0.0
        self._refuse_longer(response, wait)
        retry.rate_wait = wait
        return retry

    def _refuse_longer(self, response: Any, wait: float | None) -> None:
        limit = self.max_rate_limit_wait
        if wait is not None and limit is not None and wait > limit:
            raise RateLimitTooLong(
                int(response.status), body_of(response.data), dict(response.headers), wait
            )


def _message(response: Any) -> str:
    try:
        data = json.loads(response.data or b"")
    except ValueError:
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else ""


def github_retry(settings: GitHubSettings) -> GitHubRetry:
    """The policy of every request the bot makes, from its settings."""
    return GitHubRetry(
        total=settings.retries,
        backoff_factor=settings.retry_backoff,
        backoff_max=settings.retry_backoff_max,
        secondary_rate_wait=settings.secondary_rate_wait,
        max_rate_limit_wait=settings.max_rate_limit_wait,
        status_forcelist=[*range(500, 600), 429, 403],
        allowed_methods=METHODS,
        raise_on_status=False,
    )


def no_retry() -> Retry:
    """Each request once (a comment's POST: whether it happened is found by looking); only a
    redirect is followed."""
    return Retry(total=None, connect=0, read=False, status=0, other=0, redirect=5)
