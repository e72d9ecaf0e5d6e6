"""What every platform is: the ``Platform`` and ``Chat`` protocols and the values they pass.

Kept apart from the table in ``__init__`` so platforms can import these without a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.model import ClosedPromotion, CommitInfo, OpenPromotion, Proposal, Published, Pushed

if TYPE_CHECKING:
    from bot.platform.tracking import Tracking


@dataclass(frozen=True)
class Base:
    """The commit promotions are made on top of."""

    branch: str
    sha: str
    tree: str | None = None


@dataclass(frozen=True)
class Connection:
    """What a platform is built from: the command line's choices and the environment."""

    repo_dir: Path
    repository: str | None  # owner/name on a hosted platform
    env: Mapping[str, str]
    base_branch: str | None = None


class Chat(Protocol):
    """Comment-side calls: ChatOps reactions, replies and who may do what, and the one note on
    a promotion PR closed without merging."""

    def react(self, issue_number: int, comment_id: int, content: str) -> None: ...

    def reply(self, issue_number: int, body: str) -> str:
        """Post ``body`` on the issue or PR; returns the comment's URL."""
        ...

    def permission(self, login: str) -> str:
        """admin | maintain | write | triage | read | none."""
        ...

    def in_team(self, org: str, team: str, login: str) -> bool: ...

    def tell_closed(self, closed: ClosedPromotion, text: str) -> None:
        """Comment ``text`` on a promotion PR closed without merging, once (unless an earlier
        run's comment is there), then record in its body that it was told (``closed.told``)."""
        ...


class Platform(Protocol):
    name: str

    def base(self) -> Base:
        """The base branch and its head commit, resolved once per run."""
        ...

    def read_file(self, path: str, ref: str | None = None) -> str | None:
        """A file's text at ``ref`` (default: the base commit), or None when it does not exist."""
        ...

    def read_default_branch(self, path: str) -> str | None:
        """``path`` on the default branch, with no base lookup first (the config)."""
        ...

    def file_history(
        self, path: str | None, limit: int, since: int | None = None
    ) -> list[CommitInfo]:
        """The newest ``limit`` commits of the base branch (that changed ``path``), newest
        first; with ``since`` (Unix seconds) only those committed from then on."""
        ...

    def open_promotions(self, prefix: str) -> dict[str, OpenPromotion]:
        """Open promotion PRs (locally: branches) under ``prefix/``, keyed by branch name."""
        ...

    def closed_promotions(self, prefix: str) -> list[ClosedPromotion]:
        """Promotion PRs under ``prefix/`` closed without merging, newest first (those the
        platform lists in one read); none where there are no pull requests."""
        ...

    def reviewed(self, number: int) -> bool:
        """Whether the pull request has a submitted review (approval, changes requested or
        comments); asked only before a newer version would replace what it proposes."""
        ...

    def announce(self, number: int, text: str, key: str) -> None:
        """Comment ``text`` on the pull request unless a comment carrying ``key`` (a hidden
        marker) is there already."""
        ...

    def push(self, proposal: Proposal, existing: OpenPromotion | None) -> Pushed:
        """Make the single promotion commit on the proposal's branch (body not needed)."""
        ...

    def propose(
        self, proposal: Proposal, pushed: Pushed, existing: OpenPromotion | None
    ) -> Published:
        """Open or update the PR for a pushed commit, with ``proposal.body`` as its text."""
        ...

    def chat(self) -> Chat:
        """ChatOps calls on this platform; a UserError where it has no comments."""
        ...

    def tracking(self) -> Tracking:
        """``promote watch``'s calls (merged PRs, deployments, statuses); a UserError where
        the platform has no pull requests."""
        ...


@runtime_checkable
class BatchReads(Protocol):
    """A platform that can read many files in fewer requests than one each (GitHub: one GraphQL
    query per 250 files, with the base commit and the open PRs in the first)."""

    def read_files(self, paths: list[str], spare: Sequence[str] = ()) -> None:
        """Read ``paths`` at the base commit ahead of ``read_file``, which then answers from
        what was read; a path it could not settle is left to ``read_file``. ``spare`` paths
        are read too where that costs no request of their own."""
        ...


def prefetch(platform: Platform, paths: list[str], spare: Sequence[str] = ()) -> None:
    """Warm ``platform``'s reads of ``paths`` where it reads in batches; elsewhere nothing."""
    if isinstance(platform, BatchReads):
        platform.read_files(paths, spare)
