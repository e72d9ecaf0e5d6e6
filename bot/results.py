"""What flows out of the pipeline: a ``Result`` per promotion unit, an ``Outcome`` per command."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from bot.lazy import Lazy
from bot.model import Deployed, ModelVersion, OpenPromotion, Proposal, Selection

__all__ = ["STATUSES", "Outcome", "Result", "Selection", "Status", "exit_code"]

if TYPE_CHECKING:
    from bot.policy import Decision
    from bot.policy.gates import Verdict

# planned: decided, not written yet (plan, --dry-run); opened/updated: the PR is there;
# unchanged: nothing to do, the reason says why; recorded: write-back changed the registry.
Status = Literal["planned", "opened", "updated", "unchanged", "recorded", "failed"]
STATUSES: tuple[Status, ...] = ("planned", "opened", "updated", "unchanged", "recorded", "failed")


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
    # The PR body while the registry details it shows are still arriving: the pipeline
    # commits meanwhile and renders the body before the PR step (see ``pipeline.apply``).
    pending_body: Lazy[str] | None = field(default=None, compare=False, repr=False)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def body(self) -> str:
        """The PR body, waiting for the registry details when they are still arriving."""
        if self.proposal is None:
            return ""
        if self.proposal.body or self.pending_body is None:
            return self.proposal.body
        return self.pending_body.get()


@dataclass(frozen=True)
class Outcome:
    """What one command did: its results, a note for people, and the exit code."""

    title: str
    results: list[Result] = field(default_factory=list)
    note: str = ""
    exit_code: int = 0


def exit_code(results: list[Result]) -> int:
    return 1 if any(r.failed for r in results) else 0
