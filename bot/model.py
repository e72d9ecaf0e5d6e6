"""Plain data passed between the layers: registry -> policy -> plan -> platform."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


@dataclass(frozen=True)
class Proposal:
    """Everything a platform needs to open or update one promotion PR.

    ``text`` is the PR body, or a call that returns it: when no gate reads the metrics, the
    body's metrics table is still arriving from the registry while the platform commits.
    """

    promotion: PromotionId
    branch: str
    title: str
    text: str | Callable[[], str]
    commit_message: str
    changes: tuple[FileChange, ...]
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    team_reviewers: tuple[str, ...] = ()
    draft: bool = False

    @property
    def body(self) -> str:
        return self.text if isinstance(self.text, str) else self.text()


@dataclass(frozen=True)
class Published:
    action: str  # "opened" | "updated"
    branch: str
    commit_sha: str
    number: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    message: str
    timestamp: int  # committer time, seconds since the epoch
