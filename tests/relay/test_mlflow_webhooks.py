"""End to end on real components: a real MLflow server delivers real webhooks to the relay, the
relay dispatches to the GitHub fake, and the action's dispatch entry opens the PR."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.relay.rig import running
from tests.relay.scenario import Scenario
from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake.routes_dispatch import DISPATCHES, dispatches
from tests.rig.mlflow_rig import MlflowServer


@pytest.fixture
def scenario(
    tmp_path: Path,
    fake_github: FakeGitHub,
    webhook_mlflow: MlflowServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Scenario]:
    # The action run reads MLFLOW_TRACKING_URI from the process; restored after the test.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", webhook_mlflow.uri)
    made = Scenario(tmp_path, fake_github, webhook_mlflow)
    try:
        yield made
    finally:
        made.remove_hook()  # later tests' events must not go to this test's stopped relay


PRS_FOR_V2 = [f"Promote fraud-detector to {env}: v2 (v1.4.0)" for env in ("dev", "prod", "staging")]


def test_tagging_a_version_validated_opens_the_pr(scenario: Scenario) -> None:
    with running(scenario.app) as server:
        assert scenario.install(server.url).startswith(f"created webhook {scenario.hook}")
        version = scenario.new_version("v1.4.0")  # created without validation: ignored
        started = time.monotonic()
        scenario.validate(version)
        (dispatch,) = scenario.wait_for_dispatches(1)
        latency = time.monotonic() - started
        status = scenario.cli("status")
    assert dispatch["event_type"] == "model-validated"
    payload = dispatch["client_payload"]
    tag_delivery = scenario.app.seen[-1][0]["X-Mlflow-Delivery-Id"]
    assert payload["delivery_id"] == tag_delivery
    assert {k: payload[k] for k in ("model", "version")} == {
        "model": "fraud-detector",
        "version": "2",
    }
    assert [json.loads(b)["entity"] for _, b in scenario.app.seen] == [
        "model_version",
        "model_version_tag",
    ]
    assert latency < 5.0
    assert status.exit_code == 0
    assert "last delivery 20" in status.output and "(relay ok)" in status.output
    assert scenario.run_action(dispatch) == 0
    assert scenario.open_pulls() == PRS_FOR_V2


def test_github_down_mlflow_retries_and_one_pr_results(scenario: Scenario) -> None:
    scenario.fake.inject("POST", DISPATCHES, 503, times=2)
    with running(scenario.app) as server:
        scenario.install(server.url)
        scenario.validate(scenario.new_version("v1.4.0"))
        (dispatch,) = scenario.wait_for_dispatches(1, timeout=20)
        time.sleep(0.5)  # nothing else arrives
    assert scenario.fake.count("POST", DISPATCHES.split(" ", 1)[1]) == 3  # 503, 503, 204
    tag_deliveries = [h for h, b in scenario.app.seen if b"model_version_tag" in b]
    assert len({h["X-Mlflow-Delivery-Id"] for h in tag_deliveries}) == 1  # MLflow's own retries
    assert len(tag_deliveries) == 3
    assert len(dispatches(scenario.fake)) == 1
    assert scenario.run_action(dispatch) == 0
    assert scenario.open_pulls() == PRS_FOR_V2


def test_the_same_delivery_twice_makes_one_pr(scenario: Scenario) -> None:
    import requests

    with running(scenario.app) as server:
        scenario.install(server.url)
        scenario.validate(scenario.new_version("v1.4.0"))
        scenario.wait_for_dispatches(1)
        headers, body = next((h, b) for h, b in scenario.app.seen if b"model_version_tag" in b)
        again = requests.post(
            f"{server.url}/webhooks/mlflow", data=body, headers=headers, timeout=10
        )
    assert again.json()["status"] == "duplicate"
    found = dispatches(scenario.fake)
    assert len(found) == 1
    for dispatch in found:
        assert scenario.run_action(dispatch) == 0
    assert scenario.open_pulls() == PRS_FOR_V2


def test_mlflow_test_delivery_of_an_unknown_model_reaches_no_github(scenario: Scenario) -> None:
    with running(scenario.app) as server:
        scenario.install(server.url)
        hook = scenario.client.get_webhook(_hook_id(scenario))
        result = scenario.client.test_webhook(hook.webhook_id, event="model_version_tag.set")
    assert result.success, result
    assert json.loads(result.response_body)["status"] == "ignored"  # MLflow's example_model
    assert scenario.fake.requests == []


def test_registry_events_that_do_not_validate_reach_no_github(scenario: Scenario) -> None:
    with running(scenario.app) as server:
        scenario.install(server.url)
        version = scenario.new_version("v1.4.0")
        client, name = scenario.client, scenario.name
        client.set_model_version_tag(name, version, "validation_status", "failed")
        client.set_model_version_tag(name, version, "owner", "team-fraud")
        client.set_registered_model_alias(name, "champion", version)
        deadline = time.monotonic() + 10
        while len(scenario.app.seen) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
    kinds = sorted(
        f"{e['entity']}.{e['action']}" for e in (json.loads(b) for _, b in scenario.app.seen)
    )
    assert kinds == [
        "model_version.created",
        "model_version_alias.created",
        "model_version_tag.set",
        "model_version_tag.set",
    ]
    assert scenario.fake.requests == []


def test_wrong_secret_is_refused_and_dispatches_nothing(scenario: Scenario) -> None:
    with running(scenario.app) as server:
        scenario.install(server.url, secret="not-the-relay-secret-0123")
        result = scenario.client.test_webhook(_hook_id(scenario), event="model_version_tag.set")
        scenario.validate(scenario.new_version("v1.4.0"))
        time.sleep(1.0)
    assert result.response_status == 401
    assert scenario.fake.requests == []


def test_install_is_idempotent(scenario: Scenario) -> None:
    first = scenario.install("http://127.0.0.1:9/")
    second = scenario.install("http://127.0.0.1:9/other/path")
    hooks = [w for w in scenario.client.list_webhooks(max_results=100) if w.name == scenario.hook]
    assert first.startswith("created") and second.startswith("updated")
    (hook,) = hooks
    assert hook.url == "http://127.0.0.1:9/other/path"
    assert sorted(f"{e.entity.value}.{e.action.value}" for e in hook.events) == [
        "model_version.created",
        "model_version_alias.created",
        "model_version_tag.set",
    ]
    status = scenario.cli("status")
    assert "not a relay URL" in status.output


def test_status_without_the_webhook_says_how_to_install(scenario: Scenario) -> None:
    result = scenario.cli("status")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"webhook {scenario.hook}: not installed; run `promote webhooks install`"
    )


def test_burst_of_50_registry_events(scenario: Scenario) -> None:
    versions = [scenario.new_version(f"v2.{n}.0", metrics=None) for n in range(50)]
    with running(scenario.app) as server:
        scenario.install(server.url)
        for version in versions:
            scenario.validate(version)
        found = scenario.wait_for_dispatches(50, timeout=60)
        time.sleep(0.5)
    assert sorted(int(d["client_payload"]["version"]) for d in dispatches(scenario.fake)) == sorted(
        int(v) for v in versions
    )
    assert len(found) == 50


def _hook_id(scenario: Scenario) -> str:
    from bot.relay.webhooks import find

    return str(find(scenario.client, scenario.hook).webhook_id)


def test_promote_status_says_whether_the_webhook_is_installed(scenario: Scenario) -> None:
    from bot import config
    from bot.relay import commands

    text = f"version: 1\nregistries: {{ml: {{type: mlflow, tracking_uri: '{scenario.uri}'}}}}\n"
    text += (
        "models: {m: {environments: {prod: {targets: [{kind: yaml, file: v.yaml, path: v}]}}}}\n"
    )
    cfg = config.parse(text, "promotion.yml")
    (before,) = commands.webhook_lines(cfg, scenario.hook)
    assert before == f"ml: webhook {scenario.hook}: not installed; run `promote webhooks install`"
    scenario.install("http://127.0.0.1:9/")
    (after,) = commands.webhook_lines(cfg, scenario.hook)
    assert after.startswith(f"ml: webhook {scenario.hook}: active -> http://127.0.0.1:9/")
