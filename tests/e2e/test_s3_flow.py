"""End to end with an S3 registry: the real S3 API server (moto) -> the bot -> the GitHub fake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.helpers import run_cli
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN, github_env
from tests.rig.repos import commit_all, make_gitops_repo
from tests.rig.s3_rig import S3Server, make_bucket, manifest, put_manifests, put_raw, s3_client

CONFIG = ".github/promotion.yml"


def _s3_config(repo: Path, endpoint: str, bucket: str, layout: str) -> None:
    config = repo / CONFIG
    text = config.read_text()
    text = text.replace(
        "  mlflow:\n    type: mlflow\n",
        f"  s3:\n    type: s3\n    bucket: {bucket}\n    layout: {layout}\n"
        f"    endpoint_url: {endpoint}\n    region: us-east-1\n",
    )
    config.write_text(text)
    commit_all(repo, "use the S3 registry")


@pytest.fixture
def s3(s3_server: S3Server, aws_env: None) -> Any:
    return s3_client(s3_server.endpoint_url)


def _run(
    repo: Path,
    fake: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> Any:
    argv = [args[0], "--repo-dir", str(repo), *args[1:]]
    return run_cli(argv, github_env(fake), monkeypatch, capsys)


def test_manifests_layout_promotes_newest_validated(
    tmp_path: Path,
    fake_github: FakeGitHub,
    s3_server: S3Server,
    s3: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bucket = make_bucket(s3)
    put_manifests(
        s3,
        bucket,
        "fraud-detector",
        [
            manifest("1", image_tag="v1.3.0", metrics={"accuracy": 0.89}),
            manifest("2", image_tag="v1.4.0", metrics={"accuracy": 0.91}),
            manifest("3", status="failed", image_tag="v1.5.0", metrics={"accuracy": 0.95}),
        ],
    )
    repo = make_gitops_repo(tmp_path / "gitops")
    _s3_config(repo, s3_server.endpoint_url, bucket, "manifests")
    fake_github.seed(repo)
    result = _run(repo, fake_github, monkeypatch, capsys, "run", "--env", "prod", "--json")
    assert result.code == 0, result.err
    (pr,) = [p for p in fake_github.pulls.values() if p["state"] == "open"]
    assert pr["title"] == "Promote fraud-detector to prod: v2 (v1.4.0)"
    assert "| accuracy | 0.89 | 0.91 | +0.02 (+2.2%) |" in pr["body"]

    # After merge, `record` writes the deployment record into the bucket, once.
    merged = requests.put(
        f"{fake_github.base_url}/repos/acme/gitops/pulls/{pr['number']}/merge",
        headers={"Authorization": f"token {TOKEN}"},
        json={},
        timeout=10,
    )
    assert merged.status_code == 200, merged.text
    recorded = _run(repo, fake_github, monkeypatch, capsys, "record", "--json")
    assert recorded.code == 0, recorded.err
    assert [r["status"] for r in recorded.json()] == ["recorded"]
    body = json.loads(
        s3.get_object(Bucket=bucket, Key="fraud-detector/deployed/prod.json")["Body"].read()
    )
    assert (body["version"], body["image_tag"]) == ("2", "v1.4.0")
    again = _run(repo, fake_github, monkeypatch, capsys, "record", "--json")
    assert [r["status"] for r in again.json()] == ["up-to-date"]


def test_pointer_layout_as_in_the_seeds_workflow(
    tmp_path: Path,
    fake_github: FakeGitHub,
    s3_server: S3Server,
    s3: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bucket = make_bucket(s3)
    put_raw(
        s3,
        bucket,
        "fraud-detector/latest.txt",
        "",
        Metadata={"version": "7", "image-tag": "v4.1.0"},
    )
    repo = make_gitops_repo(tmp_path / "gitops")
    _s3_config(repo, s3_server.endpoint_url, bucket, "pointer")
    fake_github.seed(repo)
    result = _run(repo, fake_github, monkeypatch, capsys, "plan", "--env", "prod")
    assert result.code == 0, result.err
    assert "+    newTag: v4.1.0" in result.out
    assert "+  MODEL_VERSION: '7'" in result.out
