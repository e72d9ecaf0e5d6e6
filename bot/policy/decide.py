"""The one pure decision: promote this candidate to this environment, or say why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.model import ModelVersion, OpenPromotion, Selection
from bot.policy.facts import Facts
from bot.policy.gates import Verdict

Kind = Literal["promote", "up-to-date", "blocked", "held", "waiting", "rejected", "refused"]


@dataclass(frozen=True)
class Decision:
    kind: Kind
    reason: str
    draft: bool = False  # promote as a draft PR (a gate failed and the config asks for drafts)
    verdicts: tuple[Verdict, ...] = ()
    held: str | None = None  # the version a rollback holds back
    hours_left: float | None = None  # soak time still to run
    rejected_by: int | None = None  # the closed PR that rejected the candidate
    announce: bool = False  # tell the open PR about the candidate instead of replacing it

    @property
    def promote(self) -> bool:
        return self.kind == "promote"

    @property
    def failed_gates(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if not v.passed)


def decide(candidate: ModelVersion | None, facts: Facts, selection: Selection) -> Decision:
    """In order: nothing to do, moving backwards, then (unless a person chose the version)
    the rollback hold, soak time and gates. A version chosen on purpose may go backwards and
    skips hold and soak; its gate verdicts show in the PR but do not block it."""
    if candidate is None:
        return Decision("up-to-date", "no validated version in the registry")
    if not facts.has_changes:
        return Decision("up-to-date", f"up to date: v{candidate.version} ({candidate.image_tag})")
    if facts.open_pr is not None and _same(facts.open_pr, candidate):
        return Decision(
            "up-to-date", f"{_pr_name(facts.open_pr)} already proposes v{candidate.version}"
        )
    if facts.open_pr is not None and not selection.explicit:
        under = _under_review(facts, facts.open_pr, candidate)
        if under is not None:
            return under
    deployed = facts.deployed.version
    if not selection.explicit and deployed and _older(facts, candidate.version, deployed):
        return Decision(
            "refused",
            f"deployed v{deployed} is newer than the newest validated v{candidate.version}; "
            "pass --version to move back on purpose",
        )
    before = f"v{deployed} " if deployed else ""
    promote = Decision("promote", f"{before}-> v{candidate.version}")
    if selection.explicit:
        return _with(promote, facts.verdicts.get())
    return _checked(promote, candidate, facts)


def _checked(promote: Decision, candidate: ModelVersion, facts: Facts) -> Decision:
    closed = facts.rejected.get()
    if closed is not None:
        env = facts.environment
        return Decision(
            "rejected",
            f"PR #{closed.number} proposing v{candidate.version} was closed without merging; "
            f"a newer version, or `/promote {env} {candidate.version}`, proposes it again",
            rejected_by=closed.number,
        )
    held = facts.hold.get()
    if held is not None and not _older(facts, held, candidate.version):
        env = facts.environment
        return Decision(
            "held",
            f"held: v{held} was rolled back in {env}; a validated version above v{held} "
            f"promotes again, or `/promote {env} {candidate.version}` overrides",
            held=held,
        )
    soak = facts.soak.get()
    if soak is not None and not soak.over:
        return Decision(
            "waiting",
            f"soaking: {soak.ran_hours:.1f} h of {soak.need_hours:g} h in {soak.upstream}",
            hours_left=soak.need_hours - soak.ran_hours,
        )
    verdicts = facts.verdicts.get()
    failed = [v.failure() for v in verdicts if not v.passed]
    if not failed:
        return _with(promote, verdicts)
    reason = "gates failed: " + "; ".join(failed)
    if facts.on_gate_failure == "draft":
        return Decision("promote", reason + " (draft PR)", draft=True, verdicts=verdicts)
    return Decision("blocked", reason, verdicts=verdicts)


def _with(decision: Decision, verdicts: tuple[Verdict, ...]) -> Decision:
    return Decision(decision.kind, decision.reason, verdicts=verdicts)


def _under_review(facts: Facts, open_pr: OpenPromotion, candidate: ModelVersion) -> Decision | None:
    """Nothing moves under review: a version a person chose stays until its PR is merged or
    closed, and once a PR has a review a newer version is only announced, so an approval
    given for one version never stands for another."""
    shown = open_pr.promotion
    proposed = f"v{shown.version}" if shown is not None else "another version"
    take = f"`/promote {facts.environment} {candidate.version}` takes v{candidate.version}"
    if open_pr.pinned:
        return Decision(
            "up-to-date",
            f"{_pr_name(open_pr)} proposes {proposed}, chosen by a person: not replaced until "
            f"it is merged or closed; {take}",
        )
    if facts.reviewed.get():
        return Decision(
            "up-to-date",
            f"{_pr_name(open_pr)} proposes {proposed} and has a review: v{candidate.version} "
            f"is announced there, not pushed; {take}",
            announce=True,
        )
    return None


def _same(open_pr: OpenPromotion, candidate: ModelVersion) -> bool:
    promo = open_pr.promotion
    return (
        promo is not None
        and promo.version == candidate.version
        and promo.image_tag == candidate.image_tag
    )


def _older(facts: Facts, version: str, than: str) -> bool:
    """Whether ``version`` comes before ``than`` in the registry's order. A merged rollback
    holds its version and older ones, and nothing moves backwards by itself: automation
    overwriting a deliberate rollback is why teams abandon promotion bots."""
    return bool(facts.sort_key(version) < facts.sort_key(than))


def _pr_name(open_pr: OpenPromotion) -> str:
    return f"PR #{open_pr.number}" if open_pr.number is not None else f"branch {open_pr.branch}"
