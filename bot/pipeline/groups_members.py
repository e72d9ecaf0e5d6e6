"""One group member in one environment: the ordinary facts and decision, as for a model that
promotes alone, without the member's own PR (the group has one); and the members' edits
composed into one set of file changes."""

from __future__ import annotations

from dataclasses import dataclass

from bot import plan
from bot.errors import BotError
from bot.model import FileChange, ModelVersion, PromotionId, Selection
from bot.pipeline.context import Context
from bot.pipeline.facts import Details, gather
from bot.pipeline.unit_files import noting_drift, read_unit
from bot.pipeline.units import Unit
from bot.policy import Decision, decide
from bot.results import Result, status_of
from bot.text import pull_request


@dataclass(frozen=True)
class Member:
    """A member's verdict; ``details`` load the registry data its PR section shows."""

    unit: Unit
    result: Result
    details: Details | None = None

    @property
    def due(self) -> bool:
        return self.result.decision is not None and self.result.decision.promote

    @property
    def stops(self) -> bool:
        """Blocked, refused (moving backwards) or failed: the group writes nothing."""
        return self.result.status in ("blocked", "failed")


def evaluate(
    ctx: Context, unit: Unit, group: str, cand: ModelVersion | BotError | None, sel: Selection
) -> Member:
    try:
        if isinstance(cand, BotError):
            raise cand
        return _decided(ctx, unit, group, cand, sel)
    except BotError as err:
        reason = str(err) if str(err).startswith("[") else f"[{unit.label}] {err}"
        failed = Result(unit.model, unit.environment, "failed", reason, group=group)
        return Member(unit, failed)


def _decided(
    ctx: Context, unit: Unit, group: str, cand: ModelVersion | None, sel: Selection
) -> Member:
    deployed, changes = read_unit(ctx, unit, cand)
    details = Details(ctx, unit.model, cand, deployed) if cand is not None else None
    # The group's PR is the open PR: a member has none of its own to compare with.
    facts = gather(ctx, unit, cand, deployed, bool(changes), None, details)
    decision: Decision = noting_drift(decide(cand, facts, sel), deployed, cand)
    result = Result(
        unit.model,
        unit.environment,
        status_of(decision),
        decision.reason,
        deployed=deployed,
        candidate=cand,
        gates=decision.verdicts,
        decision=decision,
        group=group,
    )
    return Member(unit, result, details if decision.promote else None)


def compose(ctx: Context, due: list[Member]) -> list[FileChange]:
    """Every due member's edits, one after the other on the same texts: two members that
    edit one file give one change with both members' edits."""
    texts: dict[str, str | None] = {}
    base: dict[str, str | None] = {}
    edits: dict[str, list[FileChange]] = {}
    for member in due:
        cand = member.result.candidate
        assert cand is not None
        slots = plan.slots(member.unit.targets)
        paths = plan.files_of(slots)
        for path, text in ctx.files(paths).items():
            base.setdefault(path, text)
            texts.setdefault(path, text)
        for change in plan.changes(slots, {p: texts[p] for p in paths}, cand.values()):
            texts[change.path] = change.new_text
            edits.setdefault(change.path, []).append(change)
    return [
        FileChange(
            path,
            base[path] or "",
            changes[-1].new_text,
            tuple(e for c in changes for e in c.edits),
        )
        for path, changes in edits.items()
        if changes[-1].new_text != base[path]
    ]


def kept(member: Member) -> str | None:
    """What the member runs once the group is merged: its candidate's version when due, else
    the version the overlays declare; the image tag for a member without a version target."""
    cand = member.result.candidate
    if member.due and cand is not None:
        return cand.version
    deployed = member.result.deployed
    return deployed.version or deployed.image_tag


def section(ctx: Context, member: Member) -> str:
    """The member's part of the group's PR body: versions, metrics, gates, its own edits and
    their diff (as it would promote alone), waiting for its registry details."""
    r, details = member.result, member.details
    assert r.candidate is not None and details is not None and r.decision is not None
    completed, current = details.get()
    slots = plan.slots(member.unit.targets)
    own = plan.changes(slots, ctx.files(plan.files_of(slots)), r.candidate.values())
    promo = PromotionId(r.model, r.environment, r.candidate.version, r.candidate.image_tag)
    return pull_request.section(
        promo,
        completed,
        current,
        r.deployed,
        own,
        verdicts=r.decision.verdicts,
        metrics=ctx.config.models[r.model].metric_rules(),
        deploy=ctx.config.deploy.tool,
        rollback=False,
    )
