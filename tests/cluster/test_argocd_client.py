"""The Argo CD source against the API double, over HTTP and over TLS with a custom CA."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta
from typing import Any

import pytest

from bot.cluster import Expectation, Outcome, SourceContext, Watch, settle
from bot.cluster.argocd import ArgoCDSource
from bot.cluster.config import ArgoCD, Follow
from bot.cluster.model import Decision
from bot.errors import RetryableError, UserError
from tests.cluster.conftest import CHANGED, NEW_IMAGE, REPO_URL, TOKEN, AppMaker, History
from tests.rig.argocd.apps import DEGRADE, FAIL, ROLLOUT
from tests.rig.argocd.server import LIST, ONE, FakeArgoCD
from tests.rig.argocd.tls import Pki, make_pki

ENV = {"ARGOCD_TOKEN": TOKEN}


def source(fake: FakeArgoCD, env: dict[str, str] | None = None, **config: Any) -> ArgoCDSource:
    config.setdefault("applications", ("inference-prod",))
    if fake.pki is not None:
        config.setdefault("ca_file", str(fake.pki.ca_file))
    return ArgoCDSource(ArgoCD(server=fake.url, **config), ENV if env is None else env, backoff=0)


def watch(history: History, repo_url: str = "git@github.com:acme/gitops.git") -> Watch:
    return Watch("prod", history.merge, repo_url, CHANGED)


def check(fake: FakeArgoCD, src: ArgoCDSource, history: History, minutes: int = 5) -> Decision:
    expected = Expectation(history.merge, fake.now, (NEW_IMAGE,), timedelta(minutes=minutes))
    observation = src.observe(watch(history))
    return settle(observation, expected, history.is_ancestor, fake.now)


def walk(fake: FakeArgoCD, src: ArgoCDSource, history: History, name: str) -> list[Outcome]:
    """Check once per stage: before the merge shows, then after each step of the timeline."""
    outcomes = [check(fake, src, history, minutes=60).outcome]
    while fake.apps[name].timeline:
        fake.advance(name)
        outcomes.append(check(fake, src, history, minutes=60).outcome)
    return outcomes


def test_a_rollout_settles_ok_with_one_request_per_check(
    any_argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    add_app(any_argocd, timeline=list(ROLLOUT))
    src = source(any_argocd)
    assert walk(any_argocd, src, history, "inference-prod") == [Outcome.PENDING] * 3 + [Outcome.OK]
    assert any_argocd.count(ONE) == 4
    seen = any_argocd.requests[-1]
    assert (seen.path, seen.query, seen.authenticated) == (
        "/api/v1/applications/inference-prod",
        {"refresh": "normal"},
        True,
    )


def test_the_decision_names_what_the_cluster_runs(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    add_app(argocd, timeline=list(ROLLOUT))
    src = source(argocd)
    assert check(argocd, src, history).reason == (
        f"inference-prod: Argo CD is at {history.old[:7]}, which does not contain "
        f"{history.merge[:7]} yet"
    )
    argocd.advance("inference-prod")
    assert check(argocd, src, history).reason == f"inference-prod: OutOfSync at {history.merge[:7]}"
    argocd.advance("inference-prod")
    assert check(argocd, src, history).reason == (
        f"inference-prod: sync running to {history.merge[:7]}"
    )
    argocd.advance("inference-prod", minutes=3)
    done = check(argocd, src, history)
    assert done.reason == f"inference-prod: Synced to {history.merge[:7]} and Healthy"
    assert done.healthy_since == argocd.now  # the moment health came back, on the double's clock


def test_degraded_after_sync_settles_failed(
    any_argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    add_app(any_argocd, timeline=list(DEGRADE))
    src = source(any_argocd)
    assert walk(any_argocd, src, history, "inference-prod")[-1] is Outcome.FAILED
    assert check(any_argocd, src, history).reason == (
        f"inference-prod: Synced to {history.merge[:7]} but Degraded: Deployment "
        '"inference-prod" exceeded its progress deadline'
    )


def test_a_failed_sync_operation_settles_failed(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    add_app(argocd, timeline=list(FAIL))
    src = source(argocd)
    assert walk(argocd, src, history, "inference-prod") == [Outcome.PENDING] * 3 + [Outcome.FAILED]
    assert check(argocd, src, history).reason == (
        "inference-prod: sync operation Failed: one or more objects failed to apply, reason: "
        f"admission webhook denied the request: image {NEW_IMAGE} is not signed"
    )


def test_a_later_commit_synced_counts_and_a_foreign_one_times_out(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    add_app(argocd, "inference-prod", new_revision=history.later, timeline=list(ROLLOUT))
    for _ in ROLLOUT:
        argocd.advance("inference-prod")
    assert check(argocd, source(argocd), history).outcome is Outcome.OK

    add_app(argocd, "inference-side", new_revision=history.side, timeline=list(ROLLOUT))
    for _ in ROLLOUT:
        argocd.advance("inference-side")
    src = source(argocd, applications=("inference-side",))
    expected = Expectation(history.merge, argocd.now - timedelta(minutes=31), (NEW_IMAGE,))
    late = settle(src.observe(watch(history)), expected, history.is_ancestor, argocd.now)
    assert (late.outcome, late.reason) == (
        Outcome.UNKNOWN,
        f"not settled 30 min after the merge: inference-side: Argo CD is at {history.side[:7]}, "
        f"which does not contain {history.merge[:7]} yet",
    )


def test_a_selector_costs_one_request_for_all_its_applications(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    add_app(argocd, "inference-prod-eu", timeline=list(ROLLOUT))
    add_app(argocd, "inference-prod-us", timeline=list(ROLLOUT))
    add_app(argocd, "inference-dev", labels={"env": "dev"})
    src = source(argocd, applications=None, selector={"env": "prod"})
    for _ in ROLLOUT:
        argocd.advance("inference-prod-eu")
    halfway = check(argocd, src, history)
    assert halfway.outcome is Outcome.PENDING
    assert [v.name for v in halfway.verdicts] == ["inference-prod-eu", "inference-prod-us"]
    for _ in ROLLOUT:
        argocd.advance("inference-prod-us")
    assert check(argocd, src, history).outcome is Outcome.OK
    assert argocd.count(LIST) == 2 and argocd.count(ONE) == 0
    assert argocd.requests[-1].query == {"selector": "env=prod"}


def test_named_applications_cost_one_request_each(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    names = ("inference-a", "inference-b", "inference-c")
    for name in names:
        add_app(argocd, name)
    observation = source(argocd, applications=names).observe(watch(history))
    assert observation.requests == argocd.count() == 3
    assert [a.name for a in observation.apps] == list(names)


def test_5xx_answers_are_retried_by_the_library(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    add_app(argocd)
    argocd.fail_next(503, times=2)
    assert source(argocd).observe(watch(history)).apps[0].name == "inference-prod"
    assert [r.status for r in argocd.requests] == [503, 503, 200]

    argocd.fail_next(500, times=4)
    with pytest.raises(RetryableError) as info:
        source(argocd).observe(watch(history))
    assert str(info.value) == (
        f"[argocd {argocd.url}] Application 'inference-prod': server error 500 "
        "(injected fault); try again"
    )


# -- what a person must fix: one line naming the server or the Application, and the fix ----


def message(src: ArgoCDSource, history: History) -> str:
    with pytest.raises(UserError) as info:
        src.observe(watch(history))
    return str(info.value)


def test_an_unknown_application(argocd: FakeArgoCD, history: History) -> None:
    assert message(source(argocd, applications=("inference-prd",)), history) == (
        f"[argocd {argocd.url}] Application 'inference-prd': permission denied: it does not "
        "exist, or the token cannot read it (Argo CD answers both alike); check "
        "argocd.applications, or grant the token's role `applications, get` on it "
        "(argocd.project makes Argo CD answer 404 instead)"
    )
    assert message(source(argocd, applications=("inference-prd",), project="ml"), history) == (
        f"[argocd {argocd.url}] Application 'inference-prd': not found (applications.argoproj.io "
        '"inference-prd" not found); check argocd.applications, argocd.project and '
        "argocd.app_namespace"
    )


def test_an_application_the_token_may_not_read_reads_as_unknown(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    add_app(argocd)
    argocd.visible["promotion-bot"] = {"something-else"}
    assert "Application 'inference-prod': permission denied: it does not exist, or the token " in (
        message(source(argocd), history)
    )


@pytest.mark.parametrize(
    ("token", "said"),
    [
        ("not-the-token", "invalid session: token signature is invalid"),
        ("expired-token", "invalid session: token has invalid claims: token is expired"),
    ],
)
def test_a_wrong_or_expired_token(
    argocd: FakeArgoCD, add_app: AppMaker, history: History, token: str, said: str
) -> None:
    add_app(argocd)
    argocd.expired.add("expired-token")
    text = message(source(argocd, env={"CD_TOKEN": token}, token_env="CD_TOKEN"), history)
    assert text == (
        f"[argocd {argocd.url}] the token in $CD_TOKEN was refused ({said}); it is wrong or "
        "expired: create one with `argocd account generate-token` and store it in $CD_TOKEN"
    )
    assert token not in text


def test_a_missing_token(argocd: FakeArgoCD) -> None:
    with pytest.raises(UserError) as info:
        source(argocd, env={})
    assert str(info.value) == (
        f"[argocd {argocd.url}] $ARGOCD_TOKEN is empty or not set; create one with `argocd "
        "account generate-token` and store it in $ARGOCD_TOKEN (or set argocd.token_env to the "
        "variable that holds it)"
    )
    assert argocd.count() == 0


def test_an_unreachable_server(history: History) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    src = ArgoCDSource(ArgoCD(server=f"http://127.0.0.1:{port}", applications=("a",)), ENV, 0)
    assert message(src, history) == (
        f"[argocd http://127.0.0.1:{port}] unreachable ([Errno 111] Connection refused); check "
        "argocd.server, or use github-status: when the runner cannot reach the cluster"
    )


def test_tls_without_the_servers_ca(
    argocd_tls: FakeArgoCD, history: History, tmp_path: Any
) -> None:
    fix = "set argocd.ca_file to the PEM file of the CA that signed the server certificate"
    system = ArgoCDSource(ArgoCD(server=argocd_tls.url, applications=("a",)), ENV, 0)
    assert message(system, history) == (
        f"[argocd {argocd_tls.url}] TLS verification failed ([SSL: CERTIFICATE_VERIFY_FAILED] "
        f"certificate verify failed: unable to get local issuer certificate); {fix}"
    )
    other: Pki = make_pki(tmp_path / "other", name="other-ca")
    wrong = source(argocd_tls, ca_file=str(other.ca_file))
    assert message(wrong, history).startswith(f"[argocd {argocd_tls.url}] TLS verification")
    assert argocd_tls.count() == 0  # no request got through the handshake


def test_a_ca_file_that_does_not_exist(argocd_tls: FakeArgoCD) -> None:
    with pytest.raises(UserError) as info:
        source(argocd_tls, ca_file="certs/missing.pem")
    assert str(info.value) == (
        f"[argocd {argocd_tls.url}] argocd.ca_file certs/missing.pem does not exist; give the "
        "path of the PEM file of the CA that signed the server certificate"
    )


def test_an_application_deploying_another_repository(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    add_app(argocd, repo_url="https://github.com/acme/platform-gitops.git", path="ml/fraud")
    assert message(source(argocd), history) == (
        f"[argocd {argocd.url}] Application 'inference-prod' deploys "
        "https://github.com/acme/platform-gitops.git ml/fraud, not the files this promotion "
        f"changed ({', '.join(CHANGED)} in git@github.com:acme/gitops.git); point "
        "argocd.applications at the Application that deploys them"
    )


def test_the_token_is_never_logged(
    argocd: FakeArgoCD, add_app: AppMaker, history: History, caplog: pytest.LogCaptureFixture
) -> None:
    add_app(argocd)
    caplog.set_level(logging.DEBUG)
    # The HTTP client's own logger: another test may have quieted it (promote's -v levels).
    caplog.set_level(logging.DEBUG, logger="urllib3")
    source(argocd).observe(watch(history))
    argocd.fail_next(500, times=4)
    with pytest.raises(RetryableError):
        source(argocd).observe(watch(history))
    assert "/api/v1/applications/inference-prod" in caplog.text  # the log did run
    assert TOKEN not in caplog.text


def test_the_factory_builds_the_source_from_the_table(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    from bot.cluster import SOURCES

    add_app(argocd)
    cluster = Follow(argocd=ArgoCD(server=argocd.url, applications=("inference-prod",)))
    built = SOURCES[cluster.source](cluster, SourceContext(ENV))
    assert built.observe(watch(history, REPO_URL)).apps[0].revision == history.old


def test_ca_file_wins_over_a_ca_bundle_in_the_environment(
    argocd_tls: FakeArgoCD,
    add_app: AppMaker,
    history: History,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = make_pki(tmp_path / "other", name="other-ca")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other.ca_file))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other.ca_file))
    add_app(argocd_tls)
    assert source(argocd_tls).observe(watch(history)).apps[0].name == "inference-prod"


def test_a_login_page_in_front_of_argo_cd(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    add_app(argocd)
    argocd.answer_next(200, b"<html>Sign in</html>", "text/html; charset=utf-8")
    assert message(source(argocd), history) == (
        f"[argocd {argocd.url}] Application 'inference-prod': answered text/html; charset=utf-8, "
        "not an Argo CD API object; argocd.server must be the API server's URL (not a login "
        "proxy)"
    )


def test_a_selector_the_token_may_not_list(
    argocd: FakeArgoCD, add_app: AppMaker, history: History
) -> None:
    argocd.answer_next(
        403,
        b'{"error":"permission denied","code":7,"message":"permission denied"}',
        "application/json",
    )
    src = source(argocd, applications=None, selector={"env": "prod"})
    assert message(src, history) == (
        f"[argocd {argocd.url}] the token may not list Applications (permission denied); grant "
        "its role `applications, get` in the project of the Applications argocd.selector matches"
    )
