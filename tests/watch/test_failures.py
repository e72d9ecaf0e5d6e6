"""A rollout that goes Degraded, the status path (Argo CD Notifications, Flux), soak from
health, and what stops a check: one line, nothing recorded."""

from __future__ import annotations

from typing import Any

import pytest

from bot.pipeline.facts import running_since
from bot.pipeline.watch import healthy_since, soak_start
from tests.rig.argocd.apps import DEGRADE
from tests.rig.argocd.server import FakeArgoCD
from tests.rig.ghfake.routes_deployments import deploy_state, post_status
from tests.watch.rig import argocd_follow, follow_block, later


def _roll_to_degraded(loop: Any, argocd: FakeArgoCD) -> tuple[dict[str, Any], str]:
    before, merge, pr = loop.propose_and_merge()
    app = loop.app(argocd, before, merge, timeline=list(DEGRADE))
    for _ in DEGRADE:
        argocd.advance(app.name)
    return pr, merge


def test_degraded_suggests_rollback_and_records_nothing(make_loop: Any, argocd: FakeArgoCD) -> None:
    loop = make_loop(argocd_follow(argocd.url))
    pr, _ = _roll_to_degraded(loop, argocd)
    (result,) = loop.watch()
    assert result.status == "failed"
    assert "Degraded" in result.reason and "progress deadline" in result.reason
    assert loop.alias("prod") is None
    (comment,) = loop.watch_comments(pr["number"])
    assert "/rollback prod" in comment and "Degraded" in comment
    (deployment,) = deploy_state(loop.rig.fake).deployments.values()
    assert deploy_state(loop.rig.fake).deployment_statuses[deployment["id"]][-1]["state"] == (
        "failure"
    )
    assert loop.rig.open_pulls() == []  # on_failure: comment opens nothing


def test_degraded_with_on_failure_rollback_opens_the_rollback_pr(
    make_loop: Any, argocd: FakeArgoCD
) -> None:
    loop = make_loop(argocd_follow(argocd.url, "          on_failure: rollback\n"))
    pr, _ = _roll_to_degraded(loop, argocd)
    (result,) = loop.watch()
    assert result.status == "failed"
    (rollback,) = loop.rig.open_pulls()  # opened, never merged
    assert "v1" in rollback["title"]
    (comment,) = loop.watch_comments(pr["number"])
    assert "rollback PR is open" in comment
    assert loop.alias("prod") is None


@pytest.mark.parametrize(
    ("context", "description", "url"),
    [
        # Argo CD Notifications' GitHub service, as its documentation's template posts it.
        (
            "continuous-delivery/fraud-prod",
            "fraud-prod is synced and healthy",
            "https://argocd.example.com/applications/fraud-prod",
        ),
        # Flux notification-controller, github provider: <kind>/<name>/<uid block>.
        ("kustomization/apps-prod/3f6c2a1b", "reconciliation succeeded", ""),
    ],
)
def test_status_path_settles_from_what_the_cluster_posts(
    make_loop: Any, context: str, description: str, url: str
) -> None:
    glob = context.rsplit("/", 1)[0] + "/*"
    loop = make_loop(follow_block(f'          github-status:\n            context: "{glob}"\n'))
    _, merge, pr = loop.propose_and_merge()
    fake = loop.rig.fake
    (pending,) = loop.watch()
    assert pending.status == "waiting" and "pending" in pending.reason
    with fake.lock:
        post_status(fake, merge, "success", context, "cluster", description=description,
                    target_url=url)  # fmt: skip
    fake.reset_log()
    (result,) = loop.watch()
    assert result.status == "recorded", result.reason
    assert loop.alias("prod") == "2"
    assert len(fake.writes()) == 3
    (comment,) = loop.watch_comments(pr["number"])
    assert description.split()[-1] in comment


def test_a_failure_status_from_flux_fails_and_records_nothing(make_loop: Any) -> None:
    loop = make_loop(
        follow_block('          github-status:\n            context: "kustomization/*"\n')
    )
    _, merge, pr = loop.propose_and_merge()
    with loop.rig.fake.lock:
        post_status(loop.rig.fake, merge, "failure", "kustomization/apps-prod", "cluster",
                    description="health check failed")  # fmt: skip
    (result,) = loop.watch()
    assert result.status == "failed" and "health check failed" in result.reason
    assert loop.alias("prod") is None
    assert "/rollback prod" in loop.watch_comments(pr["number"])[0]


def test_soak_counts_from_health_not_from_the_merge(make_loop: Any, argocd: FakeArgoCD) -> None:
    loop = make_loop(argocd_follow(argocd.url))
    before, merge, _ = loop.propose_and_merge()
    app = loop.app(argocd, before, merge)
    for _ in range(3):
        argocd.advance(app.name, minutes=20)
    (result,) = loop.watch(now=later(61))
    assert result.status == "recorded", result.reason
    from bot.pipeline import connect
    from bot.settings import Settings

    ctx = connect(Settings(repo_dir=loop.rig.repo, github_repo="acme/gitops", platform="github"))
    since = healthy_since(ctx.platform.tracking(), "fraud-detector", "prod", "2")
    assert since is not None
    merged_at = loop.rig.fake.pulls[1]["merged_at"]
    # The double's clock moved an hour after the merge before the app became healthy.
    assert since.strftime("%Y-%m-%dT%H:%M:%SZ") > merged_at
    assert healthy_since(ctx.platform.tracking(), "fraud-detector", "prod", "1") is None
    # What facts.soak() counts from once the environment is followed: health, not the merge.
    assert soak_start(ctx, "fraud-detector", "prod", "2", running_since) == since.timestamp()
    assert soak_start(ctx, "fraud-detector", "prod", "1", running_since) is None
    # An environment that is not followed keeps counting from its overlays.
    assert soak_start(ctx, "fraud-detector", "staging", "1", running_since) is not None


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unknown-app", "Application 'nope-prod'"),
        ("bad-token", "was refused"),
        ("unreachable", "unreachable"),
        ("other-path", "not the files this promotion changed"),
        ("no-token", "$ARGOCD_TOKEN is empty or not set"),
    ],
)
def test_what_stops_a_check_records_nothing(
    make_loop: Any, argocd: FakeArgoCD, case: str, expected: str
) -> None:
    server = "http://127.0.0.1:9" if case == "unreachable" else argocd.url
    app = "nope-prod" if case == "unknown-app" else "fraud-prod"
    loop = make_loop(argocd_follow(server, app=app))
    before, merge, _ = loop.propose_and_merge()
    path = "applications/other/overlays/prod" if case == "other-path" else None
    extra = {"path": path} if path else {}
    made = loop.app(argocd, before, merge, **extra)
    for _ in range(3):
        argocd.advance(made.name)
    fake = loop.rig.fake
    fake.reset_log()
    token = {"bad-token": "wrong-token", "no-token": ""}.get(case)
    (result,) = loop.watch(**({"token": token} if token is not None else {}))
    assert result.status == "failed"
    assert expected in result.reason and "\n" not in result.reason, result.reason
    assert fake.writes() == []
    assert loop.alias("prod") is None


def test_unknown_after_the_timeout(make_loop: Any, argocd: FakeArgoCD) -> None:
    loop = make_loop(argocd_follow(argocd.url))
    before, merge, pr = loop.propose_and_merge()
    loop.app(argocd, before, merge)  # never advanced: still on the old revision
    (result,) = loop.watch(now=later(31))
    assert result.status == "blocked" and "not settled 30 min" in result.reason
    assert loop.alias("prod") is None
    assert "no answer" in loop.watch_comments(pr["number"])[0]


def test_a_tls_error_names_the_server_and_the_fix(make_loop: Any, argocd_tls: FakeArgoCD) -> None:
    loop = make_loop(argocd_follow(argocd_tls.url))  # no ca_file: the test CA is not trusted
    before, merge, _ = loop.propose_and_merge()
    loop.app(argocd_tls, before, merge)
    fake = loop.rig.fake
    fake.reset_log()
    (result,) = loop.watch()
    assert result.status == "failed"
    assert "TLS verification failed" in result.reason and argocd_tls.url in result.reason
    assert "ca_file" in result.reason
    assert fake.writes() == []
