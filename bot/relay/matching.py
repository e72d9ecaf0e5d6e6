"""Which configured models an event could make promotable; the cheap filter before GitHub.

Only an event that can complete a model's validation rule is worth a workflow run:

- ``model_version_tag.set``: the tag is one of ``validated.tags``, with the required value;
- ``model_version_alias.created``: the alias is ``validated.alias``;
- ``model_version.created``: the version carries every ``validated.tags`` entry from birth and
  the rule needs no alias (MLflow cannot set one at creation).

Nothing else: the workflow run treats the version sent as the one to promote, and fails on a
version that is not validated, so an event that cannot complete the rule (an image tag set, an
alias the rule does not name) would only make failed runs. A rule of several tags dispatches on
each of them: the run for the last one set promotes, the earlier ones fail as not validated yet.
Models in an S3 registry never match.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from bot.relay.events import ALIAS_CREATED, TAG_SET, VERSION_CREATED, Event


@dataclass(frozen=True)
class Trigger:
    model: str  # the config's key for the model
    version: str


def triggers(config: Config, event: Event) -> list[Trigger]:
    if not event.relevant:
        return []
    return [
        Trigger(key, event.version)
        for key, model in config.models.items()
        if _from_mlflow(config, key)
        and (model.registered_model or key) == event.name
        and _completes(config, key, event)
    ]


def _from_mlflow(config: Config, key: str) -> bool:
    return config.registries[config.registry_of(key)].type == "mlflow"


def _completes(config: Config, key: str, event: Event) -> bool:
    rule = config.models[key].validated
    if event.kind == TAG_SET:
        return rule.tags.get(event.key) == event.value
    if event.kind == ALIAS_CREATED:
        return rule.alias is not None and event.alias == rule.alias
    if event.kind == VERSION_CREATED:
        has_tags = all(event.tags.get(k) == v for k, v in rule.tags.items())
        return rule.alias is None and has_tags
    return False
