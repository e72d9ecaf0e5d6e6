"""The promotion config (``.github/promotion.yml``): typed models, strict loading, clear errors.

``models`` (the root and its sections), ``registries`` and ``targets`` (one model per registry
type and per target kind) are the single source of truth: ``schema`` generates the published
JSON Schema from them, ``load`` reads a file against them, ``errors`` words what is wrong.
"""

from __future__ import annotations

from bot.config.load import cross_check, load, parse
from bot.config.models import NAME_PATTERN, Cluster, Config, Deploy, Environment, Metric, Model
from bot.config.registries import MlflowRegistryConfig, RegistryConfig, S3RegistryConfig
from bot.config.targets import (
    ConfigMapTarget,
    ContainerImageTarget,
    EnvFileTarget,
    GeneratorTarget,
    JsonPatchTarget,
    KustomizeImageTarget,
    Target,
    TargetBase,
    YamlTarget,
)

__all__ = [
    "NAME_PATTERN",
    "Cluster",
    "Config",
    "ConfigMapTarget",
    "ContainerImageTarget",
    "Deploy",
    "EnvFileTarget",
    "Environment",
    "GeneratorTarget",
    "JsonPatchTarget",
    "KustomizeImageTarget",
    "Metric",
    "MlflowRegistryConfig",
    "Model",
    "RegistryConfig",
    "S3RegistryConfig",
    "Target",
    "TargetBase",
    "YamlTarget",
    "cross_check",
    "load",
    "parse",
]
