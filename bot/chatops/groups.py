"""ChatOps and groups: which commands name a group, and the refusal for a member named alone.

A grouped model is promoted only through its group in the environments the group shares:
``/promote prod generator`` is refused with the group's command, and ``/rollback prod
generator`` with how a group goes back (reverting its PR's merge commit, which moves every
member back together).
"""

from __future__ import annotations

from bot import pipeline
from bot.chatops.parse import Command
from bot.config import groups as config_groups
from bot.model import Selection
from bot.pipeline import Context
from bot.results import Result


def refusal(ctx: Context, command: Command) -> str | None:
    env = command.environment
    if env is None:
        return None
    if command.group is not None:
        shared = config_groups.environments(ctx.config, command.group)
        if env not in shared:
            return f"group {command.group} promotes in {', '.join(shared)}, not in {env}."
        return None
    if command.model is None or command.name == "unhold":
        return None
    group = config_groups.grouped(ctx.config, command.model, env)
    if group is None:
        return None
    if command.name == "rollback":
        return (
            f"{command.model} moves with its group {group} in {env}: revert the group's PR "
            "merge commit (GitHub's Revert button) to roll every member back together."
        )
    return f"{command.model} is promoted with its group {group} in {env}: `/promote {env} {group}`."


def members(ctx: Context, command: Command) -> list[str] | None:
    """The models a group command acts for (whose ``allow:`` applies); None otherwise."""
    if command.group is None:
        return None
    return list(ctx.config.groups[command.group].models)


def alone(ctx: Context, env: str, models: list[str]) -> list[str]:
    """The models ``/promote <env>`` promotes one by one: the others move with their group."""
    return [m for m in models if config_groups.grouped(ctx.config, m, env) is None]


def promote(ctx: Context, command: Command) -> list[Result]:
    """``/promote <env> <group>``, or every group of ``/promote <env>``."""
    env = command.environment
    assert env is not None
    names = [command.group] if command.group else list(ctx.config.groups)
    results: list[Result] = []
    for name in names:
        if env in config_groups.environments(ctx.config, name):
            results += pipeline.evaluate(ctx, Selection(environment=env, group=name))
    return results
