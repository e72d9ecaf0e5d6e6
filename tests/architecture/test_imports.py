"""What a command imports: ``promote --help`` only click and the command definitions; a
promotion only the clients it uses. Each check is a fresh interpreter (``sys.modules`` of this
test process holds everything the other tests imported)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rig.mlflow_rig import MlflowServer
from tests.rig.repos import make_gitops_repo

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("mlflow", "github", "boto3", "botocore", "git")
# Loaded once there is a config to read or a registry to ask, not for --help.
ON_USE = ("pydantic", "ruamel", "requests", "urllib3", "yaml", "logging", "dataclasses")


def imported(code: str, env: dict[str, str] | None = None, top: bool = True) -> set[str]:
    """The top-level packages (or, not ``top``, every module) loaded after running ``code``
    in a fresh interpreter."""
    names = "{m.split('.')[0] for m in sys.modules}" if top else "sys.modules"
    script = (
        "import sys\n"
        "try:\n" + "".join(f"    {line}\n" for line in code.splitlines()) + "except SystemExit:\n"
        "    pass\n"
        f"print(' '.join(sorted({names})), file=sys.stderr)\n"
    )
    full = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "GITHUB_"))}
    full.update(env or {}, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", script], env=full, capture_output=True, text=True, timeout=60
    )
    return set(done.stderr.strip().splitlines()[-1].split())


def test_importing_the_cli_loads_no_client_and_no_config_machinery() -> None:
    loaded = imported("import bot.cli")
    assert "bot" in loaded and "click" in loaded
    assert loaded.isdisjoint(HEAVY + ON_USE), sorted(loaded & set(HEAVY + ON_USE))


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["status", "--help"]])
def test_help_loads_no_client_and_no_config_machinery(args: list[str]) -> None:
    loaded = imported(f"from bot.cli import main\nmain({args!r})")
    assert loaded.isdisjoint(HEAVY + ON_USE), sorted(loaded & set(HEAVY + ON_USE))


def test_a_local_plan_against_an_mlflow_server_loads_neither_mlflow_nor_github(
    mlflow_server: MlflowServer, tmp_path: Path
) -> None:
    repo = make_gitops_repo(tmp_path / "gitops")
    args = ["plan", "--repo-dir", str(repo), "--platform", "local"]
    loaded = imported(
        f"from bot.cli import main\nmain({args!r})", {"MLFLOW_TRACKING_URI": mlflow_server.uri}
    )
    assert {"pydantic", "requests"} <= loaded  # it did read the config and ask the server
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


# What a promotion whose config asks for none of it must not load: the cluster loop (`follow:`,
# soak time from health) and the reader of MLflow's credentials file (absent here).
NOT_FOR_A_PLAIN_RUN = ("bot.cluster", "bot.pipeline.watch", "configparser")


def test_a_run_without_follow_loads_no_cluster_loop(
    mlflow_server: MlflowServer, tmp_path: Path
) -> None:
    repo = make_gitops_repo(tmp_path / "gitops")
    assert "follow:" not in (repo / ".github" / "promotion.yml").read_text(encoding="utf-8")
    args = ["run", "--repo-dir", str(repo), "--platform", "local"]
    env = {"MLFLOW_TRACKING_URI": mlflow_server.uri, "HOME": str(tmp_path)}
    loaded = imported(f"from bot.cli import main\nmain({args!r})", env, top=False)
    assert "bot.config.follow" in loaded and "bot.pipeline.evaluate" in loaded  # it did run
    extra = sorted(m for m in loaded if m.startswith(NOT_FOR_A_PLAIN_RUN))
    assert extra == [], extra
