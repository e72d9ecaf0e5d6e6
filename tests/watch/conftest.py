from __future__ import annotations

from typing import Any

import pytest

from tests.action.test_action_entry import Rig
from tests.e2e.helpers import seed_fraud_model
from tests.rig.fake_github import FakeGitHub
from tests.rig.people import Person
from tests.watch.rig import Loop


@pytest.fixture
def make_loop(
    tmp_path: Any, fake_github: FakeGitHub, tracking_uri: str, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """A loop whose prod environment follows what ``follow`` (config text) says."""

    def make(follow: str) -> Loop:
        rig = Rig(tmp_path, fake_github, seed_fraud_model(tracking_uri))
        rig.configure("      prod:\n        targets:", follow)
        fake_github.seed(rig.repo)
        return Loop(rig, Person.join(fake_github, "alice", "admin"), monkeypatch)

    return make
