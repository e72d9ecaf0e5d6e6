"""Branch names come from one place, and no two units of a config share one."""

from __future__ import annotations

import textwrap

import pytest

from bot import branches, config
from bot.errors import ConfigError

BASE = """\
version: 1
registries: {mlflow: {type: mlflow}}
models:
  fraud:
    environments:
"""
TARGET = "{targets: [{kind: yaml, file: v.yaml, path: model.version}]}"


def _config(envs: str) -> config.Config:
    return config.parse(BASE + textwrap.indent(textwrap.dedent(envs), "      "), "promotion.yml")


def test_a_rollback_branch_is_never_a_promotion_branch() -> None:
    cfg = _config(f"prod: {TARGET}\nrollback-prod: {TARGET}\n")
    names = [branch for _, _, branch in branches.of_config(cfg)]
    assert "promote/fraud/prod+rollback" in names
    assert "promote/fraud/rollback-prod" in names
    assert len(names) == len(set(names))


def test_cluster_branches_and_an_environment_named_alike_are_refused() -> None:
    envs = f"""\
    prod:
      split_clusters: true
      clusters:
        us: {TARGET}
    prod--us: {TARGET}
    """
    with pytest.raises(ConfigError) as err:
        _config(envs)
    assert err.value.problems == [
        "promotion.yml:10: models.fraud.environments.prod--us: its branch "
        "promote/fraud/prod--us is also made for another environment or cluster; rename one"
    ]


def test_split_clusters_get_one_branch_each() -> None:
    envs = f"""\
    prod:
      split_clusters: true
      clusters:
        us: {TARGET}
        eu: {TARGET}
    """
    names = [branch for _, _, branch in branches.of_config(_config(envs))]
    assert names == [
        "promote/fraud/prod--us",
        "promote/fraud/prod--eu",
        "promote/fraud/prod+rollback",
        "promote/fraud/prod+unhold",
    ]
