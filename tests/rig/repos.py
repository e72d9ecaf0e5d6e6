"""Real Git repositories for tests: the example GitOps repo, committed in a temp dir."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_REPO = ROOT / "examples" / "gitops-repo"
IDENT = {
    "GIT_AUTHOR_NAME": "Test User",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test User",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(repo: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **IDENT},
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def make_gitops_repo(dest: Path, registered_model: str | None = None) -> Path:
    """A committed copy of examples/gitops-repo; optionally renaming the registered model."""
    shutil.copytree(EXAMPLE_REPO, dest)
    if registered_model is not None:
        config = dest / ".github" / "promotion.yml"
        text = config.read_text(encoding="utf-8")
        config.write_text(
            text.replace(
                "registered_model: fraud-detector", f"registered_model: {registered_model}"
            ),
            encoding="utf-8",
        )
    git(dest, "init", "-q", "-b", "main")
    commit_all(dest, "GitOps repo: inference server v1")
    return dest


@pytest.fixture
def gitops_repo(tmp_path: Path) -> Iterator[Path]:
    yield make_gitops_repo(tmp_path / "gitops")
