"""``promote validate --online``: the config against the live registry and platform.

Checked, each problem one line naming the config field and the fix: the registry answers;
each registered model exists (with the closest names the registry holds); it has validated
versions and the newest carry the image-tag tag; on GitHub, the token can push and open pull
requests. Read-only: nothing is written anywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from bot.config import MlflowRegistryConfig
from bot.errors import BotError, RetryableError
from bot.pipeline import Context, query_of

CHECKED_VERSIONS = 5  # the newest validated versions whose tags are checked


def check(ctx: Context, env: Mapping[str, str], repository: str | None) -> list[str]:
    problems = _registries(ctx)
    if ctx.platform.name == "github" and repository:
        from bot.onboard.access import github_problems

        problems += github_problems(env, repository)
    return problems


def _registries(ctx: Context) -> list[str]:
    problems: list[str] = []
    names: dict[str, list[str] | None] = {}  # registry key -> its model names (MLflow)
    down: set[str] = set()
    for model in ctx.config.models:
        key = ctx.config.registry_of(model)
        if key in down:
            continue
        query = query_of(ctx.config, model)
        field = f"models.{model}.registered_model"
        try:
            if key not in names:
                names[key] = _names(ctx, key)
            known = names[key]
            if known is not None and query.registered_name not in known:
                problems.append(_unknown(field, query.registered_name, known, key))
                continue
            found = ctx.registry(model).validated_versions(query, CHECKED_VERSIONS)
        except RetryableError as err:
            problems.append(f"registries.{key}: {err}")
            down.add(key)  # one line per registry that is down, not one per model
            continue
        except BotError as err:
            problems.append(f"models.{model}: {_unlabel(str(err))}")
            continue
        if not found:
            problems.append(
                f"models.{model}.validated: no version of {query.registered_name!r} meets the "
                "rule yet; check the tags or alias it asks for"
            )
        problems += [
            f"models.{model}.image.tag_from: v{v.version} has no tag {query.image_tag_key!r}"
            for v in found
            if not v.image_tag
        ]
    return problems


def _names(ctx: Context, key: str) -> list[str] | None:
    cfg = ctx.config.registries[key]
    if not isinstance(cfg, MlflowRegistryConfig):
        return None  # the model's own lookup below says when it is missing
    from bot.registry.mlflow.names import registered_names

    return registered_names(cfg.tracking_uri, cfg.registry_uri)


def _unknown(field: str, name: str, known: list[str], registry: str) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"{field}: {name!r} is not a registered model in registry {registry!r}{hint}"


def _unlabel(message: str) -> str:
    # The registry words its errors for a run ("[model] ..."); here the field says which.
    return message.split("] ", 1)[1] if message.startswith("[") and "] " in message else message
