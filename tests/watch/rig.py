"""The whole loop on the rig: a real MLflow server, the GitHub fake with real Git objects, the
Argo CD double, people merging through the fake's REST API, and the bot's own entry points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from mlflow import MlflowClient

from bot.action import main
from bot.pipeline import connect
from bot.pipeline.watch import run_watch
from bot.results import Result
from bot.settings import Settings
from tests.action.test_action_entry import Rig
from tests.rig.argocd.apps import FakeApp
from tests.rig.argocd.fixtures import ARGOCD_TOKEN
from tests.rig.argocd.server import FakeArgoCD
from tests.rig.github_rig import github_env
from tests.rig.people import Person

PROD = "applications/inference-server/overlays/prod"
IMAGE = "registry.example.com/ml/model-inference-server"


def follow_block(lines: str) -> str:
    return "      prod:\n        follow:\n" + lines + "        targets:"


def argocd_follow(server: str, extra: str = "", app: str = "fraud-prod") -> str:
    return follow_block(
        f"          argocd:\n            server: {server}\n"
        f"            applications: [{app}]\n{extra}"
    )


@dataclass
class Loop:
    rig: Rig
    alice: Person
    monkeypatch: pytest.MonkeyPatch

    def propose_and_merge(self) -> tuple[str, str, dict[str, Any]]:
        """The scheduled run opens the prod PR for v2; alice merges it. (before, merge, pr)"""
        before = self.main_sha()
        assert main(self.rig.env("schedule", {}, environment="prod")) == 0
        (pr,) = self.rig.open_pulls()
        merge = self.alice.merge(pr["number"])
        return before, merge, pr

    def main_sha(self) -> str:
        return str(self.rig.fake.git.ref_sha("refs/heads/main"))

    def app(self, argocd: FakeArgoCD, before: str, merge: str, **kw: Any) -> FakeApp:
        fields: dict[str, Any] = {
            "name": "fraud-prod",
            "repo_url": f"{self.rig.fake.repo_html}.git",
            "path": PROD,
            "old_revision": before,
            "new_revision": merge,
            "old_images": (f"{IMAGE}:v1.3.0",),
            "new_images": (f"{IMAGE}:v1.4.0",),
        }
        fields.update(kw)
        return argocd.add(FakeApp(**fields))

    def watch(self, now: datetime | None = None, token: str = ARGOCD_TOKEN) -> list[Result]:
        for key, value in github_env(self.rig.fake).items():
            self.monkeypatch.setenv(key, value)
        settings = Settings(repo_dir=self.rig.repo, github_repo="acme/gitops", platform="github")
        ctx = connect(settings)
        return run_watch(ctx, now, {"ARGOCD_TOKEN": token}, self.rig.repo)

    def alias(self, alias: str) -> str | None:
        try:
            return str(MlflowClient().get_model_version_by_alias(self.rig.name, alias).version)
        except Exception:
            return None

    def watch_comments(self, number: int) -> list[str]:
        return [
            c["body"]
            for c in self.rig.fake.comments.get(number, [])
            if "model-promotion-bot watch" in c["body"]
        ]


def later(minutes: int) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=minutes)
