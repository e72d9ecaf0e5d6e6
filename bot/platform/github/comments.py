"""Comments the bot posts, at most once each.

A POST that GitHub carried out can still fail on the way back (a 502 from a gateway, a reset
connection, a timeout), and retrying it blindly posts the same comment twice. So every
comment carries a hidden marker naming what it says (``key``); the POST is sent without the
transport's automatic retry (paced as every request), and after a failure the issue's recent
comments are searched for the marker before the one further attempt.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from bot import timestamps
from bot.errors import RetryableError
from bot.markers import MARKER, REJECTION_TOLD
from bot.platform.github.failures import api
from bot.platform.github.repository import Repo
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
    repo: Repo, number: int, body: str, key: str, settings: GitHubSettings | None = None
) -> str:
    """Post ``body`` on issue or PR ``number`` unless the comment ``key`` names is already
    there; returns the comment's URL."""
    tag = marker(key)
    text = f"{body.rstrip()}\n\n{tag}\n"
    url = f"{repo.url}/issues/{number}/comments"
    once = repo.http.without_retry()
    since = time.time() - _SKEW
    for attempt in range(1, ATTEMPTS + 1):
        try:
            # No settings: this call is never retried, so no "after N retries" in the message.
            with api(f"comment on #{number}"):
                _, data = once.request("POST", url, body={"body": text})
            return str(data.get("html_url", "")) if isinstance(data, dict) else ""
        except RetryableError:
            found = _find(repo, number, tag, since, settings)
            if found is not None:
                return found
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # the loop returns or raises


def tell_closed(repo: Repo, number: int, body: str, settings: GitHubSettings) -> None:
    """Comment ``body`` on the closed PR ``number`` once, then record in its body that it was
    said (the closed-PR listing reads bodies: later runs skip this without a request). Costs
    four requests, once: a run that commented but could not record finds its comment."""
    key = f"rejected-{number}"
    if not _any(repo, number, marker(key), settings):
        post_once(repo, number, body, key, settings)
    with api(f"record the comment in the body of pull request #{number}", settings):
        pr = repo.http.json("GET", f"{repo.url}/pulls/{number}")
        text = str(pr.get("body") or "")
        if REJECTION_TOLD not in text:
            edited = {"body": f"{text.rstrip()}\n{REJECTION_TOLD}\n"}
            repo.http.request("PATCH", f"{repo.url}/pulls/{number}", body=edited)


def _any(repo: Repo, number: int, tag: str, settings: GitHubSettings) -> bool:
    with api(f"read the comments of #{number}", settings):
        comments = repo.http.pages(f"{repo.url}/issues/{number}/comments")
        return any(tag in str(c.get("body") or "") for c in comments)


def _find(
    repo: Repo, number: int, tag: str, since: float, settings: GitHubSettings | None
) -> str | None:
    """The URL of a comment on ``number`` written since ``since`` that carries ``tag``."""
    when = datetime.fromtimestamp(since, timezone.utc)
    params = {"since": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
    with api(f"read the comments of #{number}", settings):
        # GitHub's ``since`` is about updates; an edited old comment must not count either.
        for comment in repo.http.pages(f"{repo.url}/issues/{number}/comments", params):
            created = timestamps.parse(comment.get("created_at"))
            if tag in str(comment.get("body") or "") and created is not None and created >= when:
                return str(comment.get("html_url") or "")
    return None
