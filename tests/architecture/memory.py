"""A registry and a platform that exist only in the tests, kept in memory. They plug into the
bot through its tables alone (``bot.registry.REGISTRIES``, ``bot.platform.PLATFORMS``), which is
the whole of what adding a registry or a platform should take."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.model import (
    ClosedPromotion,
    CommitInfo,
    DeploymentRecord,
    ModelVersion,
    OpenPromotion,
    Proposal,
    Published,
    Pushed,
    VersionQuery,
)
from bot.platform.base import Base


@dataclass
class MemoryRegistry:
    """Versions by number, each with its tags; validated when every validated tag matches."""

    versions: dict[str, dict[str, str]]
    recorded: list[tuple[str, str, str]] = field(default_factory=list)

    def sort_key(self, version: str) -> tuple[int]:
        return (int(version),)

    def _build(self, query: VersionQuery, version: str) -> ModelVersion:
        tags = self.versions[version]
        return ModelVersion(
            query.model, query.registered_name, version, tags.get(query.image_tag_key), tags=tags
        )

    def newest_validated(self, query: VersionQuery) -> ModelVersion | None:
        found = self.validated_versions(query, 1)
        return found[0] if found else None

    def get_version(self, query: VersionQuery, version: str) -> ModelVersion | None:
        return self._build(query, version) if version in self.versions else None

    def is_validated(self, query: VersionQuery, version: ModelVersion) -> bool:
        return all(version.tags.get(k) == v for k, v in query.validated_tags.items())

    def complete(self, query: VersionQuery, version: ModelVersion) -> ModelVersion:
        return replace(version, metrics={"accuracy": 0.9})

    def validated_versions(self, query: VersionQuery, limit: int) -> list[ModelVersion]:
        newest = sorted(self.versions, key=int, reverse=True)
        found = [self._build(query, v) for v in newest]
        return [v for v in found if self.is_validated(query, v)][:limit]

    def recent(self, query: VersionQuery, limit: int) -> list[ModelVersion]:
        return [self.complete(query, v) for v in self.validated_versions(query, limit)]

    def record_deployment(self, query: VersionQuery, record: DeploymentRecord) -> bool:
        self.recorded.append((record.version.version, record.environment, record.commit_sha))
        return True


@dataclass
class MemoryChat:
    said: list[tuple[int, str]] = field(default_factory=list)

    def react(self, issue_number: int, comment_id: int, content: str) -> None:
        self.said.append((issue_number, f"reaction {content}"))

    def reply(self, issue_number: int, body: str) -> str:
        self.said.append((issue_number, body))
        return f"memory://issues/{issue_number}"

    def permission(self, login: str) -> str:
        return "write"

    def in_team(self, org: str, team: str, login: str) -> bool:
        return False

    def tell_closed(self, closed: ClosedPromotion, text: str) -> None:
        self.said.append((closed.number, text))


@dataclass
class MemoryPlatform:
    """One branch of files; promotion branches and their PRs as plain dicts."""

    files: dict[str, str]
    branches: dict[str, dict[str, str]] = field(default_factory=dict)
    pulls: dict[str, Proposal] = field(default_factory=dict)
    chats: MemoryChat = field(default_factory=MemoryChat)
    name: str = "memory"

    @classmethod
    def from_tree(cls, root: Path) -> MemoryPlatform:
        files = {
            p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in root.rglob("*")
            if p.is_file()
        }
        return cls(files)

    def base(self) -> Base:
        return Base("main", "0" * 40)

    def read_file(self, path: str, ref: str | None = None) -> str | None:
        return self.branches.get(ref or "", self.files).get(path)

    def read_default_branch(self, path: str) -> str | None:
        return self.files.get(path)

    def file_history(
        self, path: str | None, limit: int, since: int | None = None
    ) -> list[CommitInfo]:
        return []

    def open_promotions(self, prefix: str) -> dict[str, OpenPromotion]:
        return {
            branch: OpenPromotion(branch, branch, len(self.pulls), None, proposal.promotion)
            for branch, proposal in self.pulls.items()
            if branch.startswith(prefix + "/")
        }

    def closed_promotions(self, prefix: str) -> list[ClosedPromotion]:
        return []

    def reviewed(self, number: int) -> bool:
        return False

    def announce(self, number: int, text: str, key: str) -> None:
        self.chats.said.append((number, text))

    def push(self, proposal: Proposal, existing: OpenPromotion | None) -> Pushed:
        tree = dict(self.files)
        tree.update({change.path: change.new_text for change in proposal.changes})
        self.branches[proposal.branch] = tree
        return Pushed(proposal.branch, proposal.branch)

    def propose(
        self, proposal: Proposal, pushed: Pushed, existing: OpenPromotion | None
    ) -> Published:
        self.pulls[proposal.branch] = proposal
        number = list(self.pulls).index(proposal.branch) + 1
        action = "updated" if existing else "opened"
        return Published(action, pushed.branch, pushed.sha, number, f"memory://pulls/{number}")

    def chat(self) -> MemoryChat:
        return self.chats
