"""``/rollback <env>``: restore the previous version and image tag, as a reviewed PR.

The previous state is found in the Git history of the environment's version file: the
newest commit whose overlays declare a version *older* than today's, in the registry's order,
so a second rollback goes further back, never forward to the version rolled back from. Only
the target scalars are set back (not a revert of whole files), so unrelated changes made since
survive. The same commit adds a hold for the rolled-back version to the state file (see
``bot.state``); the ``Rollback-Of`` trailer is kept for people, and never read.
"""

from __future__ import annotations

from bot import branches, plan
from bot.errors import UserError
from bot.model import Deployed, FileChange, ModelVersion, PromotionId, Proposal
from bot.pipeline import units
from bot.pipeline.context import Context, hold_change, query_of
from bot.results import Result
from bot.text import pull_request

HISTORY_DEPTH = 30


def rollback(ctx: Context, model: str, env: str) -> Result:
    slots = plan.slots(units.whole_environment(ctx.config, model, env).targets)
    current_files = ctx.files(plan.files_of(slots))
    now = plan.deployed(slots, current_files)
    previous = _previous_values(ctx, model, slots, now)
    if previous is None:
        raise UserError(
            f"[{model}/{env}] no version older than v{now.version} in the last {HISTORY_DEPTH} "
            "commits of the overlays"
        )
    target = _version(ctx, model, previous)
    changes = plan.changes(slots, current_files, previous)
    if not changes:
        raise UserError(f"[{model}/{env}] already at v{previous['version']}; nothing to roll back")
    assert now.version is not None  # an older version was found, so one is declared now
    changes.extend(hold_change(ctx, model, env, now.version))
    promo = PromotionId(model, env, previous["version"], previous.get("image_tag"))
    proposal = _proposal(ctx, promo, target, now, tuple(changes))
    return Result(
        model,
        env,
        "planned",
        f"v{now.version} -> v{promo.version} (rollback)",
        now,
        target,
        proposal,
    )


def _previous_values(
    ctx: Context, model: str, slots: list[plan.Slot], now: Deployed
) -> dict[str, str] | None:
    version_file = plan.version_file(slots)
    if version_file is None or now.version is None:
        return None
    registered = query_of(ctx.config, model).registered_name
    key = ctx.registry(model).sort_key
    paths = plan.files_of(slots)
    for commit in ctx.platform.file_history(version_file, HISTORY_DEPTH):
        files = {path: ctx.platform.read_file(path, commit.sha) for path in paths}
        try:
            values = plan.values_at(slots, files)
        except UserError:
            continue  # the overlays had another shape back then; look further back
        version = values.get("version")
        if version is not None and key(version) < key(now.version):
            return {"model": registered, "image_tag": "", "image_digest": "", **values}
    return None


def _version(ctx: Context, model: str, values: dict[str, str]) -> ModelVersion:
    query = query_of(ctx.config, model)
    found = ctx.registry(model).get_version(query, values["version"])
    if found is not None:
        return found
    return ModelVersion(model, query.registered_name, values["version"], values.get("image_tag"))


def _proposal(
    ctx: Context,
    promo: PromotionId,
    target: ModelVersion,
    now: Deployed,
    changes: tuple[FileChange, ...],
) -> Proposal:
    current = ctx.registry(promo.model).get_version(
        query_of(ctx.config, promo.model), now.version or "0"
    )
    pr = ctx.config.pull_request
    return Proposal(
        promotion=promo,
        branch=branches.rollback(ctx.config.git.branch_prefix, promo.model, promo.environment),
        title=pull_request.rollback_title(promo, now),
        body=pull_request.body(
            promo,
            target,
            current,
            now,
            changes,
            heading="Roll back",
            notes=[pull_request.hold_note(promo.environment, now.version or "")],
            metrics=ctx.config.models[promo.model].metric_rules(),
            deploy=ctx.config.deploy.tool,
        ),
        commit_message=pull_request.commit_message(promo, now, rollback=True),
        changes=changes,
        labels=tuple(pr.labels),
        reviewers=tuple(pr.reviewers),
        team_reviewers=tuple(pr.team_reviewers),
    )
