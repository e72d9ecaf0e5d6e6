"""The PR body's versions since the deployed one and metric history, read from a real MLflow
server: one listing of the newest validated versions and one search for their runs, made only
for a due promotion."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.registry.mlflow import MlflowRegistry
from bot.text.history import sparkline
from tests.e2e.helpers import VALIDATED, run_cli
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import github_env
from tests.rig.mlflow_rig import seed_model
from tests.rig.repos import make_gitops_repo

ACCURACY = (0.89, 0.90, 0.88, 0.93)  # v1 (deployed in prod) .. v4 (the candidate)
DESCRIPTIONS = ("first", "Tokenizer fix", "Retrained | @org/team *bold*", "November data")


def _seed(uri: str) -> str:
    from mlflow import MlflowClient

    name = f"notes-{uuid.uuid4().hex[:8]}"
    specs: list[dict[str, Any]] = [
        {"metrics": {"accuracy": a}, "tags": {**VALIDATED, "image_tag": f"v1.{i + 3}.0"}}
        for i, a in enumerate(ACCURACY)
    ]
    specs.append({"metrics": {"accuracy": 0.99}, "tags": {"validation_status": "failed"}})
    versions = seed_model(uri, name, specs)
    client = MlflowClient(uri, uri)
    for version, text in zip(versions, DESCRIPTIONS, strict=False):
        client.update_model_version(name, version, description=text)
    return name


def _count_recent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original: Callable[..., Any] = MlflowRegistry.recent

    def recent(self: MlflowRegistry, *args: Any) -> Any:
        found = original(self, *args)
        calls.append(len(found))
        return found

    monkeypatch.setattr(MlflowRegistry, "recent", recent)
    return calls


def test_the_pr_body_lists_versions_since_deployed_and_metric_history(
    tmp_path: Path, fake_github: FakeGitHub, mlflow_server: Any, monkeypatch, capsys
) -> None:
    repo = make_gitops_repo(tmp_path / "checkout", registered_model=_seed(mlflow_server.uri))
    fake_github.seed(repo)
    env = {**github_env(fake_github), "MLFLOW_TRACKING_URI": mlflow_server.uri}
    calls = _count_recent(monkeypatch)
    args = ["run", "--repo-dir", str(repo), "--env", "prod"]

    assert run_cli(args, env, monkeypatch, capsys).code == 0
    (pr,) = fake_github.pulls.values()
    body = pr["body"]
    assert calls == [4]  # the failed v5 is not listed
    assert "### Versions since v1" in body
    rows = [line for line in body.splitlines() if line.startswith("| [v")]
    assert [row.split("]")[0] for row in rows[-3:]] == ["| [v4", "| [v3", "| [v2"]
    assert "/versions/4) | `v1.6.0` |" in rows[-3] and rows[-3].endswith("| November data |")
    # A registry description is untrusted: no table break, no mention, no markup.
    assert "Retrained \\| @\u200borg/team \\*bold\\*" in rows[-2]
    assert "### Metric history (4 validated versions, v1 → v4)" in body
    assert f"| accuracy | `{sparkline(ACCURACY)}` | 0.88 | 0.93 | 0.93 |" in body

    # Nothing new: the open PR proposes v4 already, nothing is due, nothing is listed.
    assert run_cli(args, env, monkeypatch, capsys).code == 0
    assert calls == [4]
