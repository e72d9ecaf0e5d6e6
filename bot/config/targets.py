"""The target kinds of the promotion config: which file and which scalar a promotion sets,
and the template of the value written there."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from bot import overlays, template
from bot.policy import gates

# One scalar a target sets: where it is, and the template of the value written there.
Edit = tuple[overlays.Locator, str]


class Strict(BaseModel):
    # defer_build: a model's validator is built on first use, not at import; a run builds
    # the root's (``Config``) alone, with every section inside it, rather than one per class.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


# Default factories for the models' lists and mappings. Not ``list`` or ``dict`` themselves:
# pydantic reads each factory's signature, and a builtin's costs a tokenizer run (about 10 ms
# on a process's first, 0.5 ms each after) where a function's is cheap.
def new_list() -> list[Any]:
    return []


def new_dict() -> dict[str, Any]:
    return {}


def safe_relative(path: str) -> str:
    parts = path.replace("\\", "/").split("/")
    if path.startswith("/") or ".." in parts or not path.strip():
        raise ValueError(f"must be a path inside the repository, got {path!r}")
    return path


def check_gates(value: list[str]) -> list[str]:
    for text in value:
        gates.parse(text)
    return value


def check_template(value: str | None) -> str | None:
    if value is not None:
        template.check(value)
    return value


RelPath = Annotated[str, Field(description="File path relative to the repository root.")]


class TargetBase(Strict):
    file: RelPath

    _file = field_validator("file")(safe_relative)
    # Where the target is in the config (`file:line: models.m.environments.e.targets[i]`),
    # set by `bot.config.load.parse` so that target errors point at the config line.
    _origin: str = PrivateAttr("")

    @property
    def origin(self) -> str:
        return self._origin

    def edits(self) -> list[Edit]:
        """What this target sets in its file: each scalar's locator and value template."""
        raise NotImplementedError


class ValueTarget(TargetBase):
    """A target that writes one scalar from a template (every kind but kustomize-image)."""

    value: str = Field("{version}", description="Template of the value written.")

    _tpl = field_validator("value")(check_template)

    def edits(self) -> list[Edit]:
        return [(self.locator(), self.value)]

    def locator(self) -> overlays.Locator:
        raise NotImplementedError


Aliases = Literal["refuse", "update"]
ALIASES_DOC = (
    "A value shared through a YAML anchor or merge key: refuse (default) names every path "
    "that shares it; update writes it and lists every changed path in the plan and the PR."
)


class KustomizeImageTarget(TargetBase):
    """An ``images:`` entry of a kustomization.yaml (the inference server image)."""

    kind: Literal["kustomize-image"]
    image: str = Field(description="The entry's `name` in `images:`.")
    new_tag: str | None = Field("{image_tag}", description="Template for `newTag`; null to leave.")
    new_name: str | None = Field(None, description="Template for `newName`, e.g. a registry path.")
    digest: str | None = Field(
        None,
        description="Template for `digest`, e.g. `{image_digest}`; with `new_tag`, both are "
        "written together and an empty digest removes a stale one.",
    )
    require_digest: bool = Field(
        False,
        description="Refuse to leave the entry without a digest; `digest` defaults to "
        "`{image_digest}` (set `image.digest_from`).",
    )
    aliases: Aliases = Field("refuse", description=ALIASES_DOC)

    _tpl = field_validator("new_tag", "new_name", "digest")(check_template)

    def edits(self) -> list[Edit]:
        digest = self.digest
        if digest is None and self.require_digest:
            digest = "{image_digest}"
        fields: list[tuple[overlays.ImageField, str | None]] = [("newName", self.new_name)]
        if self.new_tag is not None and digest is not None:
            # One slot for both: a tag next to an old digest would deploy the old image.
            fields.insert(0, ("newTag@digest", f"{self.new_tag}@{digest}"))
        else:
            fields += [("newTag", self.new_tag), ("digest", digest)]
        return [(self._locator(name), tpl) for name, tpl in fields if tpl is not None]

    def _locator(self, name: overlays.ImageField) -> overlays.KustomizeImage:
        return overlays.KustomizeImage(
            self.image, name, require_digest=self.require_digest, aliases=self.aliases
        )


class ConfigMapTarget(ValueTarget):
    """A ``data`` key of a ConfigMap manifest (e.g. overlays/prod/model-config.yaml)."""

    kind: Literal["configmap"]
    key: str = Field(description="Key under `data`, e.g. MODEL_VERSION.")
    name: str | None = Field(None, description="metadata.name, when the file has several.")
    aliases: Aliases = Field("refuse", description=ALIASES_DOC)

    def locator(self) -> overlays.Locator:
        return overlays.ConfigMapData(self.key, self.name, self.aliases)


class GeneratorTarget(ValueTarget):
    """A ``configMapGenerator`` literal ``KEY=value`` in a kustomization.yaml."""

    kind: Literal["configmap-generator"]
    key: str = Field(description="Literal key, e.g. MODEL_VERSION.")
    generator: str | None = Field(None, description="Generator `name`, when several have the key.")
    aliases: Aliases = Field("refuse", description=ALIASES_DOC)

    def locator(self) -> overlays.Locator:
        return overlays.GeneratorLiteral(self.key, self.generator, self.aliases)


class YamlTarget(ValueTarget):
    """Any scalar by key path, e.g. Helm values ``model.version`` or ``image.tag``."""

    kind: Literal["yaml"]
    path: str = Field(description="Dotted key path, e.g. model.version or servers[0].tag.")
    document: int | None = Field(None, ge=0, description="Index of the `---` document.")
    aliases: Aliases = Field("refuse", description=ALIASES_DOC)

    def locator(self) -> overlays.Locator:
        return overlays.YamlPath(overlays.parse_path(self.path), self.document, self.aliases)


class JsonPatchTarget(ValueTarget):
    """The ``value`` of an inline JSON 6902 patch op in a kustomization.yaml."""

    kind: Literal["json-patch"]
    op_path: str = Field(description="The op's `path`, e.g. /data/model_version.")
    target: str | None = Field(None, description="Patch target name, when several match.")

    def locator(self) -> overlays.Locator:
        return overlays.JsonPatchValue(self.op_path, self.target)


class ContainerImageTarget(ValueTarget):
    """The ``image:`` of a named container in a workload (Deployment, Argo Rollout, ...)."""

    kind: Literal["container-image"]
    container: str = Field(description="Container name, e.g. vllm.")
    workload: str | None = Field(None, description="metadata.name, when several match.")
    kinds: list[str] | None = Field(
        None,
        description="Workload kinds searched; default Deployment, StatefulSet, DaemonSet, "
        "Rollout, Job, CronJob.",
    )
    part: Literal["tag", "digest", "image"] = Field(
        "tag", description="tag: after the last ':'; digest: after '@'; image: the whole string."
    )
    value: str = Field("{image_tag}", description="Template of the value written.")
    aliases: Aliases = Field("refuse", description=ALIASES_DOC)

    def locator(self) -> overlays.Locator:
        kinds = tuple(self.kinds) if self.kinds else overlays.WORKLOAD_KINDS
        return overlays.ContainerImage(
            self.container, kinds, name=self.workload, part=self.part, aliases=self.aliases
        )


class EnvFileTarget(ValueTarget):
    """``KEY=value`` in an env file read by a ``configMapGenerator`` (``envs:``), such as
    KServe's ``params.env``; ``file`` is the env file itself."""

    kind: Literal["env-file"]
    key: str = Field(description="Key of the `KEY=value` line, e.g. MODEL_VERSION.")

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        overlays.EnvFileKey(value)  # raises ValueError for a key no env file can hold
        return value

    def locator(self) -> overlays.Locator:
        return overlays.EnvFileKey(self.key)


Target = Annotated[
    KustomizeImageTarget
    | ConfigMapTarget
    | GeneratorTarget
    | YamlTarget
    | JsonPatchTarget
    | ContainerImageTarget
    | EnvFileTarget,
    Field(discriminator="kind"),
]
