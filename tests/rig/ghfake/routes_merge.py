"""Merging pull requests (merge, squash, rebase), the repository's merge settings, and which
pull requests brought a commit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.rig.ghfake import accounts, merging, payloads, pullstate
from tests.rig.ghfake.routes_git import signed
from tests.rig.ghfake.routes_pulls import PULL, REPO, pull_of, refresh
from tests.rig.ghfake.routing import ApiError, Call, Field, Reply, route, validation_failed

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

NOT_MERGEABLE = "Pull Request is not mergeable"
HEAD_MOVED = "Head branch was modified. Review and try the merge again."
_METHOD_SETTING = {
    "merge": ("allow_merge_commit", "Merge commits are not allowed on this repository."),
    "squash": ("allow_squash_merge", "Squash merges are not allowed on this repository."),
    "rebase": ("allow_rebase_merge", "Rebase merges are not allowed on this repository."),
}
_ENUMS = {
    "merge_commit_title": ("PR_TITLE", "MERGE_MESSAGE"),
    "merge_commit_message": ("PR_BODY", "PR_TITLE", "BLANK"),
    "squash_merge_commit_title": ("PR_TITLE", "COMMIT_OR_PR_TITLE"),
    "squash_merge_commit_message": ("PR_BODY", "COMMIT_MESSAGES", "BLANK"),
}
_FLAGS = (
    "allow_merge_commit",
    "allow_squash_merge",
    "allow_rebase_merge",
    "delete_branch_on_merge",
)


# -- merge ----------------------------------------------------------------------------------


@route(f"PUT {PULL}/merge", doc="pulls/pulls#merge-a-pull-request")
def merge_pull(call: Call) -> Reply:
    body = call.body(
        {
            "commit_title": Field((str,)),
            "commit_message": Field((str,)),
            "sha": Field((str,)),
            "merge_method": Field((str,)),
        }
    )
    fake, pr = call.fake, pull_of(call)
    method = body.get("merge_method", "merge")
    if method not in _METHOD_SETTING:
        raise validation_failed(
            {"value": method, "resource": "PullRequest", "field": "merge_method", "code": "invalid"}
        )
    setting, refusal = _METHOD_SETTING[method]
    if not fake.settings[setting]:
        raise ApiError(405, refusal)
    if pr["state"] != "open" or pr["draft"]:
        raise ApiError(405, NOT_MERGEABLE)
    if body.get("sha") and body["sha"] != pr["head_sha"]:
        raise ApiError(409, HEAD_MOVED)
    reason = pullstate.blocked(fake, pr)
    if reason is not None:
        raise ApiError(405, reason)
    sha = merging.write_merge(fake, pr, call.login, method, body)
    if sha is None:
        raise ApiError(405, "This branch can't be rebased" if method == "rebase" else NOT_MERGEABLE)
    if not fake.git.update_ref(f"refs/heads/{pr['base_ref']}", sha, pr["base_sha"]):
        raise ApiError(405, "Base branch was modified. Review and try the merge again.")
    _close_as_merged(fake, pr, call.login, sha)
    # GitHub signs what it wrote with its web-flow key: the merge or squash commit, or every
    # rebased copy.
    for written in pr["brought"] if method == "rebase" else [sha]:
        fake.verifications[written] = signed(fake.git.read_commit(written).raw)
    return Reply(200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"})


def _close_as_merged(fake: FakeGitHub, pr: dict[str, Any], login: str, sha: str) -> None:
    now = payloads.now_iso()
    # What the merge brought onto the base: the merge commit and the PR's own commits, the
    # squash commit alone, or the rebased copies.
    brought = fake.git.rev_list(f"{pr['base_sha']}..{sha}")
    pr.update(
        state="closed",
        merged=True,
        merged_at=now,
        closed_at=now,
        updated_at=now,
        merged_by=login,
        merge_commit_sha=sha,
        brought=brought,
    )
    pullstate.record_event(fake, "closed", pr, login)
    if fake.settings["delete_branch_on_merge"]:
        fake.git.update_ref(f"refs/heads/{pr['head_ref']}", None, pr["head_sha"])


@route(f"GET {PULL}/merge", doc="pulls/pulls#check-if-a-pull-request-has-been-merged")
def is_merged(call: Call) -> Reply:
    pr = pull_of(call)
    if not pr["merged"]:
        raise ApiError(404, "Not Found")
    return Reply(204)


# -- settings -------------------------------------------------------------------------------


@route(f"PATCH {REPO}", doc="repos/repos#update-a-repository")
def update_repo(call: Call) -> Reply:
    spec = {key: Field((bool,)) for key in _FLAGS}
    spec.update({key: Field((str,)) for key in _ENUMS})
    body = call.body(spec)
    fake = call.fake
    if fake.permission_of(call.login) != "admin":
        raise ApiError(403, "Must have admin rights to Repository.")
    for key, allowed in _ENUMS.items():
        if key in body and body[key] not in allowed:
            raise validation_failed(
                {"resource": "Repository", "field": key, "code": "invalid", "value": body[key]}
            )
    fake.settings.update({key: body[key] for key in spec if key in body})
    return Reply(200, accounts.repo(fake, call.login))


# -- which pull requests brought a commit ----------------------------------------------------


@route(
    f"GET {REPO}/commits/{{commit_sha}}/pulls",
    doc="commits/commits#list-pull-requests-associated-with-a-commit",
)
def commit_pulls(call: Call) -> Reply:
    """GitHub's rule: a commit on the default branch lists the merged PR that brought it
    (by merge, squash or rebase); any other commit lists the open PRs that contain it."""
    fake, git = call.fake, call.fake.git
    sha = git.resolve_ref_name(call.params["commit_sha"])
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {call.params['commit_sha']}")
    default = fake.branch_sha(fake.default_branch)
    on_default = default is not None and git.is_ancestor(sha, default)
    found = []
    for pr in fake.pulls.values():
        if on_default and pr["merged"] and sha in pr.get("brought", ()):
            found.append(pr)
        elif not on_default and pr["state"] == "open":
            refresh(fake, pr)
            if sha in git.rev_list(f"{pr['base_sha']}..{pr['head_sha']}"):
                found.append(pr)
    found.sort(key=lambda pr: pr["number"], reverse=True)
    return call.paginate(found, lambda pr: payloads.pull(fake, pr, full=False))
