"""A registry and a platform defined only in the tests, registered through the tables, carry a
whole promotion through the real CLI: nothing else in the bot has to know them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.platform import PLATFORMS, PlatformKind
from bot.registry import REGISTRIES
from tests.architecture.memory import MemoryPlatform, MemoryRegistry
from tests.e2e.helpers import VALIDATED, run_cli
from tests.rig.repos import EXAMPLE_REPO

VERSIONS = {
    "1": {**VALIDATED, "image_tag": "v1.3.0"},
    "2": {**VALIDATED, "image_tag": "v1.4.0"},
    "3": {"validation_status": "failed", "image_tag": "v1.5.0-rc1"},
}


@pytest.fixture
def plugged(monkeypatch: pytest.MonkeyPatch) -> tuple[MemoryPlatform, MemoryRegistry]:
    platform = MemoryPlatform.from_tree(EXAMPLE_REPO)
    registry = MemoryRegistry(dict(VERSIONS))
    kind = PlatformKind(lambda conn: platform, lambda conn: False, remote=True)
    monkeypatch.setitem(PLATFORMS, "memory", kind)
    # The example config's registry is `type: mlflow`: its table line now builds ours.
    monkeypatch.setitem(REGISTRIES, "mlflow", lambda cfg: registry)
    return platform, registry


def test_a_promotion_runs_through_the_tables_only(
    plugged: tuple[MemoryPlatform, MemoryRegistry],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    platform, _ = plugged
    args = ["run", "--platform", "memory", "--repo-dir", str(tmp_path), "--env", "prod"]
    result = run_cli(args, {}, monkeypatch, capsys)
    assert result.code == 0, result.err
    assert "opened" in result.out
    (proposal,) = platform.pulls.values()
    assert proposal.branch == "promote/fraud-detector/prod"
    assert proposal.title == "Promote fraud-detector to prod: v2 (v1.4.0)"
    assert "| accuracy |" in proposal.body  # rendered from the registry's details
    prod = "applications/inference-server/overlays/prod/"
    tree = platform.branches[proposal.branch]
    assert "newTag: v1.4.0" in tree[prod + "kustomization.yaml"]
    assert "MODEL_VERSION: " in tree[prod + "model-config.yaml"]
    assert tree[prod + "model-config.yaml"] != platform.files[prod + "model-config.yaml"]

    again = run_cli(args, {}, monkeypatch, capsys)
    assert again.code == 0 and "already proposes v2" in again.out


def test_the_cli_refuses_a_platform_the_table_does_not_have(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(["status", "--platform", "nope"], {}, monkeypatch, capsys)
    assert result.code == 2
    assert "'nope' is not one of 'auto', 'github', 'local'" in result.err


def test_chatops_uses_the_platforms_own_chat(
    plugged: tuple[MemoryPlatform, MemoryRegistry], tmp_path: Path
) -> None:
    from bot.chatops import handle
    from bot.pipeline import connect
    from bot.settings import Settings

    platform, _ = plugged
    ctx = connect(Settings(repo_dir=tmp_path, platform="memory"), {})
    payload = {
        "action": "created",
        "comment": {"id": 5, "body": "/promote prod", "user": {"login": "alice"}},
        "issue": {"number": 9},
    }
    outcome = handle(ctx, payload)
    assert outcome.exit_code == 0
    assert platform.chats.said[0] == (9, "reaction eyes")
    assert platform.chats.said[-1] == (9, "reaction rocket")
    assert list(platform.pulls) == ["promote/fraud-detector/prod"]
