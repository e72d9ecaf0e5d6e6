"""Requests per ``promote watch`` run, against the budget the loop promises.

Three environments (dev, staging, prod), each followed through one Argo CD Application,
each with a merged promotion. Run 1: the Applications are still syncing (pending). Run 2:
all three are healthy (three promotions settle). Run 3: nothing left to follow. Budget:
at most one Argo CD request per unsettled Application, at most three GitHub requests per
settled promotion beyond the run's shared reads (merged PRs, comments, base branch,
repository).

    python -m bench.watch      # prints the table; exit 1 when over budget
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

from tests.action.test_action_entry import Rig
from tests.e2e.helpers import seed_fraud_model
from tests.rig.argocd.server import FakeArgoCD
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN
from tests.rig.mlflow_rig import start_mlflow_server
from tests.rig.people import Person
from tests.watch.rig import Loop

ENVS = ("dev", "staging", "prod")
SHARED_READS = 4  # repository, base branch, closed PRs, repository comments
ARGOCD_PER_APP = 1
GITHUB_PER_SETTLED = 3


def _follow(env: str, server: str) -> str:
    return (
        f"      {env}:\n        follow:\n          argocd:\n            server: {server}\n"
        f"            applications: [fraud-{env}]\n        targets:"
    )


def measure(work: Path, mlflow_uri: str) -> list[tuple[str, int, int, int, int]]:
    """(run, unsettled apps, Argo CD requests, settled promotions, GitHub requests) per run."""
    rows = []
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_uri)
    with FakeGitHub(work / "github", owner="acme", repo="gitops", token=TOKEN) as fake:
        argocd = FakeArgoCD(token="argocd-test-token-0123456789")
        argocd.start()
        try:
            rig = Rig(work, fake, seed_fraud_model(mlflow_uri))
            for env in ENVS:
                rig.configure(f"      {env}:\n        targets:", _follow(env, argocd.url))
            fake.seed(rig.repo)
            loop = Loop(rig, Person.join(fake, "alice", "admin"), monkeypatch)
            from bot.action import main

            assert main(rig.env("schedule", {})) == 0
            pulls = sorted(rig.open_pulls(), key=lambda p: p["number"])
            for pr in pulls:
                before = loop.main_sha()
                merge = loop.alice.merge(pr["number"])
                env = pr["head_ref"].rsplit("/", 1)[-1]
                app = loop.app(argocd, before, merge, name=f"fraud-{env}",
                               path=f"applications/inference-server/overlays/{env}")  # fmt: skip
                argocd.advance(app.name)  # out-of-sync
            for run, stages in (("apps syncing", 0), ("apps healthy", 2), ("nothing left", 0)):
                for name in list(argocd.apps) if stages else ():
                    for _ in range(stages):
                        argocd.advance(name)
                fake.reset_log()
                asked = argocd.count()
                results = loop.watch()
                settled = sum(1 for r in results if "settled" in r.reason)
                unsettled = len(results)
                rows.append((run, unsettled, argocd.count() - asked, settled, len(fake.requests)))
        finally:
            argocd.stop()
            monkeypatch.undo()
    return rows


def render(rows: list[tuple[str, int, int, int, int]]) -> tuple[str, bool]:
    lines = [
        "| watch run | unsettled apps | Argo CD requests | settled | GitHub requests (shared + "
        "per promotion) | budget |",
        "|---|---|---|---|---|---|",
    ]
    ok = True
    for run, unsettled, argo, settled, github in rows:
        # A pending check may ask GitHub one ancestry question (Argo CD's last operation was
        # on an older revision); only settling writes, and the budget is for settling.
        per_promotion = github - SHARED_READS
        within = argo <= ARGOCD_PER_APP * unsettled and (
            not settled or per_promotion <= GITHUB_PER_SETTLED * settled
        )
        ok &= within
        lines.append(
            f"| {run} | {unsettled} | {argo} | {settled} | {github} "
            f"({SHARED_READS} + {per_promotion}) | {'ok' if within else 'OVER'} |"
        )
    lines.append(
        f"\nbudget: <= {ARGOCD_PER_APP} Argo CD request per unsettled Application, "
        f"<= {GITHUB_PER_SETTLED} GitHub requests per settled promotion (+ {SHARED_READS} "
        "shared reads per run); a pending check may add one ancestry compare per Application"
    )
    return "\n".join(lines), ok


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_mlflow_server(Path(tmp) / "mlflow")
        try:
            text, ok = render(measure(Path(tmp) / "work", server.uri))
        finally:
            server.stop()
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
