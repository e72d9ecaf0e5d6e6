"""How the GitHub platform is set up: the repository, token, API URL and request pacing,
read from the command line's choices and the environment (never from the config file)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.errors import UserError

if TYPE_CHECKING:
    from bot.platform.base import Connection

DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class GitHubSettings:
    repository: str  # owner/name
    token: str
    api_url: str = DEFAULT_API_URL
    base_branch: str | None = None
    # GitHub asks for requests one at a time (the bot makes them so) and a second between
    # writes only when there are many: reads are not delayed, the first ``free_writes`` writes
    # of a run (one promotion's) neither, later ones wait this long after the previous write.
    seconds_between_requests: float = 0.0
    seconds_between_writes: float = 1.0
    free_writes: int = 6
    # Each request is retried this many times on 5xx, secondary rate limits and connection
    # errors, sleeping retry_backoff * 2**(n-1) seconds before the n-th retry from the second
    # on (0, 2, 4, 8, 16 s by default), never longer than retry_backoff_max.
    retries: int = 5
    retry_backoff: float = 1.0
    retry_backoff_max: float = 30.0
    # A rate limit that lifts within this many seconds (Retry-After, or X-RateLimit-Reset when
    # the primary limit is used up) is waited for; a longer one fails at once.
    max_rate_limit_wait: float = 60.0
    # GitHub asks for at least a minute when a secondary limit comes without Retry-After.
    secondary_rate_wait: float = 60.0
    timeout: int = 15  # seconds per request (PyGithub takes whole seconds)


def settings_from(conn: Connection) -> GitHubSettings:
    env = conn.env
    repo = conn.repository or ""
    if not env.get("GITHUB_TOKEN") or not repo:
        raise UserError("--platform github needs GITHUB_TOKEN and --github-repo (owner/name)")
    if repo.count("/") != 1 or not all(repo.split("/")):
        raise UserError(f"--github-repo must be owner/name, got {repo!r}")
    return GitHubSettings(
        repository=repo,
        token=env["GITHUB_TOKEN"],
        api_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
        base_branch=conn.base_branch,
        seconds_between_requests=_seconds(env, "PROMOTE_GITHUB_REQUEST_INTERVAL", 0.0),
        seconds_between_writes=_seconds(env, "PROMOTE_GITHUB_WRITE_INTERVAL", 1.0),
        free_writes=int(_seconds(env, "PROMOTE_GITHUB_FREE_WRITES", 6)),
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
