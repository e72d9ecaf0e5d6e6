"""Evaluate and apply: the flow registry -> facts -> decision -> plan -> platform.

``evaluate`` reads (registry, files, open PRs, history) and decides; ``apply`` writes.
``plan`` and ``run --dry-run`` stop after ``evaluate``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from bot import markers, plan
from bot.config.groups import grouped
from bot.errors import BotError, Superseded
from bot.lazy import Lazy
from bot.model import (
    Deployed,
    FileChange,
    ModelVersion,
    OpenPromotion,
    PromotionId,
    Proposal,
    Selection,
)
from bot.pipeline import groups, units
from bot.pipeline.context import Context, hold_change
from bot.pipeline.facts import Details, gather
from bot.pipeline.reads import candidate_key, candidate_or_error, selected, warm
from bot.pipeline.unit_files import noting_drift, read_unit
from bot.pipeline.units import Unit
from bot.policy import Decision, decide
from bot.results import Result, Status, status_of
from bot.text import pull_request

log = logging.getLogger("bot.pipeline")


def evaluate(ctx: Context, sel: Selection) -> list[Result]:
    sel = groups.redirect(ctx, sel)
    todo = groups.selected(ctx, sel) if sel.group is not None else selected(ctx, sel)
    open_prs, found = warm(ctx, todo, sel)
    log.info("%d unit(s) to evaluate, %d open promotion PR(s)", len(todo), len(open_prs))
    results = []
    for unit in todo:
        if grouped(ctx.config, unit.model, unit.environment):
            continue  # promoted with its group, below
        key = candidate_key(ctx, unit, sel)
        if key not in found:
            found[key] = candidate_or_error(ctx, unit, sel)
        open_pr = open_prs.get(unit.branch(ctx.config))
        try:
            cand = found[key]
            if isinstance(cand, BotError):
                raise cand
            results.append(_one(ctx, unit, cand, open_pr, sel))
            log.info("%s: %s: %s", unit.label, results[-1].status, results[-1].reason)
        except BotError as err:
            reason = str(err) if str(err).startswith("[") else f"[{unit.label}] {err}"
            own = [p for p in _own_problems(ctx, unit) if p not in reason]
            reason = "; ".join([reason, *own])
            results.append(_result(unit, "failed", reason, open_pr=open_pr))
    return [*results, *groups.evaluate(ctx, todo, open_prs, found, sel)]


def _own_problems(ctx: Context, unit: Unit) -> list[str]:
    """The unit's own target errors, listed even when its candidate (e.g. the upstream
    environment's) failed first."""
    try:
        slots = plan.slots(unit.targets)
        return plan.problems(slots, ctx.files(plan.files_of(slots)))
    except BotError:
        return []


def _result(unit: Unit, status: Status, reason: str, **kw: Any) -> Result:
    return Result(unit.model, unit.environment, status, reason, cluster=unit.cluster, **kw)


def _one(
    ctx: Context,
    unit: Unit,
    cand: ModelVersion | None,
    open_pr: OpenPromotion | None,
    sel: Selection,
) -> Result:
    deployed, changes = read_unit(ctx, unit, cand)
    details = Details(ctx, unit.model, cand, deployed) if cand is not None else None
    rebuild = _conflicting(open_pr, cand)
    if rebuild and open_pr is not None and open_pr.pinned:
        sel = replace(sel, version=cand.version if cand else None, pinned=True)
    # A PR in conflict with the base is decided as if it were not there, then rebuilt on it.
    pr_fact = None if rebuild else open_pr
    facts = gather(ctx, unit, cand, deployed, bool(changes), pr_fact, details)
    decision = decide(cand, facts, sel)
    if rebuild and open_pr is not None and decision.promote:
        why = f"PR #{open_pr.number} conflicts with the base: rebuilt on it"
        decision = replace(decision, reason=f"{why}; {decision.reason}")
    decision = noting_drift(decision, deployed, cand)
    seen = {"deployed": deployed, "candidate": cand, "open_pr": open_pr, "decision": decision}
    if cand is None or details is None or not decision.promote:
        return _result(unit, status_of(decision), decision.reason, gates=decision.verdicts, **seen)
    notes = []
    if sel.explicit and (held := facts.hold.get()) is not None:
        # A version chosen on purpose lifts the hold, in the same reviewed commit.
        changes.extend(hold_change(ctx, unit.model, unit.environment, None))
        notes.append(pull_request.lift_note(unit.environment, held))
    proposal = _proposal(ctx, unit, cand, deployed, tuple(changes), decision, sel.explicit)

    def body() -> str:
        completed, current = details.get()
        return pull_request.body(
            proposal.promotion,
            completed,
            current,
            deployed,
            proposal.changes,
            verdicts=decision.verdicts,
            notes=notes,
            pinned=sel.explicit,
            metrics=ctx.config.models[unit.model].metric_rules(),
            deploy=ctx.config.deploy.tool,
            draft=proposal.draft,
            recent=details.recent(),
        )

    return _result(
        unit,
        "planned",
        decision.reason,
        proposal=proposal,
        pending_body=Lazy(body),
        gates=decision.verdicts,
        **seen,
    )


def _conflicting(open_pr: OpenPromotion | None, cand: ModelVersion | None) -> bool:
    """An open PR proposing ``cand`` that GitHub reports as conflicting with the base."""
    shown = open_pr.promotion if open_pr is not None else None
    return (
        open_pr is not None
        and open_pr.conflicting
        and cand is not None
        and shown is not None
        and (shown.version, shown.image_tag) == (cand.version, cand.image_tag)
    )


def _proposal(
    ctx: Context,
    unit: Unit,
    cand: ModelVersion,
    deployed: Deployed,
    changes: tuple[FileChange, ...],
    decision: Decision,
    pinned: bool,
) -> Proposal:
    promo = PromotionId(unit.model, unit.environment, cand.version, cand.image_tag)
    pr = ctx.config.pull_request
    title = pull_request.title(promo) + (f" [{unit.cluster}]" if unit.cluster else "")
    return Proposal(
        promotion=promo,
        branch=unit.branch(ctx.config),
        title=title,
        commit_message=pull_request.commit_message(promo, deployed),
        changes=changes,
        labels=tuple(pr.labels),
        reviewers=tuple(pr.reviewers),
        team_reviewers=tuple(pr.team_reviewers),
        draft=pr.draft or decision.draft,
        pinned=pinned,
    )


def apply(ctx: Context, results: list[Result]) -> list[Result]:
    """Publish every planned proposal; one failure does not stop the others. The commit is
    pushed first, then the PR body is rendered (its registry details may still have been
    arriving) and the PR opened or updated with it."""
    out = []
    for result in results:
        if result.decision is not None and result.decision.announce:
            out.append(_announce(ctx, result))
            continue
        if result.decision is not None and result.decision.rejected_by is not None:
            out.append(_tell_rejected(ctx, result, result.decision.rejected_by))
            continue
        if result.proposal is None:
            out.append(result)
            continue
        try:
            log.info("publishing %s on %s", result.proposal.branch, ctx.platform.name)
            pushed = ctx.platform.push(result.proposal, result.open_pr)
            proposal = replace(result.proposal, body=result.body())
            published = ctx.platform.propose(proposal, pushed, result.open_pr)
        except Superseded as err:  # another run moved the branch first
            label = f"{result.model}/{result.environment}"
            lost = result.proposal.pinned and err.version != result.proposal.promotion.version
            out.append(replace(result, status="superseded", reason=f"[{label}] {err}", lost=lost))
            continue
        except BotError as err:
            label = f"{result.model}/{result.environment}"
            out.append(replace(result, status="failed", reason=f"[{label}] {err}"))
            continue
        out.append(
            replace(
                result,
                status=published.action,
                proposal=proposal,
                pr_number=published.number,
                pr_url=published.url,
                head_sha=published.commit_sha,
            )
        )
    return groups.settle(out)


def _announce(ctx: Context, result: Result) -> Result:
    """A reviewed PR hears of the newer version; its commit stays what was reviewed."""
    assert result.open_pr is not None and result.open_pr.number is not None
    assert result.candidate is not None
    cand = result.candidate
    promo = PromotionId(result.model, result.environment, cand.version, cand.image_tag)
    try:
        ctx.platform.announce(
            result.open_pr.number,
            pull_request.announcement(promo),
            markers.announced(promo),
        )
    except BotError as err:
        return replace(
            result, status="failed", reason=f"[{result.model}/{result.environment}] {err}"
        )
    return result


def _tell_rejected(ctx: Context, result: Result, number: int) -> Result:
    """The closed PR hears, once, that its version is skipped and what undoes that. The
    closed PRs were read for the decision: finding this one costs nothing."""
    closed = next((c for c in ctx.closed() if c.number == number), None)
    if closed is None or closed.told:
        return result
    try:
        # A comment, so the platform's comment side says it (no platform without PRs gets here).
        ctx.platform.chat().tell_closed(closed, pull_request.rejection(closed.promotion))
    except BotError as err:
        return replace(
            result, status="failed", reason=f"[{result.model}/{result.environment}] {err}"
        )
    return result


def validate(ctx: Context) -> list[str]:
    """Every target that cannot be read on the base branch, not only the first."""
    problems: list[str] = []
    for model, env in ctx.config.pairs():
        slots = plan.slots(units.whole_environment(ctx.config, model, env).targets)
        files = ctx.files(plan.files_of(slots))
        problems += [p for p in plan.problems(slots, files) if p not in problems]
    return problems
