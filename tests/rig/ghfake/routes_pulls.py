"""Pull requests: list, open, edit (close, reopen), commits, files, review requests.
Merging lives in ``routes_merge``, reviews in ``routes_reviews``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.rig.ghfake import accounts, payloads, pullstate
from tests.rig.ghfake.routing import (
    ApiError,
    Call,
    Field,
    Reply,
    not_found,
    route,
    validation_failed,
)

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

REPO = "/repos/{owner}/{repo}"
PULL = f"{REPO}/pulls/{{number}}"


def _invalid(field: str) -> ApiError:
    return validation_failed({"resource": "PullRequest", "field": field, "code": "invalid"})


def _custom(message: str, field: str | None = None) -> ApiError:
    error = {"resource": "PullRequest", "code": "custom", "message": message}
    return validation_failed(error if field is None else {**error, "field": field})


def refresh(
    fake: FakeGitHub, pr: dict[str, Any], heads: dict[str, str] | None = None
) -> dict[str, Any]:
    """Open PRs track their branches; closed ones keep the shas they closed with.

    Without a listing of ``heads`` each branch is looked up on its own: reading two refs
    takes microseconds where listing every ref spawns git.
    """
    if pr["state"] == "open":
        for branch, key in ((pr["head_ref"], "head_sha"), (pr["base_ref"], "base_sha")):
            sha = heads.get(branch) if heads is not None else _branch_sha(fake, branch)
            if sha is None or sha == pr[key]:
                continue
            if key == "head_sha":  # pushed outside the API (git push): noticed now
                pullstate.head_moved(fake, pr, sha, None)
            pr[key] = sha
    return pr


def _branch_sha(fake: FakeGitHub, branch: str) -> str | None:
    """``fake.branch_heads().get(branch)`` without listing every ref."""
    return fake.git.listed_sha(f"refs/heads/{branch}")


def pull_of(call: Call) -> dict[str, Any]:
    pr = call.fake.pulls.get(int(call.params["number"]))
    if pr is None:
        raise not_found()
    return refresh(call.fake, pr)


def _head_branch(fake: FakeGitHub, head: str) -> str:
    owner, sep, branch = head.partition(":")
    if not sep:
        return head
    if owner.lower() != fake.owner.lower():  # forks are out of the fake's scope
        raise _invalid("head")
    return branch


def _duplicate(fake: FakeGitHub, head_ref: str, base_ref: str, number: int | None = None) -> None:
    for pr in fake.pulls.values():
        same = pr["head_ref"] == head_ref and pr["base_ref"] == base_ref
        if same and pr["state"] == "open" and pr["number"] != number:
            raise _custom(f"A pull request already exists for {fake.owner}:{head_ref}.")


def create_pull(
    fake: FakeGitHub,
    login: str,
    head: str,
    base: str,
    title: str,
    body: str | None,
    draft: bool = False,
    maintainer_can_modify: bool = True,
) -> dict[str, Any]:
    """Validate like GitHub and record a new open PR; used by the route and by ``open_pr``."""
    head_ref = _head_branch(fake, head)
    base_sha = _branch_sha(fake, base)
    if base_sha is None:
        raise _invalid("base")
    head_sha = _branch_sha(fake, head_ref)
    if head_sha is None:
        raise _invalid("head")
    _duplicate(fake, head_ref, base)
    if fake.git.is_ancestor(head_sha, base_sha):
        raise _custom(f"No commits between {base} and {head_ref}")
    number, now = fake.next_number(), payloads.now_iso()
    record: dict[str, Any] = {
        "number": number,
        "id": fake.next_id(),
        "state": "open",
        "title": title,
        "body": body,
        "user": login,
        "head_ref": head_ref,
        "base_ref": base,
        "head_sha": head_sha,
        "base_sha": base_sha,
        "draft": draft,
        "merged": False,
        "merged_at": None,
        "merged_by": None,
        "merge_commit_sha": None,
        "labels": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "maintainer_can_modify": maintainer_can_modify,
        "locked": False,
        "created_at": now,
        "updated_at": now,
        "closed_at": None,
    }
    fake.pulls[number] = record
    pullstate.record_event(fake, "opened", record, login)
    return record


def full_json(fake: FakeGitHub, pr: dict[str, Any]) -> dict[str, Any]:
    """The single-PR view: adds mergeability (see ``pullstate.mergeability``) and diff counts."""
    stats = {**pullstate.mergeability(fake, pr), **pullstate.diff_stats(fake, pr)}
    return payloads.pull(fake, pr, full=True, stats=stats)


# -- list and open --------------------------------------------------------------------------


@route(f"GET {REPO}/pulls", doc="pulls/pulls#list-pull-requests")
def list_pulls(call: Call) -> Reply:
    fake = call.fake
    state = call.arg("state", "open")
    if state not in ("open", "closed", "all"):
        raise validation_failed(
            {"value": state, "resource": "Issue", "field": "state", "code": "invalid"}
        )
    found = [pr for pr in fake.pulls.values() if state in ("all", pr["state"])]
    # Two ref lookups per open PR (~0.1 ms) beat one listing (a git process, ~3 ms) until
    # there are a few dozen open PRs.
    many = sum(pr["state"] == "open" for pr in found) > 20
    heads = fake.branch_heads() if many else None
    found = [refresh(fake, pr, heads) for pr in found]
    head = call.arg("head")
    if head:
        owner, _, branch = head.rpartition(":")
        if owner and owner.lower() != fake.owner.lower():
            found = []
        found = [pr for pr in found if pr["head_ref"] == branch]
    base = call.arg("base")
    if base:
        found = [pr for pr in found if pr["base_ref"] == base]
    return call.paginate(_sorted(call, found), lambda pr: payloads.pull(fake, pr, full=False))


def _sorted(call: Call, pulls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sort = call.arg("sort", "created")
    direction = call.arg("direction", "desc" if sort == "created" else "asc")
    key = "updated_at" if sort == "updated" else "created_at"
    # Numbers break ties: several PRs are often created within the same second.
    ordered = sorted(pulls, key=lambda pr: (pr[key], pr["number"]))
    return ordered if direction == "asc" else ordered[::-1]


@route(f"POST {REPO}/pulls", doc="pulls/pulls#create-a-pull-request")
def open_pull(call: Call) -> Reply:
    body = call.body(
        {
            "title": Field((str,)),
            "head": Field((str,), True),
            "base": Field((str,), True),
            "body": Field((str, type(None))),
            "draft": Field((bool,)),
            "maintainer_can_modify": Field((bool,)),
        }
    )
    if "title" not in body:
        raise validation_failed({"resource": "PullRequest", "field": "title", "code": "missing"})
    record = create_pull(
        call.fake,
        call.login,
        body["head"],
        body["base"],
        body["title"],
        body.get("body"),
        body.get("draft", False),
        body.get("maintainer_can_modify", True),
    )
    data = full_json(call.fake, record)
    return Reply(201, data, {"Location": data["url"]})


# -- one pull request -----------------------------------------------------------------------


@route(f"GET {PULL}", doc="pulls/pulls#get-a-pull-request")
def get_pull(call: Call) -> Reply:
    return Reply(200, full_json(call.fake, pull_of(call)))


@route(f"PATCH {PULL}", doc="pulls/pulls#update-a-pull-request")
def edit_pull(call: Call) -> Reply:
    body = call.body(
        {
            "title": Field((str,)),
            "body": Field((str, type(None))),
            "state": Field((str,)),
            "base": Field((str,)),
            "maintainer_can_modify": Field((bool,)),
        }
    )
    fake, pr = call.fake, pull_of(call)
    if "base" in body and body["base"] != pr["base_ref"]:
        _change_base(fake, pr, body["base"])
    if "state" in body:
        _change_state(fake, pr, body["state"], call.login)
    for key in ("title", "body", "maintainer_can_modify"):
        if key in body:
            pr[key] = body[key]
    pr["updated_at"] = payloads.now_iso()
    return Reply(200, full_json(fake, refresh(fake, pr)))


def _change_base(fake: FakeGitHub, pr: dict[str, Any], base: str) -> None:
    if pr["state"] != "open":
        raise ApiError(422, "Cannot change the base branch of a closed pull request.")
    if fake.branch_sha(base) is None:
        raise _invalid("base")
    _duplicate(fake, pr["head_ref"], base, pr["number"])
    pr["base_ref"] = base


def _change_state(fake: FakeGitHub, pr: dict[str, Any], state: str, login: str) -> None:
    if state not in ("open", "closed"):
        raise validation_failed(
            {"value": state, "resource": "PullRequest", "field": "state", "code": "invalid"}
        )
    if state == pr["state"]:
        return
    if state == "closed":
        pr["state"], pr["closed_at"] = "closed", payloads.now_iso()
        pullstate.record_event(fake, "closed", pr, login)
        return
    _check_reopen(fake, pr)
    pr["state"], pr["closed_at"] = "open", None
    pullstate.record_event(fake, "reopened", pr, login)


def _check_reopen(fake: FakeGitHub, pr: dict[str, Any]) -> None:
    """GitHub reopens only a PR whose head branch still holds (or fast-forwards) the commit
    it closed with."""
    if pr["merged"]:
        raise _custom("state cannot be changed. The pull request has been merged.", "state")
    branch = pr["head_ref"]
    tip = fake.branch_sha(branch)
    if tip is None:
        raise _custom(f"state cannot be changed. The {branch} branch has been deleted.", "state")
    if not fake.git.is_ancestor(pr["head_sha"], tip):
        raise _custom(
            f"state cannot be changed. The {branch} branch was force-pushed or recreated.",
            "state",
        )
    _duplicate(fake, branch, pr["base_ref"], pr["number"])


@route(f"GET {PULL}/commits", doc="pulls/pulls#list-commits-on-a-pull-request")
def pull_commits(call: Call) -> Reply:
    pr, git = pull_of(call), call.fake.git
    shas = git.rev_list(f"{pr['base_sha']}..{pr['head_sha']}", reverse=True)[:250]
    reply = call.paginate(shas)
    reply.data = [payloads.repo_commit(call.fake, c) for c in git.read_commits(reply.data)]
    return reply


@route(f"GET {PULL}/files", doc="pulls/pulls#list-pull-requests-files")
def pull_files(call: Call) -> Reply:
    pr, git = pull_of(call), call.fake.git
    files = git.diff(git.merge_base(pr["base_sha"], pr["head_sha"]), pr["head_sha"])
    return call.paginate(files, lambda f: payloads.file_change(call.fake, f, pr["head_sha"]))


# -- review requests ------------------------------------------------------------------------

_REVIEWERS = {"reviewers": Field((list,)), "team_reviewers": Field((list,))}


@route(
    f"POST {PULL}/requested_reviewers",
    doc="pulls/review-requests#request-reviewers-for-a-pull-request",
)
def request_reviewers(call: Call) -> Reply:
    body = call.body(_REVIEWERS)
    fake, pr = call.fake, pull_of(call)
    users, teams = body.get("reviewers", []), body.get("team_reviewers", [])
    if pr["user"] in users:
        raise ApiError(422, "Review cannot be requested from pull request author.")
    if any(fake.permission_of(login) == "none" for login in users):
        raise ApiError(
            422,
            "Reviews may only be requested from collaborators. One or more of the users or "
            f"teams you specified is not a collaborator of the {fake.full_name} repository.",
        )
    for key, names in (("requested_reviewers", users), ("requested_teams", teams)):
        pr[key] += [name for name in names if name not in pr[key]]
    pr["updated_at"] = payloads.now_iso()
    return Reply(201, payloads.pull(fake, pr, full=False))


@route(
    f"GET {PULL}/requested_reviewers",
    doc="pulls/review-requests#get-all-requested-reviewers-for-a-pull-request",
)
def get_requested_reviewers(call: Call) -> Reply:
    fake, pr = call.fake, pull_of(call)
    return Reply(
        200,
        {
            "users": [accounts.user(fake, login) for login in pr["requested_reviewers"]],
            "teams": [accounts.team(fake, fake.owner, slug) for slug in pr["requested_teams"]],
        },
    )


@route(
    f"DELETE {PULL}/requested_reviewers",
    doc="pulls/review-requests#remove-requested-reviewers-from-a-pull-request",
)
def remove_requested_reviewers(call: Call) -> Reply:
    body = call.body(_REVIEWERS)
    pr = pull_of(call)
    pr["requested_reviewers"] = [
        u for u in pr["requested_reviewers"] if u not in body.get("reviewers", [])
    ]
    pr["requested_teams"] = [
        t for t in pr["requested_teams"] if t not in body.get("team_reviewers", [])
    ]
    return Reply(200, payloads.pull(call.fake, pr, full=False))
