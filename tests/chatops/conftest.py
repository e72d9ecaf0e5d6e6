"""Fixtures of the ChatOps tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chatops.proxy import LateFaultProxy
from tests.rig.fake_github import FakeGitHub


@pytest.fixture
def proxy(fake_github: FakeGitHub) -> Iterator[LateFaultProxy]:
    """The late-fault proxy in front of the GitHub fake, for one test."""
    with LateFaultProxy(fake_github.base_url) as started:
        yield started
