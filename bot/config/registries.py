"""The registries a config can declare: one model per registry type, discriminated by ``type``.

A new registry type adds its model here and to ``RegistryConfig``, and a factory line to the
table in ``bot.registry``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator

from bot import template
from bot.config.targets import Strict, check_template


class MlflowRegistryConfig(Strict):
    has_aliases: ClassVar[bool] = True

    type: Literal["mlflow"]
    tracking_uri: str | None = Field(None, description="Default: MLFLOW_TRACKING_URI.")
    registry_uri: str | None = Field(None, description="Default: the tracking URI.")
    ui_url: str | None = Field(None, description="Base URL for links in PR bodies.")


class S3RegistryConfig(Strict):
    """Versions in an S3 bucket (or an S3-compatible store): a pointer object or manifests."""

    has_aliases: ClassVar[bool] = False

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
