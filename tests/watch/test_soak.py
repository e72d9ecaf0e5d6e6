"""Soak time counts from when the upstream environment became healthy, not from the merge."""

from __future__ import annotations

import time
from typing import Any

from bot.action import main
from tests.rig.argocd.server import FakeArgoCD

SOAK_S = 1.1  # soak_hours below, in seconds


def test_prod_waits_for_staging_to_be_healthy_not_merged(
    make_loop: Any, argocd: FakeArgoCD
) -> None:
    follow = (
        "      staging:\n        follow:\n          argocd:\n"
        f"            server: {argocd.url}\n            applications: [fraud-staging]\n"
        "        targets:"
    )
    loop = make_loop(
        "      prod:\n        from: staging\n        soak_hours: 0.0003\n        targets:"
    )
    loop.rig.configure("      staging:\n        targets:", follow)
    loop.rig.fake.seed(loop.rig.repo)
    rig = loop.rig
    assert main(rig.env("schedule", {}, environment="staging")) == 0
    (pr,) = rig.open_pulls()
    before = loop.main_sha()
    merge = loop.alice.merge(pr["number"])
    app = loop.app(argocd, before, merge, name="fraud-staging",
                   path="applications/inference-server/overlays/staging")  # fmt: skip
    argocd.advance(app.name)  # out-of-sync: merged, not running

    time.sleep(SOAK_S)  # long enough since the merge, but staging has not run v2 yet
    assert main(rig.env("schedule", {}, environment="prod")) == 0
    assert rig.open_pulls() == []
    assert "soaking: 0.0 h" in rig.outputs()["skipped"]

    argocd.advance(app.name)
    argocd.advance(app.name)  # healthy on v2
    (settled,) = loop.watch()
    assert settled.status == "recorded", settled.reason
    time.sleep(SOAK_S)
    assert main(rig.env("schedule", {}, environment="prod")) == 0
    (prod,) = rig.open_pulls()
    assert prod["head_ref"].endswith("/prod")
