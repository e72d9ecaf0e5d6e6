"""The only module that wires the layers: registry -> policy -> plan -> platform.

``evaluate`` reads (registry, files, open PRs, history) and decides; ``apply`` writes.
``plan`` and ``run --dry-run`` stop after ``evaluate``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from bot import candidates, checks, gates, plan, policy, report, units
from bot.context import VERSION_PATTERN, Context, Result, Selection, query_of
from bot.errors import BotError, UserError
from bot.model import Deployed, FileChange, ModelVersion, OpenPromotion, PromotionId, Proposal
from bot.units import Unit

log = logging.getLogger(__name__)
WORKERS = 8  # registry reads in flight at once, beside the platform's one

__all__ = ["Context", "Result", "Selection", "apply", "evaluate", "query_of", "validate"]


def selected(ctx: Context, sel: Selection) -> list[Unit]:
    config = ctx.config
    if sel.model is not None and sel.model not in config.models:
        raise UserError(_unknown("model", sel.model, list(config.models)))
    pairs = [(m, e) for m, e in config.pairs() if sel.model in (None, m)]
    if sel.environment is not None and sel.environment not in {e for _, e in pairs}:
        raise UserError(_unknown("environment", sel.environment, sorted({e for _, e in pairs})))
    if sel.version is not None and not VERSION_PATTERN.match(sel.version):
        raise UserError(f"version must be a registry version number, got {sel.version[:40]!r}")
    if sel.version is not None and len({m for m, _ in pairs}) > 1:
        raise UserError(
            f"{_NEEDS_MODEL.get(sel.origin, _NEEDS_MODEL['cli'])}: the config has several models"
        )
    chosen = [(m, e) for m, e in pairs if sel.environment in (None, e)]
    return [unit for m, e in chosen for unit in units.units_of(config, m, e)]


_NEEDS_MODEL = {
    "cli": "--version needs --model",
    "input": "input version needs input model",
    "client_payload": "client_payload.version needs client_payload.model",
}


def _unknown(what: str, name: str, known: list[str]) -> str:
    return f"unknown {what} {name!r}: the config has {', '.join(known) or 'none'}"


def evaluate(ctx: Context, sel: Selection) -> list[Result]:
    todo = selected(ctx, sel)
    open_prs, found = _warm(ctx, todo, sel)
    log.info("%d unit(s) to evaluate, %d open promotion PR(s)", len(todo), len(open_prs))
    results = []
    for unit in todo:
        key = _candidate_key(ctx, unit, sel)
        if key not in found:
            found[key] = _candidate_or_error(ctx, unit, sel)
        open_pr = open_prs.get(units.branch(ctx.config, unit))
        try:
            cand = found[key]
            if isinstance(cand, BotError):
                raise cand
            results.append(_one(ctx, unit, cand, open_pr, sel))
            log.info("%s: %s: %s", unit.label, results[-1].status, results[-1].reason)
        except BotError as err:
            reason = str(err) if str(err).startswith("[") else f"[{unit.label}] {err}"
            results.append(_result(unit, "failed", reason, open_pr=open_pr))
    return results


Found = dict[tuple[str, str], ModelVersion | BotError | None]


def _warm(ctx: Context, todo: list[Unit], sel: Selection) -> tuple[dict[str, OpenPromotion], Found]:
    """Overlap the registry with the platform: each model's candidate is read concurrently
    with the others, in threads, while this thread makes the platform reads (base branch,
    open PRs, then every target file). Platform reads stay one after the other, as GitHub
    asks of API clients. The requests are the same as without overlap."""
    for model in dict.fromkeys(u.model for u in todo):
        ctx.registry(model)
    keys: dict[tuple[str, str], Unit] = {}
    for unit in todo:
        key = _candidate_key(ctx, unit, sel)
        if not key[1]:  # an upstream's candidate reads its files: left to the loop
            keys.setdefault(key, unit)
    # The searches touch only the registry, so they start before the base branch is read.
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        found = {k: pool.submit(_candidate_or_error, ctx, u, sel) for k, u in keys.items()}
        open_prs = _platform_reads(ctx, todo)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return open_prs, {key: future.result() for key, future in found.items()}


def _platform_reads(ctx: Context, todo: list[Unit]) -> dict[str, OpenPromotion]:
    open_prs = ctx.platform.open_promotions(ctx.config.git.branch_prefix)
    for path in dict.fromkeys(p for u in todo for p in plan.files_of(plan.slots(u.targets))):
        # A failed read is not cached: the unit that needs the file reads it again, and fails.
        with contextlib.suppress(BotError):
            ctx.files([path])
    return open_prs


def _candidate_key(ctx: Context, unit: Unit, sel: Selection) -> tuple[str, str]:
    # One registry query per model for environments without an upstream; per environment
    # when the candidate comes from the upstream's overlays.
    upstream = ctx.config.models[unit.model].environments[unit.environment].upstream
    return unit.model, (unit.environment if upstream and sel.version is None else "")


def _candidate_or_error(ctx: Context, unit: Unit, sel: Selection) -> ModelVersion | BotError | None:
    try:
        return candidates.candidate(ctx, unit.model, unit.environment, sel)
    except BotError as err:
        return err


def _result(unit: Unit, status: str, reason: str, **kw: object) -> Result:
    return Result(unit.model, unit.environment, status, reason, cluster=unit.cluster, **kw)  # type: ignore[arg-type]


def _one(
    ctx: Context,
    unit: Unit,
    cand: ModelVersion | None,
    open_pr: OpenPromotion | None,
    sel: Selection,
) -> Result:
    slots = plan.slots(unit.targets)
    files = ctx.files(plan.files_of(slots))
    deployed = plan.deployed(slots, files)
    changes = plan.changes(slots, files, cand.values()) if cand else []
    decision = policy.decide(cand, deployed, open_pr, bool(changes), sel.explicit)
    if cand is None or not decision.promote:
        return _result(
            unit, "unchanged", decision.reason, deployed=deployed, candidate=cand, open_pr=open_pr
        )
    details = _details(ctx, unit, cand, deployed)
    held = (
        None
        if sel.explicit
        else checks.held_version(ctx, unit.model, unit.environment, slots, cand)
    )
    current = None
    if _gated(ctx, unit):  # the decision reads the metrics: wait for them
        cand, current = details()
    decision, verdicts, draft = _checks(ctx, unit, cand, current, held, decision, sel)
    if not decision.promote:
        return _result(
            unit,
            "unchanged",
            decision.reason,
            deployed=deployed,
            candidate=cand,
            open_pr=open_pr,
            gates=tuple(verdicts),
        )
    proposal = _proposal(ctx, unit, cand, details, deployed, tuple(changes), verdicts, draft)
    return _result(
        unit,
        "planned",
        decision.reason,
        deployed=deployed,
        candidate=cand,
        proposal=proposal,
        open_pr=open_pr,
        gates=tuple(verdicts),
    )


Details = Callable[[], tuple[ModelVersion, ModelVersion | None]]


def _details(ctx: Context, unit: Unit, cand: ModelVersion, deployed: Deployed) -> Details:
    """Start the registry reads only a due promotion needs: the candidate's run, and the
    deployed version's entry and run. The call returned waits for them. Meanwhile the
    platform reads the rollback hold and, when no gate reads the metrics, writes the commit:
    only the PR body's metrics table needs them then."""
    registry, query = ctx.registry(unit.model), query_of(ctx.config, unit.model)
    pool = ThreadPoolExecutor(max_workers=2)
    completed = pool.submit(registry.complete, query, cand)
    current = pool.submit(_current_version, ctx, unit.model, deployed)
    pool.shutdown(wait=False)  # its threads end with these two reads
    return lambda: (completed.result(), current.result())


def _gated(ctx: Context, unit: Unit) -> bool:
    spec = ctx.config.models[unit.model]
    return bool(spec.gates or spec.environments[unit.environment].gates)


def _checks(
    ctx: Context,
    unit: Unit,
    cand: ModelVersion,
    current: ModelVersion | None,
    held: str | None,
    decision: policy.Decision,
    sel: Selection,
) -> tuple[policy.Decision, list[gates.Verdict], bool]:
    """Hold, soak and gates; a pinned version skips the first two and is never blocked by
    gates (their verdicts still show in the PR)."""
    env = ctx.config.models[unit.model].environments[unit.environment]
    verdicts = checks.verdicts(ctx, unit.model, unit.environment, cand, current)
    if sel.explicit:
        return decision, verdicts, False
    decision = policy.hold(decision, cand, held, unit.environment)
    if decision.promote and env.soak_hours:
        left = checks.soak_left(ctx, unit.model, unit.environment, cand.version)
        decision = policy.soak(decision, left, env.upstream)
    failed = [v.failure() for v in verdicts if not v.passed]
    decision, draft = policy.gated(decision, failed, env.on_gate_failure)
    return decision, verdicts, draft


def validate(ctx: Context) -> list[str]:
    """Every target that cannot be read on the base branch, not only the first."""
    problems: list[str] = []
    for model, env in ctx.config.pairs():
        slots = plan.slots(units.whole_environment(ctx.config, model, env).targets)
        files = ctx.files(plan.files_of(slots))
        for slot in slots:
            try:
                plan.read_slot(slot, files)
            except UserError as err:
                problem = f"models.{model}.environments.{env}: {err}"
                if problem not in problems:
                    problems.append(problem)
    return problems


def _proposal(
    ctx: Context,
    unit: Unit,
    cand: ModelVersion,
    details: Details,
    deployed: Deployed,
    changes: tuple[FileChange, ...],
    verdicts: list[gates.Verdict],
    draft: bool,
) -> Proposal:
    promo = PromotionId(unit.model, unit.environment, cand.version, cand.image_tag)
    pr = ctx.config.pull_request
    title = report.title(promo) + (f" [{unit.cluster}]" if unit.cluster else "")

    @functools.cache
    def text() -> str:
        completed, current = details()
        return report.body(promo, completed, current, deployed, changes, verdicts=verdicts)

    return Proposal(
        promotion=promo,
        branch=units.branch(ctx.config, unit),
        title=title,
        text=text,
        commit_message=report.commit_message(promo, deployed),
        changes=changes,
        labels=tuple(pr.labels),
        reviewers=tuple(pr.reviewers),
        team_reviewers=tuple(pr.team_reviewers),
        draft=pr.draft or draft,
    )


def _current_version(ctx: Context, model: str, deployed: Deployed) -> ModelVersion | None:
    """The deployed version's registry entry, for metrics and relative gates; best effort."""
    if deployed.version is None:
        return None
    try:
        return ctx.registry(model).get_version(query_of(ctx.config, model), deployed.version)
    except BotError:
        return None


def apply(ctx: Context, results: list[Result]) -> list[Result]:
    """Publish every planned proposal; one failure does not stop the others."""
    out = []
    for result in results:
        if result.proposal is None:
            out.append(result)
            continue
        try:
            log.info("publishing %s on %s", result.proposal.branch, ctx.platform.name)
            published = ctx.platform.publish(result.proposal, result.open_pr)
        except BotError as err:
            label = f"{result.model}/{result.environment}"
            out.append(replace(result, status="failed", reason=f"[{label}] {err}"))
            continue
        out.append(
            replace(
                result, status=published.action, pr_number=published.number, pr_url=published.url
            )
        )
    return out


def deployed_version(ctx: Context, model: str, env: str) -> str | None:
    return candidates.deployed_version(ctx, model, env)
