"""Groups (``groups:``): several models promoted together, in one commit and one PR per
environment, all or nothing.

Each member is decided as if it promoted alone (``groups_members``). Then the group: any
member blocked, refused or failed stops it and nothing is written; members up to date, held
or waiting keep what they run; the group promotes when at least one member is due, as a
draft when a member's gates ask for one. Its proposal is one ``Proposal`` like any other:
the platform does not know it carries several models.
"""

from __future__ import annotations

from dataclasses import replace

from bot import branches
from bot.config import groups as config_groups
from bot.errors import UserError
from bot.lazy import Lazy
from bot.model import OpenPromotion, PromotionId, Proposal, Selection
from bot.pipeline import groups_members, units
from bot.pipeline.context import Context
from bot.pipeline.facts import reviewed
from bot.pipeline.groups_members import Member
from bot.pipeline.reads import Found, candidate_key, candidate_or_error
from bot.pipeline.units import Unit
from bot.results import Result, Status
from bot.text import group_pr

_USE_GROUP = {
    "cli": "use --group {group}",
    "chatops": "comment `/promote {env} {group}`",
}


def redirect(ctx: Context, sel: Selection) -> Selection:
    """A grouped model is promoted only through its group. A person naming a member (the
    command line) is told so; a webhook or dispatch naming one promotes its group, each
    member with its own candidate."""
    config = ctx.config
    if sel.group is not None:
        if sel.group not in config.groups:
            known = ", ".join(config.groups) or "none"
            raise UserError(f"unknown group {sel.group!r}: the config has {known}")
        if sel.model is not None or sel.version is not None:
            raise UserError(
                f"group {sel.group} promotes each member's own candidate: a model or a version "
                "cannot be given with it"
            )
        return sel
    if sel.model is None or sel.model not in config.models:
        return sel
    group = config_groups.group_of(config, sel.model)
    shared = config_groups.environments(config, group) if group else []
    if group is None or (sel.environment is not None and sel.environment not in shared):
        return sel
    if sel.origin in _USE_GROUP:
        env = sel.environment or shared[0]
        hint = _USE_GROUP[sel.origin].format(group=group, env=env)
        raise UserError(
            f"model {sel.model} is promoted with its group {group} in {', '.join(shared)}: {hint}"
        )
    if sel.explicit:
        raise UserError(
            f"model {sel.model} is promoted with its group {group} in {', '.join(shared)}: the "
            "group takes each member's own candidate; leave the version empty"
        )
    # A webhook's or dispatch's version is only a hint (D-39): each member's policy decides.
    return Selection(environment=sel.environment, pinned=False, origin=sel.origin, group=group)


def selected(ctx: Context, sel: Selection) -> list[Unit]:
    """The member units of the selected group, in the environments it promotes."""
    assert sel.group is not None
    shared = config_groups.environments(ctx.config, sel.group)
    if sel.environment is not None and sel.environment not in shared:
        raise UserError(
            f"group {sel.group} promotes in {', '.join(shared)}, not in {sel.environment!r}"
        )
    return [
        units.whole_environment(ctx.config, model, env)
        for env in shared
        if sel.environment in (None, env)
        for model in ctx.config.groups[sel.group].models
    ]


def evaluate(
    ctx: Context,
    todo: list[Unit],
    open_prs: dict[str, OpenPromotion],
    found: Found,
    sel: Selection,
) -> list[Result]:
    """The group results (the group's own line, then its members') for the grouped units of
    ``todo``; the other units are the ordinary loop's."""
    gathered: dict[tuple[str, str], list[Member]] = {}
    for unit in todo:
        group = config_groups.grouped(ctx.config, unit.model, unit.environment)
        if group is None:
            continue
        key = candidate_key(ctx, unit, sel)
        if key not in found:
            found[key] = candidate_or_error(ctx, unit, sel)
        member = groups_members.evaluate(ctx, unit, group, found[key], sel)
        gathered.setdefault((group, unit.environment), []).append(member)
    results: list[Result] = []
    for (group, env), members in gathered.items():
        branch = branches.group(ctx.config.git.branch_prefix, group, env)
        own = _own(ctx, group, env, members, branch, open_prs.get(branch))
        results += [own, *_members(own, members)]
    return results


def _own(
    ctx: Context,
    group: str,
    env: str,
    members: list[Member],
    branch: str,
    open_pr: OpenPromotion | None,
) -> Result:
    """The group's own result: stopped, unchanged, already proposed, or a proposal."""
    stops = [m for m in members if m.stops]
    if stops:
        status: Status = "failed" if any(m.result.failed for m in stops) else "blocked"
        names = ", ".join(f"{m.unit.model} ({m.result.status})" for m in stops)
        reason = f"[{group}/{env}] nothing written: stopped by {names}"
        return Result(group, env, status, reason, open_pr=open_pr, group=group)
    due = [m for m in members if m.due]
    if not due:
        waiting = next((m for m in members if m.result.status != "up-to-date"), None)
        status = waiting.result.status if waiting else "up-to-date"
        reason = f"{waiting.unit.model}: {waiting.result.reason}" if waiting else "up to date"
        return Result(group, env, status, reason, open_pr=open_pr, group=group)
    kept = [(m.unit.model, groups_members.kept(m)) for m in members]
    promo = PromotionId(group, env, group_pr.versions_of(kept), None)
    moves = group_pr.changed([m.result for m in due])
    if open_pr is not None and open_pr.promotion == promo:
        reason = f"{_pr_name(open_pr)} already proposes {moves}"
        return Result(group, env, "up-to-date", reason, open_pr=open_pr, group=group)
    if open_pr is not None and reviewed(ctx, open_pr):
        reason = (
            f"{_pr_name(open_pr)} has a review: its commit stays what was reviewed; merge or "
            f"close it to propose {moves}"
        )
        return Result(group, env, "up-to-date", reason, open_pr=open_pr, group=group)
    closed = next((c for c in ctx.closed() if c.branch == branch and c.promotion == promo), None)
    if closed is not None:
        reason = (
            f"PR #{closed.number} proposing {moves} was closed without "
            "merging; a newer version of a member proposes the group again"
        )
        return Result(group, env, "rejected", reason, open_pr=open_pr, group=group)
    return _planned(ctx, group, env, members, due, branch, open_pr, promo)


def _planned(
    ctx: Context,
    group: str,
    env: str,
    members: list[Member],
    due: list[Member],
    branch: str,
    open_pr: OpenPromotion | None,
    promo: PromotionId,
) -> Result:
    changes = tuple(groups_members.compose(ctx, due))
    moving = [m.result for m in due]
    pr = ctx.config.pull_request
    draft = any(m.result.decision is not None and m.result.decision.draft for m in due)
    proposal = Proposal(
        promotion=promo,
        branch=branch,
        title=group_pr.title(group, env, moving),
        commit_message=group_pr.commit_message(group, env, moving, promo),
        changes=changes,
        labels=tuple(pr.labels),
        reviewers=tuple(pr.reviewers),
        team_reviewers=tuple(pr.team_reviewers),
        draft=pr.draft or draft,
    )

    def body() -> str:
        sections = [groups_members.section(ctx, m) for m in due]
        return group_pr.body(
            group,
            env,
            [m.result for m in members],
            sections,
            promo,
            proposal.draft,
            ctx.config.deploy.tool,
        )

    return Result(
        group,
        env,
        "planned",
        group_pr.changed(moving),
        proposal=proposal,
        pending_body=Lazy(body),
        open_pr=open_pr,
        group=group,
    )


def _members(own: Result, members: list[Member]) -> list[Result]:
    """Each member's result; a due member of a group that stops says why it is not promoted."""
    out = []
    for member in members:
        result = member.result
        if member.due and own.status != "planned":
            status = "blocked" if own.status in ("blocked", "failed") else own.status
            result = replace(result, status=status, reason=f"{result.reason}; {own.reason}")
        out.append(replace(result, open_pr=own.open_pr))
    return out


def settle(results: list[Result]) -> list[Result]:
    """After ``apply``: each due member takes its group's outcome (the PR, or the failure)."""
    own = {(r.group, r.environment): r for r in results if r.group and r.model == r.group}
    out = []
    for r in results:
        group = own.get((r.group, r.environment)) if r.group and r.model != r.group else None
        if group is None or r.status != "planned" or group.status == "planned":
            out.append(r)
        elif group.failed:
            out.append(replace(r, status="failed", reason=group.reason))
        else:
            out.append(
                replace(
                    r,
                    status=group.status,
                    pr_number=group.pr_number,
                    pr_url=group.pr_url,
                    head_sha=group.head_sha,
                )
            )
    return out


def _pr_name(open_pr: OpenPromotion) -> str:
    return f"PR #{open_pr.number}" if open_pr.number is not None else f"branch {open_pr.branch}"
