"""The locators: where in an overlay file the one scalar a target sets lives.

Kept apart from ``__init__`` so the per-kind modules can import them without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ImageField = Literal["newTag", "newName", "digest"]
IMAGE_FIELDS: tuple[ImageField, ...] = ("newTag", "newName", "digest")


@dataclass(frozen=True)
class KustomizeImage:
    """An entry of ``images:`` in a kustomization.yaml, matched by its ``name``."""

    image: str
    field: ImageField = "newTag"

    def __post_init__(self) -> None:
        # The dataclass is built from config at runtime, where Literal is not enforced.
        if self.field not in IMAGE_FIELDS:
            raise ValueError(f"image field must be one of {', '.join(IMAGE_FIELDS)}")


@dataclass(frozen=True)
class ConfigMapData:
    """``data.<key>`` of a ConfigMap document (the file may hold several ``---`` documents)."""

    key: str
    name: str | None = None  # metadata.name, to pick one ConfigMap when the file has several


@dataclass(frozen=True)
class GeneratorLiteral:
    """A ``configMapGenerator[].literals[]`` item ``KEY=value`` in a kustomization.yaml."""

    key: str
    generator: str | None = None  # the generator's name; needed only when several have the key


@dataclass(frozen=True)
class YamlPath:
    """Any scalar by key path, e.g. Helm values ``model.version`` or ``servers[0].image.tag``."""

    path: tuple[str | int, ...]
    document: int | None = None  # which ``---`` document; default: the only one with the path

    def __post_init__(self) -> None:
        if not self.path:
            raise ValueError("empty key path")


@dataclass(frozen=True)
class JsonPatchValue:
    """The ``value`` of the op whose ``path`` is ``op_path`` in an inline JSON 6902 patch."""

    op_path: str  # e.g. "/data/model_version"
    target_name: str | None = None  # the patch target's name, when several patches have the op


Locator = KustomizeImage | ConfigMapData | GeneratorLiteral | YamlPath | JsonPatchValue
