"""GitHub failures as the bot's errors, worded for the person reading the run's output: whatever
made the request (``transport`` on the run path, PyGithub for ChatOps), the same failure reads
the same. Only what the retries could not fix reaches here."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from bot.errors import AlreadyExists, NotFound, RetryableError, UserError
from bot.platform.github.limits import rate_limit_wait
from bot.platform.github.settings import GitHubSettings
from bot.platform.github.transport_errors import (
    HttpError,
    RateLimitTooLong,
    Unexpected,
    Unreachable,
)


@contextlib.contextmanager
def api(what: str, settings: GitHubSettings | None = None) -> Iterator[None]:
    """Map a failed GitHub call inside to a ``UserError``, ``NotFound``, ``AlreadyExists`` or
    ``RetryableError`` saying what could not be done (``what``) and what to do."""
    tries = f" after {settings.retries} retries" if settings is not None else ""
    limit = settings.max_rate_limit_wait if settings is not None else None
    try:
        yield
    except RateLimitTooLong as err:
        raise RetryableError(_too_long(what, err.status, err.headers, err.wait, limit)) from err
    except HttpError as err:
        if err.status == 401 and err.message.lower() == "bad credentials":
            raise UserError(_bad_token(what)) from err
        raise classify(what, err.status, err.data, err.headers, tries) from err
    except Unreachable as err:
        raise RetryableError(_unreachable(what, err.reason, tries)) from err
    except Unexpected as err:
        raise RetryableError(
            f"GitHub answered unexpectedly ({err}): cannot {what}; try again"
        ) from err
    except Exception as err:
        mapped = _pygithub(what, err, tries, limit)
        if mapped is None:
            raise
        raise mapped from err


def _pygithub(what: str, err: Exception, tries: str, limit: float | None) -> Exception | None:
    """PyGithub's and requests' exceptions, for the calls still made through PyGithub; None for
    anything else. Neither library is loaded here unless the run already loaded it."""
    if "github" in sys.modules:
        from github import BadCredentialsException, GithubException
        from github.GithubException import RateLimitExceededExceedsMaxWait

        if isinstance(err, BadCredentialsException):
            return UserError(_bad_token(what))
        if isinstance(err, RateLimitExceededExceedsMaxWait):
            return RetryableError(_too_long(what, err.status, err.headers, err.wait, limit))
        if isinstance(err, GithubException):
            return classify(what, err.status, err.data, err.headers or {}, tries)
    if "requests" in sys.modules:
        from requests.exceptions import ConnectionError as RequestsConnectionError
        from requests.exceptions import RetryError, Timeout

        if isinstance(err, (RequestsConnectionError, RetryError, Timeout)):
            return RetryableError(_unreachable(what, err, tries))
    return None


def _bad_token(what: str) -> str:
    return f"GitHub rejected the token: cannot {what}; check GITHUB_TOKEN"


def _too_long(
    what: str,
    status: int,
    headers: Mapping[str, str] | None,
    wait: float | None,
    limit: float | None,
) -> str:
    message = _rate_limit_message(what, headers, wait, limit)
    if status not in (403, 429):
        message = message.replace("GitHub rate limit:", f"GitHub answered {status} and", 1)
    return message


def _unreachable(what: str, err: BaseException, tries: str) -> str:
    return f"GitHub unreachable ({_reason(err)}{tries}): cannot {what}; try again"


def classify(
    what: str, status: int, data: Any, headers: Mapping[str, str], tries: str = ""
) -> Exception:
    message = _first_line(data.get("message", "") if isinstance(data, dict) else "")
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
    if status == 422 and _already_exists(data):
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
