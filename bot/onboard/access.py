"""What the GitHub token may do on the repository, read without writing anything.

One ``GET /repos/{owner}/{repo}``: for a user's token the answer carries ``permissions``
(``push`` covers contents and pull requests) and, for a classic token, the ``X-OAuth-Scopes``
header. When the answer has no ``permissions`` (as for some installation tokens: an App's,
or Actions' ``GITHUB_TOKEN``), the pull-request permission cannot be read without trying a
write, so that is said as a warning with the permissions to set, not reported as a problem.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import requests

log = logging.getLogger("bot.onboard")

DEFAULT_API_URL = "https://api.github.com"
PERMISSIONS = "contents: write and pull-requests: write"


def github_problems(env: Mapping[str, str], repository: str) -> list[str]:
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        return [f"GITHUB_TOKEN: not set; a token with {PERMISSIONS} on {repository} is needed"]
    api = (env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    try:
        response = requests.get(
            f"{api}/repos/{repository}",
            headers={"Authorization": f"token {token}", "Accept": "application/vnd.github+json"},
            timeout=15,
        )
    except requests.RequestException as err:
        return [f"GitHub at {api} unreachable ({type(err).__name__}); check GITHUB_API_URL"]
    if response.status_code == 401:
        return ["GITHUB_TOKEN: GitHub does not accept it (bad credentials); make a new one"]
    if response.status_code in (403, 404):
        return [
            f"GITHUB_TOKEN: cannot see {repository} (HTTP {response.status_code}); give it "
            f"access to the repository with {PERMISSIONS}"
        ]
    if not response.ok:
        return [f"GitHub answered HTTP {response.status_code} for {repository}; try again"]
    return _from(response, repository)


def _from(response: requests.Response, repository: str) -> list[str]:
    problems = []
    scopes = response.headers.get("X-OAuth-Scopes")
    if scopes is not None and not {"repo", "public_repo"} & {s.strip() for s in scopes.split(",")}:
        problems.append(
            f"GITHUB_TOKEN: a classic token without the repo scope (it has: {scopes or 'none'});"
            " add the repo scope"
        )
    body = response.json()
    permissions = body.get("permissions") if isinstance(body, dict) else None
    if not isinstance(permissions, dict):
        log.warning(
            "GitHub does not say what GITHUB_TOKEN may do on %s (an installation token?); "
            "make sure the workflow or the App grants %s",
            repository,
            PERMISSIONS,
        )
    elif not permissions.get("push"):
        problems.append(
            f"GITHUB_TOKEN: read-only on {repository}; it needs {PERMISSIONS} (write access)"
        )
    return problems
