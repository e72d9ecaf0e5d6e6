"""Platforms: where the GitOps repository lives and where promotion PRs are opened.

Each platform is a module or package with a class satisfying ``Platform``, listed once in
``PLATFORMS``; it hands out its own ``Chat`` for ChatOps, so nothing outside its package names
it. ``local`` works on a Git repository on disk (the embedded default, no network); ``github``
talks to the GitHub REST API. Only ``bot.pipeline`` builds platforms, from this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.platform.base import Base, Chat, Connection, Platform

__all__ = ["PLATFORMS", "Base", "Chat", "Connection", "Platform", "PlatformKind"]


@dataclass(frozen=True)
class PlatformKind:
    build: Callable[[Connection], Platform]
    # ``--platform auto`` takes the first kind, in table order, whose ``detect`` says yes.
    detect: Callable[[Connection], bool]
    # Whether it can serve the config without a checkout (``Platform.read_default_branch``).
    remote: bool = False


def _github(conn: Connection) -> Platform:
    from bot.platform.github import GitHubPlatform, settings_from

    return GitHubPlatform(settings_from(conn))


def _github_detected(conn: Connection) -> bool:
    return bool(conn.env.get("GITHUB_TOKEN")) and bool(conn.repository)


def _local(conn: Connection) -> Platform:
    from bot.platform.local import LocalPlatform

    return LocalPlatform(conn.repo_dir, conn.base_branch)


# name (as in --platform) -> kind; platforms are imported on first use: the CLI starts fast.
PLATFORMS: dict[str, PlatformKind] = {
    "github": PlatformKind(_github, _github_detected, remote=True),
    "local": PlatformKind(_local, lambda conn: True),
}
