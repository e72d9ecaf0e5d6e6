"""One unit's overlays: what they declare now and the edits a candidate makes, and the drift
note a decision carries. Shared by single and grouped promotions, so both read a unit alike."""

from __future__ import annotations

from dataclasses import replace

from bot import plan
from bot.model import Deployed, FileChange, ModelVersion
from bot.pipeline.candidates import drift
from bot.pipeline.context import Context
from bot.pipeline.units import Unit
from bot.policy import Decision


def read_unit(
    ctx: Context, unit: Unit, cand: ModelVersion | None
) -> tuple[Deployed, list[FileChange]]:
    """The unit's declared values, and the edits that set ``cand`` (none without one)."""
    slots = plan.slots(unit.targets)
    files = ctx.files(plan.files_of(slots))
    deployed = plan.deployed(slots, files)
    return deployed, plan.changes(slots, files, cand.values()) if cand else []


def noting_drift(decision: Decision, deployed: Deployed, cand: ModelVersion | None) -> Decision:
    """The overlays run the candidate's version with another image: say so wherever the result
    is shown (the promotion, if any, sets the registry's image)."""
    if cand is None or cand.version != deployed.version:
        return decision
    note = drift(deployed, cand)
    return replace(decision, reason=f"{note}; {decision.reason}") if note else decision
