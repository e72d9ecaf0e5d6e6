"""The relay on 127.0.0.1 in front of the GitHub fake, and deliveries signed by MLflow's code.

Deliveries are signed with ``mlflow.webhooks.delivery._generate_hmac_signature``, the function
MLflow's server signs with, so the relay is checked against MLflow and not against itself.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.relay.build import build
from bot.relay.serve import Server
from bot.relay.wsgi import App
from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake.routes_dispatch import DISPATCHES, dispatches
from tests.rig.github_rig import TOKEN
from tests.rig.mlflow_rig import WEBHOOK_SERVER_ENV, MlflowServer, start_mlflow_server
from tests.rig.repos import make_gitops_repo

SECRET = "relay-test-secret-0123456789abcdef"
MODEL = "fraud-detector"  # the example config's model key and registered model


def relay_env(fake: FakeGitHub, **extra: str) -> dict[str, str]:
    return {
        "PROMOTE_RELAY_SECRET": SECRET,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": fake.base_url,
        "PROMOTE_GITHUB_WRITE_INTERVAL": "0",
        **extra,
    }


def envelope(entity: str, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """What MLflow posts (``mlflow.webhooks.delivery._send_webhook_request``)."""
    stamp = datetime.now(timezone.utc).isoformat()
    return {"entity": entity, "action": action, "timestamp": stamp, "data": data}


def tag_set(name: str, version: str, key: str, value: str) -> dict[str, Any]:
    data = {"name": name, "version": version, "key": key, "value": value}
    return envelope("model_version_tag", "set", data)


def validated(name: str = MODEL, version: str = "4") -> dict[str, Any]:
    return tag_set(name, version, "validation_status", "passed")


def signed(
    body: dict[str, Any] | bytes,
    secret: str = SECRET,
    delivery_id: str | None = None,
    timestamp: int | None = None,
) -> tuple[dict[str, str], bytes]:
    from mlflow.webhooks.delivery import _generate_hmac_signature

    text = body.decode() if isinstance(body, bytes) else json.dumps(body)
    delivery_id = delivery_id or str(uuid.uuid4())
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": "application/json",
        "X-MLflow-Delivery-Id": delivery_id,
        "X-MLflow-Timestamp": stamp,
        "X-MLflow-Signature": _generate_hmac_signature(secret, delivery_id, stamp, text),
    }
    return headers, text.encode()


@dataclass
class RelayRig:
    fake: FakeGitHub
    app: App
    server: Server
    config: Path

    @property
    def url(self) -> str:
        return f"{self.server.url}/webhooks/mlflow"

    def post(self, delivery: tuple[dict[str, str], bytes]) -> requests.Response:
        headers, body = delivery
        return requests.post(self.url, data=body, headers=headers, timeout=30)

    def dispatches(self) -> list[dict[str, Any]]:
        return dispatches(self.fake)

    def attempts(self) -> int:
        """Dispatch requests GitHub received, accepted or not."""
        return self.fake.count("POST", DISPATCHES.split(" ", 1)[1])


@contextlib.contextmanager
def running(app: App, threads: int = 8) -> Iterator[Server]:
    """The relay's own server (waitress, graceful stop) on a free port, in a thread."""
    server = Server(app, "127.0.0.1", 0, threads, grace=5.0)
    thread = threading.Thread(target=server.run, name="relay", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(10)
        assert not thread.is_alive(), "the relay did not stop"


def make_app(
    fake: FakeGitHub, config: Path, env: dict[str, str] | None = None, **options: Any
) -> App:
    settings = {"config_path": config, "repository": "acme/gitops", **options}
    return build({**relay_env(fake), **(env or {})}, **settings)


@pytest.fixture
def relay(tmp_path: Path, fake_github: FakeGitHub) -> Iterator[RelayRig]:
    """The relay for the example config, dispatching to the fake's acme/gitops."""
    repo = make_gitops_repo(tmp_path / "gitops")
    config = repo / ".github" / "promotion.yml"
    app = make_app(fake_github, config)
    with running(app) as server:
        yield RelayRig(fake_github, app, server, config)


def start_webhook_mlflow(workdir: Path) -> MlflowServer:
    """A tracking server of its own that delivers webhooks to 127.0.0.1 (for the bench)."""
    return start_mlflow_server(workdir, WEBHOOK_SERVER_ENV)


@pytest.fixture
def webhook_mlflow(mlflow_server: MlflowServer) -> MlflowServer:
    """The session's server, which delivers webhooks to 127.0.0.1 (``WEBHOOK_SERVER_ENV``).

    Each test keeps to a model and a webhook of its own names and removes its webhook, so
    sharing the server with the rest of the suite changes nothing the other tests read.
    """
    return mlflow_server
