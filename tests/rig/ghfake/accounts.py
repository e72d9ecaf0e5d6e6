"""Accounts and the repository as GitHub's REST API shows them: users, profiles,
organizations, teams, the repository with its settings and permissions."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub


def node_id(kind: str, number: int | str) -> str:
    return base64.b64encode(f"{kind}:{number}".encode()).decode()


def user(fake: FakeGitHub, login: str) -> dict[str, Any]:
    uid = fake.user_id(login)
    quoted = quote(login, safe="")
    is_bot = login.endswith("[bot]")
    kind = "Organization" if login == fake.owner else ("Bot" if is_bot else "User")
    html = f"{fake.host_url}/apps/{quote(login[:-5])}" if is_bot else f"{fake.host_url}/{quoted}"
    api = f"{fake.base_url}/users/{quoted}"
    return {
        "login": login,
        "id": uid,
        "node_id": node_id(kind, uid),
        "avatar_url": f"{fake.host_url}/avatars/u/{uid}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": html,
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def profile(fake: FakeGitHub, login: str) -> dict[str, Any]:
    """The full user view (``GET /users/{login}``, ``GET /user``): counts and profile text."""
    data = user(fake, login)
    data.update(
        name=login,
        company=None,
        blog="",
        location=None,
        email=None,
        hireable=None,
        bio=None,
        public_repos=0,
        public_gists=0,
        followers=0,
        following=0,
        created_at=fake.created_at,
        updated_at=fake.created_at,
    )
    return data


def repo_permissions(level: str) -> dict[str, bool]:
    order = ("read", "triage", "write", "maintain", "admin")
    rank = order.index(level) if level in order else -1
    return {
        "admin": rank >= 4,
        "maintain": rank >= 3,
        "push": rank >= 2,
        "triage": rank >= 1,
        "pull": rank >= 0,
    }


def repo(fake: FakeGitHub, login: str | None = None) -> dict[str, Any]:
    api = fake.repo_api
    data: dict[str, Any] = {
        "id": 424242,
        "node_id": node_id("Repository", 424242),
        "name": fake.repo,
        "full_name": fake.full_name,
        "private": True,
        "visibility": "private",
        "owner": user(fake, fake.owner),
        "html_url": fake.repo_html,
        "description": None,
        "fork": False,
        "url": api,
        "clone_url": f"{fake.repo_html}.git",
        "git_url": f"{fake.repo_html.replace('http', 'git', 1)}.git",
        "ssh_url": f"git@127.0.0.1:{fake.full_name}.git",
        "svn_url": fake.repo_html,
        "mirror_url": None,
        "homepage": None,
        "language": None,
        "license": None,
        "default_branch": fake.default_branch,
        "archived": False,
        "disabled": False,
        **fake.settings,  # allow_*_merge, delete_branch_on_merge, commit title/message kinds
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": False,
        "has_discussions": False,
        "topics": [],
        "size": 0,
        **dict.fromkeys(("forks", "forks_count", "stargazers_count", "watchers"), 0),
        **dict.fromkeys(("watchers_count", "network_count", "subscribers_count"), 0),
        "open_issues": 0,
        "open_issues_count": 0,
        "created_at": fake.created_at,
        "updated_at": fake.created_at,
        "pushed_at": fake.created_at,
        **_repo_urls(api),
    }
    if login is not None:
        data["permissions"] = repo_permissions(fake.permission_of(login))
    return data


def _repo_urls(api: str) -> dict[str, str]:
    """The hypermedia templates GitHub puts on every repository object."""
    templates = {
        "archive": "/{archive_format}{/ref}",
        "assignees": "/assignees{/user}",
        "blobs": "/git/blobs{/sha}",
        "branches": "/branches{/branch}",
        "collaborators": "/collaborators{/collaborator}",
        "comments": "/comments{/number}",
        "commits": "/commits{/sha}",
        "compare": "/compare/{base}...{head}",
        "contents": "/contents/{+path}",
        "contributors": "/contributors",
        "deployments": "/deployments",
        "downloads": "/downloads",
        "events": "/events",
        "forks": "/forks",
        "git_commits": "/git/commits{/sha}",
        "git_refs": "/git/refs{/sha}",
        "git_tags": "/git/tags{/sha}",
        "hooks": "/hooks",
        "issue_comment": "/issues/comments{/number}",
        "issue_events": "/issues/events{/number}",
        "issues": "/issues{/number}",
        "keys": "/keys{/key_id}",
        "labels": "/labels{/name}",
        "languages": "/languages",
        "merges": "/merges",
        "milestones": "/milestones{/number}",
        "notifications": "/notifications{?since,all,participating}",
        "pulls": "/pulls{/number}",
        "releases": "/releases{/id}",
        "stargazers": "/stargazers",
        "statuses": "/statuses/{sha}",
        "subscribers": "/subscribers",
        "subscription": "/subscription",
        "tags": "/tags",
        "teams": "/teams",
        "trees": "/git/trees{/sha}",
    }
    return {f"{name}_url": f"{api}{suffix}" for name, suffix in templates.items()}


def organization(fake: FakeGitHub, org: str) -> dict[str, Any]:
    api = f"{fake.base_url}/orgs/{quote(org, safe='')}"
    data = {key: value for key, value in profile(fake, org).items() if key in _ORG_KEYS}
    data.update(
        type="Organization",
        url=api,
        repos_url=f"{api}/repos",
        events_url=f"{api}/events",
        hooks_url=f"{api}/hooks",
        issues_url=f"{api}/issues",
        members_url=f"{api}/members{{/member}}",
        public_members_url=f"{api}/public_members{{/member}}",
        description=None,
        has_organization_projects=False,
        has_repository_projects=False,
        archived_at=None,
    )
    return data


_ORG_KEYS = frozenset(
    [
        "login",
        "id",
        "node_id",
        "avatar_url",
        "html_url",
        "name",
        "blog",
        "public_repos",
        "public_gists",
        "followers",
        "following",
        "created_at",
        "updated_at",
    ]
)


def team(fake: FakeGitHub, org: str, slug: str) -> dict[str, Any]:
    # GitHub's canonical team URL is /organizations/{id}/team/{id}; the slug form is also
    # served by GitHub and keeps the fake's route table small.
    tid = fake.user_id(f"team:{org}/{slug}")
    api = f"{fake.base_url}/orgs/{quote(org)}/teams/{quote(slug)}"
    return {
        "id": tid,
        "node_id": node_id("Team", tid),
        "url": api,
        "html_url": f"{fake.host_url}/orgs/{quote(org)}/teams/{quote(slug)}",
        "name": slug,
        "slug": slug,
        "description": None,
        "privacy": "closed",
        "permission": "pull",
        "members_url": f"{api}/members{{/member}}",
        "repositories_url": f"{api}/repos",
        "parent": None,
    }
