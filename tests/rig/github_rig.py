"""Fixtures around the GitHub fake: a started server seeded from a real Git repository."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.rig.fake_github import FakeGitHub

TOKEN = "ghs_test_installation_token_0123456789"


def github_env(fake: FakeGitHub) -> dict[str, str]:
    """What a workflow step would export; no throttling against the fake."""
    return {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "acme/gitops",
        "GITHUB_API_URL": fake.base_url,
        "PROMOTE_GITHUB_REQUEST_INTERVAL": "0",
        "PROMOTE_GITHUB_WRITE_INTERVAL": "0",
    }


@pytest.fixture
def fake_github(tmp_path: Path) -> Iterator[FakeGitHub]:
    """A started fake with an empty bare repo; tests seed it with ``fake.seed(worktree)``."""
    fake = FakeGitHub(tmp_path / "github", owner="acme", repo="gitops", token=TOKEN)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.unmatched == [], f"requests the fake does not implement: {fake.unmatched}"
