"""One promotion, made by the bot and by the seeds' clone-and-push workflow, side by side.

Both run on a repository of 10 files and 10 commits and on one of 10,000 of each. The rounds
alternate repositories and methods, so a slow moment of the machine hits every column alike,
and every run gets a fresh copy of the repository: the bot and the clone-and-push workflow
both start from a base branch with no promotion branch and no PR.
"""

from __future__ import annotations

import gc
import os
import shutil
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench.clone_push import Promotion, clone_and_push
from bench.common import GitHubCount, bot_env, github_count, new_fake, run_bot, started
from bench.git_http import GitHttpServer, Traffic
from bench.gitrepos import RepoSpec, build_bare, install
from tests.rig.fake_github import FakeGitHub
from tests.rig.mlflow_rig import seed_model

MODEL = "fraud-detector"
VALIDATED = {"validation_status": "passed"}
OVERLAYS = "applications/inference-server/overlays/prod"
PROMO = Promotion(
    registered_model=MODEL,
    kustomization=f"{OVERLAYS}/kustomization.yaml",
    model_config=f"{OVERLAYS}/model-config.yaml",
    branch=f"promote/{MODEL}/prod",
    label="model-promotion",
    reviewer="alice",
)
SIZES = {"10 files, 10 commits": 10, "10,000 files, 10,000 commits": 10_000}
METHODS = ("bot", "clone-and-push", "clone-and-push, --depth 1")
# Once per repository, after the rounds: the bot with GitHub's politeness intervals on, as it
# runs by default. It sleeps most of the time, so one sample says all there is.
THROTTLED = "bot, default request intervals"

CONFIG = f"""\
registries:
  mlflow: {{type: mlflow}}
pull_request: {{labels: [{PROMO.label}], reviewers: [{PROMO.reviewer}]}}
models:
  {MODEL}:
    metrics: [accuracy]
    environments:
      prod:
        targets:
          - {{kind: kustomize-image, file: {PROMO.kustomization}, image: model-inference-server}}
          - {{kind: configmap, file: {PROMO.model_config}, key: MODEL_VERSION}}
"""
KUSTOMIZATION = """\
# Production. Promotions arrive as pull requests; Argo CD syncs after merge.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ml-prod
resources:
  - ../../base
  - model-config.yaml
images:
  - name: model-inference-server
    newName: registry.example.com/ml/model-inference-server
    newTag: v1.3.0
"""
MODEL_CONFIG = """\
# Served model version for production. Changed only by promotion PRs.
apiVersion: v1
kind: ConfigMap
metadata:
  name: model-config
data:
  MODEL_VERSION: '1'
  MAX_BATCH_SIZE: "32"
"""


# The commit both methods must produce: image tag and model version, nothing else.
EXPECTED = (KUSTOMIZATION.replace("v1.3.0", "v1.4.0"), MODEL_CONFIG.replace("'1'", "'2'"))


@dataclass(frozen=True)
class Attempt:
    wall_s: float
    clone_s: float | None
    github: GitHubCount
    traffic: Traffic


@dataclass
class Sample:
    """One method on one repository, over all rounds; the counts are the same every round."""

    attempts: list[Attempt] = field(default_factory=list)

    @property
    def wall_s(self) -> float:
        return statistics.median(a.wall_s for a in self.attempts)

    @property
    def clone_s(self) -> float | None:
        clones = [a.clone_s for a in self.attempts if a.clone_s is not None]
        return statistics.median(clones) if clones else None

    @property
    def github(self) -> GitHubCount:
        return self.attempts[0].github

    @property
    def traffic(self) -> Traffic:
        return self.attempts[0].traffic


Samples = dict[tuple[str, str], Sample]  # (repository label, method) -> sample


@dataclass(frozen=True)
class _Run:
    workdir: Path
    mlflow_uri: str
    http: GitHttpServer


def seed_registry(mlflow_uri: str) -> None:
    """v1 runs in prod (image v1.3.0); v2 (v1.4.0) is validated and waiting."""
    seed_model(
        mlflow_uri,
        MODEL,
        [
            {"metrics": {"accuracy": 0.90}, "tags": {**VALIDATED, "image_tag": "v1.3.0"}},
            {"metrics": {"accuracy": 0.92}, "tags": {**VALIDATED, "image_tag": "v1.4.0"}},
        ],
    )


def build_templates(workdir: Path) -> dict[str, Path]:
    files = {
        ".github/promotion.yml": CONFIG,
        PROMO.kustomization: KUSTOMIZATION,
        PROMO.model_config: MODEL_CONFIG,
    }
    return {
        label: build_bare(workdir / f"template-{size}.git", RepoSpec(files, size, size))
        for label, size in SIZES.items()
    }


def _promote(run: _Run, fake: FakeGitHub, method: str, scratch: Path) -> tuple[float, float | None]:
    if method.startswith("bot"):
        # No checkout at all: the config too comes through the API.
        env = bot_env(fake, run.mlflow_uri, throttled=method == THROTTLED)
        return run_bot(scratch, env), None
    depth = 1 if "--depth 1" in method else None
    url = run.http.url(fake.bare_path)
    timing = clone_and_push(fake, url, scratch / "checkout", run.mlflow_uri, PROMO, depth)
    return timing.wall_s, timing.clone_s


def _check(fake: FakeGitHub, method: str) -> None:
    files = tuple(fake.file_at(PROMO.branch, path) for path in PROMO.files)
    if files != EXPECTED or not fake.pulls:
        raise RuntimeError(f"{method}: the promotion branch or PR is not what was expected")


def attempt(run: _Run, template: Path, method: str, name: str) -> Attempt:
    """One promotion on a fresh copy of ``template``, with dirty pages flushed first: on a
    disk, the previous attempt's 10,000-file checkout being written back or discarded would
    otherwise stall this one. Garbage is collected first too: this process's heap (every
    earlier attempt, the fake, MLflow's client) makes a full collection cost ~0.1 s, which
    would land in whichever attempt happened to trigger it."""
    fake = new_fake(run.workdir / "hosted" / name)
    install(template, fake)
    scratch = run.workdir / "scratch" / name
    scratch.mkdir(parents=True)
    os.sync()
    gc.collect()
    with started(fake):
        run.http.take_traffic()
        wall, clone = _promote(run, fake, method, scratch)
        result = Attempt(wall, clone, github_count(fake), run.http.take_traffic())
        _check(fake, method)
    shutil.rmtree(scratch)
    shutil.rmtree(fake.root)
    return result


def side_by_side(workdir: Path, mlflow_uri: str, rounds: int) -> Samples:
    seed_registry(mlflow_uri)
    templates = build_templates(workdir)
    samples: Samples = {(label, m): Sample() for label in SIZES for m in METHODS}
    with GitHttpServer(workdir / "hosted") as http:
        run = _Run(workdir, mlflow_uri, http)
        attempt(run, templates[next(iter(SIZES))], "bot", "warm-up")  # imports, not timed
        for number in range(rounds):
            for (label, method), sample in samples.items():
                name = f"r{number}-{SIZES[label]}-{METHODS.index(method)}"
                sample.attempts.append(attempt(run, templates[label], method, name))
        for label, template in templates.items():
            name = f"throttled-{SIZES[label]}"
            samples[(label, THROTTLED)] = Sample([attempt(run, template, THROTTLED, name)])
        if http.errors:
            raise RuntimeError(f"git http-backend failed: {http.errors[0]}")
    return samples
