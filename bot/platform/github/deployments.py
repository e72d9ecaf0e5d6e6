"""The GitHub calls of ``promote watch`` (``bot.platform.tracking.Tracking``): merged
promotion PRs, the bot's watch comment, deployments with their status, ancestry, and the
statuses a cluster posts (Argo CD Notifications, Flux), read for ``bot.cluster``.

Costs, so a watch run stays cheap: one read lists the merged PRs (the newest closed page),
one read lists the repository's recent comments (all PRs at once), one compare answers an
ancestry question (cached per run). Settling a promotion writes three times: the
deployment, its status, the comment.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from bot import markers, timestamps
from bot.errors import NotFound
from bot.platform.github.comments import post_once
from bot.platform.github.repository import Repo
from bot.platform.tracking import DeploymentRecord, MergedPromotion, Note

PAGE = 100
CLOSED_PAGE = 30  # as the rejection check reads them: recent merges are what watch follows


class GitHubTracking:
    def __init__(
        self,
        repo: Repo,
        repository: str,
        base_branch: Callable[[], str],
        api: Callable[[str], contextlib.AbstractContextManager[None]],
    ) -> None:
        self._repo = repo
        self._repository = repository
        self._base_branch = base_branch
        self._api = api
        self._ancestry: dict[tuple[str, str], bool] = {}

    def _call(
        self, what: str, method: str, path: str, parameters: Any = None, input: Any = None
    ) -> Any:
        with self._api(what):
            return self._repo.http.json(method, f"{self._repo.url}{path}", parameters, input)

    # -- merged promotions and the watch comment -------------------------------------------

    def merged_promotions(self, prefix: str) -> list[MergedPromotion]:
        params = {
            "state": "closed",
            "base": self._base_branch(),
            "sort": "updated",
            "direction": "desc",
            "per_page": CLOSED_PAGE,
        }
        data = self._call("list closed pull requests", "GET", "/pulls", parameters=params)
        found = [m for m in (_merged(pr, prefix, self._repository) for pr in data) if m]
        return sorted(found, key=lambda m: m.merged_at, reverse=True)

    def notes(self, since: datetime, needle: str) -> list[Note]:
        params = {"since": _iso(since), "sort": "updated", "direction": "desc", "per_page": PAGE}
        data = self._call("list comments", "GET", "/issues/comments", parameters=params)
        found = []
        for comment in data if isinstance(data, list) else ():
            body = comment.get("body") or ""
            number = _issue_number(comment.get("issue_url"))
            if needle in body and number is not None and isinstance(comment.get("id"), int):
                author = str((comment.get("user") or {}).get("login") or "")
                found.append(Note(number, comment["id"], body, author))
        return found

    def upsert_note(self, number: int, body: str, comment_id: int | None) -> str:
        if comment_id is not None:
            try:
                data = self._call(
                    f"update comment {comment_id}",
                    "PATCH",
                    f"/issues/comments/{comment_id}",
                    input={"body": body},
                )
                return str(data.get("html_url", ""))
            except NotFound:
                pass  # deleted by someone since it was listed: write it again
        # Once: a retried POST whose answer was lost would post the note twice.
        key = "watch-" + hashlib.sha256(body.encode()).hexdigest()[:16]
        with self._api(f"comment on pull request #{number}"):
            return post_once(self._repo, number, body, key)

    # -- deployments ------------------------------------------------------------------------

    def deploy(
        self,
        sha: str,
        environment: str,
        payload: Mapping[str, Any],
        state: str,
        url: str,
        description: str,
    ) -> None:
        created = self._call(
            f"create a deployment of {sha[:12]} to {environment}",
            "POST",
            "/deployments",
            input={
                "ref": sha,
                "environment": environment,
                "task": str(payload.get("task", "deploy")),
                "payload": dict(payload),
                "description": description[:140],
                # The merge already passed review and checks; this records, it does not gate.
                "auto_merge": False,
                "required_contexts": [],
            },
        )
        status: dict[str, Any] = {"state": state, "description": description[:140]}
        if url:
            status["environment_url"] = url
            status["log_url"] = url
        self._call(
            f"post the status of deployment {created['id']}",
            "POST",
            f"/deployments/{int(created['id'])}/statuses",
            input=status,
        )

    def deployed(self, environment: str, task: str) -> list[DeploymentRecord]:
        params = {"environment": environment, "task": task, "per_page": PAGE}
        data = self._call(f"list deployments to {environment}", "GET", "/deployments",
                          parameters=params)  # fmt: skip
        found = []
        for item in data if isinstance(data, list) else ():
            payload = item.get("payload")
            if isinstance(item.get("id"), int) and isinstance(payload, dict):
                found.append(
                    DeploymentRecord(item["id"], str(item.get("sha", "")), environment, payload)
                )
        return found

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        key = (ancestor, descendant)
        if key not in self._ancestry:
            basehead = quote(f"{ancestor}...{descendant}", safe=".")
            try:
                data = self._call(
                    f"compare {ancestor[:12]} with {descendant[:12]}",
                    "GET",
                    f"/compare/{basehead}",
                    parameters={"per_page": 1},
                )
            except NotFound:
                data = {}  # a revision this repository does not have
            self._ancestry[key] = data.get("status") in ("ahead", "identical")
        return self._ancestry[key]

    # -- bot.cluster.github_status.StatusReader ---------------------------------------------

    def commit_statuses(self, sha: str) -> Sequence[Mapping[str, Any]]:
        data = self._call(
            f"read the statuses of {sha[:12]}",
            "GET",
            f"/commits/{quote(sha, safe='')}/statuses",
            parameters={"per_page": PAGE},
        )
        return data if isinstance(data, list) else []

    def deployments(self, sha: str) -> Sequence[Mapping[str, Any]]:
        data = self._call(
            f"read the deployments of {sha[:12]}",
            "GET",
            "/deployments",
            parameters={"sha": sha, "per_page": PAGE},
        )
        return data if isinstance(data, list) else []

    def deployment_statuses(self, deployment_id: int) -> Sequence[Mapping[str, Any]]:
        data = self._call(
            f"read the statuses of deployment {deployment_id}",
            "GET",
            f"/deployments/{int(deployment_id)}/statuses",
            parameters={"per_page": PAGE},
        )
        return data if isinstance(data, list) else []


def _merged(pr: Any, prefix: str, repository: str) -> MergedPromotion | None:
    if not isinstance(pr, dict) or not pr.get("merged_at") or not pr.get("merge_commit_sha"):
        return None
    head, base = pr.get("head") or {}, pr.get("base") or {}
    head_repo = head.get("repo") or {}
    if not str(head.get("ref", "")).startswith(prefix + "/"):
        return None
    if head_repo.get("full_name") != repository:
        return None  # a fork's PR under the same branch name is not the bot's
    promotion = markers.parse_marker(pr.get("body"))
    merged_at = timestamps.parse(pr["merged_at"])
    if promotion is None or merged_at is None:
        return None
    repo_url = str((base.get("repo") or {}).get("html_url") or "")
    author = str((pr.get("user") or {}).get("login") or "")
    return MergedPromotion(
        int(pr["number"]),
        str(pr.get("html_url", "")),
        str(pr["merge_commit_sha"]),
        merged_at,
        promotion,
        repo_url,
        author,
    )


def _issue_number(url: object) -> int | None:
    if not isinstance(url, str) or "/issues/" not in url:
        return None
    tail = url.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
