"""Applications of the double, and the stages of a sync the test walks them through.

A stage is what Argo CD reports at one moment after a new revision lands in Git:

``synced``        Synced and Healthy on ``old_revision``, running ``old_images`` (before)
``out-of-sync``   the refresh saw ``new_revision``; the live state is still the old one
``syncing``       a sync operation to ``new_revision`` is Running; pods are Progressing
``healthy``       Synced to ``new_revision``, operation Succeeded, Healthy, ``new_images``
``progressing``   Synced to ``new_revision``, the rollout has not finished
``degraded``      Synced to ``new_revision``, operation Succeeded, but Degraded
``sync-failed``   the sync operation to ``new_revision`` Failed; the old pods still run

``FakeApp.timeline`` lists the stages in order; ``FakeArgoCD.advance`` moves one step.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

STAGES = (
    "synced",
    "out-of-sync",
    "syncing",
    "healthy",
    "progressing",
    "degraded",
    "sync-failed",
)
ROLLOUT = ("out-of-sync", "syncing", "healthy")
DEGRADE = ("out-of-sync", "syncing", "degraded")
FAIL = ("out-of-sync", "syncing", "sync-failed")


@dataclass
class FakeApp:
    name: str
    repo_url: str
    path: str
    old_revision: str
    new_revision: str = ""
    old_images: tuple[str, ...] = ()
    new_images: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    project: str = "default"
    namespace: str = "argocd"
    timeline: list[str] = field(default_factory=lambda: list(ROLLOUT))
    stage: str = "synced"
    extra_sources: list[dict[str, Any]] = field(default_factory=list)  # multi-source apps
    health_since: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def go(self, stage: str, now: datetime) -> None:
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")
        before = self.health
        self.stage = stage
        if self.health != before:
            self.health_since = now

    @property
    def health(self) -> str:
        return {
            "syncing": "Progressing",
            "progressing": "Progressing",
            "degraded": "Degraded",
        }.get(self.stage, "Healthy")

    def document(self) -> dict[str, Any]:
        """The Application as ``GET /api/v1/applications/{name}`` returns it."""
        source = {"repoURL": self.repo_url, "path": self.path, "targetRevision": "main"}
        spec: dict[str, Any] = {
            "project": self.project,
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "ml"},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
        }
        if self.extra_sources:
            spec["sources"] = [source, *self.extra_sources]
        else:
            spec["source"] = source
        return {
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": dict(self.labels),
                "uid": f"{zlib.crc32(self.name.encode()):08x}-0000-4000-8000-000000000000",
                "resourceVersion": "4711",
                "creationTimestamp": "2026-01-05T10:00:00Z",
            },
            "spec": spec,
            "status": self._status(),
        }

    def _status(self) -> dict[str, Any]:
        new = self.stage != "synced"
        desired = self.new_revision if new else self.old_revision
        applied = self.stage in ("healthy", "progressing", "degraded", "syncing")
        synced = self.stage in ("synced", "healthy", "progressing", "degraded")
        status: dict[str, Any] = {
            "sync": self._revisions({"status": "Synced" if synced else "OutOfSync"}, desired),
            "health": {"status": self.health, "lastTransitionTime": _iso(self.health_since)},
            "summary": {"images": list(self.new_images if applied else self.old_images)},
            "reconciledAt": _iso(self.health_since),
            "sourceType": "Kustomize",
        }
        if self.stage == "degraded":
            status["health"]["message"] = f'Deployment "{self.name}" exceeded its progress deadline'
        operation = self._operation()
        if operation:
            status["operationState"] = operation
        return status

    def _operation(self) -> dict[str, Any]:
        if self.stage == "out-of-sync":
            return self._finished(self.old_revision, "Succeeded", "successfully synced")
        if self.stage == "syncing":
            return {
                "operation": {"sync": self._revisions({}, self.new_revision)},
                "phase": "Running",
                "message": "waiting for healthy state of apps/Deployment/" + self.name,
                "startedAt": _iso(self.health_since),
            }
        if self.stage == "sync-failed":
            message = (
                "one or more objects failed to apply, reason: admission webhook denied "
                f"the request: image {self.new_images[0] if self.new_images else '?'} "
                "is not signed"
            )
            return self._finished(self.new_revision, "Failed", message)
        revision = self.old_revision if self.stage == "synced" else self.new_revision
        return self._finished(revision, "Succeeded", "successfully synced (all tasks run)")

    def _finished(self, revision: str, phase: str, message: str) -> dict[str, Any]:
        return {
            "operation": {"sync": self._revisions({}, revision)},
            "phase": phase,
            "message": message,
            "startedAt": _iso(self.health_since),
            "finishedAt": _iso(self.health_since),
            "syncResult": self._revisions({}, revision),
        }

    def _revisions(self, into: dict[str, Any], revision: str) -> dict[str, Any]:
        """Single-source: ``revision``; multi-source: ``revisions``, one per source."""
        if self.extra_sources:
            pinned = [s.get("targetRevision", "") for s in self.extra_sources]
            into["revisions"] = [revision, *(_pin(p) for p in pinned)]
        else:
            into["revision"] = revision
        return into


def _pin(target: str) -> str:
    return target if len(target) == 40 else "0123456789abcdef0123456789abcdef01234567"


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
