"""Pure decisions: promote this candidate to this environment, or say why not."""

from __future__ import annotations

from dataclasses import dataclass

from bot.model import Deployed, ModelVersion, OpenPromotion


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str


def decide(
    candidate: ModelVersion | None,
    deployed: Deployed,
    open_pr: OpenPromotion | None,
    has_changes: bool,
    explicit: bool,
) -> Decision:
    """``explicit`` is a version the user asked for; only then may a promotion go backwards."""
    if candidate is None:
        return Decision(False, "no validated version in the registry")
    if not has_changes:
        return Decision(False, f"up to date: v{candidate.version} ({candidate.image_tag})")
    if open_pr is not None and _same(open_pr, candidate):
        return Decision(False, f"{_pr_name(open_pr)} already proposes v{candidate.version}")
    if not explicit and _older(candidate.version, deployed.version):
        return Decision(
            False,
            f"deployed v{deployed.version} is newer than the newest validated "
            f"v{candidate.version}; pass --version to move back on purpose",
        )
    before = f"v{deployed.version} " if deployed.version else ""
    return Decision(True, f"{before}-> v{candidate.version}")


def _same(open_pr: OpenPromotion, candidate: ModelVersion) -> bool:
    promo = open_pr.promotion
    return (
        promo is not None
        and promo.version == candidate.version
        and promo.image_tag == candidate.image_tag
    )


def _older(candidate: str, deployed: str | None) -> bool:
    if deployed is None or not (candidate.isdigit() and deployed.isdigit()):
        return False
    return int(candidate) < int(deployed)


def _pr_name(open_pr: OpenPromotion) -> str:
    return f"PR #{open_pr.number}" if open_pr.number is not None else f"branch {open_pr.branch}"


def hold(decision: Decision, candidate: ModelVersion, held: str | None, env: str) -> Decision:
    """A merged rollback holds its rolled-back version (and older) until an explicit promote.

    Automation overwriting a deliberate rollback is why teams abandon promotion bots: only a
    version newer than the rolled-back one, or ``/promote <env> <version>``, moves on.
    """
    if not decision.promote or held is None or not held.isdigit():
        return decision
    if candidate.version.isdigit() and int(candidate.version) <= int(held):
        return Decision(
            False,
            f"held: v{held} was rolled back in {env}; a validated version above v{held} "
            f"promotes again, or `/promote {env} {candidate.version}` overrides",
        )
    return decision


def soak(decision: Decision, left: tuple[float, float] | None, upstream: str | None) -> Decision:
    if not decision.promote or left is None:
        return decision
    ran, need = left
    return Decision(False, f"soaking: {ran:.1f} h of {need:g} h in {upstream}")


def gated(decision: Decision, failed: list[str], on_failure: str) -> tuple[Decision, bool]:
    """(decision, draft): failing gates mean no PR, or a draft PR when configured."""
    if not decision.promote or not failed:
        return decision, False
    reason = "gates failed: " + "; ".join(failed)
    if on_failure == "draft":
        return Decision(True, reason + " (draft PR)"), True
    return Decision(False, reason), False
