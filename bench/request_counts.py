"""GitHub requests of one promotion by number of target files and size of the repository.

The promise being checked: reads grow with the target files only, never with the
repository (no clone, no tree download), and writes stay at six however many files change.
The config comes from a checkout here, as in the scheduled workflow.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from pathlib import Path

from bench.common import GitHubCount, bot_env, github_count, new_fake, run_bot, started
from bench.gitrepos import RepoSpec, build_bare, install
from tests.rig.mlflow_rig import seed_model

MODEL = "bench-files"
VALIDATED = {"validation_status": "passed"}
CASES = ((1, 10), (5, 10), (1, 10_000), (5, 10_000))  # (target files, files in the repo)

KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: inference
    newName: registry.example.com/ml/inference
    newTag: v1.0.0  # the image tag
"""


@dataclass(frozen=True)
class CountRow:
    target_files: int
    repo_files: int
    wall_s: float
    github: GitHubCount

    @property
    def scenario(self) -> str:
        files = "file" if self.target_files == 1 else "files"
        return f"promote {self.target_files} {files}, repo of {self.repo_files:,} files"


def target_path(f: int) -> str:
    return f"apps/model-0/overlays/prod-{f}/kustomization.yaml"


def config_text(files: int) -> str:
    lines = [
        "registries:",
        "  mlflow: {type: mlflow}",
        "pull_request: {labels: [model-promotion], reviewers: [alice]}",
        "models:",
        "  model-0:",
        f"    registered_model: {MODEL}",
        "    metrics: [accuracy]",
        "    environments:",
        "      prod:",
        "        targets:",
    ]
    lines += [
        f"          - {{kind: kustomize-image, file: {target_path(f)}, image: inference}}"
        for f in range(files)
    ]
    return "\n".join(lines) + "\n"


def one_case(workdir: Path, mlflow_uri: str, files: int, size: int, runs: int) -> CountRow:
    name = f"files-{files}-of-{size}"
    overlays = {target_path(f): KUSTOMIZATION for f in range(files)}
    template = build_bare(workdir / f"{name}.git", RepoSpec(overlays, size, commits=1))
    checkout = workdir / f"{name}-checkout"
    (checkout / ".github").mkdir(parents=True)
    (checkout / ".github" / "promotion.yml").write_text(config_text(files))
    walls, count = [], None
    for attempt in range(runs):
        fake = new_fake(workdir / f"{name}-{attempt}")
        install(template, fake)
        os.sync()  # the template copy's writeback must not land in the timed run
        with started(fake):
            walls.append(run_bot(checkout, bot_env(fake, mlflow_uri)))
            count = github_count(fake)
    assert count is not None
    return CountRow(files, size, statistics.median(walls), count)


def request_counts(workdir: Path, mlflow_uri: str, runs: int) -> list[CountRow]:
    seed_model(
        mlflow_uri,
        MODEL,
        [
            {"metrics": {"accuracy": 0.9}, "tags": {**VALIDATED, "image_tag": "v1.0.0"}},
            {"metrics": {"accuracy": 0.91}, "tags": {**VALIDATED, "image_tag": "v1.1.0"}},
        ],
    )
    return [one_case(workdir, mlflow_uri, files, size, runs) for files, size in CASES]
