"""The locators: where in an overlay file the one scalar a target sets lives.

Kept apart from ``__init__`` so the per-kind modules can import them without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ImageField = Literal["newTag", "newName", "digest", "newTag@digest"]
IMAGE_FIELDS: tuple[ImageField, ...] = ("newTag", "newName", "digest", "newTag@digest")

# What a write does to a scalar that other places share through an anchor or a merge key:
# refuse (naming every path), or update it, and with it every path that shares it.
AliasRule = Literal["refuse", "update"]
ALIAS_RULES: tuple[AliasRule, ...] = ("refuse", "update")


def _check_aliases(rule: object) -> None:
    if rule not in ALIAS_RULES:
        raise ValueError(f"aliases must be one of {', '.join(ALIAS_RULES)}")


@dataclass(frozen=True)
class KustomizeImage:
    """An entry of ``images:`` in a kustomization.yaml, matched by its ``name``.

    ``newTag@digest`` reads and writes the tag and the digest together (``v2@sha256:...``);
    a value without ``@digest`` sets the tag and removes a stale digest, as does a plain
    ``newTag`` write: kustomize renders ``name:tag@digest`` and runtimes pull by digest.
    ``require_digest`` refuses any write that would leave the entry without a digest.
    """

    image: str
    field: ImageField = "newTag"
    require_digest: bool = False
    aliases: AliasRule = "refuse"

    def __post_init__(self) -> None:
        # The dataclass is built from config at runtime, where Literal is not enforced.
        if self.field not in IMAGE_FIELDS:
            raise ValueError(f"image field must be one of {', '.join(IMAGE_FIELDS)}")
        _check_aliases(self.aliases)


@dataclass(frozen=True)
class ConfigMapData:
    """``data.<key>`` of a ConfigMap document (the file may hold several ``---`` documents)."""

    key: str
    name: str | None = None  # metadata.name, to pick one ConfigMap when the file has several
    aliases: AliasRule = "refuse"

    def __post_init__(self) -> None:
        _check_aliases(self.aliases)


@dataclass(frozen=True)
class GeneratorLiteral:
    """A ``configMapGenerator[].literals[]`` item ``KEY=value`` in a kustomization.yaml."""

    key: str
    generator: str | None = None  # the generator's name; needed only when several have the key
    aliases: AliasRule = "refuse"

    def __post_init__(self) -> None:
        _check_aliases(self.aliases)


@dataclass(frozen=True)
class YamlPath:
    """Any scalar by key path, e.g. Helm values ``model.version`` or ``servers[0].image.tag``."""

    path: tuple[str | int, ...]
    document: int | None = None  # which ``---`` document; default: the only one with the path
    aliases: AliasRule = "refuse"

    def __post_init__(self) -> None:
        if not self.path:
            raise ValueError("empty key path")
        _check_aliases(self.aliases)


@dataclass(frozen=True)
class JsonPatchValue:
    """The ``value`` of the op whose ``path`` is ``op_path`` in an inline JSON 6902 patch."""

    op_path: str  # e.g. "/data/model_version"
    target_name: str | None = None  # the patch target's name, when several patches have the op


ImagePart = Literal["image", "tag", "digest"]
IMAGE_PARTS: tuple[ImagePart, ...] = ("image", "tag", "digest")

# Where each workload kind keeps its pod spec (containers and initContainers live there).
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Rollout": ("spec", "template", "spec"),  # Argo Rollouts
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}
WORKLOAD_KINDS: tuple[str, ...] = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Rollout",
    "Job",
    "CronJob",
)


@dataclass(frozen=True)
class ContainerImage:
    """The ``image`` of the container named ``container`` in a workload manifest.

    The container is looked up in ``containers`` and ``initContainers`` of every document
    whose ``kind`` is in ``kinds``; ``name`` (``metadata.name``) picks one workload when
    several have such a container. ``part`` is the piece of the image reference that is
    read and written:

    - ``tag``: what follows the last ``:`` after the last ``/`` (a registry port is not a
      tag). Writing a tag appends ``:tag`` when there is none, and drops a ``@digest``: the
      digest pins the old image and would win over the new tag.
    - ``digest``: what follows ``@`` (``sha256:...``); writing it keeps ``repository[:tag]``.
    - ``image``: the whole string.
    """

    container: str
    kinds: tuple[str, ...] = WORKLOAD_KINDS
    name: str | None = None  # metadata.name, to pick one workload when several match
    part: ImagePart = "tag"
    aliases: AliasRule = "refuse"

    def __post_init__(self) -> None:
        # Built from config at runtime, where neither Literal nor tuple[str, ...] is enforced.
        _check_aliases(self.aliases)
        if self.part not in IMAGE_PARTS:
            raise ValueError(f"image part must be one of {', '.join(IMAGE_PARTS)}")
        if not self.container:
            raise ValueError("empty container name")
        if isinstance(self.kinds, str):
            raise ValueError(f"kinds must be a list of kinds, e.g. [{self.kinds}], not a string")
        kinds = tuple(self.kinds)
        if not kinds:
            raise ValueError("kinds is empty")
        unknown = [kind for kind in kinds if kind not in POD_SPEC_PATHS]
        if unknown:
            raise ValueError(
                f"unsupported workload kind {unknown[0]!r}; supported: {', '.join(POD_SPEC_PATHS)}"
            )
        object.__setattr__(self, "kinds", kinds)  # a list from config becomes a hashable tuple


@dataclass(frozen=True)
class EnvFileKey:
    """``KEY=value`` in an env file that a ``configMapGenerator`` reads through ``envs:``.

    The locator names the key; the file is the target's own (see ``envfile.env_files`` to
    find it from the kustomization).
    """

    key: str

    def __post_init__(self) -> None:
        if not self.key or "=" in self.key or self.key != self.key.strip():
            raise ValueError(f"invalid env file key {self.key!r}: no '=' and no blanks around it")


Locator = (
    KustomizeImage
    | ConfigMapData
    | GeneratorLiteral
    | YamlPath
    | JsonPatchValue
    | ContainerImage
    | EnvFileKey
)
