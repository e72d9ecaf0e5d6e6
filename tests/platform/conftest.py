"""The rig every platform test starts from: a seeded model, a GitOps repo, the GitHub fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.platform import Rig, make_rig
from tests.rig.fake_github import FakeGitHub
from tests.rig.mlflow_rig import MlflowServer


@pytest.fixture
def rig(
    tmp_path: Path,
    fake_github: FakeGitHub,
    mlflow_server: MlflowServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Rig:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.uri)
    return make_rig(tmp_path, fake_github, mlflow_server.uri)
