"""Platforms: where the GitOps repository lives and where promotion PRs are opened.

Each platform is a module or package with a class satisfying ``Platform``, listed once in
``PLATFORMS``; it hands out its own ``Chat`` for ChatOps, so nothing outside its package names
it. ``local`` works on a Git repository on disk (the embedded default, no network); ``github``
talks to the GitHub REST API. Only ``bot.pipeline`` builds platforms, from this table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.model import CommitInfo, OpenPromotion, Proposal, Published, Pushed


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
    """Comment-side calls for ChatOps: reactions, replies, and who may do what."""

    def react(self, issue_number: int, comment_id: int, content: str) -> None: ...

    def reply(self, issue_number: int, body: str) -> str:
        """Post ``body`` on the issue or PR; returns the comment's URL."""
        ...

    def permission(self, login: str) -> str:
        """admin | maintain | write | triage | read | none."""
        ...

    def in_team(self, org: str, team: str, login: str) -> bool: ...


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


@dataclass(frozen=True)
class PlatformKind:
    build: Callable[[Connection], Platform]
    # ``--platform auto`` takes the first kind, in table order, whose ``detect`` says yes.
    detect: Callable[[Connection], bool]
    # Whether it can serve the config without a checkout (``Platform.read_default_branch``).
    remote: bool = False


def _github(conn: Connection) -> Platform:
    from bot.platform.github import GitHubPlatform, settings_from

    return GitHubPlatform(settings_from(conn))


def _github_detected(conn: Connection) -> bool:
    return bool(conn.env.get("GITHUB_TOKEN")) and bool(conn.repository)


def _local(conn: Connection) -> Platform:
    from bot.platform.local import LocalPlatform

    return LocalPlatform(conn.repo_dir, conn.base_branch)


# name (as in --platform) -> kind; platforms are imported on first use: the CLI starts fast.
PLATFORMS: dict[str, PlatformKind] = {
    "github": PlatformKind(_github, _github_detected, remote=True),
    "local": PlatformKind(_local, lambda conn: True),
}
