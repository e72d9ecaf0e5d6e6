"""An upstream environment's broken target does not hide the environment's own."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_local_flow import PROD, _run, local, seeded_store  # noqa: F401
from tests.rig.repos import git

STAGING = PROD.replace("/prod", "/staging")


def test_plan_lists_the_environments_own_target_errors(local, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    repo: Path = local["repo"]
    config = repo / ".github/promotion.yml"
    config.write_text(
        config.read_text().replace("      prod:\n", "      prod:\n        from: staging\n")
    )
    (repo / STAGING / "model-config.yaml").unlink()
    (repo / PROD / "model-config.yaml").unlink()
    git(repo, "commit", "-qam", "break staging and prod")
    result = _run(local, monkeypatch, capsys, "plan", "--env", "prod")
    assert result.code != 0
    (error,) = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert f"targets[1]: {STAGING}/model-config.yaml: file not found" in error
    assert (
        "models.fraud-detector.environments.prod.targets[1]: "
        f"{PROD}/model-config.yaml: file not found" in error
    )
