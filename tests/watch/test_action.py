"""The action's ``watch`` command, as a workflow runs it on push and on a schedule."""

from __future__ import annotations

from typing import Any

import pytest

from bot.action import main
from tests.rig.argocd.fixtures import ARGOCD_TOKEN
from tests.rig.argocd.server import FakeArgoCD
from tests.watch.rig import argocd_follow


def test_the_action_settles_and_summarises(
    make_loop: Any, argocd: FakeArgoCD, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = make_loop(argocd_follow(argocd.url))
    before, merge, pr = loop.propose_and_merge()
    app = loop.app(argocd, before, merge)
    for _ in range(3):
        argocd.advance(app.name)
    monkeypatch.setenv("ARGOCD_TOKEN", ARGOCD_TOKEN)
    assert main(loop.rig.env("schedule", {}, command="watch")) == 0
    summary = loop.rig.summary.read_text()
    assert "recorded" in summary and "Synced to" in summary and "Healthy" in summary, summary
    assert loop.alias("prod") == "2"
    assert loop.watch_comments(pr["number"])
