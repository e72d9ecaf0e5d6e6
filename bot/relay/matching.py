"""Which configured models an event could make promotable; the cheap filter before GitHub.

Only an event that can complete a model's validation rule is worth a workflow run:

- ``model_version_tag.set``: the tag is one of ``validated.tags`` with the required value, or
  the image tag the version needs (``image.tag_from`` / ``image.digest_from``), which a
  pipeline often sets after validation;
- ``model_version_alias.created``: the alias is ``validated.alias`` or the alias that
  ``select.strategy: alias`` follows;
- ``model_version.created``: the version carries every ``validated.tags`` entry from birth and
  the rule needs no alias (MLflow cannot set one at creation).

A false positive costs one workflow run that finds nothing new; a false negative waits for the
next poll. Models in an S3 registry never match: their versions do not come from MLflow.
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
    model = config.models[key]
    rule = model.validated
    if event.kind == TAG_SET:
        image_keys = {model.image.tag_from, model.image.digest_from}
        return rule.tags.get(event.key) == event.value or event.key in image_keys
    if event.kind == ALIAS_CREATED:
        follows = model.select.alias if model.select.strategy == "alias" else None
        return event.alias in {rule.alias, follows} - {None}
    if event.kind == VERSION_CREATED:
        has_tags = all(event.tags.get(k) == v for k, v in rule.tags.items())
        return rule.alias is None and has_tags
    return False
