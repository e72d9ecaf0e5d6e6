"""Plain data passed between the layers: registry -> policy -> plan -> platform."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class VersionQuery:
    """What the registry adapter needs to know about one model; built from the config."""

    model: str  # the model's key in the config
    registered_name: str  # name in the registry
    validated_tags: Mapping[str, str] = field(default_factory=dict)
    validated_alias: str | None = None
    image_tag_key: str = "image_tag"
    image_digest_key: str | None = None
    metrics: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelVersion:
    """One registry version, with everything a promotion PR reports about it."""

    model: str
    registered_name: str
    version: str
    image_tag: str | None
    image_digest: str | None = None
    run_id: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    created_ms: int | None = None
    aliases: tuple[str, ...] = ()
    url: str | None = None  # registry UI page of the version
    run_url: str | None = None  # registry UI page of its source run

    def values(self) -> dict[str, str]:
        """The placeholders a target's value template may use."""
        return {
            "model": self.registered_name,
            "version": self.version,
            "image_tag": self.image_tag or "",
            "image_digest": self.image_digest or "",
        }
