"""The PyGithub client, for the GitHub calls off the run path (ChatOps reactions and team
checks): the same retries, rate-limit waits and pacing as ``transport``, which makes every call
of a promotion. ``api`` (from ``failures``) maps both clients' failures to the bot's errors."""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from bot.errors import UserError
from bot.platform.github.failures import api
from bot.platform.github.limits import rate_limit_wait
from bot.platform.github.pacing import Pacer, install
from bot.platform.github.settings import GitHubSettings

__all__ = ["api", "client", "decode", "pacer_for", "rate_limit_wait"]

# -- client, retries and errors -------------------------------------------------------------


def client(settings: GitHubSettings, pacer: Pacer | None = None) -> Any:
    """The PyGithub client; ``pacer`` is shared when several clients work in one run."""
    from github import Auth, Github

    gh = Github(
        base_url=settings.api_url,
        auth=Auth.Token(settings.token),
        retry=_retry(settings),
        timeout=settings.timeout,
        per_page=100,
        lazy=True,
    )
    # In place of PyGithub's fixed intervals.
    install(gh.requester, pacer if pacer is not None else pacer_for(settings))
    return gh


def pacer_for(settings: GitHubSettings) -> Pacer:
    return Pacer(
        settings.free_writes, settings.seconds_between_writes, settings.seconds_between_requests
    )


def _retry(settings: GitHubSettings) -> Any:
    """``GithubRetry`` for 5xx, 429, secondary limits and connection errors, on every method
    the bot uses; a wait longer than ``max_rate_limit_wait`` (a rate limit's, or any
    Retry-After) fails at once."""
    return _retry_class()(
        total=settings.retries,
        backoff_factor=settings.retry_backoff,
        backoff_max=settings.retry_backoff_max,
        secondary_rate_wait=settings.secondary_rate_wait,
        max_rate_limit_wait=settings.max_rate_limit_wait,
        status_forcelist=[*range(500, 600), 429],
        allowed_methods={"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"},
        # After the last retry PyGithub raises for the response, with its status and message.
        raise_on_status=False,
    )


@cache
def _retry_class() -> Any:
    from github import GithubRetry
    from github.GithubException import (
        RateLimitExceededExceedsMaxWait,
        RateLimitExceededException,
    )
    from urllib3.exceptions import MaxRetryError

    class _Retry(GithubRetry):
        """Checks the wait a rate limit asks for before GithubRetry (or urllib3) sleeps it."""

        def increment(
            self,
            method: str | None = None,
            url: str | None = None,
            response: Any = None,
            error: Exception | None = None,
            _pool: Any = None,
            _stacktrace: Any = None,
        ) -> Any:
            # A rate limit's wait, or a Retry-After on any answer (a 503 in maintenance).
            limited = response is not None and response.status in (403, 429)
            if response is not None and (limited or "Retry-After" in response.headers):
                wait = rate_limit_wait(response.headers, time.time())
                limit = self.max_rate_limit_wait
                if wait is not None and limit is not None and wait > limit:
                    raise RateLimitExceededExceedsMaxWait(
                        response.status, None, dict(response.headers), wait=wait
                    )
            try:
                return super().increment(method, url, response, error, _pool, _stacktrace)
            except MaxRetryError:
                if response is None or response.status != 403:
                    raise
                # GithubRetry read the body to find the rate limit; PyGithub would then see
                # an empty 403. Say what it was.
                message = {"message": "API rate limit still exceeded"}
                raise RateLimitExceededException(403, message, dict(response.headers)) from None

    return _Retry


def decode(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; targets must be YAML files") from None
