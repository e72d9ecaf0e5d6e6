"""Comments the bot posts, at most once each.

A POST that GitHub carried out can still fail on the way back (a 502 from a gateway, a reset
connection, a timeout), and retrying it blindly posts the same comment twice. So every
comment carries a hidden marker naming what it says (``key``); the POST is sent without the
client's automatic retry, and after a failure the issue's recent comments are searched for
the marker before the one further attempt.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any

from bot.errors import RetryableError
from bot.markers import MARKER, REJECTION_TOLD
from bot.platform.github.client import api
from bot.platform.github.settings import GitHubSettings

ATTEMPTS = 2
# How far before the first attempt a found comment may have been written: covers clock skew
# between the runner and GitHub, and keeps an old comment with the same key from counting.
_SKEW = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._:+/-]+")


def marker(key: str) -> str:
    """The hidden line that names a comment; safe inside an HTML comment whatever ``key`` is."""
    safe = re.sub(r"-{2,}", "-", _UNSAFE.sub("_", key.strip()))[:100] or "_"
    return f"<!-- {MARKER}:comment {safe} -->"


def post_once(
    repo: Any, number: int, body: str, key: str, settings: GitHubSettings | None = None
) -> str:
    """Post ``body`` on issue or PR ``number`` unless the comment ``key`` names is already
    there; returns the comment's URL."""
    tag = marker(key)
    text = f"{body.rstrip()}\n\n{tag}\n"
    url = f"{repo.url}/issues/{number}/comments"
    requester = _without_retry(repo.requester)
    # A new requester has no memory of the client's last write: keep GitHub's pacing by hand.
    time.sleep(float(requester.kwargs.get("seconds_between_writes") or 0))
    since = time.time() - _SKEW
    for attempt in range(1, ATTEMPTS + 1):
        try:
            # No settings: this call is never retried, so no "after N retries" in the message.
            with api(f"comment on #{number}"):
                _, data = requester.requestJsonAndCheck("POST", url, input={"body": text})
            return str(data.get("html_url", "")) if isinstance(data, dict) else ""
        except RetryableError:
            found = _find(repo, number, tag, since, settings)
            if found is not None:
                return found
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # the loop returns or raises


def tell_closed(repo: Any, number: int, body: str, settings: GitHubSettings) -> None:
    """Comment ``body`` on the closed PR ``number`` once, then record in its body that it was
    said (the closed-PR listing reads bodies: later runs skip this without a request). Costs
    four requests, once: a run that commented but could not record finds its comment."""
    key = f"rejected-{number}"
    if not _any(repo, number, marker(key), settings):
        post_once(repo, number, body, key, settings)
    with api(f"record the comment in the body of pull request #{number}", settings):
        pr = repo.get_pull(number)
        text = pr.body or ""
        if REJECTION_TOLD not in text:
            pr.edit(body=f"{text.rstrip()}\n{REJECTION_TOLD}\n")


def _any(repo: Any, number: int, tag: str, settings: GitHubSettings) -> bool:
    with api(f"read the comments of #{number}", settings):
        return any(tag in (c.body or "") for c in repo.get_issue(number).get_comments())


def _find(
    repo: Any, number: int, tag: str, since: float, settings: GitHubSettings | None
) -> str | None:
    """The URL of a comment on ``number`` written since ``since`` that carries ``tag``."""
    when = datetime.fromtimestamp(since, timezone.utc)
    with api(f"read the comments of #{number}", settings):
        # GitHub's ``since`` is about updates; an edited old comment must not count either.
        for comment in repo.get_issue(number).get_comments(since=when):
            if tag in (comment.body or "") and _aware(comment.created_at) >= when:
                return str(comment.html_url)
    return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _without_retry(requester: Any) -> Any:
    """A requester like ``requester`` (same token, URL, timeout and pacing) that sends each
    request once: whether a failed POST happened is decided by looking, not by resending."""
    from github.Requester import Requester

    return Requester(**{**requester.kwargs, "retry": None})
