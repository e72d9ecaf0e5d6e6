"""Promotion units: what one PR changes. Usually a (model, environment); with
``split_clusters`` one unit per cluster overlay. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from bot import branches
from bot.config import Config, Target


@dataclass(frozen=True)
class Unit:
    model: str
    environment: str
    cluster: str | None
    targets: tuple[Target, ...]

    @property
    def label(self) -> str:
        base = f"{self.model}/{self.environment}"
        return f"{base}@{self.cluster}" if self.cluster else base

    def branch(self, config: Config) -> str:
        return branches.promotion(
            config.git.branch_prefix, self.model, self.environment, self.cluster
        )


def units_of(config: Config, model: str, env: str) -> list[Unit]:
    spec = config.models[model].environments[env]
    if not spec.split_clusters or not spec.clusters:
        return [Unit(model, env, None, tuple(spec.all_targets()))]
    # Environment-level targets belong to every cluster's PR.
    return [
        Unit(model, env, name, (*spec.targets, *cluster.targets))
        for name, cluster in spec.clusters.items()
    ]


def whole_environment(config: Config, model: str, env: str) -> Unit:
    """Every target of the environment, split or not: where its deployed version is read."""
    spec = config.models[model].environments[env]
    return Unit(model, env, None, tuple(spec.all_targets()))
