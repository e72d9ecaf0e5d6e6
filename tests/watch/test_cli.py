"""``promote watch`` at the command line: one line and exit 1 where it cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import cli, main
from bot.watch_cli import watch
from tests.rig.repos import make_gitops_repo


@pytest.fixture(autouse=True)
def _registered() -> None:
    # bot.cli adds the command (one line there); until then the test adds it itself.
    if "watch" not in cli.commands:
        cli.add_command(watch)


def test_watch_on_a_local_repository_says_it_needs_pull_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_gitops_repo(tmp_path / "repo")
    config = repo / ".github" / "promotion.yml"
    follow = "      prod:\n        follow: {github-status: {context: 'kustomization/*'}}\n"
    config.write_text(config.read_text().replace("      prod:\n", follow))
    with pytest.raises(SystemExit) as exited:
        main(["watch", "--platform", "local", "--repo-dir", str(repo)])
    assert exited.value.code == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "watch follows merged pull requests" in line and "--platform github" in line


def test_watch_without_a_followed_environment_does_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_gitops_repo(tmp_path / "repo")
    main(["watch", "--platform", "local", "--repo-dir", str(repo)])  # returns: exit 0
    assert "no merged promotion waits" in capsys.readouterr().out
