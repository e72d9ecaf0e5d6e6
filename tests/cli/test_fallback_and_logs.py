"""No silent fallback to the local platform in GitHub Actions, and logs that say each thing
once: a registry that is down is one error line, its client's retries show only with -v.
The CLI in-process on a real Git repository; the registry is a closed port on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.e2e.helpers import Outcome, run_cli
from tests.rig.repos import git, make_gitops_repo

ENVS = ("dev", "staging", "prod")
IN_ACTIONS = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/gitops"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_gitops_repo(tmp_path / "gitops")


@pytest.fixture
def down() -> dict[str, str]:
    """An MLflow server that is not there, with one quick retry."""
    return {
        "MLFLOW_TRACKING_URI": f"http://127.0.0.1:{_closed_port()}",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "5",
    }


def _cli(repo: Path, env: dict[str, str], monkeypatch, capsys, *args: str) -> Outcome:  # type: ignore[no-untyped-def]
    for name in ("GITHUB_ACTIONS", "RUNNER_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return run_cli([args[0], "--repo-dir", str(repo), *args[1:]], env, monkeypatch, capsys)


def test_run_in_actions_without_a_token_fails_and_says_what_to_set(
    repo: Path, down: dict[str, str], monkeypatch, capsys
) -> None:
    refs = git(repo, "for-each-ref")
    result = _cli(repo, {**down, **IN_ACTIONS}, monkeypatch, capsys, "run")
    assert result.code == 1
    (line,) = result.err.splitlines()
    assert line.startswith("error: running in GitHub Actions without GITHUB_TOKEN")
    assert "contents: write, pull-requests: write" in line
    assert "--platform local" in line
    assert "opened" not in result.out and "branch created" not in result.out
    assert git(repo, "for-each-ref") == refs


@pytest.mark.parametrize("args", [("run", "--dry-run"), ("run", "--platform", "local"), ("plan",)])
def test_reading_or_asking_for_local_on_purpose_still_works_in_actions(
    repo: Path, down: dict[str, str], monkeypatch, capsys, args: tuple[str, ...]
) -> None:
    result = _cli(repo, {**down, **IN_ACTIONS}, monkeypatch, capsys, *args)
    # It gets as far as the (closed) registry: the token rule did not stop it.
    assert "GITHUB_TOKEN" not in result.err
    assert "unreachable" in result.err


def test_a_registry_that_is_down_is_one_error_line_and_retries_only_with_v(
    repo: Path, down: dict[str, str], monkeypatch, capsys
) -> None:
    quiet = _cli(repo, down, monkeypatch, capsys, "plan")
    assert quiet.code == 1
    (error,) = [line for line in quiet.err.splitlines() if line.strip()]
    assert error.startswith(
        "error: [fraud-detector/dev, fraud-detector/staging, fraud-detector/prod] MLflow at"
    )
    assert "unreachable" in error and "unreachable" not in quiet.out
    assert "Retrying" not in quiet.err

    loud = _cli(repo, down, monkeypatch, capsys, "plan", "-v")
    assert "Retrying" in loud.err
    assert loud.err.count("error:") == 1


def test_status_points_at_the_one_error_line(
    repo: Path, down: dict[str, str], monkeypatch, capsys
) -> None:
    result = _cli(repo, down, monkeypatch, capsys, "status")
    assert result.code == 1
    rows = result.out.splitlines()[1:]
    assert [row.split()[:2] for row in rows] == [["fraud-detector", env] for env in ENVS]
    assert all(row.endswith("✘ failed  see the error below") for row in rows)
    (error,) = result.err.splitlines()
    assert error.startswith(
        "error: [fraud-detector/dev, fraud-detector/staging, fraud-detector/prod] MLflow at"
    )
    assert (result.out + result.err).count("unreachable") == 1


def test_runner_debug_means_vv(repo: Path, down: dict[str, str], monkeypatch, capsys) -> None:
    monkeypatch.setenv("RUNNER_DEBUG", "1")
    result = run_cli(["plan", "--repo-dir", str(repo)], down, monkeypatch, capsys)
    assert "DEBUG " in result.err and "Retrying" in result.err
