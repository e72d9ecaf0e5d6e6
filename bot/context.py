"""What one run works with: the config, the platform, registries built on first use, and
the shapes that flow out of the pipeline (``Selection`` in, ``Result`` out)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import Config, MlflowRegistryConfig, Model, RegistryConfig, S3RegistryConfig
from bot.gates import Verdict
from bot.model import Deployed, ModelVersion, OpenPromotion, Proposal, VersionQuery
from bot.platform import Platform
from bot.registry import Registry

VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Selection:
    model: str | None = None
    environment: str | None = None
    version: str | None = None
    # A pinned version was asked for by a person: it may move backwards, skip the promotion
    # path and soak time, and lift a rollback hold. An unpinned one (a webhook's, or the
    # upstream environment's) goes through every check.
    pinned: bool = True
    # Where the selection came from, so errors use the words the user wrote:
    # "cli" (--model/--version), "input" (action inputs) or "client_payload" (a webhook).
    origin: str = "cli"

    @property
    def explicit(self) -> bool:
        return self.version is not None and self.pinned


@dataclass(frozen=True)
class Result:
    """The outcome for one promotion unit (model, environment and, when split, cluster)."""

    model: str
    environment: str
    status: str  # planned | opened | updated | unchanged | failed
    reason: str
    deployed: Deployed = field(default_factory=lambda: Deployed(None, None))
    candidate: ModelVersion | None = None
    proposal: Proposal | None = None
    pr_number: int | None = None
    pr_url: str | None = None
    open_pr: OpenPromotion | None = None
    cluster: str | None = None
    gates: tuple[Verdict, ...] = ()


def _mlflow(cfg: RegistryConfig) -> Registry:
    from bot.registry.mlflow import MlflowRegistry

    assert isinstance(cfg, MlflowRegistryConfig)
    return MlflowRegistry(cfg.tracking_uri, cfg.registry_uri, cfg.ui_url)


def _s3(cfg: RegistryConfig) -> Registry:
    from bot.registry.s3 import S3Registry

    assert isinstance(cfg, S3RegistryConfig)
    return S3Registry(
        cfg.bucket,
        prefix=cfg.prefix,
        layout=cfg.layout,
        pointer_key=cfg.pointer_key,
        endpoint_url=cfg.endpoint_url,
        region=cfg.region,
    )


REGISTRIES: dict[str, Callable[[RegistryConfig], Registry]] = {"mlflow": _mlflow, "s3": _s3}


@dataclass
class Context:
    """One run's collaborators; registries are built on first use, files read once."""

    config: Config
    platform: Platform
    registry_factory: Callable[[RegistryConfig], Registry] | None = None
    now: Callable[[], float] = time.time
    _registries: dict[str, Registry] = field(default_factory=dict)
    _files: dict[str, str | None] = field(default_factory=dict)

    def registry(self, model_key: str) -> Registry:
        name = self.config.registry_of(model_key)
        if name not in self._registries:
            cfg = self.config.registries[name]
            factory = self.registry_factory or REGISTRIES[cfg.type]
            self._registries[name] = factory(cfg)
        return self._registries[name]

    def files(self, paths: list[str]) -> dict[str, str | None]:
        for path in paths:
            if path not in self._files:
                self._files[path] = self.platform.read_file(path)
        return {path: self._files[path] for path in paths}


def query_of(config: Config, key: str) -> VersionQuery:
    model: Model = config.models[key]
    alias = model.validated.alias
    if model.select.strategy == "alias":
        alias = model.select.alias
    return VersionQuery(
        model=key,
        registered_name=model.registered_model or key,
        validated_tags=dict(model.validated.tags),
        validated_alias=alias,
        image_tag_key=model.image.tag_from,
        image_digest_key=model.image.digest_from,
        metrics=tuple(model.metrics),
    )
