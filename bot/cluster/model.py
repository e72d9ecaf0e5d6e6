"""What a deployment source saw in the cluster, and what the decision about it says.

Plain frozen data: sources build it from untrusted answers (Argo CD, commit statuses), and
``settle`` reads it without I/O. Text fields come from the cluster or from whoever posted a
status: they are for people to read, never for the bot to act on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class Outcome(str, enum.Enum):
    OK = "settled-ok"
    FAILED = "settled-failed"
    PENDING = "pending"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Watch:
    """One merged promotion to follow into one environment."""

    environment: str
    merge_sha: str
    repo_url: str  # the GitOps repository the promotion changed
    changed_paths: tuple[str, ...]  # files the promotion commit touched, repo-relative
    head_sha: str = ""  # tip of the base branch now; statuses may sit on it, not on the merge


@dataclass(frozen=True)
class AppStatus:
    """One Argo CD Application as ``GET /api/v1/applications/{name}`` reported it."""

    name: str
    sync_status: str  # Synced | OutOfSync | Unknown
    revision: str  # status.sync.revision (of the source in our repository, if several)
    health: str  # Healthy | Progressing | Degraded | Suspended | Missing | Unknown
    health_message: str = ""
    health_since: datetime | None = None  # status.health.lastTransitionTime
    operation_phase: str = ""  # Running | Succeeded | Failed | Error | Terminating
    operation_message: str = ""
    operation_revision: str = ""  # the revision the last sync operation was for
    images: tuple[str, ...] = ()  # status.summary.images
    url: str = ""  # the Application in the Argo CD UI


@dataclass(frozen=True)
class StatusReport:
    """The latest commit status (or deployment status) of one context, as the cluster posted it."""

    context: str  # commit status context, or the deployment's environment
    state: str  # success | failure | error | pending | in_progress | queued | inactive
    sha: str
    description: str = ""
    target_url: str = ""
    updated_at: datetime | None = None
    poster: str = ""  # "Argo CD Notifications", "Flux", or "" when the shape is not known


@dataclass(frozen=True)
class Observation:
    """Everything one check saw for one environment: Applications or statuses."""

    environment: str
    apps: tuple[AppStatus, ...] = ()
    statuses: tuple[StatusReport, ...] = ()
    requests: int = 0  # requests this check cost, for the budget in ``make bench``


@dataclass(frozen=True)
class Expectation:
    """What the promotion should look like once the cluster runs it."""

    merge_sha: str
    merged_at: datetime
    images: tuple[str, ...] = ()  # image references the promotion wrote; empty: not checked
    timeout: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class Verdict:
    """The decision for one Application or one status context."""

    name: str
    outcome: Outcome
    reason: str
    since: datetime | None = None  # settled OK: when it became healthy on the revision


@dataclass(frozen=True)
class Decision:
    """The decision for the environment, with one verdict per Application or context."""

    outcome: Outcome
    reason: str
    verdicts: tuple[Verdict, ...] = ()
    # Settled OK: when the environment became healthy on the promoted revision (the latest
    # of its Applications). Soak time and the ``from:`` path count from here, not the merge.
    healthy_since: datetime | None = None
