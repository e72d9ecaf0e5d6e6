"""The validated-version search filter, the validation rule, and the checks every value
MLflow returns must pass before it reaches a file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.errors import RegistryError
from bot.model import VersionQuery

if TYPE_CHECKING:
    from mlflow.entities import Run
from bot.untrusted import DIGEST, IMAGE_TAG, MLFLOW_VERSION, TAG_KEY, show

UNQUOTABLE = re.compile(r"[\x00-\x1f\x7f\\]")


def literal(model: str, what: str, value: str) -> str:
    """``value`` as a filter string literal. MLflow's parser has no escapes: pick the quote."""
    if not UNQUOTABLE.search(value):
        if "'" not in value:
            return f"'{value}'"
        if '"' not in value:
            return f'"{value}"'
    raise RegistryError(
        f"[{model}] {what} {show(value)} cannot be used in an MLflow search filter"
        " (no quotes of both kinds, backslashes or control characters)"
    )


def search_filter(query: VersionQuery) -> str:
    """``name='…' AND tags.`k`='v' …`` for the search endpoint."""
    clauses = [f"name={literal(query.model, 'registered model name', query.registered_name)}"]
    for key, value in query.validated_tags.items():
        if not TAG_KEY.fullmatch(key):
            raise RegistryError(
                f"[{query.model}] validated tag {show(key)} is not a valid MLflow tag name:"
                f" check models.{query.model}.validated.tags"
            )
        clauses.append(f"tags.`{key}`={literal(query.model, f'tag {key!r} value', value)}")
    return " AND ".join(clauses)


def meets_rule(query: VersionQuery, tags: Mapping[str, str], aliases: tuple[str, ...]) -> bool:
    tags_ok = all(tags.get(key) == value for key, value in query.validated_tags.items())
    return tags_ok and (query.validated_alias is None or query.validated_alias in aliases)


def checked_version(query: VersionQuery, value: object) -> str:
    text = str(value)
    if not MLFLOW_VERSION.fullmatch(text):
        raise RegistryError(
            f"[{query.model}] MLflow returned an invalid version number: {show(text)}"
        )
    return text


def checked(query: VersionQuery, version: str, what: str, value: str, rule: re.Pattern[str]) -> str:
    if not rule.fullmatch(value):
        raise RegistryError(
            f"[{query.model}] version {version} has an invalid {what}: {show(value)}"
            f" (expected {rule.pattern})"
        )
    return value


def image_tag_of(
    query: VersionQuery, version: str, tags: dict[str, str], aliases: tuple[str, ...]
) -> str | None:
    key = query.image_tag_key
    if key not in tags:
        if meets_rule(query, tags, aliases):
            raise RegistryError(
                f"[{query.model}] version {version} is validated but has no tag {key!r}:"
                f" tag it or set models.{query.model}.image.tag_from"
            )
        return None
    return checked(query, version, f"image tag (tag {key!r})", tags[key], IMAGE_TAG)


def digest_of(query: VersionQuery, version: str, tags: dict[str, str]) -> str | None:
    key = query.image_digest_key
    if key is None or key not in tags:
        return None
    return checked(query, version, f"image digest (tag {key!r})", tags[key], DIGEST)


def metrics_of(query: VersionQuery, run: Run | None) -> dict[str, float]:
    if run is None:
        return {}
    found = run.data.metrics
    return {name: float(found[name]) for name in query.metrics if name in found}
