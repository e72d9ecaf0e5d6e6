"""Deployment sources: what the cluster runs for an environment once a promotion is merged.

Each source is a plain module with a class satisfying ``ClusterSource``; the wiring picks one
by the name ``Follow.source`` gives (``argocd`` or ``github-status``) from ``SOURCES``.
Sources never import registries, platforms or editors: the GitHub calls the status source
needs come in through ``SourceContext.status_reader``.

    source = SOURCES[follow.source](follow, SourceContext(os.environ, reader))
    observation = source.observe(watch)
    decision = settle(observation, expectation, is_ancestor, now)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.cluster.model import (
    AppStatus,
    Decision,
    Expectation,
    Observation,
    Outcome,
    StatusReport,
    Verdict,
    Watch,
)
from bot.cluster.settle import IsAncestor, settle

if TYPE_CHECKING:
    from bot.cluster.config import Follow
    from bot.cluster.github_status import StatusReader

__all__ = [
    "SOURCES",
    "AppStatus",
    "ClusterSource",
    "Decision",
    "Expectation",
    "IsAncestor",
    "Observation",
    "Outcome",
    "SourceContext",
    "StatusReport",
    "Verdict",
    "Watch",
    "settle",
]


class ClusterSource(Protocol):
    def observe(self, watch: Watch) -> Observation:
        """One look at the environment: at most one request per Application (Argo CD) or two
        shas of statuses (GitHub). Raises ``UserError`` for what a person must fix."""
        ...


@dataclass(frozen=True)
class SourceContext:
    environ: Mapping[str, str]  # where tokens come from (never logged)
    status_reader: StatusReader | None = None  # GitHub calls, for github-status


def _argocd(follow: Follow, context: SourceContext) -> ClusterSource:
    from bot.cluster.argocd import ArgoCDSource

    if follow.argocd is None:
        raise ValueError("the argocd source needs follow.argocd")
    return ArgoCDSource(follow.argocd, context.environ)


def _github_status(follow: Follow, context: SourceContext) -> ClusterSource:
    from bot.cluster.github_status import GitHubStatusSource

    if follow.github_status is None or context.status_reader is None:
        raise ValueError("the github-status source needs follow.github-status and a reader")
    return GitHubStatusSource(follow.github_status, context.status_reader)


SOURCES: dict[str, Callable[[Follow, SourceContext], ClusterSource]] = {
    "argocd": _argocd,
    "github-status": _github_status,
}
