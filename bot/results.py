"""What flows out of the pipeline: a ``Result`` per promotion unit, an ``Outcome`` per command.

The statuses are the one vocabulary every surface uses (CLI table, ``status``, ``--json``,
the step summary, the action's outputs); ``why`` gives the reason as data next to the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.lazy import Lazy
from bot.model import Deployed, ModelVersion, OpenPromotion, Proposal, Selection

__all__ = [
    "HEALTHY",
    "STATUSES",
    "Outcome",
    "Result",
    "Selection",
    "Status",
    "exit_code",
    "status_of",
    "why",
]

if TYPE_CHECKING:
    from bot.policy import Decision
    from bot.policy.gates import Verdict

Status = Literal[
    "planned",  # decided, not written yet (plan, --dry-run)
    "opened",  # a new PR
    "branch-created",  # a new promotion branch where the platform has no PRs (local)
    "updated",  # an existing PR (or branch) moved to the new promotion
    "up-to-date",  # nothing new to propose
    "blocked",  # a gate failed, or the candidate is older than what runs
    "held",  # a rollback holds this version back
    "waiting",  # the upstream environment has not soaked long enough
    "rejected",  # a person closed the PR for this version
    "superseded",  # another run published first
    "recorded",  # write-back changed the registry
    "failed",  # an error; the reason says which and what to do
]
STATUSES: tuple[Status, ...] = (
    "planned",
    "opened",
    "branch-created",
    "updated",
    "up-to-date",
    "blocked",
    "held",
    "waiting",
    "rejected",
    "superseded",
    "recorded",
    "failed",
)
# The only statuses that may look healthy (a ✔, a green word): everything else needs a look.
HEALTHY: frozenset[Status] = frozenset({"opened", "updated", "up-to-date"})

# Decision kinds (``bot.policy.Kind``) that stop a promotion, and what they read as.
_STOPPED: dict[str, Status] = {
    "up-to-date": "up-to-date",
    "blocked": "blocked",
    # Deployed is newer than the newest validated version: nothing is promoted, and it is
    # not healthy either (a version lost its validation tag?), so it reads as blocked.
    "refused": "blocked",
    "held": "held",
    "waiting": "waiting",
    "rejected": "rejected",
    "superseded": "superseded",
}


def status_of(decision: Decision) -> Status:
    """The status a decision gives before anything is written: ``planned`` to promote."""
    if decision.promote:
        return "planned"
    try:
        return _STOPPED[decision.kind]
    except KeyError:
        raise ValueError(f"no status for decision kind {decision.kind!r}") from None


@dataclass(frozen=True)
class Result:
    """The outcome for one promotion unit (model, environment and, when split, cluster)."""

    model: str
    environment: str
    status: Status
    reason: str
    deployed: Deployed = field(default_factory=lambda: Deployed(None, None))
    candidate: ModelVersion | None = None
    proposal: Proposal | None = None
    pr_number: int | None = None
    pr_url: str | None = None
    open_pr: OpenPromotion | None = None
    cluster: str | None = None
    gates: tuple[Verdict, ...] = ()
    decision: Decision | None = None
    # The promotion commit on the PR branch, once pushed.
    head_sha: str | None = None
    # Superseded, and the caller asked for exactly the version that lost: exits non-zero.
    lost: bool = False
    # The PR body while the registry details it shows are still arriving: the pipeline
    # commits meanwhile and renders the body before the PR step (see ``pipeline.apply``).
    pending_body: Lazy[str] | None = field(default=None, compare=False, repr=False)
    # The group this result belongs to: a member's, or the group's own (``model`` is then
    # the group's name).
    group: str | None = None

    def __post_init__(self) -> None:
        status = self.status
        if status == "opened" and self.pr_number is None and self.pr_url is None:
            # "Opened" promises a PR someone can review; a platform without PRs made a branch.
            status = "branch-created"
        if status != self.status:
            object.__setattr__(self, "status", status)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def healthy(self) -> bool:
        return self.status in HEALTHY

    def body(self) -> str:
        """The PR body, waiting for the registry details when they are still arriving."""
        if self.proposal is None:
            return ""
        if self.proposal.body or self.pending_body is None:
            return self.proposal.body
        return self.pending_body.get()


def why(r: Result) -> dict[str, Any]:
    """The reason as data: failed gates, soak time left, the held version (only those set)."""
    out: dict[str, Any] = {}
    failed = [v for v in r.gates if not v.passed]
    if failed:
        out["failed_gates"] = [
            {"gate": v.gate.text, "value": v.value, "threshold": v.threshold, "note": v.note}
            for v in failed
        ]
    decision = r.decision
    if decision is not None and decision.hours_left is not None:
        out["hours_left"] = round(max(decision.hours_left, 0.0), 2)
    if decision is not None and decision.held is not None:
        out["held_version"] = decision.held
    return out


@dataclass(frozen=True)
class Outcome:
    """What one command did: its results, a note for people, and the exit code."""

    title: str
    results: list[Result] = field(default_factory=list)
    note: str = ""
    exit_code: int = 0


def exit_code(results: list[Result]) -> int:
    return 1 if any(r.failed or r.lost for r in results) else 0
