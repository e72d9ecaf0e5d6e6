"""A real MLflow tracking server for the session, and a fast helper to seed registered models.

The server runs from this venv on 127.0.0.1 with an sqlite backend, in its own process group
(uvicorn or gunicorn spawns a worker) so ``stop()`` ends all of it. Seeding talks to any
tracking URI (the server's ``http://…`` or a plain ``sqlite:///…``) with ``MlflowClient`` only:
one run per version for the metrics, no artifacts, no model logging.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.rig import early, services
from tests.rig.services import Launched, Service, free_port


class MlflowServer(Service):
    @property
    def uri(self) -> str:
        return self.url


# MLflow delivers webhooks only from a SQL-backed server, and by default only over https to
# public addresses. These settings let a server deliver to a relay on 127.0.0.1; the key is
# fixed so stored secrets stay readable whichever worker reads them; a zero cache TTL makes a
# webhook installed by a test receive the very next event. The session's server has them, so
# the relay tests need no server of their own; tests that install a webhook remove it.
WEBHOOK_SERVER_ENV = {
    "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true",
    "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
    "MLFLOW_WEBHOOK_CACHE_TTL": "0",
    "MLFLOW_WEBHOOK_REQUEST_TIMEOUT": "10",
    "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY": "0" * 43 + "=",
}


def launch_mlflow_server(
    workdir: Path, extra_env: Mapping[str, str] | None = None, options: Sequence[str] = ()
) -> Launched:
    """Start ``mlflow server`` (with ``options`` added) on a free port; ``ready()`` waits for
    ``/health``."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", f"sqlite:///{workdir / 'mlflow.db'}",
        "--default-artifact-root", str(workdir / "artifacts"),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", "1",
        *options,
    ]  # fmt: skip
    # Without this the server spawns a dozen job-runner processes the tests never use.
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", **(extra_env or {})}
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
        env.pop(name, None)
    return services.launch("mlflow server", command, workdir, env, port, "/health")


def start_mlflow_server(workdir: Path, extra_env: Mapping[str, str] | None = None) -> MlflowServer:
    """Start ``mlflow server`` on a free port and wait for ``/health``."""
    return MlflowServer(**vars(launch_mlflow_server(workdir, extra_env).ready()))


# The session's server runs MLflow's Flask app under gunicorn (MLflow's documented
# ``--gunicorn-opts``; gunicorn ships with mlflow) instead of the default uvicorn, which reaches
# the same app through a WSGI bridge: the same handlers and store, with less in front of them
# (a three-version seed about 15% faster, interleaved on the same machine), a much faster
# burst of webhook deliveries, and it stops in a second. Four threads serve concurrent
# requests, as uvicorn's thread pool does. The bench keeps the default (``start_mlflow_server``).
SESSION_SERVER_OPTIONS = ("--gunicorn-opts", "--threads 4 --graceful-timeout 1 --log-level warning")


def launch_session_server(tmp_path_factory: pytest.TempPathFactory) -> Launched:
    workdir = tmp_path_factory.mktemp("mlflow-server")
    return launch_mlflow_server(workdir, WEBHOOK_SERVER_ENV, SESSION_SERVER_OPTIONS)


@pytest.fixture(scope="session")
def mlflow_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MlflowServer]:
    """The session's server, launched while pytest collected when the run needs it."""
    launched = early.take(request.config, "mlflow_server") or launch_session_server(
        tmp_path_factory
    )
    server = MlflowServer(**vars(launched.ready()))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tracking_uri(mlflow_server: MlflowServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The session server's URI, exported as MLFLOW_TRACKING_URI for the test."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.uri)
    return mlflow_server.uri


def seed_model(uri: str, name: str, versions: Sequence[Mapping[str, Any]]) -> list[str]:
    """Register ``name`` (if needed) and add one version per entry, in order.

    Entry keys, all optional: ``metrics`` (logged on a fresh run that becomes the version's
    source; ``None`` for a version without a run), ``tags`` (version tags), ``aliases``.
    Returns the new version numbers.
    """
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        client.create_registered_model(name)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    experiment_id = _experiment(client, f"seed-{name}")
    created = []
    for spec in versions:
        run_id, source = _source_run(client, experiment_id, spec.get("metrics", {}))
        tags = {key: str(value) for key, value in (spec.get("tags") or {}).items()}
        mv = client.create_model_version(
            name, source, run_id=run_id, tags=tags, await_creation_for=0
        )
        for alias in spec.get("aliases") or ():
            client.set_registered_model_alias(name, alias, str(mv.version))
        created.append(str(mv.version))
    return created


def _experiment(client: Any, name: str) -> str:
    found = client.get_experiment_by_name(name)
    return str(found.experiment_id) if found is not None else str(client.create_experiment(name))


def _source_run(
    client: Any, experiment_id: str, metrics: Mapping[str, float] | None
) -> tuple[str | None, str]:
    if metrics is None:
        return None, "s3://seed-bucket/no-run/model"
    from mlflow.entities import Metric

    run = client.create_run(experiment_id)
    run_id = run.info.run_id
    stamp = int(time.time() * 1000)
    if metrics:
        batch = [Metric(key, float(value), stamp, 0) for key, value in metrics.items()]
        client.log_batch(run_id, metrics=batch)
    return run_id, run.info.artifact_uri
