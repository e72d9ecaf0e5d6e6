"""Registry sources: where validated model versions come from.

Each source is a package or module with a class satisfying ``Registry``, listed once in
``REGISTRIES`` by the ``type`` its config model declares (``bot.config.registries``). Only
``bot.pipeline`` builds them, from this table. Sources never import platforms or editors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from bot.model import DeploymentRecord, ModelVersion, VersionQuery

if TYPE_CHECKING:
    from bot.config import RegistryConfig


class Registry(Protocol):
    def sort_key(self, version: str) -> tuple[Any, ...]:
        """Orders versions the registry's way, oldest first: MLflow by creation (its numbers),
        S3 by ``bot.registry.s3.manifest.version_key``. Holds and "never backwards" use it."""
        ...

    def newest_validated(self, query: VersionQuery) -> ModelVersion | None:
        """The highest validated version of ``query.registered_name``, or None if there is none."""
        ...

    def get_version(self, query: VersionQuery, version: str) -> ModelVersion | None:
        """One version by number (validated or not), or None if it does not exist."""
        ...

    def is_validated(self, query: VersionQuery, version: ModelVersion) -> bool:
        """Whether ``version`` meets the model's validation rule (tags and/or alias)."""
        ...

    def complete(self, query: VersionQuery, version: ModelVersion) -> ModelVersion:
        """``version`` with the metrics and links a PR body needs (may cost a request)."""
        ...

    def validated_versions(self, query: VersionQuery, limit: int) -> list[ModelVersion]:
        """Up to ``limit`` validated versions, newest first; metrics may be left empty."""
        ...

    def recent(self, query: VersionQuery, limit: int) -> list[ModelVersion]:
        """Up to ``limit`` validated versions, newest first, with their metrics and
        descriptions: the PR body's versions since the deployed one and metric history."""
        ...

    def record_deployment(self, query: VersionQuery, record: DeploymentRecord) -> bool:
        """Record that ``record.version`` runs in ``record.environment`` (after merge).

        Idempotent: returns False when the registry already says so.
        """
        ...


def _mlflow(cfg: RegistryConfig) -> Registry:
    from bot.config import MlflowRegistryConfig
    from bot.registry.mlflow import MlflowRegistry

    assert isinstance(cfg, MlflowRegistryConfig)
    return MlflowRegistry(cfg.tracking_uri, cfg.registry_uri, cfg.ui_url)


def _s3(cfg: RegistryConfig) -> Registry:
    from bot.config import S3RegistryConfig
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


# type (as in the config) -> factory. Sources are imported on first use: the CLI starts fast.
REGISTRIES: dict[str, Callable[[RegistryConfig], Registry]] = {"mlflow": _mlflow, "s3": _s3}
