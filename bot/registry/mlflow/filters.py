"""The validated-version search filter, the validation rule, and the checks every value
MLflow returns must pass before it reaches a file."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.errors import RegistryError
from bot.model import VersionQuery
from bot.untrusted import MLFLOW_VERSION, TAG_KEY, show

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
