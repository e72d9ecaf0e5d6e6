"""The promotion as the seeds' workflow makes it: clone, edit, commit, push, open a PR.

That workflow is ``actions/checkout``, a registry query for the newest tag, ``kustomize edit
set image`` in the overlay, and ``peter-evans/create-pull-request`` (commit, push a branch,
then the PR through the REST API). Here each step is what it runs underneath: ``git clone``
over smart HTTP, a regex edit of both files (the image tag and the model version, so the
result matches the bot's commit byte for byte), ``git commit``, ``git push``, and the PR,
label and reviewer calls through ``requests``.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench.gitrepos import BRANCH, git_env
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN
from tests.rig.repos import IDENT


@dataclass(frozen=True)
class Promotion:
    """What to change and where: the same model, files and PR as the bot's promotion."""

    registered_model: str
    kustomization: str
    model_config: str
    branch: str
    label: str
    reviewer: str

    @property
    def files(self) -> tuple[str, str]:
        return self.kustomization, self.model_config


@dataclass(frozen=True)
class CloneTiming:
    wall_s: float
    clone_s: float


def newest_validated(mlflow_uri: str, name: str) -> tuple[str, str]:
    """The workflow's "get latest model image tag" step, against MLflow instead of S3."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_uri, registry_uri=mlflow_uri)
    found = client.search_model_versions(
        f"name='{name}' AND tags.validation_status='passed'",
        max_results=1,
        order_by=["version_number DESC"],
    )
    return str(found[0].version), found[0].tags["image_tag"]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=cwd, env={**git_env(), **IDENT}, check=True, capture_output=True
    )


def _edit(checkout: Path, promo: Promotion, version: str, tag: str) -> None:
    kustomization = checkout / promo.kustomization
    text = kustomization.read_text()
    kustomization.write_text(re.sub(r"(?m)^(\s*newTag:\s*).*$", rf"\g<1>{tag}", text))
    config = checkout / promo.model_config
    text = config.read_text()
    config.write_text(re.sub(r"(?m)^(\s*MODEL_VERSION:\s*).*$", rf"\g<1>'{version}'", text))


def _open_pr(
    fake: FakeGitHub, promo: Promotion, version: str, tag: str, repo_api: str | None = None
) -> None:
    """What create-pull-request does after its push: the PR, then its labels and reviewers."""
    title = f"Promote {promo.registered_model} to prod: v{version} ({tag})"
    with requests.Session() as api:
        api.headers.update(Authorization=f"token {TOKEN}", Accept="application/vnd.github+json")

        def post(path: str, payload: dict[str, object]) -> Any:
            reply = api.post(f"{repo_api or fake.repo_api}{path}", json=payload)
            reply.raise_for_status()
            return reply.json()

        pr = post("/pulls", {"title": title, "head": promo.branch, "base": BRANCH, "body": title})
        post(f"/issues/{pr['number']}/labels", {"labels": [promo.label]})
        post(f"/pulls/{pr['number']}/requested_reviewers", {"reviewers": [promo.reviewer]})


def clone_and_push(
    fake: FakeGitHub,
    url: str,
    checkout: Path,
    mlflow_uri: str,
    promo: Promotion,
    depth: int | None = None,
) -> CloneTiming:
    """The whole workflow; ``depth`` None is a full clone (``fetch-depth: 0``)."""
    start = time.perf_counter()
    version, tag = newest_validated(mlflow_uri, promo.registered_model)
    cloning = time.perf_counter()
    shallow = ["--depth", str(depth)] if depth else []
    _git(checkout.parent, "clone", "-q", *shallow, url, os.fspath(checkout))
    clone_s = time.perf_counter() - cloning
    _edit(checkout, promo, version, tag)
    _git(checkout, "checkout", "-q", "-b", promo.branch)
    _git(checkout, "commit", "-q", "-a", "-m", f"Promote {promo.registered_model} to v{version}")
    _git(checkout, "push", "-q", "origin", promo.branch)
    _open_pr(fake, promo, version, tag)
    return CloneTiming(time.perf_counter() - start, clone_s)
