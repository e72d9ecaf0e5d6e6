"""Branch names: one deterministic branch per promotion unit, per rollback and per unhold.

``<prefix>/<model>/<environment>`` for a promotion, ``…--<cluster>`` for one cluster of a split
environment, ``…+rollback`` for a rollback and ``…+unhold`` for lifting a hold. Model,
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


def promotion(prefix: str, model: str, environment: str, cluster: str | None = None) -> str:
    # `--` rather than `/`: a branch `a/b` and a branch `a/b/c` cannot both exist in Git.
    suffix = f"--{cluster}" if cluster else ""
    return f"{prefix}/{model}/{environment}{suffix}"


def rollback(prefix: str, model: str, environment: str) -> str:
    return f"{prefix}/{model}/{environment}{ROLLBACK_SUFFIX}"


def unhold(prefix: str, model: str, environment: str) -> str:
    return f"{prefix}/{model}/{environment}{UNHOLD_SUFFIX}"


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


def collisions(config: Config) -> Iterator[tuple[str, str, str]]:
    """(model, environment, branch) for each branch another unit of the config makes too."""
    seen: dict[str, tuple[str, str]] = {}
    for model, env, branch in of_config(config):
        owner = seen.setdefault(branch, (model, env))
        if owner != (model, env):
            yield model, env, branch
