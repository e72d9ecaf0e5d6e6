"""Fixtures around the Argo CD double: started over HTTP, over HTTPS with a test CA, or both.

Each fixture fails the test at teardown if the double gave an answer outside Argo CD's API
description or saw a request it does not implement.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.rig.argocd.server import FakeArgoCD
from tests.rig.argocd.tls import Pki, make_pki

ARGOCD_TOKEN = "argocd-test-token-0123456789"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def argocd() -> Iterator[FakeArgoCD]:
    yield from serve(None)


@pytest.fixture
def argocd_tls(pki: Pki) -> Iterator[FakeArgoCD]:
    yield from serve(pki)


@pytest.fixture(params=["http", "https"])
def any_argocd(request: pytest.FixtureRequest, pki: Pki) -> Iterator[FakeArgoCD]:
    """The same test over plain HTTP and over TLS with the test CA."""
    yield from serve(pki if request.param == "https" else None)


def serve(pki: Pki | None, token: str = ARGOCD_TOKEN) -> Iterator[FakeArgoCD]:
    fake = FakeArgoCD(pki=pki, token=token)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.schema_errors == [], (
        f"answers outside Argo CD's API description: {fake.schema_errors}"
    )
    assert fake.unmatched == [], f"requests the double does not implement: {fake.unmatched}"
