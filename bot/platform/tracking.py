"""After the merge: the platform calls ``promote watch`` needs, and the values they pass.

``Tracking`` lists merged promotion PRs, reads and upserts the bot's watch comment, posts a
deployment with its status, answers ancestry, and reads the statuses a cluster posts (it is
the ``StatusReader`` of ``bot.cluster.github_status``). A platform without pull requests or
deployments has none: ``Platform.tracking()`` then raises a ``UserError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.model import PromotionId


@dataclass(frozen=True)
class MergedPromotion:
    """A merged promotion PR of this repository, with the promotion its marker names."""

    number: int
    url: str
    merge_sha: str
    merged_at: datetime
    promotion: PromotionId
    repo_url: str  # the repository's web URL, as Argo CD's repoURL may spell it
    author: str = ""  # who opened it: the bot, whose comments alone carry the watch state


@dataclass(frozen=True)
class Note:
    """A comment the bot left on a PR, as listed for the repository."""

    number: int  # the PR (issue) it is on
    comment_id: int
    body: str
    author: str = ""


@dataclass(frozen=True)
class DeploymentRecord:
    """A deployment the bot posted, with the payload it wrote (untrusted when read back)."""

    id: int
    sha: str
    environment: str
    payload: Mapping[str, Any] = field(default_factory=dict)


class Tracking(Protocol):
    def merged_promotions(self, prefix: str) -> list[MergedPromotion]:
        """Merged promotion PRs under ``prefix/`` among the recently closed ones, newest
        merge first: one read."""
        ...

    def notes(self, since: datetime, needle: str) -> list[Note]:
        """The repository's PR comments updated since ``since`` that contain ``needle``."""
        ...

    def upsert_note(self, number: int, body: str, comment_id: int | None) -> str:
        """Create the comment, or replace the text of ``comment_id``; returns its URL."""
        ...

    def deploy(
        self,
        sha: str,
        environment: str,
        payload: Mapping[str, Any],
        state: str,
        url: str,
        description: str,
    ) -> None:
        """A deployment of ``sha`` to ``environment`` and its final status: two writes."""
        ...

    def deployed(self, environment: str, task: str) -> list[DeploymentRecord]:
        """The bot's recent deployments to ``environment`` for ``task``, newest first."""
        ...

    def is_ancestor(self, ancestor: str, descendant: str) -> bool: ...

    # -- bot.cluster.github_status.StatusReader ---------------------------------------------

    def commit_statuses(self, sha: str) -> Sequence[Mapping[str, Any]]: ...

    def deployments(self, sha: str) -> Sequence[Mapping[str, Any]]: ...

    def deployment_statuses(self, deployment_id: int) -> Sequence[Mapping[str, Any]]: ...
