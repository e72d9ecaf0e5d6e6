"""Fixtures for the cluster loop (the Argo CD double comes from ``tests.rig.argocd.fixtures``,
a plugin of tests/conftest.py), and a real Git history (old -> merge -> later) whose ancestry
``settle`` asks about."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.rig.argocd.apps import FakeApp
from tests.rig.argocd.fixtures import ARGOCD_TOKEN
from tests.rig.argocd.server import FakeArgoCD
from tests.rig.repos import commit_all, git, make_gitops_repo

TOKEN = ARGOCD_TOKEN
REPO_URL = "https://github.com/acme/gitops.git"
APP_PATH = "applications/inference-server/overlays/prod"
CHANGED = (f"{APP_PATH}/kustomization.yaml", f"{APP_PATH}/model-config.yaml")
IMAGE = "registry.example.com/ml/model-inference-server"
OLD_IMAGE, NEW_IMAGE = f"{IMAGE}:v1.3.0", f"{IMAGE}:v1.4.0"


@dataclass(frozen=True)
class History:
    """A real repository: ``old`` (what runs), ``merge`` (the promotion), ``later`` (a commit
    after it), and ``side`` (a branch that never saw the merge)."""

    repo: Path
    old: str
    merge: str
    later: str
    side: str

    def is_ancestor(self, a: str, b: str) -> bool:
        done = subprocess.run(
            ["git", "-C", str(self.repo), "merge-base", "--is-ancestor", a, b],
            capture_output=True,
            check=False,
        )
        return done.returncode == 0


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    repo = make_gitops_repo(tmp_path_factory.mktemp("history") / "gitops")
    old = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "README.side").write_text("a branch that never saw the promotion\n")
    side = commit_all(repo, "side work")
    git(repo, "checkout", "-q", "main")
    kustomization = repo / APP_PATH / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("v1.3.0", "v1.4.0"))
    merge = commit_all(repo, "Promote fraud-detector 7 to prod")
    (repo / "README.later").write_text("an unrelated change after the promotion\n")
    later = commit_all(repo, "later")
    return History(repo, old, merge, later, side)


AppMaker = Callable[..., FakeApp]


@pytest.fixture
def add_app(history: History) -> AppMaker:
    """Register an Application deploying the prod overlay, at ``old``, about to get ``merge``."""

    def make(fake: FakeArgoCD, name: str = "inference-prod", **changes: object) -> FakeApp:
        fields: dict[str, object] = {
            "name": name,
            "repo_url": REPO_URL,
            "path": APP_PATH,
            "old_revision": history.old,
            "new_revision": history.merge,
            "old_images": (OLD_IMAGE,),
            "new_images": (NEW_IMAGE,),
            "labels": {"app.kubernetes.io/part-of": "fraud", "env": "prod"},
        }
        fields.update(changes)
        return fake.add(FakeApp(**fields))  # type: ignore[arg-type]

    return make
