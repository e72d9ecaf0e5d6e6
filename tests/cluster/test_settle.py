"""``settle`` as tables of observations -> decisions, without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bot.cluster import (
    AppStatus,
    Expectation,
    Observation,
    Outcome,
    StatusReport,
    settle,
)

OLD, MERGE, LATER, SIDE = "0" * 40, "1" * 40, "2" * 40, "5" * 40
PARENTS = {MERGE: OLD, LATER: MERGE, SIDE: OLD}
MERGED_AT = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
NOW = MERGED_AT + timedelta(minutes=5)
IMG_OLD, IMG_NEW = "registry.example.com/ml/server:v1.3.0", "registry.example.com/ml/server:v1.4.0"
EXPECT = Expectation(MERGE, MERGED_AT, (IMG_NEW,), timedelta(minutes=30))
HEALTHY_AT = MERGED_AT + timedelta(minutes=3)


def is_ancestor(a: str, b: str) -> bool:
    while b in PARENTS:
        b = PARENTS[b]
        if b == a:
            return True
    return False


RUNNING = AppStatus(
    name="prod",
    sync_status="Synced",
    revision=MERGE,
    health="Healthy",
    health_since=HEALTHY_AT,
    operation_phase="Succeeded",
    operation_revision=MERGE,
    images=(IMG_NEW, "redis:7"),
)


def app(**changes: object) -> AppStatus:
    return replace(RUNNING, **changes)  # type: ignore[arg-type]


APP_CASES = [
    (
        app(revision=OLD, operation_revision=OLD, images=(IMG_OLD,)),
        Outcome.PENDING,
        "prod: Argo CD is at 0000000, which does not contain 1111111 yet",
    ),
    (
        app(sync_status="OutOfSync", operation_revision=OLD, images=(IMG_OLD,)),
        Outcome.PENDING,
        "prod: OutOfSync at 1111111",
    ),
    (
        app(sync_status="OutOfSync", operation_phase="Running", health="Progressing"),
        Outcome.PENDING,
        "prod: sync running to 1111111",
    ),
    (RUNNING, Outcome.OK, "prod: Synced to 1111111 and Healthy"),
    (
        app(revision=LATER, operation_revision=LATER),
        Outcome.OK,
        "prod: Synced to 1111111 and Healthy",
    ),
    (
        app(revision=SIDE, operation_revision=SIDE),
        Outcome.PENDING,
        "prod: Argo CD is at 5555555, which does not contain 1111111 yet",
    ),
    (
        app(health="Degraded", health_message='Deployment "server" exceeded its progress deadline'),
        Outcome.FAILED,
        'prod: Synced to 1111111 but Degraded: Deployment "server" exceeded its progress deadline',
    ),
    (
        app(
            sync_status="OutOfSync",
            operation_phase="Failed",
            operation_message="one or more objects failed to apply",
            images=(IMG_OLD,),
        ),
        Outcome.FAILED,
        "prod: sync operation Failed: one or more objects failed to apply",
    ),
    (
        app(sync_status="OutOfSync", operation_phase="Error", operation_revision=OLD),
        Outcome.PENDING,
        "prod: OutOfSync at 1111111",
    ),
    (
        app(images=(IMG_OLD,)),
        Outcome.PENDING,
        f"prod: Synced and Healthy but not running {IMG_NEW} (runs {IMG_OLD})",
    ),
    (app(health="Progressing"), Outcome.PENDING, "prod: Synced to 1111111, health Progressing"),
    (
        app(revision=OLD, health="Degraded", operation_revision=OLD),
        Outcome.PENDING,
        "prod: Argo CD is at 0000000, which does not contain 1111111 yet",
    ),
    (app(sync_status="", health=""), Outcome.PENDING, "prod: no sync status at 1111111"),
    (
        app(operation_phase="Failed", operation_revision="", operation_message="\n  boom \n x"),
        Outcome.FAILED,
        "prod: sync operation Failed: boom x",
    ),
]


@pytest.mark.parametrize(("status", "outcome", "reason"), APP_CASES)
def test_one_application(status: AppStatus, outcome: Outcome, reason: str) -> None:
    decision = settle(Observation("prod", (status,)), EXPECT, is_ancestor, NOW)
    assert (decision.outcome, decision.reason) == (outcome, reason)
    assert (decision.healthy_since is not None) == (outcome is Outcome.OK)


def test_docker_hub_references_match_with_or_without_their_implied_parts() -> None:
    expect = replace(EXPECT, images=("docker.io/library/nginx:1.27",))
    decision = settle(Observation("prod", (app(images=("nginx:1.27",)),)), expect, is_ancestor, NOW)
    assert decision.outcome is Outcome.OK


def test_no_expected_image_means_images_are_not_checked() -> None:
    expect = replace(EXPECT, images=())
    decision = settle(Observation("prod", (app(images=()),)), expect, is_ancestor, NOW)
    assert decision.outcome is Outcome.OK


def test_every_application_must_settle_and_one_failure_fails_the_environment() -> None:
    later = app(name="prod-eu", health_since=HEALTHY_AT + timedelta(minutes=1))
    both = settle(Observation("prod", (RUNNING, later)), EXPECT, is_ancestor, NOW)
    assert both.outcome is Outcome.OK
    assert both.healthy_since == HEALTHY_AT + timedelta(minutes=1)  # the last to get there
    assert [v.name for v in both.verdicts] == ["prod", "prod-eu"]

    broken = app(name="prod-eu", health="Degraded")
    one = settle(Observation("prod", (RUNNING, broken)), EXPECT, is_ancestor, NOW)
    assert one.outcome is Outcome.FAILED
    assert one.reason == "prod-eu: Synced to 1111111 but Degraded"

    waiting = app(name="prod-eu", health="Progressing")
    part = settle(Observation("prod", (RUNNING, waiting)), EXPECT, is_ancestor, NOW)
    assert (part.outcome, part.reason) == (
        Outcome.PENDING,
        "prod-eu: Synced to 1111111, health Progressing",
    )


def test_pending_turns_unknown_once_the_timeout_since_the_merge_has_passed() -> None:
    waiting = Observation("prod", (app(health="Progressing"),))
    before = settle(waiting, EXPECT, is_ancestor, MERGED_AT + timedelta(minutes=29))
    after = settle(waiting, EXPECT, is_ancestor, MERGED_AT + timedelta(minutes=30))
    assert before.outcome is Outcome.PENDING
    assert (after.outcome, after.reason) == (
        Outcome.UNKNOWN,
        "not settled 30 min after the merge: prod: Synced to 1111111, health Progressing",
    )


def test_nothing_observed_is_pending_then_unknown() -> None:
    empty = Observation("prod")
    assert settle(empty, EXPECT, is_ancestor, NOW).reason == (
        "nothing reported for this environment yet"
    )
    late = settle(empty, EXPECT, is_ancestor, MERGED_AT + timedelta(hours=1))
    assert (late.outcome, late.reason) == (
        Outcome.UNKNOWN,
        "not settled 30 min after the merge: nothing reported for this environment yet",
    )


@pytest.mark.parametrize(
    ("health_since", "expected"),
    [
        (HEALTHY_AT, HEALTHY_AT),  # became Healthy after the merge: that moment
        (MERGED_AT - timedelta(days=2), NOW),  # stayed Healthy through the rollout: first seen
        (None, NOW),
        (NOW + timedelta(hours=1), NOW),  # a clock ahead of ours does not shorten the soak
    ],
)
def test_healthy_since_never_predates_the_merge(
    health_since: datetime | None, expected: datetime
) -> None:
    decision = settle(
        Observation("prod", (app(health_since=health_since),)), EXPECT, is_ancestor, NOW
    )
    assert decision.healthy_since == expected


def status(**changes: object) -> StatusReport:
    base = StatusReport(
        context="kustomization/apps-prod/0c9c2e41",
        state="success",
        sha=MERGE,
        description="reconciliation succeeded",
        updated_at=HEALTHY_AT,
        poster="Flux",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


STATUS_CASES = [
    (
        status(),
        Outcome.OK,
        "kustomization/apps-prod/0c9c2e41: Flux reports success: reconciliation succeeded",
    ),
    (status(sha=LATER), Outcome.OK, None),
    (
        status(sha=SIDE),
        Outcome.PENDING,
        "kustomization/apps-prod/0c9c2e41: Flux reports success: reconciliation succeeded on "
        "5555555, which does not contain the merge",
    ),
    (
        status(state="failure", description="health check failed after 5m0s"),
        Outcome.FAILED,
        "kustomization/apps-prod/0c9c2e41: Flux reports failure: health check failed after 5m0s",
    ),
    (
        status(context="continuous-delivery/fraud", state="error", poster="", description=""),
        Outcome.FAILED,
        "continuous-delivery/fraud: the cluster reports error",
    ),
    (
        status(context="production", state="in_progress", poster="Argo CD Notifications"),
        Outcome.PENDING,
        "production: Argo CD Notifications reports in_progress: reconciliation succeeded",
    ),
]


@pytest.mark.parametrize(("report", "outcome", "reason"), STATUS_CASES)
def test_one_status(report: StatusReport, outcome: Outcome, reason: str | None) -> None:
    decision = settle(Observation("prod", statuses=(report,)), EXPECT, is_ancestor, NOW)
    assert decision.outcome is outcome
    if reason is not None:
        assert decision.reason == reason
    if outcome is Outcome.OK:
        assert decision.healthy_since == HEALTHY_AT


def test_untrusted_texts_are_one_clipped_line() -> None:
    long = "x" * 500 + "\n<!-- marker -->"
    decision = settle(
        Observation("prod", (app(health="Degraded", health_message=long),)),
        EXPECT,
        is_ancestor,
        NOW,
    )
    assert "\n" not in decision.reason
    assert len(decision.reason) < 220
    assert decision.reason.endswith("…")
