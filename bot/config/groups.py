"""Groups: several models promoted together, in one commit and one PR (``groups:``).

The model is here; the rules that span the config (members known, in one group each, sharing
an environment) are checked in ``bot.config.load`` so each error points at its key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import Field

from bot.config.targets import Strict

if TYPE_CHECKING:
    from bot.config.errors import Loc
    from bot.config.models import Config


class Group(Strict):
    models: list[str] = Field(
        description="Two or more configured models promoted together, in one commit and one PR, "
        "in the environments they all have."
    )


def group_of(config: Config, model: str) -> str | None:
    """The group ``model`` belongs to, if any (the config check allows one)."""
    return next((name for name, g in config.groups.items() if model in g.models), None)


def environments(config: Config, group: str) -> list[str]:
    """The environments every member has, in the first member's order."""
    members = [config.models[m] for m in config.groups[group].models if m in config.models]
    if not members:
        return []
    return [e for e in members[0].environments if all(e in m.environments for m in members)]


def grouped(config: Config, model: str, environment: str) -> str | None:
    """The group that promotes ``model`` in ``environment``; None when it promotes alone
    there (ungrouped, or an environment its group does not share)."""
    group = group_of(config, model)
    return group if group is not None and environment in environments(config, group) else None


def check(config: Config) -> Iterator[tuple[Loc, str]]:
    """Unknown members, a model in two groups, fewer than two members, a group named as a
    model, members sharing no environment, split clusters where the group promotes."""
    owner: dict[str, str] = {}
    for name, group in config.groups.items():
        loc: Loc = ("groups", name)
        if name in config.models:
            yield loc, f"group {name!r} has the name of a model; rename the group"
        known = [m for m in group.models if m in config.models]
        for index, member in enumerate(group.models):
            if member not in config.models:
                models = ", ".join(config.models)
                yield (*loc, "models", index), f"unknown model {member!r}; use one of: {models}"
            elif owner.setdefault(member, name) != name:
                yield (
                    (*loc, "models", index),
                    f"model {member!r} is already in group {owner[member]!r}; a model belongs "
                    "to one group at most",
                )
        if len(set(group.models)) < 2:
            yield (*loc, "models"), "a group needs two or more different models"
        elif len(known) == len(group.models) and not environments(config, name):
            yield (
                (*loc, "models"),
                "the members share no environment; a group promotes in the environments all "
                "its members have",
            )
        for member in known:
            for env in environments(config, name):
                if config.models[member].environments[env].split_clusters:
                    yield (
                        ("models", member, "environments", env, "split_clusters"),
                        f"group {name!r} promotes {member} in {env} in one PR: "
                        "split_clusters cannot apply; remove it",
                    )
