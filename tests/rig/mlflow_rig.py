"""A real MLflow tracking server for the session, and a fast helper to seed registered models.

The server runs from this venv on 127.0.0.1 with an sqlite backend, in its own process group
(uvicorn spawns a worker) so ``stop()`` ends all of it. Seeding talks to any tracking URI
(the server's ``http://…`` or a plain ``sqlite:///…``) with ``MlflowClient`` only: one run per
version for the metrics, no artifacts, no model logging.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


@dataclass
class MlflowServer:
    uri: str
    process: subprocess.Popen[bytes]
    log: Path
    startup_seconds: float = 0.0

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL after 10 s."""
        if self.process.poll() is not None:
            return
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait(STOP_TIMEOUT)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)  # the server is a session leader: its pgid is its pid


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_mlflow_server(workdir: Path) -> MlflowServer:
    """Start ``mlflow server`` on a free port and wait for ``/health``."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", f"sqlite:///{workdir / 'mlflow.db'}",
        "--default-artifact-root", str(workdir / "artifacts"),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", "1",
    ]  # fmt: skip
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):
        env.pop(name, None)
    log = workdir / "server.log"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = MlflowServer(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_healthy(server, started + STARTUP_TIMEOUT)
    except BaseException:
        server.stop()
        raise
    server.startup_seconds = time.monotonic() - started
    return server


def _wait_healthy(server: MlflowServer, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"mlflow server exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{server.uri}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"mlflow server not healthy after {STARTUP_TIMEOUT:.0f}s:\n{server.log_tail()}"
    )


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    server = start_mlflow_server(tmp_path_factory.mktemp("mlflow-server"))
    try:
        yield server
    finally:
        server.stop()


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
