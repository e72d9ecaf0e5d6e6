"""PR -> merge -> watch -> deployment status -> comment -> registry alias, on the real rig."""

from __future__ import annotations

from typing import Any

from tests.rig.argocd.server import FakeArgoCD
from tests.rig.ghfake.routes_deployments import deploy_state
from tests.watch.rig import argocd_follow

# What every watch run with something to follow reads once, however many promotions.
RUN_READS = [
    "GET /repos/{owner}/{repo}",
    "GET /repos/{owner}/{repo}/branches/{branch}",
    "GET /repos/{owner}/{repo}/pulls",
    "GET /repos/{owner}/{repo}/issues/comments",
]


def test_merge_watch_settles_reports_and_records(make_loop: Any, argocd: FakeArgoCD) -> None:
    loop = make_loop(argocd_follow(argocd.url))
    before, merge, pr = loop.propose_and_merge()
    app = loop.app(argocd, before, merge)
    fake = loop.rig.fake

    # Merged, Argo CD not synced yet: pending, nothing written, nothing recorded.
    argocd.advance(app.name)  # out-of-sync
    fake.reset_log()
    (result,) = loop.watch()
    assert result.status == "waiting" and "pending" in result.reason, result.reason
    assert fake.writes() == []
    assert loop.alias("prod") is None
    assert argocd.count() == 1

    argocd.advance(app.name)  # syncing
    argocd.advance(app.name)  # healthy, running v1.4.0
    fake.reset_log()
    (result,) = loop.watch()
    assert result.status == "recorded", result.reason
    assert "settled-ok" in result.reason
    assert loop.alias("prod") == "2"

    (deployment,) = deploy_state(fake).deployments.values()
    assert deployment["sha"] == merge and deployment["environment"] == "prod"
    assert deployment["payload"]["version"] == "2"
    (status,) = deploy_state(fake).deployment_statuses[deployment["id"]]
    assert status["state"] == "success"
    assert status["environment_url"] == f"{argocd.url}/applications/fraud-prod"
    (comment,) = loop.watch_comments(pr["number"])
    assert "runs v2" in comment and "Synced" in comment and "Healthy" in comment
    assert f"{'v1.4.0'}" in comment
    # Budget: three GitHub requests for the settled promotion (deployment, its status, the
    # comment); the run's own reads are shared by every promotion it follows.
    routes = [r.route for r in fake.requests]
    assert len(fake.writes()) == 3, fake.writes()
    assert len(routes) - len(RUN_READS) == 3, routes
    assert sorted(r for r in routes if r.startswith("GET")) == sorted(RUN_READS), routes

    # A second run finds the marker and does nothing: no Argo CD request, no write.
    asked = argocd.count()
    fake.reset_log()
    assert loop.watch() == []
    assert argocd.count() == asked
    assert fake.writes() == []


def test_a_pasted_marker_does_not_stop_the_watch(make_loop: Any, argocd: FakeArgoCD) -> None:
    """Only the bot's own comment says a promotion is settled; a person's copy does not."""
    loop = make_loop(argocd_follow(argocd.url))
    before, merge, pr = loop.propose_and_merge()
    app = loop.app(argocd, before, merge)
    forged = (
        '<!-- model-promotion-bot watch {"environment": "prod", "healthy_since": null, '
        '"model": "fraud-detector", "outcome": "settled-failed", "task": "deploy:fraud-detector", '
        '"version": "2"} -->'
    )
    loop.alice.comment(pr["number"], forged)
    for _ in range(3):
        argocd.advance(app.name)
    (result,) = loop.watch()
    assert result.status == "recorded", result.reason
    assert loop.alias("prod") == "2"
