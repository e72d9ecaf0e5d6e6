"""From the command line's settings and the environment to a run's ``Context``: the platform
picked by name from ``bot.platform.PLATFORMS``, the config read where it lives.

The environment is read here and in the platform it builds, never elsewhere, so tests and the
Actions entry can pass a mapping of their own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace

from bot.config import Config, load, parse
from bot.errors import ConfigError, UserError
from bot.pipeline.context import Context
from bot.platform import PLATFORMS, Connection, Platform
from bot.settings import Settings


def connect(settings: Settings, env: Mapping[str, str] | None = None) -> Context:
    env = os.environ if env is None else env
    conn = Connection(settings.repo_dir, settings.github_repo, env)
    name = _platform_name(settings.platform, conn)
    if settings.writes and settings.platform == "auto" and name == "local":
        _no_silent_fallback(conn)
    kind = PLATFORMS[name]
    local_config = settings.repo_dir / settings.config_path
    if kind.remote and not local_config.exists():
        platform = kind.build(conn)
        cfg = _remote_config(settings, platform)
        if cfg.git.base_branch is None:
            # The default branch the config came from is the base: reuse the client.
            return Context(cfg, platform)
    else:
        cfg = load(local_config)
    return Context(cfg, kind.build(replace(conn, base_branch=cfg.git.base_branch)))


def _platform_name(chosen: str, conn: Connection) -> str:
    if chosen == "auto":
        return next(name for name, kind in PLATFORMS.items() if kind.detect(conn))
    if chosen not in PLATFORMS:
        known = ", ".join(["auto", *PLATFORMS])
        raise UserError(f"--platform: unknown platform {chosen!r}; use one of: {known}")
    return chosen


def _no_silent_fallback(conn: Connection) -> None:
    """In GitHub Actions, ``auto`` without a token would make a branch in the runner's
    throwaway checkout and report success: say what to set instead."""
    in_actions = conn.env.get("GITHUB_ACTIONS") == "true"
    if in_actions and (conn.repository or conn.env.get("GITHUB_REPOSITORY")):
        raise UserError(
            "running in GitHub Actions without GITHUB_TOKEN: set `env: GITHUB_TOKEN: "
            "${{ secrets.GITHUB_TOKEN }}` (or an App token) and give the job `permissions: "
            "contents: write, pull-requests: write`; pass --platform local to only make a "
            "branch in this checkout"
        )


def _remote_config(settings: Settings, platform: Platform) -> Config:
    """No checkout (a step in another repository's CI): read the config from the platform."""
    text = platform.read_default_branch(settings.config_path)
    source = f"{settings.github_repo}:{settings.config_path}"
    if text is None:
        raise ConfigError([f"{source}: config file not found on the default branch"])
    return parse(text, source)
