"""Paginated REST listings the GraphQL poll read does not cover: a path's commit history (rollback
holds, soak) and the newest closed pull requests (rejected promotions). Both run only when a
promotion is due, inside the platform's error mapping."""

from __future__ import annotations

import time
from typing import Any

from bot import timestamps
from bot.errors import RetryableError
from bot.model import ClosedPromotion, CommitInfo
from bot.platform.github.repository import View
from bot.platform.github.state import closed_promotion
from bot.platform.github.transport_errors import listed
from bot.untrusted import show

CLOSED_PAGE = 30  # closed PRs looked at per run, newest first


def history(
    repo: Any, sha: str, path: str | None, limit: int, since: int | None
) -> list[CommitInfo]:
    # A page no longer than needed: the hold check wants one commit, and GitHub builds
    # every commit of a page (100 with the client's default) before it answers.
    params: dict[str, Any] = {"sha": sha, "per_page": max(1, min(limit, 100))}
    if path:
        params["path"] = path
    if since is not None:
        params["since"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since))
    commits = []
    for commit in map(View, repo.http.pages(f"{repo.url}/commits", params)):
        stamp = _timestamp(commit.commit.committer.date)
        parents = tuple(str(p.sha) for p in commit.parents)
        commits.append(CommitInfo(commit.sha, commit.commit.message, int(stamp), parents))
        if len(commits) >= limit:
            break
    return commits


def closed(repo: Any, branch: str, prefix: str, repository: str) -> list[ClosedPromotion]:
    params: dict[str, Any] = {"state": "closed", "base": branch}
    params.update({"sort": "updated", "direction": "desc", "per_page": CLOSED_PAGE})
    page = listed(repo.http.json("GET", f"{repo.url}/pulls", params))  # the first page only
    found = []
    for pr in map(View, page):
        promotion = closed_promotion(pr, prefix, repository)
        if promotion is not None:
            found.append(promotion)
    return found


def reviewed(repo: Any, number: int) -> bool:
    """Whether the PR has a submitted review (one review is enough to know)."""
    _, data = repo.http.request("GET", f"{repo.url}/pulls/{number}/reviews", {"per_page": 1})
    return bool(data)


def _timestamp(date: Any) -> float:
    moment = timestamps.parse(date)
    if moment is None:
        raise RetryableError(f"GitHub answered a commit without a committer date ({show(date)})")
    return moment.timestamp()
