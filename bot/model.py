"""Plain data passed between the layers: registry -> policy -> plan -> platform."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


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
    # Where the version's files are (MLflow: the version's `source`), for `{source_uri}`.
    source_uri: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    created_ms: int | None = None
    aliases: tuple[str, ...] = ()
    url: str | None = None  # registry UI page of the version
    description: str | None = None  # the registry's text about the version (untrusted)
    run_url: str | None = None  # registry UI page of its source run

    def values(self) -> dict[str, str]:
        """The placeholders a target's value template may use, unchecked: ``template.render``
        checks each value it writes (``tag:<name>`` for every version tag; ``run_id`` and
        ``source_uri`` only when the registry has them)."""
        out = {
            "model": self.registered_name,
            "version": self.version,
            "image_tag": self.image_tag or "",
            "image_digest": self.image_digest or "",
        }
        if self.run_id:
            out["run_id"] = self.run_id
        if self.source_uri:
            out["source_uri"] = self.source_uri
        out.update({f"tag:{name}": value for name, value in self.tags.items()})
        return out


@dataclass(frozen=True)
class Deployed:
    """What an environment's overlays declare now, read back through the value templates."""

    version: str | None
    image_tag: str | None


@dataclass(frozen=True)
class Edit:
    """One scalar changed in one file."""

    file: str
    where: str  # human description of the target, e.g. images[name=inference].newTag
    old: str | None
    new: str


@dataclass(frozen=True)
class FileChange:
    path: str
    old_text: str
    new_text: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class PromotionId:
    """Identifies the promotion a pull request (or local branch) carries."""

    model: str
    environment: str
    version: str
    image_tag: str | None


@dataclass(frozen=True)
class OpenPromotion:
    """An open promotion PR on the platform (locally: an existing promotion branch)."""

    branch: str
    head_sha: str
    number: int | None = None
    url: str | None = None
    # None when the PR carries no promotion marker, or (GitHub) when the run that opened it
    # stopped before its last step: the next run then publishes again and finishes it.
    promotion: PromotionId | None = None
    # What the PR has now (GitHub; empty locally), so that only what is missing is added.
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()  # requested, not yet reviewed
    team_reviewers: tuple[str, ...] = ()
    pinned: bool = False  # a person chose its version: not replaced by a newer one
    reviewed: bool = False  # someone reviewed it: a newer version is announced, not pushed
    conflicting: bool = False  # GitHub says it conflicts with the base: rebuilt on it


@dataclass(frozen=True)
class ClosedPromotion:
    """A promotion PR someone closed without merging: it rejects its version for its unit."""

    branch: str
    number: int
    url: str
    promotion: PromotionId
    told: bool = False  # the bot has said so in a comment on it (recorded in its body)


@dataclass(frozen=True)
class Proposal:
    """Everything a platform needs to commit one promotion and open or update its PR.

    ``body`` is the PR body as text; the pipeline fills it in before the PR step, once the
    registry details it shows have arrived (the commit does not wait for them).
    """

    promotion: PromotionId
    branch: str
    title: str
    commit_message: str
    changes: tuple[FileChange, ...]
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    team_reviewers: tuple[str, ...] = ()
    draft: bool = False
    body: str = ""
    pinned: bool = False  # chosen by a person (the marker says so)


@dataclass(frozen=True)
class Pushed:
    """The promotion commit on its branch: what the platform's PR step builds on."""

    branch: str
    sha: str
    # What the branch proposed before this push, when it was the bot's (for the
    # "supersedes" comment), and whether this push moved it to another promotion.
    was: PromotionId | None = None
    moved: bool = False


@dataclass(frozen=True)
class Published:
    action: Literal["opened", "updated"]
    branch: str
    commit_sha: str
    number: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class DeploymentRecord:
    """What write-back tells a registry: ``version`` runs in ``environment`` since
    ``commit_sha`` (``alias`` is the registry alias to point at it; ``when`` is ISO 8601 UTC)."""

    version: ModelVersion
    environment: str
    commit_sha: str
    alias: str
    when: str


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    message: str
    timestamp: int  # committer time, seconds since the epoch
    parents: tuple[str, ...] = ()


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
    # A group (``groups:``): its members, in the environments they share, in one PR.
    group: str | None = None

    @property
    def explicit(self) -> bool:
        return self.version is not None and self.pinned
