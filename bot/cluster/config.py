"""Per-environment config of the cluster loop, as the cluster sources see it: the models
(``Follow`` with ``ArgoCD`` or ``GitHubStatus``) are defined in ``bot.config.follow``, with the
rest of the config, and named here; ``parse_follow`` checks one environment's value alone and
``resolve`` turns ``none`` into the loop that ends at the merge.
"""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ValidationError

from bot.config.follow import ArgoCD, Follow, FollowSetting, GitHubStatus
from bot.errors import ConfigError

__all__ = ["ArgoCD", "Follow", "FollowSetting", "GitHubStatus", "parse_follow", "resolve"]


def resolve(setting: FollowSetting | None) -> Follow:
    """``none`` (or nothing) is a loop that ends at the merge."""
    return setting if isinstance(setting, Follow) else Follow()


def parse_follow(data: object, where: str) -> Follow:
    """Validate one environment's ``cluster`` value; every problem, one line each."""
    if data is None or data == "none":
        return Follow()
    if not isinstance(data, dict):
        fix = "write none, or a mapping with argocd: or github-status:"
        raise ConfigError([f"{where}: {_short(data)} is not a follow setting; {fix}"])
    try:
        return Follow.model_validate(data)
    except ValidationError as err:
        raise ConfigError([_problem(where, e) for e in err.errors()]) from None


def _problem(where: str, error: object) -> str:
    assert isinstance(error, dict)
    loc = ".".join(str(p) for p in (where, *error["loc"]))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = _unknown_key(str(error["loc"][-1]), error["loc"][:-1])
    return f"{loc}: {message}"


def _unknown_key(key: str, parent: tuple[object, ...]) -> str:
    model: type[BaseModel] = Follow
    for part in parent:
        field = model.model_fields.get(str(part)) or _by_alias(model, str(part))
        nested = getattr(field, "annotation", None)
        model = next((m for m in (ArgoCD, GitHubStatus) if m.__name__ in str(nested)), model)
    known = [f.alias or name for name, f in model.model_fields.items()]
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(known)}"
    return f"unknown key; {hint}"


def _by_alias(model: type[BaseModel], alias: str) -> object:
    return next((f for f in model.model_fields.values() if f.alias == alias), None)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
