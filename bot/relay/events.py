"""An MLflow webhook body -> the few fields the relay filters on; anything else is ignored.

MLflow's envelope is ``{"entity", "action", "timestamp", "data"}`` (``mlflow.webhooks.types``
lists every ``data`` shape). The body is signed, but its values are registry input that anyone
with write access to the registry chose: every field used is type- and length-checked here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

TAG_SET = "model_version_tag.set"
ALIAS_CREATED = "model_version_alias.created"
VERSION_CREATED = "model_version.created"
EVENTS = (VERSION_CREATED, TAG_SET, ALIAS_CREATED)

_VERSION = re.compile(r"^[0-9]{1,10}$")
_MAX_TEXT = 500  # MLflow's own limits on names, tag keys and aliases are below this


class Malformed(Exception):
    """The body is not an MLflow webhook of a shape this relay knows; answered with 400."""


@dataclass(frozen=True)
class Event:
    kind: str  # "entity.action", e.g. "model_version_tag.set"
    name: str = ""  # registered model
    version: str = ""
    key: str = ""  # tag key (TAG_SET)
    value: str = ""  # tag value (TAG_SET)
    alias: str = ""  # ALIAS_CREATED
    tags: dict[str, str] = field(default_factory=dict)  # VERSION_CREATED

    @property
    def relevant(self) -> bool:
        return self.kind in EVENTS


def parse(body: bytes) -> Event:
    try:
        envelope = json.loads(body)
    except ValueError:
        raise Malformed("body is not JSON") from None
    if not isinstance(envelope, dict):
        raise Malformed("body is not a JSON object")
    entity, action = envelope.get("entity"), envelope.get("action")
    if not isinstance(entity, str) or not isinstance(action, str):
        raise Malformed("body lacks the string fields entity and action")
    kind = f"{entity}.{action}"[:100]
    if kind not in EVENTS:
        return Event(kind)
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise Malformed(f"{kind}: data must be an object")
    return _event(kind, data)


def _event(kind: str, data: dict[str, Any]) -> Event:
    name, version = _text(kind, data, "name"), _text(kind, data, "version")
    if not _VERSION.match(version):
        raise Malformed(f"{kind}: data.version must be a version number")
    if kind == TAG_SET:
        return Event(kind, name, version, _text(kind, data, "key"), _text(kind, data, "value"))
    if kind == ALIAS_CREATED:
        return Event(kind, name, version, alias=_text(kind, data, "alias"))
    return Event(kind, name, version, tags=_tags(kind, data.get("tags")))


def _text(kind: str, data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and key == "version":
        value = str(value)
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise Malformed(f"{kind}: data.{key} must be a string of at most {_MAX_TEXT} characters")
    return value


def _tags(kind: str, tags: object) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise Malformed(f"{kind}: data.tags must be an object of strings")
    return tags
