"""What people do to a pull request beyond its fields: reviews and their decision, branch
protection, mergeability, and the webhook-like event log.

``fake.protection[branch]``
    ``{"required_approving_review_count": int, "dismiss_stale_reviews": bool}``: GitHub's
    "require approvals" rule on a base branch. Only reviewers with write access count, the
    latest review of each person decides, and an outstanding "changes requested" blocks.
``fake.events``
    ``[{"event": "pull_request" | "pull_request_review", "action", "number", "sender",
    "record": <copy of the PR record then>, "review": <copy of the review> | None}]`` (and
    ``before``/``after`` for a synchronize), oldest first; ``event_payload`` renders one as
    the webhook body GitHub would send.
``fake.merge_checks[number]``
    ``(base_sha, head_sha, mergeable, rebaseable)`` of the last test merge. As on GitHub, the
    first read after either side moves answers ``mergeable: null`` and starts the check; reads
    after that get its result.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from tests.rig.ghfake import accounts, merging, payloads

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

# GitHub's defaults for a new repository.
DEFAULT_SETTINGS: dict[str, Any] = {
    "allow_merge_commit": True,
    "allow_squash_merge": True,
    "allow_rebase_merge": True,
    "delete_branch_on_merge": False,
    "merge_commit_title": "MERGE_MESSAGE",
    "merge_commit_message": "PR_TITLE",
    "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
    "squash_merge_commit_message": "COMMIT_MESSAGES",
}
WRITERS = frozenset({"write", "maintain", "admin"})


# -- events ---------------------------------------------------------------------------------


def record_event(
    fake: FakeGitHub,
    action: str,
    pr: dict[str, Any],
    login: str,
    review: dict[str, Any] | None = None,
    **extra: str,
) -> None:
    event = "pull_request_review" if review is not None else "pull_request"
    fake.events.append(
        {
            "event": event,
            "action": action,
            "number": pr["number"],
            "sender": login,
            "record": copy.deepcopy(pr),
            "review": copy.deepcopy(review),
            **extra,  # synchronize: "before" and "after"
        }
    )


def event_payload(fake: FakeGitHub, event: dict[str, Any]) -> dict[str, Any]:
    """The body GitHub posts to a webhook (and writes to ``GITHUB_EVENT_PATH``)."""
    record = event["record"]
    unknown = {"mergeable": None, "rebaseable": None, "mergeable_state": "unknown"}
    stats = {**unknown, **diff_stats(fake, record)}
    data: dict[str, Any] = {
        "action": event["action"],
        "number": record["number"],
        "pull_request": payloads.pull(fake, record, full=True, stats=stats),
        "repository": accounts.repo(fake),
        "sender": accounts.user(fake, event["sender"]),
        **{key: event[key] for key in ("before", "after") if key in event},
    }
    if event["review"] is not None:
        review = payloads.review(fake, event["review"], record["number"])
        review["state"] = review["state"].lower()  # webhooks spell states in lower case
        data["review"] = review
        del data["number"]  # review events carry no top-level number
    return data


# -- reviews and protection -----------------------------------------------------------------


def head_moved(fake: FakeGitHub, pr: dict[str, Any], new_sha: str, login: str | None) -> None:
    """A push to an open PR's head: a ``synchronize`` event, and stale approvals dismissed
    where the base branch's protection says so."""
    before, pr["head_sha"] = pr["head_sha"], new_sha
    record_event(fake, "synchronize", pr, login or fake.owner, before=before, after=new_sha)
    rule = fake.protection.get(pr["base_ref"], {})
    if not rule.get("dismiss_stale_reviews"):
        return
    for review in fake.reviews.get(pr["number"], []):
        if review["state"] == "APPROVED":
            review["state"] = "DISMISSED"
            review["dismissal_message"] = "Dismissed: new commits were pushed."


def decision(fake: FakeGitHub, pr: dict[str, Any]) -> tuple[int, bool]:
    """(approvals, changes requested) from each writer's latest deciding review."""
    latest: dict[str, str] = {}
    for review in fake.reviews.get(pr["number"], []):
        if review["state"] in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[review["user"]] = review["state"]
    writers = {user: state for user, state in latest.items() if fake.permission_of(user) in WRITERS}
    approvals = sum(state == "APPROVED" for state in writers.values())
    return approvals, "CHANGES_REQUESTED" in writers.values()


def blocked(fake: FakeGitHub, pr: dict[str, Any]) -> str | None:
    """Why protection refuses the merge (GitHub's wording), or None."""
    rule = fake.protection.get(pr["base_ref"])
    if rule is None:
        return None
    approvals, changes = decision(fake, pr)
    if changes:
        # GitHub's own wording for this case is not documented; the fake's is plain.
        return "Changes were requested by a reviewer with write access."
    needed = int(rule.get("required_approving_review_count", 0))
    if approvals < needed:
        plural = "review is" if needed == 1 else "reviews are"
        return f"At least {needed} approving {plural} required by reviewers with write access."
    return None


# -- mergeability ---------------------------------------------------------------------------


def diff_stats(fake: FakeGitHub, pr: dict[str, Any]) -> dict[str, int]:
    """The counts a full PR view carries: commits, and lines and files changed."""
    git = fake.git
    base, head = pr["base_sha"], pr["head_sha"]
    files = git.diff(git.merge_base(base, head), head)
    return {
        "commits": len(git.rev_list(f"{base}..{head}")),
        "additions": sum(f.additions for f in files),
        "deletions": sum(f.deletions for f in files),
        "changed_files": len(files),
    }


def mergeability(fake: FakeGitHub, pr: dict[str, Any]) -> dict[str, Any]:
    """``mergeable``, ``rebaseable`` and ``mergeable_state`` as the single-PR view reports
    them: unknown until a test merge of the current shas has run."""
    unknown = {"mergeable": None, "rebaseable": None, "mergeable_state": "unknown"}
    if pr["state"] != "open":
        return unknown
    base, head = pr["base_sha"], pr["head_sha"]
    checked = fake.merge_checks.get(pr["number"])
    if checked is None or checked[:2] != (base, head):
        clean = fake.git.merge_trees(base, head) is not None
        rebases = clean and merging.replay(fake, base, head) is not None
        fake.merge_checks[pr["number"]] = (base, head, clean, rebases)
        return unknown
    _, _, clean, rebases = checked
    if not clean:
        state = "dirty"
    elif pr["draft"]:
        state = "draft"
    else:
        state = "blocked" if blocked(fake, pr) else "clean"
    return {"mergeable": clean, "rebaseable": rebases, "mergeable_state": state}
