"""Statuses that tell the truth in every CLI view: a blocked, held or waiting promotion never
shows a check mark, and the reason is there as text and as data. Real MLflow server, local
Git repository, the CLI in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import state
from tests.e2e.test_policy import Repo
from tests.rig.mlflow_rig import MlflowServer
from tests.rig.repos import commit_all

GATE = "      prod:\n        gates: [accuracy >= 0.99]\n"


@pytest.fixture
def repo(tmp_path: Path, mlflow_server: MlflowServer, monkeypatch, capsys) -> Repo:  # type: ignore[no-untyped-def]
    return Repo(tmp_path, mlflow_server.uri, monkeypatch, capsys)


def _row(out: str, env: str) -> str:
    return next(line for line in out.splitlines() if line.split()[1:2] == [env])


def test_a_failed_gate_reads_blocked_with_the_gate_everywhere(repo: Repo) -> None:
    repo.configure("      prod:\n", GATE)
    status = repo.run("status")
    assert status.code == 0, status.err  # blocked is an answer, not an error
    prod = _row(status.out, "prod")
    assert "! blocked" in prod and "✔" not in prod
    assert "gates failed: accuracy >= 0.99 (accuracy 0.95, threshold 0.99)" in prod
    assert "✔ up-to-date" not in prod

    run = repo.run("run", "--env", "prod")
    assert run.code == 0, run.err
    assert "! blocked" in _row(run.out, "prod") and "✔" not in run.out

    (prod_json,) = [r for r in repo.run("status", "--json").json() if r["environment"] == "prod"]
    assert (prod_json["status"], prod_json["healthy"]) == ("blocked", False)
    assert prod_json["why"]["failed_gates"] == [
        {"gate": "accuracy >= 0.99", "value": 0.95, "threshold": 0.99, "note": ""}
    ]


def test_waiting_shows_the_time_left(repo: Repo) -> None:
    repo.configure("      prod:\n", "      prod:\n        from: staging\n        soak_hours: 24\n")
    repo.deploy("staging", "2", "v1.4.0", hours_ago=6)
    out = repo.run("status").out
    prod = _row(out, "prod")
    assert "! waiting" in prod and "✔" not in prod
    assert "soaking: 6.0 h of 24 h in staging" in prod and "18 h left" in prod


def test_held_shows_the_held_version(repo: Repo) -> None:
    repo.deploy("prod", "2", "v1.4.0", message="Roll back fraud-detector in prod")
    held = state.with_hold(None, "s", state.Hold("fraud-detector", "prod", "3"))
    (repo.path / ".github" / "promotion-state.yml").write_text(held)
    commit_all(repo.path, "Hold v3 in prod")
    prod = _row(repo.run("run", "--env", "prod").out, "prod")
    assert "! held" in prod and "held: v3 was rolled back in prod" in prod


def test_only_healthy_statuses_get_a_check_mark() -> None:
    from bot.results import HEALTHY, STATUSES
    from bot.text.status import ICONS, mark

    assert {"opened", "updated", "up-to-date"} == HEALTHY
    assert set(ICONS) == set(STATUSES)
    for status in set(STATUSES) - HEALTHY:
        assert "✔" not in mark(status) and "✔" not in ICONS[status], status
    assert all(mark(status).startswith("✔") for status in HEALTHY)


def test_help_documents_the_exit_codes(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.helpers import run_cli

    out = run_cli(["--help"], {}, monkeypatch, capsys).out
    for line in ("0  done", "1  a config, input or registry problem", "2  usage", "3  unexpected"):
        assert line in out
