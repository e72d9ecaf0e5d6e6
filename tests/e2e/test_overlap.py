"""A due promotion's registry details (candidate and deployed runs) and the GitHub writes.

Without gates nothing decided reads the metrics, so the commit is written while they load and
only the PR body waits for them; with a gate, nothing is written before they arrive. The
registry is the real MLflow one; its ``complete`` is wrapped only to see what GitHub had
received by the time it returned, and (without gates) to hold it until the branch exists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.registry.mlflow import MlflowRegistry
from tests.e2e.helpers import run_cli, seed_fraud_model
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import github_env
from tests.rig.repos import commit_all, make_gitops_repo

REF = "POST /graphql"  # the new branch and its commit, one request
GATE = '        gates: ["accuracy >= deployed - 0.01"]\n'


def _setup(tmp_path: Path, fake: FakeGitHub, uri: str, gated: bool) -> tuple[Path, dict[str, str]]:
    repo = make_gitops_repo(tmp_path / "checkout", registered_model=seed_fraud_model(uri))
    if gated:
        config = repo / ".github" / "promotion.yml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("      prod:\n", "      prod:\n" + GATE), encoding="utf-8")
        commit_all(repo, "Gate prod on accuracy")
    fake.seed(repo)
    return repo, {**github_env(fake), "MLFLOW_TRACKING_URI": uri}


def _watch(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub, hold_until_ref: bool
) -> list[dict[str, Any]]:
    """Record, as each ``complete`` returns, which writes GitHub had received."""
    seen: list[dict[str, Any]] = []
    original: Callable[..., Any] = MlflowRegistry.complete

    def complete(self: MlflowRegistry, *args: Any) -> Any:
        found = original(self, *args)
        deadline = time.monotonic() + 5
        while hold_until_ref and not fake.writes() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append(
            {"writes": [r.route for r in fake.writes()], "thread": threading.current_thread()}
        )
        return found

    monkeypatch.setattr(MlflowRegistry, "complete", complete)
    return seen


def test_without_gates_the_commit_is_written_while_the_metrics_load(
    tmp_path: Path, fake_github: FakeGitHub, mlflow_server: Any, monkeypatch, capsys
) -> None:
    repo, env = _setup(tmp_path, fake_github, mlflow_server.uri, gated=False)
    seen = _watch(monkeypatch, fake_github, hold_until_ref=True)
    result = run_cli(["run", "--repo-dir", str(repo), "--env", "prod"], env, monkeypatch, capsys)
    assert result.code == 0, result.err
    # Still one ``complete``: the history read (``recent``) lists versions and searches runs
    # in the same background thread, after it, without completing each version.
    assert len(seen) == 1 and REF in seen[0]["writes"]  # the branch existed before it returned
    assert seen[0]["thread"] is not threading.main_thread()
    (pr,) = fake_github.pulls.values()
    assert "| accuracy | 0.89 | 0.91 | +0.02 (+2.2%) |" in pr["body"]
    assert "### Metric history (2 validated versions, v1 → v2)" in pr["body"]


def test_a_gate_waits_for_the_metrics_before_any_write(
    tmp_path: Path, fake_github: FakeGitHub, mlflow_server: Any, monkeypatch, capsys
) -> None:
    repo, env = _setup(tmp_path, fake_github, mlflow_server.uri, gated=True)
    seen = _watch(monkeypatch, fake_github, hold_until_ref=False)
    result = run_cli(["run", "--repo-dir", str(repo), "--env", "prod"], env, monkeypatch, capsys)
    assert result.code == 0, result.err
    assert len(seen) == 1 and seen[0]["writes"] == []
    (pr,) = fake_github.pulls.values()
    assert "| accuracy | 0.89 | 0.91 | +0.02 (+2.2%) |" in pr["body"]
    assert "accuracy >= deployed - 0.01" in pr["body"]
