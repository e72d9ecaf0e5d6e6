"""Benchmark of `promote relay` against the issue's three budgets, printing pass/fail.

    .venv/bin/python bench/relay.py [--trials 5] [--deliveries 500]

Starts a real MLflow server that delivers webhooks, the GitHub fake and the relay on
127.0.0.1 (as tests/relay does), and measures:

1. from a version's validation tag being set in MLflow to the dispatch accepted by GitHub, and
   to the PR opened by the action run that dispatch starts: budget 5 s;
2. the relay's handling time per delivery without the time spent waiting for GitHub, over
   signed deliveries of every outcome: budget p99 <= 50 ms;
3. GitHub requests caused by deliveries that match no model: budget 0.

Exit code 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.common import new_fake, started  # noqa: E402
from tests.relay.rig import (  # noqa: E402
    MODEL,
    envelope,
    make_app,
    running,
    signed,
    start_webhook_mlflow,
    tag_set,
    validated,
)
from tests.relay.scenario import Scenario  # noqa: E402
from tests.rig.repos import make_gitops_repo  # noqa: E402

PR_BUDGET, HANDLING_BUDGET_MS = 5.0, 50.0


def log(message: str) -> None:
    print(f"[bench relay {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tag_to_pr(workdir: Path, trials: int) -> tuple[list[float], list[float]]:
    """Seconds from the tag to the dispatch, and to the PR, per trial (versions 2, 3, ...)."""
    mlflow = start_webhook_mlflow(workdir / "mlflow")
    to_dispatch, to_pr = [], []
    try:
        with started(new_fake(workdir / "github")) as fake:
            scenario = Scenario(workdir / "scenario", fake, mlflow)
            with running(scenario.app) as server:
                scenario.install(server.url)
                for n in range(trials):
                    version = scenario.new_version(f"v1.{4 + n}.0")
                    begin = time.perf_counter()
                    scenario.validate(version)
                    dispatch = scenario.wait_for_dispatches(n + 1)[-1]
                    to_dispatch.append(time.perf_counter() - begin)
                    with contextlib.redirect_stdout(io.StringIO()):  # the action's annotations
                        code = scenario.run_action(dispatch)
                    if code != 0:
                        raise RuntimeError("the action run failed")
                    opened = [t for t in scenario.open_pulls() if f": v{version} " in t]
                    if not opened:
                        raise RuntimeError(f"no PR for v{version}: {scenario.open_pulls()}")
                    to_pr.append(time.perf_counter() - begin)
            scenario.remove_hook()
    finally:
        mlflow.stop()
    return to_dispatch, to_pr


def unmatched_bodies(n: int) -> list[dict[str, Any]]:
    kinds: list[Callable[[int], dict[str, Any]]] = [
        lambda i: validated(name=f"other-model-{i}", version=str(i + 1)),
        lambda i: tag_set(MODEL, str(i + 1), "validation_status", "failed"),
        lambda i: tag_set(MODEL, str(i + 1), "owner", "team"),
        lambda i: envelope("registered_model", "created", {"name": f"m{i}", "tags": {}}),
    ]
    return [kinds[i % len(kinds)](i) for i in range(n)]


def handling(workdir: Path, deliveries: int) -> tuple[list[float], int, int]:
    """(ms without GitHub per delivery, GitHub requests for unmatched ones, dispatches)."""
    logging.getLogger("bot.relay").setLevel(logging.WARNING)  # one line each: too many here
    with started(new_fake(workdir / "github-h")) as fake:
        config = make_gitops_repo(workdir / "gitops-h") / ".github" / "promotion.yml"
        app = make_app(fake, config)
        with running(app) as server, requests.Session() as session:
            url = f"{server.url}/webhooks/mlflow"

            def post(delivery: tuple[dict[str, str], bytes]) -> int:
                return session.post(
                    url, data=delivery[1], headers=delivery[0], timeout=30
                ).status_code

            unmatched = [signed(b) for b in unmatched_bodies(deliveries)]
            statuses = [post(d) for d in unmatched]
            unmatched_requests = len(fake.requests)
            matched = [signed(validated(version=str(i + 1))) for i in range(deliveries // 5)]
            with ThreadPoolExecutor(4) as pool:
                statuses += list(pool.map(post, matched))
            statuses += [post(d) for d in matched[:50]]  # replays: duplicates
        if set(statuses) != {200}:
            raise RuntimeError(f"unexpected answers: {sorted(set(statuses))}")
        ms = [(total - github) * 1000 for total, github in app.relay.stats.timings]
        return ms, unmatched_requests, len(fake.requests)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def report(to_dispatch: list[float], to_pr: list[float], ms: list[float], unmatched: int) -> bool:
    rows = [
        ("tag set -> dispatch accepted (max)", f"{max(to_dispatch):.2f} s", None),
        ("tag set -> PR open (max)", f"{max(to_pr):.2f} s", max(to_pr) <= PR_BUDGET),
        ("relay handling without GitHub, p99", f"{p99(ms):.2f} ms", p99(ms) <= HANDLING_BUDGET_MS),
        ("GitHub requests for unmatched events", str(unmatched), unmatched == 0),
    ]
    print(f"tag -> dispatch: median {statistics.median(to_dispatch):.2f} s over {len(to_dispatch)}")
    print(f"tag -> PR: median {statistics.median(to_pr):.2f} s over {len(to_pr)}")
    print(f"handling: median {statistics.median(ms):.2f} ms, max {max(ms):.2f} ms, n={len(ms)}")
    for name, figure, ok in rows:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{name:<40} {figure:>10}  {verdict}")
    return all(ok is not False for _, _, ok in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5, help="tag -> PR measurements")
    parser.add_argument("--deliveries", type=int, default=500, help="unmatched deliveries")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="promote-bench-relay-") as tmp:
        log(f"tag -> PR: {args.trials} trials on a real MLflow server")
        to_dispatch, to_pr = tag_to_pr(Path(tmp), args.trials)
        log(f"handling: {args.deliveries} unmatched, then matched and replayed deliveries")
        ms, unmatched, _ = handling(Path(tmp), args.deliveries)
    return 0 if report(to_dispatch, to_pr, ms, unmatched) else 1


if __name__ == "__main__":
    sys.exit(main())
