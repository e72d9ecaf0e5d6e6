"""The `groups:` config: every mistake is one line with the file, line, key path and fix,
all reported at once; a group's branch can never be a model's."""

from __future__ import annotations

import pytest

from bot import branches, config
from bot.config import groups as config_groups
from bot.errors import ConfigError

TARGET = "{targets: [{kind: yaml, file: v.yaml, path: model.version}]}"
BASE = f"""\
version: 1
registries: {{mlflow: {{type: mlflow}}}}
models:
  generator:
    environments:
      dev: {TARGET}
      staging: {TARGET}
      prod: {TARGET}
  guard:
    environments:
      staging: {TARGET}
      prod: {TARGET}
  embedder:
    environments:
      dev: {TARGET}
"""


def _problems(groups: str, base: str = BASE) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        config.parse(base + groups, "promotion.yml")
    return caught.value.problems


def test_a_group_promotes_in_the_environments_all_members_have() -> None:
    cfg = config.parse(BASE + "groups:\n  llm-stack: {models: [generator, guard]}\n", "p.yml")
    assert config_groups.environments(cfg, "llm-stack") == ["staging", "prod"]
    assert config_groups.grouped(cfg, "generator", "prod") == "llm-stack"
    # dev is not the group's: the generator promotes alone there.
    assert config_groups.grouped(cfg, "generator", "dev") is None
    assert config_groups.grouped(cfg, "embedder", "dev") is None


def test_unknown_member() -> None:
    assert _problems("groups:\n  llm-stack:\n    models: [generator, gaurd]\n") == [
        "promotion.yml:18: groups.llm-stack.models[1]: unknown model 'gaurd'; use one of: "
        "generator, guard, embedder"
    ]


def test_a_model_in_two_groups() -> None:
    text = "groups:\n  a: {models: [generator, guard]}\n  b: {models: [embedder, generator]}\n"
    assert _problems(text) == [
        "promotion.yml:18: groups.b.models[1]: model 'generator' is already in group 'a'; a "
        "model belongs to one group at most"
    ]


@pytest.mark.parametrize("members", ["[generator]", "[generator, generator]", "[]"])
def test_fewer_than_two_members(members: str) -> None:
    problems = _problems(f"groups:\n  llm-stack:\n    models: {members}\n")
    assert problems == [
        "promotion.yml:18: groups.llm-stack.models: a group needs two or more different models"
    ]


def test_a_group_named_as_a_model() -> None:
    assert _problems("groups:\n  guard: {models: [generator, embedder]}\n") == [
        "promotion.yml:17: groups.guard: group 'guard' has the name of a model; rename the group"
    ]


def test_members_that_share_no_environment() -> None:
    assert _problems("groups:\n  odd:\n    models: [guard, embedder]\n") == [
        "promotion.yml:18: groups.odd.models: the members share no environment; a group "
        "promotes in the environments all its members have"
    ]


def test_split_clusters_where_the_group_promotes() -> None:
    base = BASE.replace(
        f"      prod: {TARGET}\n  guard:",
        "      prod:\n        split_clusters: true\n        clusters:\n"
        f"          us: {TARGET}\n  guard:",
    )
    assert _problems("groups:\n  llm-stack: {models: [generator, guard]}\n", base) == [
        "promotion.yml:9: models.generator.environments.prod.split_clusters: group 'llm-stack' "
        "promotes generator in prod in one PR: split_clusters cannot apply; remove it"
    ]


def test_a_group_name_must_suit_a_branch() -> None:
    problems = _problems("groups:\n  'llm stack': {models: [generator, guard]}\n")
    assert problems == [
        "promotion.yml:17: groups.llm stack: group name 'llm stack' must match "
        "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$: it becomes a branch name"
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = "groups:\n  guard: {models: [generator, nope]}\n  solo: {models: [embedder]}\n"
    assert len(_problems(text)) == 3


def test_the_group_branch_is_never_a_model_branch() -> None:
    cfg = config.parse(BASE + "groups:\n  llm-stack: {models: [generator, guard]}\n", "p.yml")
    made = [branch for _, _, branch in branches.of_config(cfg)]
    assert "promote/llm-stack+group/prod" in made
    assert "promote/llm-stack+group/staging" in made
    assert "promote/llm-stack+group/dev" not in made
    assert len(made) == len(set(made))
    assert list(branches.collisions(cfg)) == []
