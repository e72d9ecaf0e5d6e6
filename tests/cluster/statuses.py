"""GitHub REST payloads as the cluster's posters leave them: commit statuses
(``GET /repos/{owner}/{repo}/commits/{ref}/statuses``), deployments and deployment statuses.

Argo CD Notifications' GitHub service posts with a GitHub App (creator ``<app>[bot]``), the
context is the template's ``label``, the description the notification message (at most 140
characters) and the target the Application's page. Flux's notification-controller posts
with the Provider's token, context ``<kind>/<name>/<uid block>``, the event reason as
description, and no target URL.
"""

from __future__ import annotations

import itertools
from typing import Any

API = "https://api.github.com/repos/acme/gitops"
ARGOCD_UI = "https://argocd.example.com"
_ids = itertools.count(31868512001)


def _user(login: str, kind: str) -> dict[str, Any]:
    url = f"https://api.github.com/users/{login}"
    return {
        "login": login,
        "id": 9919 if kind == "Bot" else 4021,
        "node_id": "MDM6Qm90OTkxOQ==",
        "avatar_url": "https://avatars.githubusercontent.com/in/9919?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"https://github.com/apps/{login.removesuffix('[bot]')}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def commit_status(
    sha: str,
    context: str,
    state: str,
    description: str | None,
    target_url: str | None,
    at: str,
    creator: dict[str, Any],
) -> dict[str, Any]:
    ident = next(_ids)
    return {
        "url": f"{API}/statuses/{sha}",
        "avatar_url": creator["avatar_url"],
        "id": ident,
        "node_id": f"SC_kwDOJ{ident}",
        "state": state,
        "description": description,
        "target_url": target_url,
        "context": context,
        "created_at": at,
        "updated_at": at,
        "creator": creator,
    }


ARGOCD_BOT = _user("argocd-notifications[bot]", "Bot")
FLUX_USER = _user("flux-bot", "User")
_OWNER = _user("acme", "Organization")

# The ``repository`` of a combined status: GitHub's "minimal repository", with its URL templates.
_URL_KEYS = (
    "archive", "assignees", "blobs", "branches", "collaborators", "comments", "commits",
    "compare", "contents", "contributors", "deployments", "downloads", "events", "forks",
    "git_commits", "git_refs", "git_tags", "hooks", "issue_comment", "issue_events", "issues",
    "keys", "labels", "languages", "merges", "milestones", "notifications", "pulls", "releases",
    "stargazers", "statuses", "subscribers", "subscription", "tags", "teams", "trees",
)  # fmt: skip
REPOSITORY: dict[str, Any] = {
    "id": 1296269,
    "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
    "name": "gitops",
    "full_name": "acme/gitops",
    "owner": _OWNER,
    "private": True,
    "html_url": "https://github.com/acme/gitops",
    "description": "GitOps overlays",
    "fork": False,
    "url": API,
    **{f"{key}_url": f"{API}/{key.replace('_', '/')}" for key in _URL_KEYS},
}


def argocd_status(sha: str, app: str, state: str, at: str) -> dict[str, Any]:
    """What the documented ``app-deployed``-style template posts for ``app``."""
    messages = {
        "pending": f"The sync operation of application {app} has started at {at}.",
        "success": f"Application {app} is now running new version of deployments manifests.",
        "failure": f"Application {app} has degraded.",
        "error": f"The sync operation of application {app} has failed at {at} with the "
        "following error: one or more objects failed to apply",
    }
    target = f"{ARGOCD_UI}/applications/{app}?operation=true"
    return commit_status(
        sha,
        f"continuous-delivery/{app}",
        state,
        messages[state][:140],
        target,
        at,
        ARGOCD_BOT,
    )


def flux_status(
    sha: str, name: str, state: str, reason: str, at: str, uid: str = "0c9c2e41"
) -> dict[str, Any]:
    context = f"kustomization/{name}/{uid}" if uid else f"kustomization/{name}"
    return commit_status(sha, context, state, reason, None, at, FLUX_USER)


def deployment(sha: str, environment: str, ident: int) -> dict[str, Any]:
    return {
        "url": f"{API}/deployments/{ident}",
        "id": ident,
        "node_id": f"DE_kwDOJ{ident}",
        "sha": sha,
        "ref": sha,
        "task": "deploy",
        "payload": {},
        "original_environment": environment,
        "environment": environment,
        "description": None,
        "creator": ARGOCD_BOT,
        "created_at": "2026-01-05T12:01:00Z",
        "updated_at": "2026-01-05T12:01:00Z",
        "statuses_url": f"{API}/deployments/{ident}/statuses",
        "repository_url": API,
        "transient_environment": False,
        "production_environment": environment == "production",
    }


def deployment_status(
    ident: int, environment: str, app: str, state: str, at: str
) -> dict[str, Any]:
    status_id = next(_ids)
    return {
        "url": f"{API}/deployments/{ident}/statuses/{status_id}",
        "id": status_id,
        "node_id": f"DES_kwDOJ{status_id}",
        "state": state,
        "creator": ARGOCD_BOT,
        "description": f"Application {app} is now running new version of deployments manifests.",
        "environment": environment,
        "target_url": f"{ARGOCD_UI}/applications/{app}?operation=true",
        "log_url": f"{ARGOCD_UI}/applications/{app}?operation=true",
        "environment_url": f"{ARGOCD_UI}/applications/{app}",
        "created_at": at,
        "updated_at": at,
        "deployment_url": f"{API}/deployments/{ident}",
        "repository_url": API,
    }


class Recorded:
    """A ``StatusReader`` over recorded answers, counting the calls the source makes."""

    def __init__(self) -> None:
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.deployments_by_sha: dict[str, list[dict[str, Any]]] = {}
        self.deployment_statuses_by_id: dict[int, list[dict[str, Any]]] = {}
        self.calls: list[str] = []

    def commit_statuses(self, sha: str) -> list[dict[str, Any]]:
        self.calls.append(f"statuses {sha[:7]}")
        return list(reversed(self.statuses.get(sha, [])))  # GitHub: newest first

    def deployments(self, sha: str) -> list[dict[str, Any]]:
        self.calls.append(f"deployments {sha[:7]}")
        return self.deployments_by_sha.get(sha, [])

    def deployment_statuses(self, deployment_id: int) -> list[dict[str, Any]]:
        self.calls.append(f"deployment {deployment_id}")
        return list(reversed(self.deployment_statuses_by_id.get(deployment_id, [])))
