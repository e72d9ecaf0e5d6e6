"""The rig every platform test starts from: a seeded model, a GitOps repo, the GitHub fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.platform import Rig, make_rig
from tests.rig.fake_github import FakeGitHub


@pytest.fixture
def rig(tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str) -> Rig:
    return make_rig(tmp_path, fake_github, tracking_uri)
