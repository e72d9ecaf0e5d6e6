"""The promotion config's models (``.github/promotion.yml``): the single source of truth.

The published JSON Schema (``schema/promotion.schema.json``) is generated from them
(``python -m bot.config.schema``); ``bot.config.load`` reads and checks a file against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config.follow import Follow
from bot.config.groups import Group
from bot.config.registries import RegistryConfig
from bot.config.targets import (
    RelPath,
    Strict,
    Target,
    check_gates,
    new_dict,
    new_list,
    safe_relative,
)

# Names end up in branch names, commit trailers and markdown: keep them boring.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
NAME = re.compile(NAME_PATTERN)
_ALLOW = re.compile(
    r"^(@[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9][A-Za-z0-9._-]{0,99}|[A-Za-z0-9][A-Za-z0-9_-]{0,38})$"
)


def _follow_none(value: object) -> object:
    # ``none`` is written out so a reader sees the loop ends at the merge on purpose.
    if value == "none":
        return None
    if value is not None and not isinstance(value, dict):
        raise ValueError("write none, or a mapping with argocd: or github-status:")
    return value


def _none_allowed(schema: dict[str, Any]) -> None:
    schema.setdefault("anyOf", []).append({"const": "none"})


class Cluster(Strict):
    targets: list[Target] = Field(min_length=1, description="This cluster overlay's targets.")


class Environment(Strict):
    targets: list[Target] = Field(
        default_factory=new_list, description="Files and keys to change together."
    )
    clusters: dict[str, Cluster] = Field(
        default_factory=new_dict,
        description="Cluster overlays of this environment; changed in the same commit unless "
        "split_clusters is true.",
        json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}},
    )
    split_clusters: bool = Field(False, description="One PR per cluster instead of one in all.")
    gates: list[str] = Field(
        default_factory=new_list,
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
        default_factory=new_list,
        description="Who may run ChatOps commands for this environment: user logins and "
        "`@org/team` slugs. Empty: everyone with write access.",
    )
    follow: Annotated[Follow | None, BeforeValidator(_follow_none)] = Field(
        None,
        description="After the merge: where `promote watch` reads whether the cluster runs the "
        "promotion (`argocd:` or `github-status:`), or `none`.",
        json_schema_extra=_none_allowed,
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
    ignore_versions: list[str] = Field(default_factory=new_list, description="Never promote these.")
    ignore_tags: list[str] = Field(
        default_factory=new_list, description="Never promote image tags matching these globs."
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


class Metric(Strict):
    """A run metric shown in the PR body, with which way is better (for the ✅/⚠️ marks)."""

    name: str = Field(min_length=1, description="Run metric name, e.g. accuracy.")
    better: Literal["higher", "lower"] | None = Field(
        None, description="Which way is an improvement: higher (accuracy) or lower (latency)."
    )
    tolerance: float = Field(
        0,
        ge=0,
        description="A change the wrong way up to this much (absolute) still counts as ✅.",
    )


def _metric_name(value: object) -> object:
    """A `{name, better, tolerance}` entry is checked here and kept as its name."""
    if not isinstance(value, dict):
        return value
    try:
        return Metric.model_validate(dict(value)).name
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "entry"
        raise ValueError(f"{where}: {first['msg'].lower()}") from None


class _NameOrMetric:
    """The published schema of a `metrics:` entry, a name or a `Metric` mapping: made when a
    schema is asked for, since `Metric.model_json_schema()` at import costs every run."""

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict[str, Any]:
        return {"anyOf": [{"type": "string"}, Metric.model_json_schema()]}


MetricEntry = Annotated[str, BeforeValidator(_metric_name), _NameOrMetric()]


class Model(Strict):
    registry: str | None = Field(None, description="Registry key; default: the only one.")
    registered_model: str | None = Field(None, description="Name in the registry; default: key.")
    # Defaults through ``model_construct``: they need no checking, and calling the class
    # would build a validator of its own for it (the models defer building to first use).
    validated: Validated = Field(default_factory=lambda: Validated.model_construct())
    image: ImageSource = Field(default_factory=lambda: ImageSource.model_construct())
    metrics: list[MetricEntry] = Field(
        default_factory=new_list,
        description="Run metrics for the PR body: names, or {name, better, tolerance}.",
    )
    # The direction of each metric given as a mapping; `metrics` itself keeps the names, so
    # everything that reads names (registries, gates) is unchanged.
    _rules: dict[str, Metric] = PrivateAttr(default_factory=new_dict)
    gates: list[str] = Field(
        default_factory=new_list, description="Metric gates for every environment of the model."
    )
    select: Select = Field(default_factory=lambda: Select.model_construct())

    _gates = field_validator("gates")(check_gates)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_rules(cls, data: Any, handler: ModelWrapValidatorHandler[Model]) -> Model:
        model = handler(data)
        for raw in data.get("metrics") or [] if isinstance(data, dict) else []:
            if isinstance(raw, dict):
                rule = Metric.model_validate(dict(raw))
                model._rules[rule.name] = rule
        return model

    def metric_rules(self) -> list[Metric]:
        """Every configured metric, a plain name as a rule without a direction."""
        return [self._rules.get(name) or Metric(name=name) for name in self.metrics]

    def metric_names(self) -> list[str]:
        return list(self.metrics)

    environments: dict[str, Environment] = Field(
        min_length=1, json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}}
    )


class Git(Strict):
    base_branch: str | None = Field(None, description="Default: the repository's default branch.")
    branch_prefix: str = Field("promote", pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,40}$")
    state_file: RelPath = Field(
        ".github/promotion-state.yml",
        description="The reviewed file where the bot keeps rollback holds.",
    )

    _state_file = field_validator("state_file")(safe_relative)


class PullRequest(Strict):
    labels: list[str] = Field(default_factory=new_list)
    reviewers: list[str] = Field(default_factory=new_list)
    team_reviewers: list[str] = Field(default_factory=new_list)
    draft: bool = False


class Deploy(Strict):
    """What applies a merged promotion to the cluster; only the PR's wording depends on it."""

    tool: Literal["argocd", "flux", "none"] = Field(
        "argocd",
        description="argocd or flux: the PR says it syncs the change; none: it says nothing "
        "about how the change reaches the cluster.",
    )


class Config(Strict):
    """Root of .github/promotion.yml."""

    version: Literal[1] = 1
    registries: dict[str, RegistryConfig] = Field(min_length=1)
    git: Git = Field(default_factory=lambda: Git.model_construct())
    pull_request: PullRequest = Field(default_factory=lambda: PullRequest.model_construct())
    deploy: Deploy = Field(default_factory=lambda: Deploy.model_construct())
    models: dict[str, Model] = Field(
        min_length=1, json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}}
    )
    groups: dict[str, Group] = Field(
        default_factory=new_dict,
        description="Models promoted together, in one commit and one PR: `name: {models: [a, b]}`.",
        json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}},
    )

    def registry_of(self, model: str) -> str:
        return self.models[model].registry or next(iter(self.registries))

    def pairs(self) -> Iterator[tuple[str, str]]:
        for model_key, model in self.models.items():
            for env in model.environments:
                yield model_key, env
