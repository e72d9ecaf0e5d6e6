"""The conformance scenario for ``routes_deployments``: every route driven over HTTP, each
answer checked by the caller against GitHub's published description (``Checked`` in
``tests/rig/test_fake_github_openapi.py``), including the error answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REPO = "/repos/acme/gitops"


def drive(bot: Callable[..., Any], head: str) -> None:
    created = bot(
        "POST",
        f"{REPO}/deployments",
        201,
        ref=head,
        environment="prod",
        task="deploy:fraud-detector",
        payload={"model": "fraud-detector", "version": "2"},
        description="v2: settled-ok",
        auto_merge=False,
        required_contexts=[],
    )
    bot("POST", f"{REPO}/deployments", 422, ref="no-such-branch")
    path = f"{REPO}/deployments/{created['id']}"
    bot("GET", path, 200)
    bot("GET", f"{REPO}/deployments/999999", 404)
    bot("GET", f"{REPO}/deployments?environment=prod&task=deploy:fraud-detector", 200)
    url = "https://argocd.example.com/applications/fraud-prod"
    bot("POST", f"{path}/statuses", 201, state="success", environment_url=url, log_url=url)
    bot("POST", f"{path}/statuses", 422, state="sideways")
    bot("GET", f"{path}/statuses", 200)
    bot("POST", f"{REPO}/statuses/{head}", 201, state="success",
        context="continuous-delivery/fraud-prod", description="fraud-prod is healthy",
        target_url=url)  # fmt: skip
    bot("GET", f"{REPO}/commits/{head}/statuses", 200)
    bot("GET", f"{REPO}/issues/comments?since=2020-01-01T00:00:00Z&sort=updated", 200)
