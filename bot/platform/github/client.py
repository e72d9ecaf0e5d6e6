"""The PyGithub client for the GitHub platform: settings, bounded retries that understand
GitHub's rate limits, and the mapping of failures to the bot's error classes."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from functools import cache
from typing import Any

from bot.errors import AlreadyExists, NotFound, RetryableError, UserError
from bot.platform.github.pacing import Pacer, install
from bot.platform.github.settings import GitHubSettings

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


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds a rate-limited answer asks to wait: Retry-After, or until X-RateLimit-Reset
    when no request is left; None when the answer says neither."""
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    retry_after = lowered.get("retry-after", "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    reset = lowered.get("x-ratelimit-reset", "").strip()
    if lowered.get("x-ratelimit-remaining", "").strip() == "0" and reset.isdigit():
        return max(0.0, int(reset) - now) + 1  # GithubRetry's own margin
    return None


def decode(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; targets must be YAML files") from None


@contextlib.contextmanager
def api(what: str, settings: GitHubSettings | None = None) -> Iterator[None]:
    """Map PyGithub failures to the bot's error classes, after GithubRetry gave up."""
    from github import BadCredentialsException, GithubException
    from github.GithubException import RateLimitExceededExceedsMaxWait
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from requests.exceptions import RetryError, Timeout

    tries = f" after {settings.retries} retries" if settings is not None else ""
    try:
        yield
    except BadCredentialsException as err:
        raise UserError(f"GitHub rejected the token: cannot {what}; check GITHUB_TOKEN") from err
    except RateLimitExceededExceedsMaxWait as err:
        limit = settings.max_rate_limit_wait if settings is not None else None
        message = _rate_limit_message(what, err.headers, err.wait, limit)
        if err.status not in (403, 429):
            message = message.replace("GitHub rate limit:", f"GitHub answered {err.status} and", 1)
        raise RetryableError(message) from err
    except GithubException as err:
        raise _classify(what, err, tries) from err
    except (RequestsConnectionError, RetryError, Timeout) as err:
        raise RetryableError(
            f"GitHub unreachable ({_reason(err)}{tries}): cannot {what}; try again"
        ) from err


def _classify(what: str, err: Any, tries: str = "") -> Exception:
    message = _first_line(err.data.get("message", "") if isinstance(err.data, dict) else "")
    status = err.status
    headers = err.headers or {}
    limited = status in (403, 429) and rate_limit_wait(headers, time.time()) is not None
    if status == 429 or limited or (status == 403 and "rate limit" in message.lower()):
        return RetryableError(_rate_limit_message(what, headers, None, None, tries))
    if status >= 500:
        return RetryableError(
            f"GitHub answered {status} ({message or 'server error'}){tries}: cannot {what}; "
            "try again"
        )
    if status == 403:
        return UserError(
            f"GitHub refused ({message}): cannot {what}; the token needs contents: write and "
            "pull-requests: write"
        )
    if status == 404:
        return NotFound(f"GitHub: not found: cannot {what}; check the repository and base branch")
    if status == 422 and _already_exists(err.data):
        return AlreadyExists(f"GitHub answered {status} ({message}): cannot {what}")
    return UserError(f"GitHub answered {status} ({message}): cannot {what}")


def _already_exists(data: Any) -> bool:
    """GitHub's 422 for a ref or pull request that exists (the message or a custom error)."""
    if not isinstance(data, dict):
        return False
    texts = [str(data.get("message", ""))]
    for item in data.get("errors") or []:
        texts.append(str(item.get("message", "")) if isinstance(item, dict) else str(item))
    return any("already exists" in text.lower() for text in texts)


def _rate_limit_message(
    what: str,
    headers: Mapping[str, str] | None,
    wait: float | None,
    limit: float | None,
    tries: str = "",
) -> str:
    lowered = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    beyond = f", longer than the {limit:g} s the bot waits" if limit is not None else ""
    retry_after = lowered.get("retry-after", "").strip()
    reset = lowered.get("x-ratelimit-reset", "").strip()
    if retry_after.isdigit():
        when = f"asks to wait {int(retry_after)} s{beyond}"
    elif lowered.get("x-ratelimit-remaining", "").strip() == "0" and reset.isdigit():
        at = datetime.fromtimestamp(int(reset), timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        left = wait if wait is not None else max(0.0, int(reset) - time.time())
        when = f"resets at {at} (in {_duration(left)}{beyond})"
    else:
        when = f"still limited{tries}"
    return f"GitHub rate limit: {when}: cannot {what}; try again later"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


_REASONS = (
    ("refused", "connection refused"),
    ("reset by peer", "connection reset"),
    ("remotedisconnected", "connection closed without a response"),
    ("remote end closed", "connection closed without a response"),
    ("aborted", "connection aborted"),
    ("timed out", "timed out"),
    ("name or service not known", "unknown host"),
    ("nodename nor servname", "unknown host"),
)


def _reason(err: BaseException) -> str:
    text = f"{type(err).__name__} {err}".lower()
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    return type(err).__name__
