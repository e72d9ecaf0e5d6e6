"""The PR body's versions since the deployed one and metric history, from an S3 registry (the
real S3 API server): manifests carry their metrics, so the history needs no other read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.text.history import sparkline
from tests.e2e.test_s3_flow import _run, _s3_config
from tests.rig.fake_github import FakeGitHub
from tests.rig.repos import make_gitops_repo
from tests.rig.s3_rig import S3Server, make_bucket, manifest, put_manifests, s3_client


def test_s3_pr_body_lists_versions_and_metric_history(
    tmp_path: Path,
    fake_github: FakeGitHub,
    s3_server: S3Server,
    aws_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s3: Any = s3_client(s3_server.endpoint_url)
    bucket = make_bucket(s3)
    accuracy = (0.89, 0.87, 0.92)
    put_manifests(
        s3,
        bucket,
        "fraud-detector",
        [
            *[
                manifest(str(n), image_tag=f"v1.{n + 2}.0", metrics={"accuracy": a})
                for n, a in enumerate(accuracy, start=1)
            ],
            manifest("4", status="failed", image_tag="v1.7.0", metrics={"accuracy": 0.99}),
        ],
    )
    repo = make_gitops_repo(tmp_path / "gitops")
    _s3_config(repo, s3_server.endpoint_url, bucket, "manifests")
    fake_github.seed(repo)
    result = _run(repo, fake_github, monkeypatch, capsys, "run", "--env", "prod")
    assert result.code == 0, result.err
    (pr,) = fake_github.pulls.values()
    body = pr["body"]
    assert "### Versions since v1" in body
    assert [
        line.split(" | ")[:2]
        for line in body.splitlines()
        if line.startswith("| v") and "`" in line
    ] == [
        ["| v3", "`v1.5.0`"],
        ["| v2", "`v1.4.0`"],
    ]
    assert "### Metric history (3 validated versions, v1 → v3)" in body
    assert f"| accuracy | `{sparkline(accuracy)}` | 0.87 | 0.92 | 0.92 |" in body
