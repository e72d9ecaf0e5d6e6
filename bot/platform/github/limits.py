"""GitHub's rate limits as its answers state them: how long an answer asks to wait, and which
403 bodies are rate limits (primary: the hourly budget is spent; secondary: too much at once).
Pure: the retry policy (``retry``) and the error mapping (``failures``) both read them."""

from __future__ import annotations

from collections.abc import Mapping


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds a rate-limited answer asks to wait: Retry-After, or until X-RateLimit-Reset
    when no request is left; None when the answer says neither."""
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    retry_after = lowered.get("retry-after", "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    reset = lowered.get("x-ratelimit-reset", "").strip()
    if lowered.get("x-ratelimit-remaining", "").strip() == "0" and reset.isdigit():
        return max(0.0, int(reset) - now) + 1  # the reset's second is not exact: one more
    return None


def is_primary(message: str) -> bool:
    """GitHub's wording when the hourly request budget is spent."""
    return message.lower().startswith("api rate limit exceeded")


def is_secondary(message: str) -> bool:
    """GitHub's wordings of a secondary rate limit (too many requests at once or too fast)."""
    lowered = message.lower()
    return (
        lowered.startswith("you have exceeded a secondary rate limit")
        or lowered.endswith("please retry your request again later.")
        or lowered.endswith("please wait a few minutes before you try again.")
    )


def is_rate_limit(message: str) -> bool:
    return bool(message) and (is_primary(message) or is_secondary(message))
