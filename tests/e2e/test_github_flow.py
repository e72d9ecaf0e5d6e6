"""End to end: a real MLflow server -> the bot -> the GitHub fake's real Git repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.helpers import VALIDATED, run_cli, seed_fraud_model
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import github_env
from tests.rig.mlflow_rig import seed_model
from tests.rig.repos import git, make_gitops_repo

PROD = "applications/inference-server/overlays/prod"
ENVS = ("dev", "staging", "prod")


@pytest.fixture
def setup(tmp_path: Path, fake_github: FakeGitHub, mlflow_server: object) -> dict[str, object]:
    uri = mlflow_server.uri  # type: ignore[attr-defined]
    name = seed_fraud_model(uri)
    repo = make_gitops_repo(tmp_path / "checkout", registered_model=name)
    fake_github.seed(repo)
    env = {**github_env(fake_github), "MLFLOW_TRACKING_URI": uri}
    return {"uri": uri, "name": name, "repo": repo, "env": env}


def _run(setup: dict[str, object], monkeypatch, capsys, *args: str):  # type: ignore[no-untyped-def]
    argv = [args[0], "--repo-dir", str(setup["repo"]), *args[1:]]
    return run_cli(argv, setup["env"], monkeypatch, capsys)  # type: ignore[arg-type]


def _clone(fake: FakeGitHub, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(fake.git_url), str(dest)], check=True)
    return dest


def test_promotion_opens_one_pr_per_env_with_one_commit(
    setup: dict[str, object], fake_github: FakeGitHub, tmp_path: Path, monkeypatch, capsys
) -> None:
    result = _run(setup, monkeypatch, capsys, "run", "--json")
    assert result.code == 0, result.err
    statuses = {(r["environment"], r["status"]) for r in result.json()}  # type: ignore[union-attr]
    assert statuses == {(e, "opened") for e in ENVS}

    pulls = [p for p in fake_github.pulls.values() if p["state"] == "open"]
    assert sorted(p["title"] for p in pulls) == sorted(
        f"Promote fraud-detector to {e}: v2 (v1.4.0)" for e in ENVS
    )
    clone = _clone(fake_github, tmp_path / "clone")
    branch = "origin/promote/fraud-detector/prod"
    assert git(clone, "rev-list", "--count", f"origin/main..{branch}").strip() == "1"
    diff = git(clone, "diff", "-U0", "origin/main", branch)
    changed = [line for line in diff.splitlines() if re.match(r"^[+-](?![+-])", line)]
    assert changed == [
        "-    newTag: v1.3.0",
        "+    newTag: v1.4.0",
        "-  MODEL_VERSION: '1'",
        "+  MODEL_VERSION: '2'",
    ]
    message = git(clone, "log", "-1", "--format=%B", branch)
    assert (
        "Model: fraud-detector\nModel-Version: 2\nImage-Tag: v1.4.0\nEnvironment: prod" in message
    )
    # Made through createCommitOnBranch, so the fake (like GitHub) signs the App's commit.
    head = fake_github.branch_sha("promote/fraud-detector/prod")
    assert head is not None and head in fake_github.verifications


def test_pr_body_reports_metrics_links_and_rollback(
    setup: dict[str, object], fake_github: FakeGitHub, monkeypatch, capsys
) -> None:
    assert _run(setup, monkeypatch, capsys, "run", "--env", "prod").code == 0
    (pr,) = [p for p in fake_github.pulls.values() if p["state"] == "open"]
    body = pr["body"]
    assert "| accuracy | 0.89 | 0.91 | +0.02 (+2.2%) |" in body
    assert f"/#/models/{setup['name']}/versions/2)" in body
    assert "### Roll back" in body
    assert f"`{PROD}/kustomization.yaml`" in body
    assert [label["name"] for label in pr["labels"]] == ["model-promotion"]


def test_write_budget_and_idempotent_rerun(
    setup: dict[str, object], fake_github: FakeGitHub, monkeypatch, capsys
) -> None:
    assert _run(setup, monkeypatch, capsys, "run", "--env", "prod").code == 0
    writes = [r.route for r in fake_github.writes()]
    assert len(writes) <= 6, writes
    listings = [
        r.path for r in fake_github.requests if r.route == "GET /repos/{owner}/{repo}/pulls"
    ]
    # Open and closed PRs (rejections) come with the run's one GraphQL read.
    assert listings == []

    fake_github.reset_log()
    again = _run(setup, monkeypatch, capsys, "run", "--env", "prod", "--json")
    assert again.code == 0
    assert fake_github.writes() == []
    reasons = {r["environment"]: r["reason"] for r in again.json()}  # type: ignore[union-attr]
    assert reasons["prod"].endswith("already proposes v2")


def test_newer_version_updates_the_open_pr(
    setup: dict[str, object], fake_github: FakeGitHub, tmp_path: Path, monkeypatch, capsys
) -> None:
    assert _run(setup, monkeypatch, capsys, "run", "--env", "prod").code == 0
    (number,) = [n for n, p in fake_github.pulls.items() if p["state"] == "open"]
    seed_model(
        setup["uri"],  # type: ignore[arg-type]
        setup["name"],  # type: ignore[arg-type]
        [{"metrics": {"accuracy": 0.92}, "tags": {**VALIDATED, "image_tag": "v1.6.0"}}],
    )
    fake_github.reset_log()
    result = _run(setup, monkeypatch, capsys, "run", "--env", "prod", "--json")
    assert result.code == 0, result.err
    assert result.json()[0]["status"] == "updated"  # type: ignore[index]
    open_prs = [p for p in fake_github.pulls.values() if p["state"] == "open"]
    assert len(open_prs) == 1 and open_prs[0]["number"] == number
    assert open_prs[0]["title"] == "Promote fraud-detector to prod: v4 (v1.6.0)"
    assert any("supersedes v2" in c["body"] for c in fake_github.comments.get(number, []))
    clone = _clone(fake_github, tmp_path / "clone")
    branch = "origin/promote/fraud-detector/prod"
    assert git(clone, "rev-list", "--count", f"origin/main..{branch}").strip() == "1"
    assert "newTag: v1.6.0" in git(clone, "show", f"{branch}:{PROD}/kustomization.yaml")


def test_config_read_from_github_without_checkout(
    setup: dict[str, object], fake_github: FakeGitHub, tmp_path: Path, monkeypatch, capsys
) -> None:
    empty = tmp_path / "no-checkout"
    empty.mkdir()
    result = run_cli(
        ["status", "--repo-dir", str(empty), "--json"],
        setup["env"],
        monkeypatch,
        capsys,  # type: ignore[arg-type]
    )
    assert result.code == 0, result.err
    rows = {r["environment"]: r for r in result.json()}  # type: ignore[union-attr]
    assert rows["prod"]["deployed"] == {"version": "1", "image_tag": "v1.3.0"}
    assert rows["prod"]["candidate"]["version"] == "2"


@pytest.mark.parametrize("base_branch", [None, "main"])
def test_without_checkout_the_config_is_read_first_and_the_base_once(
    setup: dict[str, object],
    fake_github: FakeGitHub,
    tmp_path: Path,
    monkeypatch,
    capsys,
    base_branch: str | None,
) -> None:
    """The config comes from the default branch before anything else, so the registry can be
    asked while the base is read."""
    if base_branch is not None:
        repo = setup["repo"]
        config = repo / ".github" / "promotion.yml"  # type: ignore[operator]
        text = config.read_text().replace("git:\n", f"git:\n  base_branch: {base_branch}\n", 1)
        config.write_text(text)
        git(repo, "commit", "-qam", "base branch")  # type: ignore[arg-type]
        fake_github.seed(repo)  # type: ignore[arg-type]
    fake_github.reset_log()
    empty = tmp_path / "no-checkout"
    empty.mkdir()
    argv = ["status", "--repo-dir", str(empty), "--json"]
    result = run_cli(argv, setup["env"], monkeypatch, capsys)  # type: ignore[arg-type]
    assert result.code == 0, result.err
    first = fake_github.requests[0]
    assert first.path.endswith("/contents/.github/promotion.yml")  # no ref: the default branch
    # No repository lookup, configured base branch or not: the default branch's name comes
    # back in the GraphQL read.
    assert fake_github.count("GET", "/repos/{owner}/{repo}") == 0
    # The base commit comes in the one GraphQL read, with the target files and open PRs.
    assert fake_github.count("GET", "/repos/{owner}/{repo}/branches/{branch}") == 0
    assert fake_github.count("POST", "/graphql") == 1
