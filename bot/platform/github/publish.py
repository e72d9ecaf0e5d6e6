"""Publishing a promotion on GitHub: the one commit on its branch, then the PR.

Who may move a promotion branch, and when (the rules ``state.foreign`` and ``refs`` enforce):

- The bot moves a branch only from the head it read, by compare-and-swap: from the head the
  open PR listing showed, or, for a branch without a PR, from the head the compare call showed.
  A run that finds the branch moved since it read it has lost the race: it adopts the branch
  when it already holds the same promotion on the current base, and otherwise reports
  ``superseded`` (``bot.errors.Superseded``) naming the PR (or branch) and version that won.
- A new branch is created at the base and committed on expecting the base in one GraphQL
  request (``createRef``, then ``createCommitOnBranch``, which runs even when the branch was
  there). Creating it decides no race: the run whose commit lands wins. A run whose commit does
  not land reads the branch once (compare: the head comes in the same answer). Empty at the
  base, it commits expecting the base again, so of two runs exactly one commit lands and the
  other re-reads and loses (or adopts the same promotion) by the rules here; empty behind the
  base, it moves it; with a commit on it, the rules below decide. A branch this request made
  whose commit failed otherwise is deleted again while it is still at the base.
- A branch without a PR whose head is the bot's recent commit for another version belongs to a
  concurrent run (``state.fresh``); an older one was left behind by a run that stopped before
  its PR step, and one that is the head of a closed PR was left by that PR: both are taken over.
- The PR body records the commit the bot pushed (``markers.with_pushed_note``). A head that is
  neither that commit nor one with its author and committer is a person's (an amend, a commit
  on top, a rebase): the bot never moves over it, says so once on the PR and fails.
- An open PR proposing the version due, which GitHub reports CONFLICTING, is rebuilt on the
  current base with the same version, with a comment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, NoReturn

from bot.errors import NotFound, RetryableError, Superseded, UserError
from bot.markers import Wrote
from bot.model import OpenPromotion, Proposal, Published, Pushed
from bot.platform.base import Base
from bot.platform.github.graphql_answers import MalformedAnswer
from bot.platform.github.graphql_commit import Committed
from bot.platform.github.pulls import Pulls
from bot.platform.github.refs import Refs
from bot.platform.github.state import (
    BranchState,
    PullState,
    foreign,
    fresh,
    lost,
    rebuilt,
    superseded,
    wrote,
)
from bot.platform.github.transport_errors import field


class Publisher:
    def __init__(
        self,
        repo: Any,
        api: Callable[[str], contextlib.AbstractContextManager[None]],
        pulls: Pulls,
        refs: Refs,
        base: Callable[[], Base],
    ) -> None:
        self._repo = repo
        self._api = api
        self._pulls = pulls
        self._refs = refs
        self._base = base
        self._wrote: dict[str, Wrote] = {}  # branch -> the commit this run pushed or adopted
        self.notes: dict[str, Wrote] = {}  # branch -> the commit its open PR records

    def push(self, proposal: Proposal, existing: OpenPromotion | None) -> Pushed:
        if existing is not None and existing.number is not None:
            return self._push_update(proposal, existing, existing.number)
        return self._push_new(proposal)

    def propose(
        self, proposal: Proposal, pushed: Pushed, existing: OpenPromotion | None
    ) -> Published:
        wrote = self._wrote.get(proposal.branch)
        if existing is None or existing.number is None:
            return self._pulls.open(proposal, pushed.sha, self._base().branch, wrote)
        number, promo, branch = existing.number, proposal.promotion, proposal.branch
        shown = existing.promotion  # what the PR says it proposes; None while unfinished
        if pushed.moved:
            self._pulls.comment(number, superseded(promo, shown or pushed.was, branch, pushed.sha))
        elif shown is not None and shown != promo:
            # An earlier run moved the branch but did not finish: comment unless it did.
            text = superseded(promo, shown, branch, pushed.sha)
            if not self._pulls.commented(number, text.split(":", 1)[0] + ":"):
                self._pulls.comment(number, text)
        elif shown == promo and pushed.sha != existing.head_sha:
            self._pulls.comment(number, rebuilt(promo, branch, pushed.sha))  # it conflicted
        current = PullState(
            number,
            existing.url or "",
            existing.labels,
            existing.reviewers,
            existing.team_reviewers,
        )
        self._pulls.finish(proposal, current, wrote)
        return Published("updated", proposal.branch, pushed.sha, number, existing.url)

    def _push_new(self, proposal: Proposal) -> Pushed:
        branch, base = proposal.branch, self._base().sha
        try:
            opened = self._refs.open(branch, base, proposal.commit_message, self._files(proposal))
        except Exception:
            # The request may have made the branch before its answer was lost: leave no empty
            # branch behind (only if it is still at the base).
            self._refs.drop(branch, base)
            raise
        if opened.commit is not None:  # the commit expecting the base landed: this run won
            return self._landed(branch, opened.commit)
        if opened.created and not opened.stale:
            self._refs.drop(branch, base)  # made here, its commit failed: leave no empty branch
            raise opened.commit_error or MalformedAnswer(
                f"[commit to {branch}] GitHub's GraphQL answer: commit is null, with no error"
            )
        # The branch was there (another run, one that stopped, an attempt of this request whose
        # answer was lost) or another commit landed first: what the branch holds decides.
        try:
            state = self._state(branch)
        except NotFound:  # not there after all: the branch failed for another reason
            raise opened.ref_error or opened.commit_error or _gone(branch) from None
        return self._existing(proposal, state, base)

    def _existing(self, proposal: Proposal, state: BranchState, base: str) -> Pushed:
        branch, promo = proposal.branch, proposal.promotion
        if state.ahead == 0 and state.tip == base:
            # Empty at the base: the commit did not run (a server that stops at the first
            # failed field) or failed otherwise. Both runs' commits expect the base as head,
            # so exactly one of them lands.
            return self._commit_on_new(proposal, base)
        tree = self._tree(proposal)
        made, date = self._commit(proposal, tree)
        self._wrote[branch] = made
        if state.ahead == 0:  # behind the base: no one's commit to lose
            return self._move(proposal, tree, made.sha, state.tip, None) or Pushed(branch, made.sha)
        if foreign(state, promo, made):
            raise UserError(
                f"branch {branch} already exists and has commits not made by the "
                "bot; not updating it. Delete it or push the promotion by hand."
            )
        if state.head is not None and state.is_current(promo, self._base(), tree):
            self._own(branch, state)
            return Pushed(branch, state.head)
        racing = state.promotion != promo and fresh(state, date)
        # A closed PR leaves its branch behind: its head is no concurrent run's.
        if racing and (state.head is None or not self._pulls.abandoned(branch, state.head)):
            self._lose(proposal, state, None)
        return self._move(proposal, tree, made.sha, state.head, None) or Pushed(branch, made.sha)

    def _commit_on_new(self, proposal: Proposal, base: str) -> Pushed:
        """A branch found at the base gets the commit in one call that is also the
        compare-and-swap: GitHub commits only while the branch is still at the base, so a
        branch someone moved meanwhile is never committed onto."""
        branch = proposal.branch
        made = self._refs.commit(branch, base, proposal.commit_message, self._files(proposal))
        if made is None:
            # A concurrent run took the empty branch (it moves a branch at the base, as it
            # would one left by a crashed run): it won unless it holds this promotion.
            return self._after_race(proposal, self._tree(proposal), None, self._state(branch))
        return self._landed(branch, made)

    def _landed(self, branch: str, made: Committed) -> Pushed:
        self._wrote[branch] = Wrote(made.oid, made.author, made.committer)
        return Pushed(branch, made.oid)

    @staticmethod
    def _files(proposal: Proposal) -> dict[str, bytes]:
        return {c.path: c.new_text.encode() for c in proposal.changes}

    def _push_update(self, proposal: Proposal, existing: OpenPromotion, number: int) -> Pushed:
        promo, branch = proposal.promotion, proposal.branch
        state = self._state(branch)
        if foreign(state, promo, self.notes.get(branch)):
            self._pulls.refuse(proposal, number)
        was = state.promotion
        tree = self._tree(proposal)
        if state.head is not None and state.head != existing.head_sha:
            # Moved since the bot read the PR: whoever moved it won.
            return self._after_race(proposal, tree, number, state)
        if state.is_current(promo, self._base(), tree):
            assert state.head is not None
            self._own(branch, state)
            return Pushed(branch, state.head, was)  # an earlier run moved it already
        made, _ = self._commit(proposal, tree)
        self._wrote[branch] = made
        found = self._move(proposal, tree, made.sha, existing.head_sha, number)
        return found or Pushed(branch, made.sha, was, moved=not state.proposes(promo))

    def _move(
        self, proposal: Proposal, tree: str, sha: str, before: str | None, number: int | None
    ) -> Pushed | None:
        """Compare-and-swap the branch from ``before`` to ``sha``: None when it moved, the
        commit to use when the branch already held this promotion; ``Superseded`` otherwise."""
        if before is not None and self._refs.move(proposal.branch, sha, before):
            return None
        state = self._state(proposal.branch)
        return self._after_race(proposal, tree, number, state)

    def _after_race(
        self, proposal: Proposal, tree: str, number: int | None, state: BranchState
    ) -> Pushed:
        """The branch is not where the bot read it: a person's commit stops the promotion, the
        same promotion already there is adopted, and another run's promotion wins."""
        promo = proposal.promotion
        branch = proposal.branch
        if foreign(state, promo, self._wrote.get(branch) or self.notes.get(branch)):
            if number is not None:
                self._pulls.refuse(proposal, number)
            raise UserError(
                f"branch {branch} has commits not made by the bot; not updating it. "
                "Delete it or push the promotion by hand."
            )
        if state.head is not None and state.is_current(promo, self._base(), tree):
            self._own(branch, state)
            return Pushed(branch, state.head, state.promotion)
        self._lose(proposal, state, number)

    def _lose(self, proposal: Proposal, state: BranchState, number: int | None) -> NoReturn:
        if number is None:
            found = self._pulls.find(proposal.branch)
            number = found.number if found is not None else None
        winner = state.promotion
        raise Superseded(lost(proposal.branch, number, winner), winner.version if winner else None)

    def _own(self, branch: str, state: BranchState) -> None:
        """Record the head as what the bot pushed: it passed ``foreign``, so it is the bot's."""
        if state.head is not None and state.author and state.committer:
            self._wrote[branch] = Wrote(state.head, state.author, state.committer)

    def _tree(self, proposal: Proposal) -> str:
        base = self._base()
        elements = [
            {"path": c.path, "mode": "100644", "type": "blob", "content": c.new_text}
            for c in proposal.changes
        ]
        data = {"tree": elements, "base_tree": base.tree}
        with self._api(f"commit to {proposal.branch}"):
            _, tree = self._repo.http.request("POST", f"{self._repo.url}/git/trees", body=data)
            return str(field(tree, "sha"))

    def _commit(self, proposal: Proposal, tree: str) -> tuple[Wrote, str | None]:
        """The commit, and its committer date (GitHub's clock)."""
        url = f"{self._repo.url}/git/commits"
        # No author/committer: GitHub then signs the commit when the token is an App's.
        data = {"message": proposal.commit_message, "tree": tree, "parents": [self._base().sha]}
        with self._api(f"commit to {proposal.branch}"):
            _, created = self._repo.http.request("POST", url, body=data)
            field(created, "sha")
        date = (created.get("committer") or {}).get("date")
        return wrote(created), str(date) if date else None

    def _state(self, branch: str) -> BranchState:
        base = self._base()
        return self._refs.state(branch, base.sha, base.branch)


def _gone(branch: str) -> RetryableError:
    return RetryableError(
        f"[commit to {branch}] the branch was deleted while the bot made it; try again"
    )
