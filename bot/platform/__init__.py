"""Platforms: where the GitOps repository lives and where promotion PRs are opened.

``local`` works on a Git repository on disk (the embedded default, no network);
``github`` talks to the GitHub REST API through PyGithub. Both satisfy ``Platform``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.model import CommitInfo, OpenPromotion, Proposal, Published


@dataclass(frozen=True)
class Base:
    """The commit promotions are made on top of."""

    branch: str
    sha: str
    tree: str | None = None


class Platform(Protocol):
    name: str

    def base(self) -> Base:
        """The base branch and its head commit, resolved once per run."""
        ...

    def read_file(self, path: str, ref: str | None = None) -> str | None:
        """A file's text at ``ref`` (default: the base commit), or None when it does not exist."""
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

    def publish(self, proposal: Proposal, existing: OpenPromotion | None) -> Published:
        """Make the single commit on the proposal's branch and open or update its PR."""
        ...
