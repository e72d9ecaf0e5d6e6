"""The embedded default: a local sqlite MLflow store and a local Git repository."""

from __future__ import annotations

import difflib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.helpers import run_cli, seed_fraud_model
from tests.rig.repos import git, make_gitops_repo

PROD = "applications/inference-server/overlays/prod"
BRANCH = "promote/fraud-detector/prod"


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One seeded sqlite store per session: creating the schema takes seconds."""
    db = tmp_path_factory.mktemp("sqlite-store") / "mlflow.db"
    return db, seed_fraud_model(f"sqlite:///{db}")


@pytest.fixture
def local(tmp_path: Path, seeded_store: tuple[Path, str]) -> dict[str, object]:
    db = tmp_path / "mlflow.db"
    shutil.copy(seeded_store[0], db)
    repo = make_gitops_repo(tmp_path / "gitops", registered_model=seeded_store[1])
    return {"repo": repo, "env": {"MLFLOW_TRACKING_URI": f"sqlite:///{db}"}}


def _run(local: dict[str, object], monkeypatch, capsys, *args: str):  # type: ignore[no-untyped-def]
    argv = [args[0], "--repo-dir", str(local["repo"]), *args[1:]]
    return run_cli(argv, local["env"], monkeypatch, capsys)  # type: ignore[arg-type]


def test_local_run_creates_branch_with_one_commit_and_prints_pr(
    local: dict[str, object], tmp_path: Path, monkeypatch, capsys
) -> None:
    repo: Path = local["repo"]  # type: ignore[assignment]
    head = git(repo, "rev-parse", "HEAD")
    out_file = tmp_path / "prs.md"
    result = _run(local, monkeypatch, capsys, "run", "--output", str(out_file))
    assert result.code == 0, result.err
    # No PR exists locally: the table says what was made, never "opened".
    prod_row = next(
        line for line in result.out.splitlines() if line.startswith("fraud-detector  prod")
    )
    assert "· branch created" in prod_row and "opened" not in result.out
    assert "# Promote fraud-detector to prod: v2 (v1.4.0)" in result.out
    assert "Branch: `promote/fraud-detector/prod`" in out_file.read_text()
    assert git(repo, "rev-list", "--count", f"main..{BRANCH}").strip() == "1"
    assert (
        git(repo, "diff", "--stat", "main", BRANCH)
        .strip()
        .endswith("2 files changed, 2 insertions(+), 2 deletions(-)")
    )
    # The user's checkout is untouched: same HEAD, clean tree, still on main.
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "branch", "--show-current").strip() == "main"

    again = _run(local, monkeypatch, capsys, "run", "--json")
    assert again.code == 0
    assert {r["status"] for r in again.json()} == {"up-to-date"}  # type: ignore[union-attr]
    assert git(repo, "rev-list", "--count", f"main..{BRANCH}").strip() == "1"


def test_plan_prints_the_diff_and_writes_nothing(
    local: dict[str, object], monkeypatch, capsys
) -> None:
    repo: Path = local["repo"]  # type: ignore[assignment]
    refs = git(repo, "for-each-ref")
    result = _run(local, monkeypatch, capsys, "plan", "--env", "prod")
    assert result.code == 0, result.err
    assert f"+++ b/{PROD}/kustomization.yaml" in result.out
    assert "-    newTag: v1.3.0\n+    newTag: v1.4.0\n" in result.out
    assert "-  MODEL_VERSION: '1'\n+  MODEL_VERSION: '2'\n" in result.out
    assert git(repo, "for-each-ref") == refs


def test_status_table(local: dict[str, object], monkeypatch, capsys) -> None:
    result = _run(local, monkeypatch, capsys, "status")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == [
        "MODEL",
        "ENV",
        "DEPLOYED",
        "TAG",
        "NEWEST",
        "TAG",
        "OPEN",
        "PR",
        "STATUS",
        "WHY",
    ]
    assert lines[3].split() == [
        *("fraud-detector", "prod", "v1", "v1.3.0", "v2", "v1.4.0", "-"),
        *("·", "planned", "v1", "->", "v2"),
    ]


def test_explicit_version_must_be_validated(local: dict[str, object], monkeypatch, capsys) -> None:
    result = _run(local, monkeypatch, capsys, "run", "--model", "fraud-detector", "--version", "3")
    assert result.code == 1
    assert (
        "[fraud-detector] version 3 is not validated: needs tag validation_status=passed"
        in result.err
    )
    assert git(local["repo"], "for-each-ref", "refs/heads/promote") == ""  # type: ignore[arg-type]


def test_validate_lists_every_problem(local: dict[str, object], monkeypatch, capsys) -> None:
    repo: Path = local["repo"]  # type: ignore[assignment]
    (repo / PROD / "model-config.yaml").unlink()
    kust = repo / "applications/inference-server/overlays/dev/kustomization.yaml"
    kust.write_text(kust.read_text().replace("name: model-inference-server", "name: other"))
    git(repo, "commit", "-qam", "break two targets")
    result = _run(local, monkeypatch, capsys, "validate")
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, result.err
    assert any(f"{PROD}/model-config.yaml: file not found" in e for e in errors)
    assert any("no images[] entry with name 'model-inference-server'" in e for e in errors)


def test_usage_error_exit_code(local: dict[str, object], monkeypatch, capsys) -> None:
    assert _run(local, monkeypatch, capsys, "run", "--bogus").code == 2
    result = _run(local, monkeypatch, capsys, "run", "--env", "qa")
    assert result.code == 1
    assert "unknown environment 'qa': the config has dev, prod, staging" in result.err


KUSTOMIZE = shutil.which("kustomize") or shutil.which("kubectl")


def _render(tree: Path, env: str) -> list[str]:
    assert KUSTOMIZE is not None
    overlay = str(tree / "applications/inference-server/overlays" / env)
    build = ["build"] if Path(KUSTOMIZE).name == "kustomize" else ["kustomize"]
    result = subprocess.run(
        [KUSTOMIZE, *build, overlay], capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


@pytest.mark.skipif(KUSTOMIZE is None, reason="neither kustomize nor kubectl is on PATH")
@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_rendered_overlay_changes_only_image_and_model_version(
    local: dict[str, object], tmp_path: Path, monkeypatch, capsys, env: str
) -> None:
    repo: Path = local["repo"]  # type: ignore[assignment]
    assert _run(local, monkeypatch, capsys, "run", "--env", env).code == 0
    before, after = tmp_path / "before", tmp_path / "after"
    git(repo, "worktree", "add", "-q", "--detach", str(before), "main")
    git(repo, "worktree", "add", "-q", "--detach", str(after), f"promote/fraud-detector/{env}")
    diff = difflib.unified_diff(_render(before, env), _render(after, env), n=0, lineterm="")
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    image = "image: registry.example.com/ml/model-inference-server"
    assert sorted(line.replace(" ", "") for line in changed) == sorted(
        line.replace(" ", "")
        for line in [
            '-  MODEL_VERSION: "1"',
            f"-        {image}:v1.3.0",
            '+  MODEL_VERSION: "2"',
            f"+        {image}:v1.4.0",
        ]
    )
