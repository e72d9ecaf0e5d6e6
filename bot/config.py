"""The promotion config (``.github/promotion.yml``): typed models, strict loading, clear errors.

The pydantic models are the single source of truth: the published JSON Schema
(``schema/promotion.schema.json``) is generated from them (``python -m bot.schema``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot import gates, template
from bot.config_errors import Loc, describe_errors, locate
from bot.config_targets import (
    ConfigMapTarget,
    ContainerImageTarget,
    GeneratorTarget,
    JsonPatchTarget,
    KustomizeImageTarget,
    Strict,
    Target,
    TargetBase,
    YamlTarget,
    check_gates,
    check_template,
)
from bot.errors import ConfigError

# Names end up in branch names, commit trailers and markdown: keep them boring.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
_NAME = re.compile(NAME_PATTERN)
_ALLOW = re.compile(
    r"^(@[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9][A-Za-z0-9._-]{0,99}|[A-Za-z0-9][A-Za-z0-9-]{0,38})$"
)


__all__ = [
    "Config",
    "ConfigMapTarget",
    "ContainerImageTarget",
    "Environment",
    "GeneratorTarget",
    "JsonPatchTarget",
    "KustomizeImageTarget",
    "Model",
    "Target",
    "TargetBase",
    "YamlTarget",
    "load",
    "parse",
]


class Cluster(Strict):
    targets: list[Target] = Field(min_length=1, description="This cluster overlay's targets.")


class Environment(Strict):
    targets: list[Target] = Field(
        default_factory=list, description="Files and keys to change together."
    )
    clusters: dict[str, Cluster] = Field(
        default_factory=dict,
        description="Cluster overlays of this environment; changed in the same commit unless "
        "split_clusters is true.",
        json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}},
    )
    split_clusters: bool = Field(False, description="One PR per cluster instead of one in all.")
    gates: list[str] = Field(
        default_factory=list,
        description="Metric gates added to the model's, e.g. `accuracy >= deployed - 0.01`.",
    )
    soak_hours: float = Field(
        0, ge=0, description="Hours the version must have run in the `from` environment."
    )
    on_gate_failure: Literal["skip", "draft"] = Field(
        "skip", description="skip: no PR; draft: open a draft PR showing the failed gates."
    )
    deployed_alias: str | None = Field(
        None, description="Registry alias set after merge; default: the environment name."
    )
    upstream: str | None = Field(
        None,
        alias="from",
        description="Upstream environment: `/promote <env>` without a version takes the version "
        "it runs now.",
    )
    allow: list[str] = Field(
        default_factory=list,
        description="Who may run ChatOps commands for this environment: user logins and "
        "`@org/team` slugs. Empty: everyone with write access.",
    )

    _gates = field_validator("gates")(check_gates)

    def all_targets(self) -> list[Target]:
        return [*self.targets, *(t for c in self.clusters.values() for t in c.targets)]

    @field_validator("allow")
    @classmethod
    def _allow_entries(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not _ALLOW.match(entry):
                raise ValueError(f"allow entry {entry!r} must be a login or @org/team")
        return value


class Validated(Strict):
    """What makes a registry version promotable."""

    tags: dict[str, str] = Field(
        default_factory=lambda: {"validation_status": "passed"},
        description="Version tags that must all match.",
    )
    alias: str | None = Field(None, description="Alias the version must carry, e.g. champion.")


class Select(Strict):
    """Which validated version is the candidate."""

    strategy: Literal["newest", "alias", "semver"] = Field(
        "newest",
        description="newest: highest version number; alias: the version carrying `alias`; "
        "semver: the newest whose image tag is in `range`.",
    )
    alias: str | None = Field(None, description="For strategy alias, e.g. champion.")
    range: str | None = Field(None, description="For strategy semver, e.g. '>=1.4,<2'.")
    ignore_versions: list[str] = Field(default_factory=list, description="Never promote these.")
    ignore_tags: list[str] = Field(
        default_factory=list, description="Never promote image tags matching these globs."
    )

    @model_validator(mode="after")
    def _needs(self) -> Select:
        if self.strategy == "alias" and not self.alias:
            raise ValueError("strategy alias needs `alias:`")
        if self.strategy == "semver":
            _check_range(self.range)
        return self


def _check_range(value: str | None) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not value:
        raise ValueError("strategy semver needs `range:`, e.g. '>=1.4,<2'")
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        raise ValueError(f"range {value!r} is not a version range like '>=1.4,<2'") from None


class ImageSource(Strict):
    tag_from: str = Field("image_tag", description="Version tag holding the image tag.")
    digest_from: str | None = Field(None, description="Version tag holding the image digest.")


class Model(Strict):
    registry: str | None = Field(None, description="Registry key; default: the only one.")
    registered_model: str | None = Field(None, description="Name in the registry; default: key.")
    validated: Validated = Field(default_factory=lambda: Validated())
    image: ImageSource = Field(default_factory=lambda: ImageSource())
    metrics: list[str] = Field(default_factory=list, description="Run metrics for the PR body.")
    gates: list[str] = Field(
        default_factory=list, description="Metric gates for every environment of the model."
    )
    select: Select = Field(default_factory=lambda: Select())

    _gates = field_validator("gates")(check_gates)
    environments: dict[str, Environment] = Field(
        min_length=1, json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}}
    )


class MlflowRegistryConfig(Strict):
    type: Literal["mlflow"]
    tracking_uri: str | None = Field(None, description="Default: MLFLOW_TRACKING_URI.")
    registry_uri: str | None = Field(None, description="Default: the tracking URI.")
    ui_url: str | None = Field(None, description="Base URL for links in PR bodies.")


class S3RegistryConfig(Strict):
    """Versions in an S3 bucket (or an S3-compatible store): a pointer object or manifests."""

    type: Literal["s3"]
    bucket: str = Field(description="Bucket name.")
    prefix: str = Field("", description="Key prefix before <model>/, e.g. registry/.")
    layout: Literal["manifests", "pointer"] = Field(
        "manifests",
        description="manifests: <model>/<version>/manifest.json per version; pointer: one "
        "object (pointer_key) whose metadata `version` (or body) names the version.",
    )
    pointer_key: str = Field("{model}/latest.txt", description="Pointer object key template.")
    endpoint_url: str | None = Field(None, description="For S3-compatible stores (MinIO, R2).")
    region: str | None = Field(None, description="Default: the AWS default chain.")

    @field_validator("pointer_key")
    @classmethod
    def _pointer(cls, value: str) -> str:
        if template.fields(value) not in ([], ["model"]) or check_template(value) is None:
            raise ValueError(f"pointer_key {value!r} may only use the placeholder {{model}}")
        return value


RegistryConfig = Annotated[MlflowRegistryConfig | S3RegistryConfig, Field(discriminator="type")]


class Git(Strict):
    base_branch: str | None = Field(None, description="Default: the repository's default branch.")
    branch_prefix: str = Field("promote", pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,40}$")


class PullRequest(Strict):
    labels: list[str] = Field(default_factory=list)
    reviewers: list[str] = Field(default_factory=list)
    team_reviewers: list[str] = Field(default_factory=list)
    draft: bool = False


class Config(Strict):
    """Root of .github/promotion.yml."""

    version: Literal[1] = 1
    registries: dict[str, RegistryConfig] = Field(min_length=1)
    git: Git = Field(default_factory=lambda: Git())
    pull_request: PullRequest = Field(default_factory=lambda: PullRequest())
    models: dict[str, Model] = Field(
        min_length=1, json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}}
    )

    def registry_of(self, model: str) -> str:
        return self.models[model].registry or next(iter(self.registries))

    def pairs(self) -> Iterator[tuple[str, str]]:
        for model_key, model in self.models.items():
            for env in model.environments:
                yield model_key, env


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
        yield from _unlisted_gate_metrics(("models", key, "gates"), model.gates, model.metrics)
        registry = cfg.registries.get(model.registry or next(iter(cfg.registries)))
        uses_alias = model.validated.alias or model.select.strategy == "alias"
        if isinstance(registry, S3RegistryConfig) and uses_alias:
            yield ("models", key), "aliases exist only in MLflow; an S3 registry cannot use them"
        if model.registry is None and len(cfg.registries) > 1:
            yield ("models", key), "several registries are declared; add `registry:` to name one"
        elif model.registry is not None and model.registry not in cfg.registries:
            known = ", ".join(sorted(cfg.registries))
            yield (
                ("models", key, "registry"),
                f"unknown registry {model.registry!r}; use one of: {known}",
            )


def _unlisted_gate_metrics(
    loc: Loc, texts: list[str], metrics: list[str]
) -> Iterator[tuple[Loc, str]]:
    for text in texts:
        if gates.parse(text).metric not in metrics:
            yield loc, f"gate metric of {text!r} is not in `metrics:`; add it"


def _bad_name(loc: Loc, name: str, what: str) -> Iterator[tuple[Loc, str]]:
    if not _NAME.match(name):
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
    return cfg


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
