"""End to end on real components: a real MLflow server delivers real webhooks to the relay, the
relay dispatches to the GitHub fake, and the action's dispatch entry opens the PR."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.action import main as run_action  # the action entry; the one import to move with it
from bot.relay.commands import webhooks
from bot.relay.wsgi import App
from tests.relay.rig import SECRET, make_app, running
from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake.routes_dispatch import DISPATCHES, dispatches
from tests.rig.github_rig import TOKEN
from tests.rig.mlflow_rig import MlflowServer, seed_model
from tests.rig.repos import make_gitops_repo

VALIDATED = {"validation_status": "passed"}
METRICS = {"accuracy": 0.9, "precision": 0.8, "latency_p99_ms": 120.0}


class Recorder(App):
    """The relay's app, keeping each delivery exactly as MLflow sent it (to replay it)."""

    def __init__(self, app: App) -> None:
        super().__init__(app.relay)
        self.seen: list[tuple[dict[str, str], bytes]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            headers = {
                k[5:].replace("_", "-").title(): str(v)
                for k, v in environ.items()
                if k.startswith("HTTP_X_MLFLOW")
            }
            self.seen.append((headers, body))
        return super().__call__(environ, start_response)


class Scenario:
    def __init__(self, tmp: Path, fake: FakeGitHub, mlflow: MlflowServer) -> None:
        from mlflow import MlflowClient

        self.tmp, self.fake, self.uri = tmp, fake, mlflow.uri
        self.client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        self.name = f"fraud-{uuid.uuid4().hex[:8]}"
        self.hook = f"relay-{self.name}"
        self.repo = make_gitops_repo(tmp / "workspace", registered_model=self.name)
        fake.seed(self.repo)
        # v1 is what the example overlays deploy.
        seed_model(
            self.uri,
            self.name,
            [{"metrics": METRICS, "tags": {**VALIDATED, "image_tag": "v1.3.0"}}],
        )
        self.app = Recorder(make_app(fake, self.repo / ".github" / "promotion.yml"))

    def cli(self, *args: str, secret: str = SECRET) -> Any:
        env = {"PROMOTE_RELAY_SECRET": secret, "MLFLOW_TRACKING_URI": self.uri}
        return CliRunner().invoke(webhooks, [*args, "--name", self.hook], env=env)

    def install(self, url: str, secret: str = SECRET) -> str:
        result = self.cli("install", "--url", url, secret=secret)
        assert result.exit_code == 0, result.output or result.exception
        return str(result.output)

    def new_version(self, image_tag: str, metrics: dict[str, float] | None = METRICS) -> str:
        (version,) = seed_model(
            self.uri, self.name, [{"metrics": metrics, "tags": {"image_tag": image_tag}}]
        )
        return version

    def validate(self, version: str) -> None:
        self.client.set_model_version_tag(self.name, version, "validation_status", "passed")

    def wait_for_dispatches(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = dispatches(self.fake)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(
            f"{len(dispatches(self.fake))} dispatch(es) after {timeout} s, expected {count}"
        )

    def run_action(self, dispatch: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> int:
        """The workflow GitHub would start: the action with the repository_dispatch event."""
        event = {
            "action": dispatch["event_type"],
            "client_payload": dispatch["client_payload"],
            "repository": {"full_name": "acme/gitops", "default_branch": "main"},
        }
        path = self.tmp / f"event-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps(event))
        monkeypatch.setenv("MLFLOW_TRACKING_URI", self.uri)
        for name in ("output", "summary"):
            (self.tmp / name).write_text("")
        env = {
            "GITHUB_EVENT_NAME": "repository_dispatch",
            "GITHUB_EVENT_PATH": str(path),
            "GITHUB_REPOSITORY": "acme/gitops",
            "GITHUB_API_URL": self.fake.base_url,
            "GITHUB_WORKSPACE": str(self.repo),
            "GITHUB_OUTPUT": str(self.tmp / "output"),
            "GITHUB_STEP_SUMMARY": str(self.tmp / "summary"),
            "PROMOTE_GITHUB_REQUEST_INTERVAL": "0",
            "PROMOTE_GITHUB_WRITE_INTERVAL": "0",
            "INPUT_GITHUB-TOKEN": TOKEN,
            "INPUT_COMMAND": "auto",
        }
        return run_action(env)

    def open_pulls(self) -> list[str]:
        return sorted(p["title"] for p in self.fake.pulls.values() if p["state"] == "open")

    def remove_hook(self) -> None:
        from bot.relay.webhooks import find

        found = find(self.client, self.hook)
        if found is not None:
            self.client.delete_webhook(found.webhook_id)


@pytest.fixture
def scenario(
    tmp_path: Path, fake_github: FakeGitHub, webhook_mlflow: MlflowServer
) -> Iterator[Scenario]:
    made = Scenario(tmp_path, fake_github, webhook_mlflow)
    try:
        yield made
    finally:
        made.remove_hook()  # later tests' events must not go to this test's stopped relay


PRS_FOR_V2 = [f"Promote fraud-detector to {env}: v2 (v1.4.0)" for env in ("dev", "prod", "staging")]


def test_tagging_a_version_validated_opens_the_pr(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    assert scenario.run_action(dispatch, monkeypatch) == 0
    assert scenario.open_pulls() == PRS_FOR_V2


def test_github_down_mlflow_retries_and_one_pr_results(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    assert scenario.run_action(dispatch, monkeypatch) == 0
    assert scenario.open_pulls() == PRS_FOR_V2


def test_the_same_delivery_twice_makes_one_pr(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
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
        assert scenario.run_action(dispatch, monkeypatch) == 0
    assert scenario.open_pulls() == PRS_FOR_V2


def test_mlflow_test_delivery_of_an_unknown_model_reaches_no_github(scenario: Scenario) -> None:
    with running(scenario.app) as server:
        scenario.install(server.url)
        hook = scenario.client.get_webhook(_hook_id(scenario))
        result = scenario.client.test_webhook(hook.webhook_id, event="model_version_tag.set")
    assert result.success, result
    assert json.loads(result.response_body)["status"] == "ignored"  # MLflow's example_model
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
