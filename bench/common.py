"""What every benchmark section shares: running the bot, timing it, reading the fake's log."""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN, github_env

# Both GitHub throttles default to "on" (0.25 s between requests, 1 s between writes); the
# timed runs switch them off to measure the bot, and the throttled rows switch them back.
THROTTLE_VARS = ("PROMOTE_GITHUB_REQUEST_INTERVAL", "PROMOTE_GITHUB_WRITE_INTERVAL")


@dataclass(frozen=True)
class GitHubCount:
    reads: int
    writes: int
    routes: Counter[str]

    def route(self, key: str) -> int:
        return self.routes.get(key, 0)

    def describe(self, method: str | None = None) -> str:
        """``GET /repo ×1, ...``; only the routes of ``method`` when given."""
        routes = [(k, v) for k, v in self.routes.items() if method in (None, k.split()[0])]
        return ", ".join(f"{k} ×{v}" for k, v in routes)


def bot_env(fake: FakeGitHub, mlflow_uri: str, throttled: bool = False) -> dict[str, str]:
    env = {**github_env(fake), "MLFLOW_TRACKING_URI": mlflow_uri}
    if throttled:
        for name in THROTTLE_VARS:
            env.pop(name)
    return env


@contextlib.contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """``env`` on top of os.environ for the block; the throttle variables are unset first."""
    old = dict(os.environ)
    for name in THROTTLE_VARS:
        os.environ.pop(name, None)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(old)


def run_bot(repo_dir: Path, env: dict[str, str], *args: str) -> float:
    """``promote run`` in this process (imports already paid for); returns the wall time."""
    from bot.cli import main

    with environment(env), contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        try:
            main(["run", "--repo-dir", str(repo_dir), *args])
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise RuntimeError(f"promote run exited {exc.code}") from None
        return time.perf_counter() - start


def median_time(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def github_count(fake: FakeGitHub) -> GitHubCount:
    """The fake's log since its last reset, by route (``GET /contents/{path}`` and so on)."""
    if fake.unmatched:
        raise RuntimeError(f"requests the fake does not implement: {fake.unmatched}")
    routes: Counter[str] = Counter()
    for req in fake.requests:
        method, _, path = req.route.partition(" ")
        routes[f"{method} {path.replace('/repos/{owner}/{repo}', '') or '/repo'}"] += 1
    writes = len(fake.writes())
    return GitHubCount(len(fake.requests) - writes, writes, routes)


@contextlib.contextmanager
def started(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def new_fake(root: Path) -> FakeGitHub:
    return FakeGitHub(root, owner="acme", repo="gitops", token=TOKEN)
