"""``/unhold <env>``: lift a rollback hold, as a reviewed PR that removes its line from the
state file (and changes nothing else)."""

from __future__ import annotations

from bot import branches, state
from bot.errors import UserError
from bot.model import Deployed, PromotionId, Proposal
from bot.pipeline import units
from bot.pipeline.context import Context, hold_change
from bot.results import Result
from bot.text import pull_request


def unhold(ctx: Context, model: str, env: str) -> Result:
    path = ctx.config.git.state_file
    held = state.held(ctx.files([path])[path], path, model, env)
    if held is None:
        raise UserError(f"[{model}/{env}] no hold to lift: {path} holds nothing for {env}")
    changes = tuple(hold_change(ctx, model, env, None))
    promo = PromotionId(model, env, held, None)
    title = pull_request.unhold_title(promo)
    proposal = Proposal(
        promotion=promo,
        branch=branches.unhold(ctx.config.git.branch_prefix, model, env),
        title=title,
        commit_message=pull_request.unhold_message(promo, path),
        changes=changes,
        labels=tuple(ctx.config.pull_request.labels),
        reviewers=tuple(ctx.config.pull_request.reviewers),
        team_reviewers=tuple(ctx.config.pull_request.team_reviewers),
        body=pull_request.unhold_body(promo, path, changes),
    )
    deployed = _deployed(ctx, model, env)
    return Result(model, env, "planned", f"lift the hold on v{held}", deployed, proposal=proposal)


def _deployed(ctx: Context, model: str, env: str) -> Deployed:
    from bot import plan

    slots = plan.slots(units.whole_environment(ctx.config, model, env).targets)
    return plan.deployed(slots, ctx.files(plan.files_of(slots)))
