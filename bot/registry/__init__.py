"""Registry sources: where validated model versions come from.

Each source is a plain module with a class satisfying ``Registry``; ``pipeline`` picks one by
the ``type`` of the registry in the config. Sources never import platforms or editors.
"""

from __future__ import annotations

from typing import Protocol

from bot.model import ModelVersion, VersionQuery


class Registry(Protocol):
    # Whether ``created_ms`` is when a version was registered, never changes, and grows with
    # the version number (MLflow). The rollback-hold lookup then reads only recent history.
    ordered_creation: bool

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

    def record_deployment(
        self,
        query: VersionQuery,
        version: ModelVersion,
        environment: str,
        commit_sha: str,
        alias: str,
        when: str,
    ) -> bool:
        """Record that ``version`` runs in ``environment`` since ``commit_sha`` (after merge).

        Idempotent: returns False when the registry already says so.
        """
        ...
