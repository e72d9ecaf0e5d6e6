"""A GitOps repository with a grouped generator and guard model, seeded in a real MLflow
registry: both edit the same kustomization and env file in staging and prod (so their edits
must compose); the generator alone also has dev, outside the group."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.helpers import VALIDATED
from tests.rig.mlflow_rig import seed_model
from tests.rig.repos import commit_all, git

GROUP_BRANCH = "promote/llm-stack+group/prod"

CONFIG = """\
version: 1
registries:
  mlflow: {type: mlflow}
pull_request:
  labels: [model-promotion]
models:
  generator:
    registered_model: '@GEN@'
    metrics: [accuracy]
    gates: ["accuracy >= @MIN@"]
    environments:
      dev:
        targets:
          - {kind: kustomize-image, file: deploy/dev/kustomization.yaml, image: generator}
          - {kind: env-file, file: deploy/dev/params.env, key: GENERATOR_VERSION}
      staging:
        targets:
          - {kind: kustomize-image, file: deploy/staging/kustomization.yaml, image: generator}
          - {kind: env-file, file: deploy/staging/params.env, key: GENERATOR_VERSION}
      prod:
        on_gate_failure: '@ON_FAILURE@'
        targets:
          - {kind: kustomize-image, file: deploy/prod/kustomization.yaml, image: generator}
          - {kind: env-file, file: deploy/prod/params.env, key: GENERATOR_VERSION}
  guard:
    registered_model: '@GUARD@'
    environments:
      staging:
        targets:
          - {kind: kustomize-image, file: deploy/staging/kustomization.yaml, image: guard}
          - {kind: env-file, file: deploy/staging/params.env, key: GUARD_VERSION}
      prod:
        targets:
          - {kind: kustomize-image, file: deploy/prod/kustomization.yaml, image: guard}
          - {kind: env-file, file: deploy/prod/params.env, key: GUARD_VERSION}
groups:
  llm-stack:
    models: [generator, guard]
"""

KUSTOMIZATION = """\
resources:
- ../base
images:
- name: generator
  newTag: v1.0.0
- name: guard
  newTag: g1.0.0
"""
PARAMS = "# served models\nGENERATOR_VERSION=1\nGUARD_VERSION=1\n"


@dataclass
class Names:
    generator: str
    guard: str


def seed(uri: str) -> Names:
    """generator v1 (v1.0.0) and v2 (v1.1.0, accuracy 0.93); guard v1 (g1.0.0) and v2
    (g1.1.0). Each name is new, so tests do not see each other's versions."""
    suffix = uuid.uuid4().hex[:8]
    names = Names(f"generator-{suffix}", f"guard-{suffix}")
    seed_model(
        uri,
        names.generator,
        [
            {"metrics": {"accuracy": 0.90}, "tags": {**VALIDATED, "image_tag": "v1.0.0"}},
            {"metrics": {"accuracy": 0.93}, "tags": {**VALIDATED, "image_tag": "v1.1.0"}},
        ],
    )
    seed_model(
        uri,
        names.guard,
        [
            {"metrics": None, "tags": {**VALIDATED, "image_tag": "g1.0.0"}},
            {"metrics": None, "tags": {**VALIDATED, "image_tag": "g1.1.0"}},
        ],
    )
    return names


def config_text(names: Names, minimum: float = 0.5, on_failure: str = "skip") -> str:
    return (
        CONFIG.replace("@GEN@", names.generator)
        .replace("@GUARD@", names.guard)
        .replace("@MIN@", str(minimum))
        .replace("@ON_FAILURE@", on_failure)
    )


def write_repo(root: Path, config: str) -> Path:
    files = {
        ".github/promotion.yml": config,
        "deploy/dev/kustomization.yaml": KUSTOMIZATION.split("- name: guard")[0],
        "deploy/dev/params.env": "GENERATOR_VERSION=1\n",
        "deploy/staging/kustomization.yaml": KUSTOMIZATION,
        "deploy/staging/params.env": PARAMS,
        "deploy/prod/kustomization.yaml": KUSTOMIZATION,
        "deploy/prod/params.env": PARAMS,
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    commit_all(root, "GitOps repo with an LLM stack")
    return root


def commit_file(root: Path, path: str, text: str, message: str) -> None:
    (root / path).write_text(text, encoding="utf-8")
    commit_all(root, message)
