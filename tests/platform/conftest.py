"""The rig every platform test starts from: a seeded model, a GitOps repo, the GitHub fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.platform import Rig, make_rig
from tests.rig.fake_github import FakeGitHub


@pytest.fixture
def rig(tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str) -> Rig:
    return make_rig(tmp_path, fake_github, tracking_uri)


@pytest.fixture(scope="session", autouse=True)
def github_schema() -> None:
    """Build the fake's GraphQL schema once, before any test's timed requests: it takes seconds
    on a loaded machine, longer than the fast settings' request timeout."""
    from tests.rig.ghfake.graphql_schema import schema

    schema()
