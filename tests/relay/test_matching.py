"""Which models an event triggers: a table over the config's validation rules."""

from __future__ import annotations

import json

import pytest

from bot.config import parse
from bot.relay.events import Malformed
from bot.relay.events import parse as parse_event
from bot.relay.matching import Trigger, triggers

CONFIG = """
version: 1
registries:
  mlflow: {type: mlflow}
  bucket: {type: s3, bucket: models}
models:
  fraud:
    registry: mlflow
    registered_model: fraud-detector
    validated: {tags: {validation_status: passed, reviewed: "yes"}}
    environments: &envs
      prod:
        targets:
          - {kind: kustomize-image, file: k.yaml, image: server}
  fraud-shadow:
    registry: mlflow
    registered_model: fraud-detector
    validated: {tags: {}, alias: champion}
    image: {tag_from: container}
    environments: *envs
  churn:
    registry: mlflow
    validated: {tags: {}}
    select: {strategy: alias, alias: live}
    environments: *envs
  ranker:
    registry: bucket
    environments: *envs
"""
cfg = parse(CONFIG, "promotion.yml")


def tag(name: str, key: str, value: str) -> bytes:
    data = {"name": name, "version": "3", "key": key, "value": value}
    return json.dumps({"entity": "model_version_tag", "action": "set", "data": data}).encode()


def alias(name: str, alias_name: str) -> bytes:
    data = {"name": name, "version": "3", "alias": alias_name}
    return json.dumps({"entity": "model_version_alias", "action": "created", "data": data}).encode()


def created(name: str, tags: dict[str, str]) -> bytes:
    data = {"name": name, "version": "3", "source": "s3://x", "tags": tags}
    return json.dumps({"entity": "model_version", "action": "created", "data": data}).encode()


@pytest.mark.parametrize(
    ("body", "models"),
    [
        (tag("fraud-detector", "validation_status", "passed"), ["fraud"]),
        (tag("fraud-detector", "reviewed", "yes"), ["fraud"]),  # one of two: the run decides
        (tag("fraud-detector", "validation_status", "failed"), []),
        (tag("fraud-detector", "image_tag", "v2"), []),  # an image tag validates nothing
        (tag("fraud-detector", "container", "v2"), []),
        (tag("fraud-detector", "owner", "me"), []),
        (tag("churn", "validation_status", "passed"), []),  # not in churn's (empty) rule
        (tag("ranker", "validation_status", "passed"), []),  # an S3 model: not from MLflow
        (tag("unknown", "validation_status", "passed"), []),
        (alias("fraud-detector", "champion"), ["fraud-shadow"]),
        (alias("fraud-detector", "live"), []),
        (alias("churn", "live"), []),  # the alias select follows is not a validation rule
        (created("fraud-detector", {"validation_status": "passed", "reviewed": "yes"}), ["fraud"]),
        (created("fraud-detector", {"validation_status": "passed"}), []),
        (created("fraud-detector", {"validation_status": "passed", "reviewed": "no"}), []),
        (created("churn", {}), ["churn"]),  # no rule at all: valid from birth
        (created("fraud-detector", {}), []),  # fraud-shadow's rule needs an alias
        (b'{"entity": "registered_model", "action": "created", "data": {"name": "churn"}}', []),
    ],
)
def test_triggers(body: bytes, models: list[str]) -> None:
    assert triggers(cfg, parse_event(body)) == [Trigger(m, "3") for m in models]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"entity": 1, "action": "set"}', "body lacks the string fields entity and action"),
        (
            b'{"entity": "model_version_tag", "action": "set", "data": []}',
            "model_version_tag.set: data must be an object",
        ),
        (
            json.dumps(
                {
                    "entity": "model_version",
                    "action": "created",
                    "data": {"name": "m", "version": "1", "tags": {"a": 1}},
                }
            ).encode(),
            "model_version.created: data.tags must be an object of strings",
        ),
        (
            json.dumps(
                {
                    "entity": "model_version_alias",
                    "action": "created",
                    "data": {"name": "m" * 501, "version": "1", "alias": "a"},
                }
            ).encode(),
            "model_version_alias.created: data.name must be a string of at most 500 characters",
        ),
    ],
)
def test_malformed(body: bytes, message: str) -> None:
    with pytest.raises(Malformed) as err:
        parse_event(body)
    assert str(err.value) == message


def test_numeric_version_is_read_as_text() -> None:
    data = {"name": "churn", "version": 12, "key": "k", "value": "v"}
    body = json.dumps({"entity": "model_version_tag", "action": "set", "data": data}).encode()
    assert parse_event(body).version == "12"
