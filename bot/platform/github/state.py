"""Pull request and branch state for the GitHub adapter: pure functions and data, no API calls.

``github`` reads a PR or a compared branch, and these decide what is there and what is missing
(the rules are in ``github``'s module docstring). Nothing here imports ``github``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot import markers, timestamps
from bot.model import ClosedPromotion, OpenPromotion, PromotionId, Proposal
from bot.platform.base import Base
from bot.text import versions


@dataclass(frozen=True)
class BranchState:
    """A promotion branch compared with the base commit."""

    ahead: int  # commits on the branch beyond its merge base with the base commit
    head: str | None = None  # the branch head, when it is exactly one commit ahead
    tip: str | None = None  # the branch head, when it has no commit of its own (ahead 0)
    parent: str | None = None
    tree: str | None = None
    promotion: PromotionId | None = None  # the head commit's trailers
    author: tuple[str, str] | None = None  # the head commit's (name, email)
    committer: tuple[str, str] | None = None
    date: str | None = None  # the head commit's committer date, ISO 8601 from GitHub

    def proposes(self, promo: PromotionId) -> bool:
        return self.ahead == 1 and self.promotion == promo

    def is_current(self, promo: PromotionId, base: Base, tree: str) -> bool:
        return self.proposes(promo) and self.parent == base.sha and self.tree == tree


@dataclass(frozen=True)
class PullState:
    """What a PR has now, from a list payload: enough to add only what is missing."""

    number: int
    url: str
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    team_reviewers: tuple[str, ...] = ()
    title: str | None = None  # None: unknown, so the title and body are written
    body: str | None = None


def branch_state(data: Any) -> BranchState:
    """A compare payload (``base...branch``, two commits a page) as a ``BranchState``."""
    ahead = int(data.get("ahead_by") or 0)
    commits = data.get("commits") or []
    if ahead == 0:
        # Nothing of its own: its head is the merge base, read in the same call as ``ahead``
        # (a second read could see a commit made in between and take it for an empty branch).
        sha = (data.get("merge_base_commit") or {}).get("sha")
        return BranchState(0, tip=str(sha) if sha else None)
    if ahead != 1 or len(commits) != 1:
        return BranchState(ahead)
    head = commits[0]
    parents = head.get("parents") or []
    inner = head.get("commit") or {}
    committer = inner.get("committer") or {}
    return BranchState(
        ahead=1,
        head=str(head["sha"]),
        parent=str(parents[0]["sha"]) if len(parents) == 1 else None,
        tree=str((inner.get("tree") or {}).get("sha")),
        promotion=markers.parse_trailers(str(inner.get("message") or "")),
        author=identity(inner.get("author")),
        committer=identity(committer),
        date=str(committer.get("date") or "") or None,
    )


def identity(person: Any) -> tuple[str, str] | None:
    """(name, email) of a Git identity payload; None when it is not one."""
    if not isinstance(person, dict):
        return None
    name, email = person.get("name"), person.get("email")
    return (name, email) if isinstance(name, str) and isinstance(email, str) else None


def wrote(commit: Any) -> markers.Wrote:
    """What the bot pushed, from GitHub's answer to creating the commit."""
    author, committer = identity(commit.get("author")), identity(commit.get("committer"))
    return markers.Wrote(str(commit["sha"]), author or ("", ""), committer or ("", ""))


def final_body(proposal: Proposal, pushed: markers.Wrote | None = None) -> str:
    """The PR body as the bot leaves it: the commit it pushed (see ``foreign``) and, with
    labels, the labels (see ``finished``)."""
    body = proposal.body
    if pushed is not None:
        body = markers.with_pushed_note(body, pushed)
    if not proposal.labels:
        return body
    return markers.with_labels_note(body, proposal.labels)


def finished(body: str | None, labels: Sequence[str]) -> bool:
    """Labels are the last write of a PR opened with labels: all of them there, or not done."""
    wanted = markers.noted_labels(body)
    return wanted is None or not missing(tuple(wanted), tuple(labels))


def pull_state(pr: Any) -> PullState:
    return PullState(
        number=pr.number,
        url=pr.html_url,
        labels=tuple(label.name for label in pr.labels),
        reviewers=tuple(user.login for user in pr.requested_reviewers),
        team_reviewers=tuple(team.slug for team in pr.requested_teams),
        title=pr.title,
        body=pr.body,
    )


def open_promotion(pr: Any) -> OpenPromotion:
    state = pull_state(pr)
    promotion = markers.parse_marker(state.body)
    if not finished(state.body, state.labels):
        promotion = None  # the run that opened it failed before the end: finish it
    return OpenPromotion(
        pr.head.ref,
        pr.head.sha,
        state.number,
        state.url,
        promotion,
        labels=state.labels,
        reviewers=state.reviewers,
        team_reviewers=state.team_reviewers,
        pinned=markers.pinned(state.body),
    )


def closed_promotion(pr: Any, prefix: str, repository: str) -> ClosedPromotion | None:
    """A closed, unmerged promotion PR of this repository, with the promotion its marker names."""
    if pr.merged_at is not None or not pr.head.ref.startswith(prefix + "/"):
        return None
    head_repo = pr.head.repo
    if head_repo is None or head_repo.full_name != repository:
        return None
    promotion = markers.parse_marker(pr.body)
    if promotion is None:
        return None
    told = markers.REJECTION_TOLD in (pr.body or "")
    return ClosedPromotion(pr.head.ref, pr.number, pr.html_url, promotion, told)


def missing(wanted: Sequence[str], present: Sequence[str]) -> list[str]:
    have = {name.lower() for name in present}
    return [name for name in wanted if name.lower() not in have]


def foreign(state: BranchState, promo: PromotionId, pushed: markers.Wrote | None = None) -> bool:
    """Whether someone else made or rewrote the branch's head: more than the bot's one commit,
    a head commit without the bot's trailers for this model and environment, or, when the bot
    knows a commit it ``pushed``, a head that is neither that commit nor one with its author
    and committer (an amend keeps the trailers and the author, never the committer). A commit
    the bot made but did not record yet (a run stopped between moving the branch and
    updating the PR) has the same author and committer, or, made by REST with a personal
    token after a GraphQL commit, the author as committer: it stays the bot's."""
    if state.ahead == 0:
        return False
    if pushed is not None and state.head == pushed.sha:
        return False
    if state.ahead > 1 or state.promotion is None:
        return True
    found = state.promotion
    if (found.model, found.environment) != (promo.model, promo.environment):
        return True
    if pushed is None:
        return False
    # A personal token's REST commit is committed as its user, its GraphQL commit as GitHub:
    # after a new branch's GraphQL commit, an update's REST commit has the author as committer.
    return state.author != pushed.author or state.committer not in (
        pushed.committer,
        pushed.author,
    )


# A concurrent run makes its commit and branch within the time one run takes to read and
# decide; a branch left behind by a run that stopped before opening its PR is older.
FRESH = timedelta(minutes=10)


def fresh(state: BranchState, ours: str | None) -> bool:
    """Whether the branch's head commit was made around the time of the bot's own commit
    (committer date ``ours``; both dates from GitHub's clock): another run's, made while this
    one ran, rather than a branch an earlier run left behind."""
    theirs = timestamps.parse(state.date)
    mine = timestamps.parse(ours)
    if theirs is None or mine is None:
        return True  # unknown: never move over what may be a concurrent run's branch
    return mine - theirs < FRESH


def lost(branch: str, number: int | None, winner: PromotionId | None) -> str:
    """The loser's reason: who won, and what it proposes."""
    where = f"#{number}" if number is not None else f"branch {branch}"
    what = versions.of_branch(winner.version, branch) if winner is not None else "another version"
    return f"superseded by {where} ({what}): another run moved {branch} first"


def rebuilt(promo: PromotionId, branch: str, sha: str) -> str:
    return (
        f"Rebuilt {versions.of_branch(promo.version, branch)} on the current base: the branch "
        f"conflicted with it (branch moved to {sha[:12]})."
    )


def superseded(promo: PromotionId, was: PromotionId | None, branch: str, sha: str) -> str:
    before = versions.of_branch(was.version, branch) if was is not None else "an earlier version"
    return (
        f"Updated to {versions.of_branch(promo.version, branch)}: this supersedes {before} "
        f"(branch moved to {sha[:12]} on the current base)."
    )
