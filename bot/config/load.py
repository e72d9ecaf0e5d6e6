"""Reading the config: YAML → models, then the rules that span several keys; every problem is
reported at once, each with its file, line, key path and fix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from bot import branches
from bot.config import groups
from bot.config.errors import Loc, describe_errors, locate
from bot.config.models import NAME, NAME_PATTERN, Config
from bot.config.targets import Target
from bot.errors import ConfigError
from bot.policy import gates


def cross_check(cfg: Config) -> Iterator[tuple[Loc, str]]:
    """Rules that span several keys; pydantic validators could not point at the exact key."""
    for key, model in cfg.models.items():
        yield from _bad_name(("models", key), key, "model")
        for env_name, env in model.environments.items():
            loc: Loc = ("models", key, "environments", env_name)
            yield from _bad_name(loc, env_name, "environment")
            if not env.targets and not env.clusters:
                yield loc, "needs `targets:` or `clusters:`"
            if env.soak_hours and env.upstream is None:
                yield (*loc, "soak_hours"), "needs `from:`: soak time is measured upstream"
            yield from _unlisted_gate_metrics((*loc, "gates"), env.gates, model.metrics)
            if env.upstream == env_name:
                yield (*loc, "from"), "an environment cannot be its own upstream"
            elif env.upstream is not None and env.upstream not in model.environments:
                known = ", ".join(e for e in model.environments if e != env_name)
                yield (*loc, "from"), f"unknown environment {env.upstream!r}; use one of: {known}"
        yield from _unlisted_gate_metrics(
            ("models", key, "gates"), model.gates, model.metric_names()
        )
        registry = cfg.registries.get(model.registry or next(iter(cfg.registries)))
        uses_alias = model.validated.alias or model.select.strategy == "alias"
        if registry is not None and uses_alias and not registry.has_aliases:
            yield ("models", key), "aliases exist only in MLflow; an S3 registry cannot use them"
        if model.registry is None and len(cfg.registries) > 1:
            yield ("models", key), "several registries are declared; add `registry:` to name one"
        elif model.registry is not None and model.registry not in cfg.registries:
            known = ", ".join(sorted(cfg.registries))
            yield (
                ("models", key, "registry"),
                f"unknown registry {model.registry!r}; use one of: {known}",
            )

    for name in cfg.groups:
        yield from _bad_name(("groups", name), name, "group")
    yield from groups.check(cfg)

    for model_key, env_name, branch in branches.collisions(cfg):
        yield (
            ("models", model_key, "environments", env_name),
            f"its branch {branch} is also made for another environment or cluster; rename one",
        )


def _unlisted_gate_metrics(
    loc: Loc, texts: list[str], metrics: list[str]
) -> Iterator[tuple[Loc, str]]:
    for text in texts:
        if gates.parse(text).metric not in metrics:
            yield loc, f"gate metric of {text!r} is not in `metrics:`; add it"


def _bad_name(loc: Loc, name: str, what: str) -> Iterator[tuple[Loc, str]]:
    if not NAME.match(name):
        yield loc, f"{what} name {name!r} must match {NAME_PATTERN}: it becomes a branch name"


def load(path: Path) -> Config:
    """Read and validate the config; every problem is reported in one ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found; create it or pass --config"]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([f"{path}: cannot read config: {err}"]) from None
    return parse(text, str(path))


def parse(text: str, source: str) -> Config:
    data = _load_yaml(text, source)
    try:
        cfg = Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(describe_errors(err, data, source, Config)) from None
    problems = [locate(data, source, loc, msg) for loc, msg in cross_check(cfg)]
    if problems:
        raise ConfigError(problems)
    _mark_targets(cfg, data, source)
    return cfg


def _mark_targets(cfg: Config, data: object, source: str) -> None:
    """Give every target its config location, for errors found when it is read or written
    (``file:line: models.m.environments.e.targets[i]``)."""
    for key, model in cfg.models.items():
        for env_name, env in model.environments.items():
            base: Loc = ("models", key, "environments", env_name)
            lists: list[tuple[Loc, list[Target]]] = [((*base, "targets"), env.targets)]
            for cluster, spec in env.clusters.items():
                lists.append(((*base, "clusters", cluster, "targets"), spec.targets))
            for loc, targets in lists:
                for index, target in enumerate(targets):
                    target._origin = locate(data, source, (*loc, index), "").removesuffix(": ")


def _load_yaml(text: str, source: str) -> object:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError([f"{source}{where}: invalid YAML: {err.problem}"]) from None
    except YAMLError as err:
        raise ConfigError([f"{source}: invalid YAML: {err}"]) from None
    if data is None:
        raise ConfigError([f"{source}: config is empty; see the README for a complete example"])
    return data
