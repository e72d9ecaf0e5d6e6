"""One total deadline for the registry calls of a run (``--timeout``).

Real sockets on 127.0.0.1: a port that accepts connections and never answers, and a closed
port, with MLflow's default retry settings (7 retries, backoff factor 2, 120 s per request:
minutes per call without the deadline). The CLI runs as a real process, so the time measured
includes leaving it while a client may still be retrying in the background.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import deadline
from bot.actions.inputs import Inputs
from bot.errors import UserError
from bot.model import VersionQuery
from bot.registry.mlflow import MlflowRegistry
from bot.registry.mlflow.client import SWITCH
from bot.registry.s3 import S3Registry
from tests.rig.repos import git, make_gitops_repo

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_VARS = ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR")


@pytest.fixture
def silent() -> Iterator[int]:
    """A port whose connections the kernel accepts and nobody ever reads or answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


@pytest.fixture
def closed() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _no_deadline_left_over() -> Iterator[None]:
    yield
    deadline.start(None)


CLIENTS = ("rest", "mlflow")


def promote(repo: Path, uri: str, client: str, *args: str) -> tuple[int, str, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "GITHUB_"))}
    env.update(MLFLOW_TRACKING_URI=uri, PYTHONPATH=str(ROOT), RUNNER_DEBUG="0")
    if client == "mlflow":
        env[SWITCH] = "mlflow"
    command = [sys.executable, "-c", "from bot.cli import main; main()", *args]
    started = time.monotonic()
    done = subprocess.run(
        [*command, "--repo-dir", str(repo)], env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


# Every command against a server that never answers, and a closed port for one command: the
# two failures differ below the commands (a read timeout against a refused connection).
CASES = [
    *((command, "silent", client) for command in ("run", "plan", "status") for client in CLIENTS),
    *(("run", "closed", client) for client in CLIENTS),
]


@pytest.mark.parametrize(("command", "port_kind", "client"), CASES)
def test_a_registry_that_does_not_answer_is_one_line_within_the_timeout(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    client: str,
    port_kind: str,
    command: str,
) -> None:
    repo = make_gitops_repo(tmp_path / "gitops")
    refs = git(repo, "for-each-ref")
    uri = f"http://127.0.0.1:{request.getfixturevalue(port_kind)}"
    code, out, err, took = promote(repo, uri, client, command, "--timeout", "1")
    assert code == 1
    (line,) = err.splitlines()
    assert line.startswith(f"error: MLflow at {uri} did not answer within 1 s"), line
    assert line.endswith(
        "; check that the server is up and MLFLOW_TRACKING_URI points at it,"
        " or give it longer with --timeout"
    )
    assert out == ""
    # MlflowClient costs its import (seconds) before the first request: not part of --timeout.
    assert took < (8 if client == "rest" else 20), took
    assert git(repo, "for-each-ref") == refs  # no branch: nothing written


def test_the_light_client_says_what_it_last_saw(tmp_path: Path, closed: int) -> None:
    repo = make_gitops_repo(tmp_path / "gitops")
    code, _, err, _ = promote(repo, f"http://127.0.0.1:{closed}", "rest", "plan", "--timeout", "1")
    assert code == 1 and "within 1 s (Connection refused);" in err


def test_retry_warnings_only_with_v(tmp_path: Path, closed: int) -> None:
    repo = make_gitops_repo(tmp_path / "gitops")
    uri = f"http://127.0.0.1:{closed}"
    _, _, quiet, _ = promote(repo, uri, "rest", "plan", "--timeout", "3")
    _, _, loud, _ = promote(repo, uri, "rest", "plan", "--timeout", "3", "-v")
    assert "Retrying" not in quiet and len(quiet.splitlines()) == 1
    assert "Retrying" in loud and loud.count("error:") == 1


@pytest.mark.parametrize("client", ["rest", "mlflow"])
def test_later_calls_fail_at_once_with_the_same_line(
    silent: int, client: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SWITCH, client if client == "mlflow" else "auto")
    registry = MlflowRegistry(f"http://127.0.0.1:{silent}")
    query = VersionQuery("fraud", "fraud", {"validation_status": "passed"})
    registry._connect()  # MlflowClient's import is not a registry call: not timed here
    deadline.start(1)
    started = time.monotonic()
    with pytest.raises(deadline.DeadlineExceeded) as first:
        registry.newest_validated(query)
    with pytest.raises(deadline.DeadlineExceeded) as second:
        registry.get_version(query, "3")
    assert time.monotonic() - started < 3
    assert str(first.value) == str(second.value)
    assert deadline.fired() is first.value


def test_s3_keeps_to_the_deadline(silent: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    registry = S3Registry("models", endpoint_url=f"http://127.0.0.1:{silent}", region="us-east-1")
    deadline.start(1.5)
    started = time.monotonic()
    with pytest.raises(deadline.DeadlineExceeded) as caught:
        registry.newest_validated(VersionQuery("fraud", "fraud", {}))
    assert time.monotonic() - started < 5
    assert str(caught.value).startswith(
        f"S3 at http://127.0.0.1:{silent} did not answer within 1.5 s; check"
    )


def test_no_deadline_without_start() -> None:
    deadline.start(None)
    assert deadline.remaining() is None
    assert deadline.bounded(lambda: 42, "x", "y") == 42


@pytest.mark.parametrize(
    ("raw", "expected"), [("", 180.0), ("30", 30.0), ("2.5", 2.5), (" 60 ", 60.0)]
)
def test_action_timeout_input(raw: str, expected: float) -> None:
    assert Inputs.parse({"INPUT_TIMEOUT": raw}).timeout == expected


@pytest.mark.parametrize("raw", ["abc", "0", "-5", "inf", "nan"])
def test_action_timeout_input_refuses_nonsense(raw: str) -> None:
    with pytest.raises(UserError, match=r"^input timeout: expected a number of seconds above 0"):
        Inputs.parse({"INPUT_TIMEOUT": raw})


def test_the_deadline_ends_with_the_command(
    tmp_path: Path, closed: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In one process (tests, a notebook), a later command's registry calls get their own."""
    from tests.e2e.helpers import run_cli

    repo = make_gitops_repo(tmp_path / "gitops")
    env = {"MLFLOW_TRACKING_URI": f"http://127.0.0.1:{closed}"}
    result = run_cli(["plan", "--repo-dir", str(repo), "--timeout", "1"], env, monkeypatch, capsys)
    assert result.code == 1 and "did not answer within 1 s" in result.err
    assert deadline.remaining() is None and deadline.fired() is None
