"""Steady state: the scheduled poll when nothing is new, for 1, 20 and 100 models.

One MLflow seeding and one GitOps repository serve every row: the repository holds the
overlays of all 100 models, and each row only points the bot at a config listing the first
N of them (from a checkout, as the scheduled workflow runs it). Each model has one validated
version, and its overlay already declares that version and image tag.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    GitHubCount,
    bot_env,
    environment,
    github_count,
    new_fake,
    run_bot,
    started,
)
from bench.gitrepos import RepoSpec, build_bare, install
from bench.mlflow_proxy import CountingProxy
from tests.rig.fake_github import FakeGitHub

SIZES = (1, 20, 100)
THROTTLED_SIZES = (1, 20)  # with the default request interval; 100 would only add sleeping
COLD_SIZES = (1, 100)
COLD_RUNS = 3  # the 100-model budget is judged on these
SEED_THREADS = 4
IMAGE_TAG = "v1.4.0"
VERSION = "1"

OVERLAY = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: inference
    newName: registry.example.com/ml/inference
    newTag: {tag}
configMapGenerator:
  - name: model-config
    literals:
      - MODEL_VERSION={version}
"""


@dataclass
class PollRow:
    models: int
    wall_s: float
    github: GitHubCount
    mlflow: Counter[str] = field(default_factory=Counter)
    mlflow_s: float = 0.0  # time the MLflow server spent answering (from the proxy)
    how: str = "warm"  # warm | throttled | cold


@dataclass
class Polling:
    rows: list[PollRow]
    seed_s: float
    seed_requests: int


def overlay_path(m: int) -> str:
    return f"apps/model-{m}/overlays/prod/kustomization.yaml"


def config_text(names: list[str]) -> str:
    lines = ["registries:", "  mlflow: {type: mlflow}", "models:"]
    for m, name in enumerate(names):
        path = overlay_path(m)
        lines += [
            f"  model-{m}:",
            f"    registered_model: {name}",
            "    metrics: [accuracy]",
            "    environments:",
            "      prod:",
            "        targets:",
            f"          - {{kind: kustomize-image, file: {path}, image: inference}}",
            f"          - {{kind: configmap-generator, file: {path}, key: MODEL_VERSION}}",
        ]
    return "\n".join(lines) + "\n"


def seed_models(uri: str, names: list[str]) -> None:
    """Per model, as a training pipeline leaves it: a run with a metric, the registered model
    and one validated version from that run. Four requests per model, four models at a time:
    the server handles requests concurrently, which makes this several times faster than a
    plain loop over the models."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment(f"{names[0]}-steady-state")
    with ThreadPoolExecutor(SEED_THREADS) as pool:
        list(pool.map(lambda name: _seed_one(client, experiment, name), names))


def _seed_one(client: Any, experiment: str, name: str) -> None:
    from mlflow.entities import Metric

    run = client.create_run(experiment)
    stamp = int(time.time() * 1000)
    client.log_batch(run.info.run_id, metrics=[Metric("accuracy", 0.93, stamp, 0)])
    client.create_registered_model(name)
    tags = {"validation_status": "passed", "image_tag": IMAGE_TAG}
    client.create_model_version(
        name, run.info.artifact_uri, run_id=run.info.run_id, tags=tags, await_creation_for=0
    )


def build_checkout(workdir: Path, names: list[str]) -> Path:
    """The scheduled workflow's checkout, reduced to what the bot reads from it: configs."""
    checkout = workdir / "checkout"
    (checkout / ".github").mkdir(parents=True)
    for size in SIZES:
        (checkout / ".github" / f"promotion-{size}.yml").write_text(config_text(names[:size]))
    return checkout


def build_repo(workdir: Path, models: int) -> Path:
    overlays = {
        overlay_path(m): OVERLAY.format(tag=IMAGE_TAG, version=VERSION) for m in range(models)
    }
    return build_bare(workdir / "steady.git", RepoSpec(overlays, total_files=1000, commits=100))


@dataclass
class _Context:
    checkout: Path
    fake: FakeGitHub
    proxy: CountingProxy
    mlflow_uri: str


def poll(checkout: Path, fake: FakeGitHub, env: dict[str, str], size: int) -> float:
    fake.reset_log()
    return run_bot(checkout, env, "--config", f".github/promotion-{size}.yml")


def measure(ctx: _Context, size: int, runs: int) -> PollRow:
    """One poll through the MLflow proxy for the counts, then ``runs`` timed polls without it."""
    poll(ctx.checkout, ctx.fake, bot_env(ctx.fake, ctx.proxy.uri), size)
    counted = github_count(ctx.fake)
    calls, seconds = ctx.proxy.take()
    env = bot_env(ctx.fake, ctx.mlflow_uri)
    wall = statistics.median(poll(ctx.checkout, ctx.fake, env, size) for _ in range(runs))
    return PollRow(size, wall, counted, calls, seconds)


def throttled(ctx: _Context, size: int) -> PollRow:
    wall = poll(ctx.checkout, ctx.fake, bot_env(ctx.fake, ctx.mlflow_uri, throttled=True), size)
    return PollRow(size, wall, github_count(ctx.fake), how="throttled")


def cold(ctx: _Context, size: int) -> PollRow:
    """A whole scheduled job's bot step: a fresh ``promote run`` process, imports included."""
    promote = str(Path(sys.executable).parent / "promote")
    args = ["run", "--repo-dir", str(ctx.checkout), "--config", f".github/promotion-{size}.yml"]
    walls = []
    for _ in range(COLD_RUNS):
        ctx.fake.reset_log()
        start = time.perf_counter()
        with environment(bot_env(ctx.fake, ctx.mlflow_uri)):
            subprocess.run([promote, *args], check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    return PollRow(size, statistics.median(walls), github_count(ctx.fake), how="cold")


def steady_state(workdir: Path, mlflow_uri: str, runs: int) -> Polling:
    names = [f"steady-{m}" for m in range(max(SIZES))]
    with CountingProxy(mlflow_uri) as proxy:
        start = time.perf_counter()
        seed_models(proxy.uri, names)
        seed_s = time.perf_counter() - start
        seed_requests = sum(proxy.take()[0].values())
        fake = new_fake(workdir / "github")
        install(build_repo(workdir, max(SIZES)), fake)
        with started(fake):
            ctx = _Context(build_checkout(workdir, names), fake, proxy, mlflow_uri)
            poll(ctx.checkout, fake, bot_env(fake, mlflow_uri), 1)  # warm-up: imports, caches
            rows = [measure(ctx, size, runs) for size in SIZES]
            rows += [throttled(ctx, size) for size in THROTTLED_SIZES]
            rows += [cold(ctx, size) for size in COLD_SIZES]
    for row in rows:
        if row.github.writes:
            raise RuntimeError(f"nothing-new poll of {row.models} models wrote to GitHub")
    return Polling(rows, seed_s, seed_requests)
