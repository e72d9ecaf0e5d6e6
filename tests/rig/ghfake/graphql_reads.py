"""The query side of the fake's GraphQL API: the repository, its pull requests, the rate limit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from tests.rig.ghfake import graphql_objects as objects
from tests.rig.ghfake import payloads, routes_pulls
from tests.rig.ghfake.graphql_base import GitHubError, Obj, connection, fake_of

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

REPOSITORY_ID = payloads.node_id("Repository", 424242)  # what the REST payloads call node_id
_STATES = {"OPEN": "open", "CLOSED": "closed", "MERGED": "merged"}


def query_root() -> Obj:
    return {"repository": _repository_field, "rateLimit": _rate_limit_field}


def _repository_field(info: GraphQLResolveInfo, owner: str, name: str, **_: Any) -> Obj:
    fake = fake_of(info)
    if owner.lower() != fake.owner.lower() or name.lower() != fake.repo.lower():
        raise GitHubError(
            "NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'."
        )
    return repository(fake)


def repository(fake: FakeGitHub) -> Obj:
    repo: Obj = {
        "__typename": "Repository",
        "id": REPOSITORY_ID,
        "name": fake.repo,
        "nameWithOwner": fake.full_name,
        "url": fake.repo_html,
        "isPrivate": True,
        "owner": {"__typename": "Organization", "login": fake.owner},
    }
    repo.update(
        defaultBranchRef=lambda info: objects.ref(fake, f"refs/heads/{fake.default_branch}", repo),
        ref=lambda info, qualifiedName: _ref(fake, qualifiedName, repo),
        object=lambda info, expression=None, oid=None: _object(fake, expression, oid),
        pullRequests=lambda info, **args: pull_requests(fake, repo, args),
    )
    return repo


def _ref(fake: FakeGitHub, name: str, repo: Obj) -> Obj | None:
    full = objects.qualified(fake, name)
    return None if full is None else objects.ref(fake, full, repo)


def _object(fake: FakeGitHub, expression: str | None, oid: str | None) -> Obj | None:
    if oid is not None:
        return objects.git_object(fake, oid)
    if expression is not None:
        return objects.by_expression(fake, expression)
    return None


# -- pull requests --------------------------------------------------------------------------


def pull_requests(fake: FakeGitHub, repo: Obj, args: dict[str, Any]) -> Obj:
    """``Repository.pullRequests``: filtered by state and branches, oldest first by default."""
    states = {_STATES[s] for s in args.get("states") or _STATES}
    found = [pr for pr in fake.pulls.values() if _state(pr) in states]
    if args.get("baseRefName") is not None:
        found = [pr for pr in found if pr["base_ref"] == args["baseRefName"]]
    if args.get("headRefName") is not None:
        found = [pr for pr in found if pr["head_ref"] == args["headRefName"]]
    wanted = set(args.get("labels") or [])
    if wanted:
        found = [pr for pr in found if wanted & {label["name"] for label in pr["labels"]}]
    key = _order_key(args.get("orderBy"))
    found.sort(key=key)
    found = [routes_pulls.refresh(fake, pr) for pr in found]
    return connection(found, [key(pr) for pr in found], lambda pr: pull(fake, pr, repo), args)


def _state(pr: dict[str, Any]) -> str:
    return "merged" if pr.get("merged") else pr["state"]


def _order_key(order: dict[str, str] | None) -> Callable[[dict[str, Any]], Any]:
    """Cursor keys increase along the order, so a descending order negates the timestamp."""
    if not order:
        return lambda pr: pr["number"]
    column = "updated_at" if order.get("field") == "UPDATED_AT" else "created_at"
    sign = -1 if order.get("direction") == "DESC" else 1

    def key(pr: dict[str, Any]) -> tuple[int, int]:
        return (sign * _epoch(pr[column]), sign * pr["number"])

    return key


def _epoch(iso: str) -> int:
    when = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return int(when.timestamp())


def pull(fake: FakeGitHub, pr: dict[str, Any], repo: Obj) -> Obj:
    number = pr["number"]
    return {
        "__typename": "PullRequest",
        "id": payloads.node_id("PullRequest", pr["id"]),
        "number": number,
        "url": f"{fake.repo_html}/pull/{number}",
        "title": pr["title"],
        "body": pr["body"] or "",
        "state": _state(pr).upper(),
        "isDraft": pr["draft"],
        "merged": bool(pr.get("merged")),
        "closed": pr["state"] == "closed",
        "createdAt": pr["created_at"],
        "updatedAt": pr["updated_at"],
        "author": _actor(pr["user"]),
        "baseRefName": pr["base_ref"],
        "baseRefOid": pr["base_sha"],
        "headRefName": pr["head_ref"],
        "headRefOid": pr["head_sha"],
        "isCrossRepository": False,  # the fake holds one repository; every PR is from it
        "headRepository": repo,
        "baseRepository": repo,
        "repository": repo,
        "labels": lambda info, **args: _labels(pr, args),
        "reviewRequests": lambda info, **args: _review_requests(pr, args),
        "reviews": lambda info, **args: _reviews(pr, args),
        "mergeable": lambda info: _mergeable(fake, pr),
    }


def _actor(login: str) -> Obj:
    kind = "Bot" if login.endswith("[bot]") else "User"
    return {"__typename": kind, "login": login.removesuffix("[bot]") if kind == "Bot" else login}


def _labels(pr: dict[str, Any], args: dict[str, Any]) -> Obj:
    labels = list(pr["labels"])
    render = _label_node
    return connection(labels, range(len(labels)), render, args)


def _label_node(label: dict[str, Any]) -> Obj:
    return {
        "__typename": "Label",
        "id": payloads.node_id("Label", label["id"]),
        "name": label["name"],
        "color": label["color"],
        "description": label.get("description"),
    }


def _review_requests(pr: dict[str, Any], args: dict[str, Any]) -> Obj:
    asked = [("User", login) for login in pr["requested_reviewers"]]
    asked += [("Team", slug) for slug in pr["requested_teams"]]
    return connection(asked, range(len(asked)), _review_request, args)


def _review_request(item: tuple[str, str]) -> Obj:
    kind, name = item
    reviewer = {"__typename": "User", "login": name} if kind == "User" else None
    if kind == "Team":
        reviewer = {"__typename": "Team", "slug": name, "name": name}
    return {"__typename": "ReviewRequest", "requestedReviewer": reviewer}


def _reviews(pr: dict[str, Any], args: dict[str, Any]) -> Obj:
    """Reviews are tests' business: ``pr["reviews"] = [{"user": login, "state": "APPROVED"}]``."""
    reviews = list(pr.get("reviews", []))
    return connection(reviews, range(len(reviews)), _review, args)


def _review(review: dict[str, Any]) -> Obj:
    return {
        "__typename": "PullRequestReview",
        "state": review.get("state", "COMMENTED"),
        "author": _actor(review.get("user", "ghost")),
        "body": review.get("body", ""),
    }


def _mergeable(fake: FakeGitHub, pr: dict[str, Any]) -> str:
    """A real test merge, as the REST view does; closed PRs are UNKNOWN."""
    if pr["state"] != "open":
        return "UNKNOWN"
    merged = fake.git.merge_trees(pr["base_sha"], pr["head_sha"])
    return "MERGEABLE" if merged is not None else "CONFLICTING"


# -- rate limit -----------------------------------------------------------------------------


def _rate_limit_field(info: GraphQLResolveInfo, dryRun: bool = False) -> Obj:
    """What ``rateLimit`` reports: this call's cost and node count, and the window after it."""
    window = info.context.window()
    return {
        "__typename": "RateLimit",
        "cost": info.context.price.cost,
        "nodeCount": info.context.price.nodes,
        "limit": window["limit"],
        "remaining": window["remaining"],
        "used": window["used"],
        "resetAt": datetime.fromtimestamp(window["reset"], timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
    }
