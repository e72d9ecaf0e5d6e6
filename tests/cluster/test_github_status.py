"""Statuses the cluster posts, read into the same decision: Argo CD Notifications and Flux."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.cluster import SOURCES, Decision, Expectation, Outcome, SourceContext, Watch, settle
from bot.cluster.config import Follow, GitHubStatus
from bot.cluster.github_status import (
    ARGOCD,
    FLUX,
    GitHubStatusSource,
    commit_reports,
    deployment_report,
    poster,
)
from tests.cluster import github_api
from tests.cluster.conftest import CHANGED, REPO_URL, History
from tests.cluster.statuses import (
    REPOSITORY,
    Recorded,
    argocd_status,
    commit_status,
    deployment,
    deployment_status,
    flux_status,
)

MERGED_AT = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
T1, T2, T3 = "2026-01-05T12:01:00Z", "2026-01-05T12:02:00Z", "2026-01-05T12:04:00Z"


def decide(
    history: History, source: GitHubStatusSource, head: str = "", minutes: int = 60
) -> Decision:
    watch = Watch("prod", history.merge, REPO_URL, CHANGED, head_sha=head)
    expected = Expectation(history.merge, MERGED_AT, (), timedelta(minutes=30))
    now = MERGED_AT + timedelta(minutes=minutes)
    return settle(source.observe(watch), expected, history.is_ancestor, now)


def test_latest_status_per_context_wins_and_the_glob_filters(history: History) -> None:
    sha = history.merge
    payload = [  # newest first, as GitHub lists them
        argocd_status(sha, "inference-prod", "success", T3),
        commit_status(sha, "ci/build", "failure", "tests failed", None, T2, {"avatar_url": ""}),
        argocd_status(sha, "inference-prod-eu", "pending", T2),
        argocd_status(sha, "inference-prod", "pending", T1),
    ]
    reports = commit_reports(payload, sha, "continuous-delivery/inference-prod*")
    assert [(r.context, r.state, r.poster) for r in reports] == [
        ("continuous-delivery/inference-prod", "success", ARGOCD),
        ("continuous-delivery/inference-prod-eu", "pending", ARGOCD),
    ]
    assert reports[0].target_url.endswith("/applications/inference-prod?operation=true")
    assert reports[0].updated_at == datetime(2026, 1, 5, 12, 4, tzinfo=timezone.utc)
    combined = {"state": "pending", "sha": sha, "statuses": payload}
    assert commit_reports(combined, sha, "continuous-delivery/inference-prod*") == reports


def test_argocd_notifications_success_settles_ok_with_the_time_it_was_posted(
    history: History,
) -> None:
    reader = Recorded()
    reader.statuses[history.merge] = [
        argocd_status(history.merge, "inference-prod", "pending", T1),
        argocd_status(history.merge, "inference-prod", "success", T3),
    ]
    source = GitHubStatusSource(GitHubStatus(context="continuous-delivery/inference-prod"), reader)
    decision = decide(history, source)
    assert decision.outcome is Outcome.OK
    assert decision.reason == (
        "continuous-delivery/inference-prod: Argo CD Notifications reports success: Application "
        "inference-prod is now running new version of deployments manifests."
    )
    assert decision.healthy_since == datetime(2026, 1, 5, 12, 4, tzinfo=timezone.utc)
    assert reader.calls == [f"statuses {history.merge[:7]}"]


@pytest.mark.parametrize(
    ("state", "reason", "outcome"),
    [
        ("success", "reconciliation succeeded", Outcome.OK),
        ("failure", "health check failed", Outcome.FAILED),
        ("failure", "reconciliation failed", Outcome.FAILED),
    ],
)
def test_flux_kustomization_statuses(
    history: History, state: str, reason: str, outcome: Outcome
) -> None:
    reader = Recorded()
    reader.statuses[history.merge] = [flux_status(history.merge, "apps-prod", state, reason, T2)]
    source = GitHubStatusSource(GitHubStatus(context="kustomization/apps-prod/*"), reader)
    decision = decide(history, source)
    assert (decision.outcome, decision.reason) == (
        outcome,
        f"kustomization/apps-prod/0c9c2e41: Flux reports {state}: {reason}",
    )


def test_head_of_the_branch_is_read_first_and_counts_when_it_descends_from_the_merge(
    history: History,
) -> None:
    reader = Recorded()
    reader.statuses[history.later] = [
        flux_status(history.later, "apps-prod", "success", "reconciliation succeeded", T3)
    ]
    source = GitHubStatusSource(GitHubStatus(context="kustomization/apps-prod*"), reader)
    assert decide(history, source, head=history.later).outcome is Outcome.OK
    assert reader.calls == [f"statuses {history.later[:7]}"]


def test_nothing_on_the_head_falls_back_to_the_merge_commit(history: History) -> None:
    reader = Recorded()
    reader.statuses[history.merge] = [
        flux_status(history.merge, "apps-prod", "failure", "health check failed", T2, uid="")
    ]
    source = GitHubStatusSource(GitHubStatus(context="kustomization/apps-prod*"), reader)
    watch = Watch("prod", history.merge, REPO_URL, CHANGED, head_sha=history.later)
    observation = source.observe(watch)
    assert observation.requests == 2
    assert [s.poster for s in observation.statuses] == [FLUX]  # the pre-UID context shape
    assert decide(history, source, head=history.later).outcome is Outcome.FAILED


def test_no_status_yet_is_pending_then_unknown(history: History) -> None:
    reader = Recorded()
    source = GitHubStatusSource(GitHubStatus(context="continuous-delivery/*"), reader)
    assert decide(history, source, minutes=5).outcome is Outcome.PENDING
    late = decide(history, source, minutes=31)
    assert (late.outcome, late.reason) == (
        Outcome.UNKNOWN,
        "not settled 30 min after the merge: nothing reported for this environment yet",
    )


def test_a_status_on_a_commit_without_the_merge_does_not_count(history: History) -> None:
    reader = Recorded()
    reader.statuses[history.side] = [argocd_status(history.side, "inference-prod", "success", T3)]
    source = GitHubStatusSource(GitHubStatus(context="continuous-delivery/*"), reader)
    decision = decide(history, source, head=history.side, minutes=5)
    assert decision.outcome is Outcome.PENDING
    assert decision.reason.endswith(f"on {history.side[:7]}, which does not contain the merge")


def test_deployment_statuses_from_argocd_notifications(history: History) -> None:
    reader = Recorded()
    reader.deployments_by_sha[history.merge] = [
        deployment(history.merge, "production", 77),
        deployment(history.merge, "staging", 78),
    ]
    reader.deployment_statuses_by_id[77] = [
        deployment_status(77, "production", "inference-prod", "in_progress", T1),
        deployment_status(77, "production", "inference-prod", "success", T3),
    ]
    config = GitHubStatus(deployment_environment="prod*")
    decision = decide(history, GitHubStatusSource(config, reader))
    assert decision.outcome is Outcome.OK
    assert [v.name for v in decision.verdicts] == ["production"]
    assert reader.calls == [f"deployments {history.merge[:7]}", "deployment 77"]
    report = (
        GitHubStatusSource(config, reader)
        .observe(Watch("prod", history.merge, REPO_URL, CHANGED))
        .statuses[0]
    )
    assert (report.poster, report.target_url) == (
        ARGOCD,
        "https://argocd.example.com/applications/inference-prod",
    )


def test_a_superseded_deployment_is_ignored(history: History) -> None:
    statuses = [
        deployment_status(5, "production", "x", "success", T1),
        deployment_status(5, "production", "x", "inactive", T2),
    ]
    assert deployment_report(deployment(history.merge, "production", 5), statuses, "") is None
    assert deployment_report(deployment(history.merge, "production", 5), [], "") is None


@pytest.mark.parametrize(
    ("context", "target", "who"),
    [
        ("continuous-delivery/inference-prod", "", ARGOCD),
        ("deploy/prod", "https://cd.example.com/applications/inference-prod", ARGOCD),
        ("kustomization/apps-prod/0c9c2e41", "", FLUX),
        ("kustomization/apps-prod", "", FLUX),
        ("helmrelease/inference/0c9c2e41", "", FLUX),
        ("ci/build", "https://ci.example.com/1", ""),
    ],
)
def test_who_posted_a_status(context: str, target: str, who: str) -> None:
    assert poster(context, target) == who


def test_hostile_payloads_read_as_absent(history: History) -> None:
    payload = [
        "not a status",
        {"context": None, "state": "success"},
        {"context": "continuous-delivery/x", "state": 3, "updated_at": "later"},
        {"context": "continuous-delivery/y", "state": "success", "description": "a\n" * 400},
    ]
    reports = commit_reports(payload, history.merge, "continuous-delivery/*")  # type: ignore[arg-type]
    assert [(r.context, r.state) for r in reports] == [
        ("continuous-delivery/x", ""),
        ("continuous-delivery/y", "success"),
    ]
    assert commit_reports({"statuses": None}, history.merge, "*") == ()


def test_the_factory_needs_a_status_reader(history: History) -> None:
    reader = Recorded()
    cluster = Follow.model_validate({"github-status": {"context": "continuous-delivery/*"}})
    source = SOURCES[cluster.source](cluster, SourceContext({}, reader))
    assert source.observe(Watch("prod", history.merge, REPO_URL, CHANGED)).statuses == ()


STATUSES = "/repos/{owner}/{repo}/commits/{ref}/statuses"
COMBINED = "/repos/{owner}/{repo}/commits/{ref}/status"
DEPLOYMENTS = "/repos/{owner}/{repo}/deployments"
DEPLOYMENT_STATUSES = "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"


def test_the_recorded_payloads_are_what_github_documents(history: History) -> None:
    sha = history.merge
    statuses = [
        argocd_status(sha, "inference-prod", state, T1) for state in ("pending", "success")
    ] + [
        argocd_status(sha, "inference-prod", "failure", T2),
        argocd_status(sha, "inference-prod", "error", T2),
        flux_status(sha, "apps-prod", "success", "reconciliation succeeded", T3),
        flux_status(sha, "apps-prod", "failure", "health check failed", T3, uid=""),
    ]
    combined = {
        "state": "success",
        "statuses": [{k: v for k, v in s.items() if k != "creator"} for s in statuses],
        "sha": sha,
        "total_count": len(statuses),
        "repository": REPOSITORY,
        "commit_url": f"https://api.github.com/repos/acme/gitops/commits/{sha}",
        "url": f"https://api.github.com/repos/acme/gitops/commits/{sha}/status",
    }
    answers = {
        STATUSES: statuses,
        COMBINED: combined,
        DEPLOYMENTS: [deployment(sha, "production", 77)],
        DEPLOYMENT_STATUSES: [
            deployment_status(77, "production", "inference-prod", state, T1)
            for state in ("queued", "in_progress", "success", "failure", "inactive")
        ],
    }
    assert set(answers) == github_api.paths()
    for path, body in answers.items():
        assert github_api.problems(path, body) == [], path


def test_the_description_check_can_fail(history: History) -> None:
    status = argocd_status(history.merge, "inference-prod", "success", T1)
    status["contxt"] = status.pop("context")
    assert github_api.problems(STATUSES, [status]) != []
    wrong_id = argocd_status(history.merge, "inference-prod", "success", T1)
    wrong_id["id"] = str(wrong_id["id"])
    assert github_api.problems(STATUSES, [wrong_id]) != []
    bad_state = deployment_status(77, "production", "inference-prod", "healthy", T1)
    assert any(
        "'healthy' is not one of" in p
        for p in github_api.problems(DEPLOYMENT_STATUSES, [bad_state])
    )
