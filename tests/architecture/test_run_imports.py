"""A promotion, as ``promote run`` makes it in a process of its own against the rig (the GitHub
fake, a real MLflow or S3 server), never loads PyGithub: it speaks to GitHub through
``bot.platform.github.transport`` (urllib3). With an S3 registry it loads no requests either;
with MLflow, requests comes only from the MLflow client (``bot.registry.mlflow``).

Each run is a fresh interpreter that reports, on exit, its exit code, the top-level packages
it loaded and the first ``bot`` module on the stack when ``requests`` was first imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import VALIDATED, seed_fraud_model
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import github_env
from tests.rig.mlflow_rig import MlflowServer, seed_model
from tests.rig.repos import commit_all, make_gitops_repo
from tests.rig.s3_rig import S3Server, make_bucket, manifest, put_manifests, s3_client

ROOT = Path(__file__).resolve().parents[2]
BRANCH = "promote/fraud-detector/prod"

# Runs ``promote`` with the arguments in argv; on exit prints one JSON line to stderr.
_SCRIPT = """
import json, sys, traceback

importer = []

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "requests" and not importer:
            frames = [f.filename for f in traceback.extract_stack()]
            importer.append(next((f for f in reversed(frames) if "/bot/" in f), "?"))
        return None

sys.meta_path.insert(0, Watch())
code = 0
try:
    from bot.cli import main
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code or 0
loaded = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"code": code, "loaded": loaded, "requests_from": importer}), file=sys.stderr)
"""


def promote(repo: Path, env: dict[str, str], *args: str) -> dict[str, Any]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "GITHUB_"))}
    full.update(env, PYTHONPATH=str(ROOT))
    argv = ["run", "--repo-dir", str(repo), "--env", "prod", *args]
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, *argv],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report: dict[str, Any] = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stdout + done.stderr
    report["results"] = json.loads(done.stdout) if "--json" in args else None
    return report


def statuses(report: dict[str, Any]) -> list[str]:
    return [r["status"] for r in report["results"]]


def only_mlflow_loads_requests(report: dict[str, Any]) -> None:
    if "requests" in report["loaded"]:
        (importer,) = report["requests_from"]
        assert "/bot/registry/mlflow/" in importer, importer


def test_an_mlflow_promotion_opens_updates_and_polls_without_pygithub(
    tmp_path: Path, fake_github: FakeGitHub, mlflow_server: MlflowServer
) -> None:
    name = seed_fraud_model(mlflow_server.uri)
    repo = make_gitops_repo(tmp_path / "checkout", registered_model=name)
    fake_github.seed(repo)
    env = {**github_env(fake_github), "MLFLOW_TRACKING_URI": mlflow_server.uri}

    opened = promote(repo, env, "--json")
    assert statuses(opened) == ["opened"]
    (pr,) = [p for p in fake_github.pulls.values() if p["state"] == "open"]
    assert pr["head_ref"] == BRANCH

    seed_model(
        mlflow_server.uri, name, [{"metrics": None, "tags": {**VALIDATED, "image_tag": "v1.6.0"}}]
    )
    updated = promote(repo, env, "--json")
    assert statuses(updated) == ["updated"]
    assert fake_github.pulls[pr["number"]]["title"].endswith("(v1.6.0)")

    fake_github.reset_log()
    polled = promote(repo, env, "--json")
    assert statuses(polled) == ["up-to-date"]
    assert fake_github.writes() == []

    for report in (opened, updated, polled):
        assert "urllib3" in report["loaded"]  # it did speak to GitHub, through the transport
        assert "github" not in report["loaded"]
        only_mlflow_loads_requests(report)


@pytest.mark.usefixtures("aws_env")
def test_an_s3_promotion_loads_neither_pygithub_nor_requests(
    tmp_path: Path, fake_github: FakeGitHub, s3_server: S3Server
) -> None:
    bucket = make_bucket(s3_client(s3_server.endpoint_url))
    put_manifests(
        s3_client(s3_server.endpoint_url),
        bucket,
        "fraud-detector",
        [manifest("1", image_tag="v1.3.0"), manifest("2", image_tag="v1.4.0")],
    )
    repo = make_gitops_repo(tmp_path / "gitops")
    config = repo / ".github" / "promotion.yml"
    config.write_text(
        config.read_text().replace(
            "  mlflow:\n    type: mlflow\n",
            f"  s3:\n    type: s3\n    bucket: {bucket}\n    layout: manifests\n"
            f"    endpoint_url: {s3_server.endpoint_url}\n    region: us-east-1\n",
        )
    )
    commit_all(repo, "use the S3 registry")
    fake_github.seed(repo)
    aws = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}

    report = promote(repo, {**github_env(fake_github), **aws}, "--json")
    assert statuses(report) == ["opened"]
    assert "boto3" in report["loaded"]  # the registry was asked
    assert {"github", "requests"}.isdisjoint(report["loaded"]), report["requests_from"]
