"""From command-line settings and the environment to a pipeline Context.

The config models (pydantic) are imported on first use, so `promote --help` stays fast.

The environment is read here and nowhere else, so tests and the Actions entry can pass a
mapping of their own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import ConfigError, UserError

if TYPE_CHECKING:
    from bot.config import Config
    from bot.pipeline import Context
    from bot.platform import Platform
    from bot.platform.github import GitHubPlatform
    from bot.platform.github_api import GitHubSettings


@dataclass(frozen=True)
class Settings:
    config_path: str = ".github/promotion.yml"
    repo_dir: Path = Path(".")
    github_repo: str | None = None
    platform: str = "auto"  # auto | local | github


def build_context(settings: Settings, env: Mapping[str, str] | None = None) -> Context:
    from bot.pipeline import Context

    env = os.environ if env is None else env
    use_github = _wants_github(settings, env)
    local_config = settings.repo_dir / settings.config_path
    if use_github and not local_config.exists():
        from bot.platform.github import GitHubPlatform

        platform = GitHubPlatform(github_settings(settings, env, None))
        cfg = _remote_config(settings, platform)
        if cfg.git.base_branch is None:
            # The default branch the config came from is the base: reuse the client.
            return Context(cfg, platform)
    else:
        from bot.config import load

        cfg = load(local_config)
    return Context(cfg, _platform(settings, env, cfg.git.base_branch, use_github))


def _wants_github(settings: Settings, env: Mapping[str, str]) -> bool:
    if settings.platform == "local":
        return False
    has_token = bool(env.get("GITHUB_TOKEN"))
    if settings.platform == "github":
        if not has_token or not settings.github_repo:
            raise UserError("--platform github needs GITHUB_TOKEN and --github-repo (owner/name)")
        return True
    return has_token and bool(settings.github_repo)


def _platform(
    settings: Settings, env: Mapping[str, str], base_branch: str | None, use_github: bool
) -> Platform:
    if not use_github:
        from bot.platform.local import LocalPlatform

        return LocalPlatform(settings.repo_dir, base_branch)
    from bot.platform.github import GitHubPlatform

    return GitHubPlatform(github_settings(settings, env, base_branch))


def github_settings(
    settings: Settings, env: Mapping[str, str], base_branch: str | None
) -> GitHubSettings:
    from bot.platform.github_api import DEFAULT_API_URL, GitHubSettings

    repo = settings.github_repo or ""
    if repo.count("/") != 1 or not all(repo.split("/")):
        raise UserError(f"--github-repo must be owner/name, got {repo!r}")
    return GitHubSettings(
        repository=repo,
        token=env["GITHUB_TOKEN"],
        api_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
        base_branch=base_branch,
        seconds_between_requests=_seconds(env, "PROMOTE_GITHUB_REQUEST_INTERVAL", 0.25),
        seconds_between_writes=_seconds(env, "PROMOTE_GITHUB_WRITE_INTERVAL", 1.0),
        retries=int(_seconds(env, "PROMOTE_GITHUB_RETRIES", 5)),
        retry_backoff=_seconds(env, "PROMOTE_GITHUB_RETRY_BACKOFF", 1.0),
        max_rate_limit_wait=_seconds(env, "PROMOTE_GITHUB_MAX_RATE_LIMIT_WAIT", 60.0),
    )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UserError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < 0:
        raise UserError(f"{name} must be >= 0, got {raw!r}")
    return value


def _remote_config(settings: Settings, platform: GitHubPlatform) -> Config:
    """No checkout (a step in another repository's CI): read the config from GitHub."""
    text = platform.read_default_branch(settings.config_path)
    source = f"{settings.github_repo}:{settings.config_path}"
    if text is None:
        raise ConfigError([f"{source}: config file not found on the default branch"])
    from bot.config import parse

    return parse(text, source)
