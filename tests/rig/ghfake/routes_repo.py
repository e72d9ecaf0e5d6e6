"""Users, the repository, branches, contents, commit history, compare, permissions, teams."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from tests.rig.ghfake import accounts, payloads
from tests.rig.ghfake.routing import ApiError, Call, Reply, not_found, route

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

REPO = "/repos/{owner}/{repo}"
MAX_COMPARE_COMMITS = 250


# -- users ----------------------------------------------------------------------------------


@route("GET /user", doc="users/users#get-the-authenticated-user")
def get_authenticated_user(call: Call) -> Reply:
    if call.token.startswith("ghs_"):
        # Installation tokens act as the App, not as a user; GitHub refuses this endpoint.
        raise ApiError(403, "Resource not accessible by integration")
    data = accounts.profile(call.fake, call.login)
    data.update(
        private_gists=0,
        total_private_repos=0,
        owned_private_repos=0,
        disk_usage=0,
        collaborators=0,
        two_factor_authentication=True,
        user_view_type="private",  # one's own account, seen by oneself
    )
    return Reply(200, data)


@route("GET /users/{login}", doc="users/users#get-a-user")
def get_user(call: Call) -> Reply:
    login = call.params["login"]
    if not call.fake.known_user(login):
        raise not_found()
    return Reply(200, accounts.profile(call.fake, login))


@route(
    "GET /rate_limit", doc="rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user"
)
def rate_limit(call: Call) -> Reply:
    core = call.fake.rate_limit_state(call.token)
    other = {"limit": 30, "remaining": 30, "reset": core["reset"], "used": 0}
    resources = {"core": core, "search": other, "graphql": dict(core, used=0)}
    return Reply(200, {"resources": resources, "rate": core})


# -- repository and branches ----------------------------------------------------------------


@route(f"GET {REPO}", doc="repos/repos#get-a-repository")
def get_repo(call: Call) -> Reply:
    return Reply(200, accounts.repo(call.fake, call.login))


def branch_json(fake: FakeGitHub, name: str, sha: str) -> dict[str, Any]:
    return {
        "name": name,
        "commit": payloads.repo_commit(fake, fake.git.read_commit(sha)),
        "_links": {
            "self": f"{fake.repo_api}/branches/{name}",
            "html": f"{fake.repo_html}/tree/{name}",
        },
        "protected": False,
        "protection": {
            "enabled": False,
            "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
        },
        "protection_url": f"{fake.repo_api}/branches/{name}/protection",
    }


@route(f"GET {REPO}/branches", doc="branches/branches#list-branches")
def list_branches(call: Call) -> Reply:
    prefix = "refs/heads/"
    heads = [(r[len(prefix) :], sha) for r, sha, _ in call.fake.git.refs() if r.startswith(prefix)]

    def render(item: tuple[str, str]) -> dict[str, Any]:
        name, sha = item
        commit = {"sha": sha, "url": f"{call.fake.repo_api}/commits/{sha}"}
        return {"name": name, "commit": commit, "protected": False}

    return call.paginate(heads, render)


@route(f"GET {REPO}/branches/{{branch}}", doc="branches/branches#get-a-branch")
def get_branch(call: Call) -> Reply:
    name = call.params["branch"]
    sha = call.fake.branch_sha(name)
    if sha is None:
        raise ApiError(404, "Branch not found")
    return Reply(200, branch_json(call.fake, name, sha))


# -- contents -------------------------------------------------------------------------------


def _resolve_ref(call: Call, ref: str | None) -> tuple[str, str]:
    """(ref name as given or the default branch, commit sha); 404 when it does not resolve."""
    name = ref or call.fake.default_branch
    sha = call.fake.git.resolve_ref_name(name)
    if sha is None:
        if ref is None:
            raise ApiError(404, "This repository is empty.")
        raise ApiError(404, f"No commit found for the ref {name}")
    return name, sha


@route(f"GET {REPO}/contents/{{path}}", doc="repos/contents#get-repository-content")
def get_contents(call: Call) -> Reply:
    ref, sha = _resolve_ref(call, call.arg("ref"))
    path = call.params["path"].strip("/")
    git = call.fake.git
    entry = git.entry(sha, path)
    if entry is None:
        raise not_found()
    if entry.type == "tree":
        children = [
            replace(item, path=f"{path}/{item.path}".lstrip("/")) for item in git.ls_tree(entry.sha)
        ]
        return Reply(200, [payloads.content(call.fake, child, ref) for child in children])
    data = git.read_blob(entry.sha) if entry.type == "blob" else None
    return Reply(200, payloads.content(call.fake, entry, ref, data))


# -- history --------------------------------------------------------------------------------


@route(f"GET {REPO}/commits", doc="commits/commits#list-commits")
def list_commits(call: Call) -> Reply:
    git = call.fake.git
    start = call.arg("sha")
    if start is None and call.fake.branch_sha(call.fake.default_branch) is None:
        raise ApiError(409, "Git Repository is empty.")
    head = git.resolve_ref_name(start or call.fake.default_branch)
    if head is None:
        raise ApiError(404, f"No commit found for SHA: {start}")
    path = call.arg("path")
    # Git stops walking at the first commit older than --since, as GitHub answers quickly.
    dates = [f"--{name}=@{stamp}" for name in ("since", "until") if (stamp := _stamp(call, name))]
    shas = git.rev_list(head, *dates, paths=[path.strip("/")] if path else [])
    # Paginate the shas first so only one page of commits is read and rendered.
    reply = call.paginate(shas)
    reply.data = [payloads.repo_commit(call.fake, c) for c in git.read_commits(reply.data)]
    return reply


def _stamp(call: Call, name: str) -> int | None:
    """An ISO 8601 ``since``/``until`` parameter as Unix seconds (committer dates)."""
    text = call.arg(name)
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))  # "Z" needs 3.11
    except ValueError:
        raise ApiError(422, f"Invalid value for parameter '{name}': {text}") from None
    return int((when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp())


@route(f"GET {REPO}/commits/{{commit_ref}}", doc="commits/commits#get-a-commit")
def get_commit(call: Call) -> Reply:
    git = call.fake.git
    sha = git.resolve_ref_name(call.params["commit_ref"])
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {call.params['commit_ref']}")
    info = git.read_commit(sha)
    parent = info.parents[0] if info.parents else None
    return Reply(200, payloads.repo_commit(call.fake, info, git.diff(parent, sha)))


def _compare_side(call: Call, value: str) -> str:
    owner, sep, name = value.partition(":")
    if sep and owner.lower() != call.fake.owner.lower():
        raise not_found()
    sha = call.fake.git.resolve_ref_name(name if sep else value)
    if sha is None:
        raise not_found()
    return sha


@route(f"GET {REPO}/compare/{{basehead}}", doc="commits/commits#compare-two-commits")
def compare(call: Call) -> Reply:
    basehead = call.params["basehead"]
    sep = "..." if "..." in basehead else ".."
    if sep not in basehead:
        raise not_found()
    base_name, head_name = basehead.split(sep, 1)
    base, head = _compare_side(call, base_name), _compare_side(call, head_name)
    fake, git = call.fake, call.fake.git
    merge_base = git.merge_base(base, head)
    ahead_shas = git.rev_list(f"{base}..{head}", reverse=True)
    ahead, behind = len(ahead_shas), len(git.rev_list(f"{head}..{base}"))
    page_reply = call.paginate(ahead_shas[:MAX_COMPARE_COMMITS])
    infos = git.read_commits([base, *([merge_base] if merge_base else []), *page_reply.data])
    base_info, rest = infos[0], infos[1:]
    merge_info = rest.pop(0) if merge_base else None
    url = f"{fake.repo_api}/compare/{basehead}"
    data = {
        "url": url,
        "html_url": f"{fake.repo_html}/compare/{basehead}",
        "permalink_url": f"{fake.repo_html}/compare/{fake.owner}:{base}...{fake.owner}:{head}",
        "diff_url": f"{fake.repo_html}/compare/{basehead}.diff",
        "patch_url": f"{fake.repo_html}/compare/{basehead}.patch",
        "base_commit": payloads.repo_commit(fake, base_info),
        "merge_base_commit": payloads.repo_commit(fake, merge_info) if merge_info else None,
        "status": _compare_status(ahead, behind),
        "ahead_by": ahead,
        "behind_by": behind,
        "total_commits": ahead,
        "commits": [payloads.repo_commit(fake, info) for info in rest],
        "files": [payloads.file_change(fake, f, head) for f in git.diff(merge_base, head)],
    }
    return Reply(200, data, page_reply.headers)


def _compare_status(ahead: int, behind: int) -> str:
    if ahead and behind:
        return "diverged"
    if ahead:
        return "ahead"
    return "behind" if behind else "identical"


# -- permissions and teams ------------------------------------------------------------------

# The legacy ``permission`` field only knows four values; ``role_name`` has the real role.
_LEGACY = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read"}


@route(
    f"GET {REPO}/collaborators/{{login}}/permission",
    doc="collaborators/collaborators#get-repository-permissions-for-a-user",
)
def collaborator_permission(call: Call) -> Reply:
    login = call.params["login"]
    level = call.fake.permission_of(login)
    user = accounts.user(call.fake, login)
    user["permissions"] = accounts.repo_permissions(level)
    user["role_name"] = level
    data = {"permission": _LEGACY.get(level, level), "role_name": level, "user": user}
    return Reply(200, data)


@route("GET /orgs/{org}", doc="orgs/orgs#get-an-organization")
def get_org(call: Call) -> Reply:
    org = call.params["org"]
    if org != call.fake.owner and all(o != org for o, _ in call.fake.teams):
        raise not_found()
    return Reply(200, accounts.organization(call.fake, org))


@route("GET /orgs/{org}/teams/{team_slug}", doc="teams/teams#get-a-team-by-name")
def get_team(call: Call) -> Reply:
    org, slug = call.params["org"], call.params["team_slug"]
    if (org, slug) not in call.fake.teams:
        raise not_found()
    data = accounts.team(call.fake, org, slug)
    data.update(
        type="organization",
        created_at=call.fake.created_at,
        updated_at=call.fake.created_at,
        members_count=len(call.fake.teams[(org, slug)]),
        repos_count=1,
        organization=accounts.organization(call.fake, org),
    )
    return Reply(200, data)


@route(
    "GET /orgs/{org}/teams/{team_slug}/memberships/{login}",
    doc="teams/members#get-team-membership-for-a-user",
)
def team_membership(call: Call) -> Reply:
    org, slug, login = call.params["org"], call.params["team_slug"], call.params["login"]
    if login not in call.fake.teams.get((org, slug), set()):
        raise not_found()
    url = f"{call.fake.base_url}/orgs/{org}/teams/{slug}/memberships/{login}"
    return Reply(200, {"url": url, "role": "member", "state": "active"})
