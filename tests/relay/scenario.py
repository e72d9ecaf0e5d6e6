"""A real MLflow server, the relay and the GitHub fake wired together, for tests and bench.

``Scenario`` seeds a model whose v1 the example overlays deploy, serves the relay for its
config, installs the webhook through the CLI, and runs the action's dispatch entry the way
GitHub would start the workflow.
"""

from __future__ import annotations

import io
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bot.action import main as run_action  # the action entry; the one import to move with it
from bot.relay.commands import webhooks
from bot.relay.wsgi import App
from tests.relay.rig import SECRET, make_app
from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake.routes_dispatch import dispatches
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

    def run_action(self, dispatch: dict[str, Any]) -> int:
        """The workflow GitHub would start: the action with the repository_dispatch event."""
        event = {
            "action": dispatch["event_type"],
            "client_payload": dispatch["client_payload"],
            "repository": {"full_name": "acme/gitops", "default_branch": "main"},
        }
        path = self.tmp / f"event-{uuid.uuid4().hex[:6]}.json"
        path.write_text(json.dumps(event))
        os.environ["MLFLOW_TRACKING_URI"] = self.uri  # where the bot's registry adapter looks
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
