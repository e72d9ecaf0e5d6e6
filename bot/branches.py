"""Branch names: one deterministic branch per promotion unit, per rollback and per unhold.

``<prefix>/<model>/<environment>`` for a promotion, ``…--<cluster>`` for one cluster of a split
environment, ``…+rollback`` for a rollback, ``…+unhold`` for lifting a hold and
``<prefix>/<group>+group/<environment>`` for a group's promotion. Model,
environment and cluster names cannot contain ``+``, so neither ever equals a promotion branch
(an environment named ``rollback-prod`` no longer gets prod's rollback branch). ``--`` can
appear inside a name, so the config check refuses a config where two units would share a
branch (``collisions``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Config

ROLLBACK_SUFFIX = "+rollback"
UNHOLD_SUFFIX = "+unhold"
GROUP_SUFFIX = "+group"


def promotion(prefix: str, model: str, environment: str, cluster: str | None = None) -> str:
    # `--` rather than `/`: a branch `a/b` and a branch `a/b/c` cannot both exist in Git.
    suffix = f"--{cluster}" if cluster else ""
    return f"{prefix}/{model}/{environment}{suffix}"


def rollback(prefix: str, model: str, environment: str) -> str:
    return f"{prefix}/{model}/{environment}{ROLLBACK_SUFFIX}"


def unhold(prefix: str, model: str, environment: str) -> str:
    return f"{prefix}/{model}/{environment}{UNHOLD_SUFFIX}"


def group(prefix: str, name: str, environment: str) -> str:
    # `+` cannot be in a model name: no model's branch is ever a group's.
    return f"{prefix}/{name}{GROUP_SUFFIX}/{environment}"


def of_config(config: Config) -> Iterator[tuple[str, str, str]]:
    """(model, environment, branch) for every branch the config can make."""
    prefix = config.git.branch_prefix
    for model, env in config.pairs():
        spec = config.models[model].environments[env]
        if spec.split_clusters and spec.clusters:
            for cluster in spec.clusters:
                yield model, env, promotion(prefix, model, env, cluster)
        else:
            yield model, env, promotion(prefix, model, env)
        yield model, env, rollback(prefix, model, env)
        yield model, env, unhold(prefix, model, env)
    for name, grouping in config.groups.items():
        members = [config.models[m].environments for m in grouping.models if m in config.models]
        for env in members[0] if members else ():
            if all(env in envs for envs in members):  # the environments the group promotes
                yield name, env, group(prefix, name, env)


def collisions(config: Config) -> Iterator[tuple[str, str, str]]:
    """(model, environment, branch) for each branch another unit of the config makes too."""
    seen: dict[str, tuple[str, str]] = {}
    for model, env, branch in of_config(config):
        owner = seen.setdefault(branch, (model, env))
        if owner != (model, env):
            yield model, env, branch
