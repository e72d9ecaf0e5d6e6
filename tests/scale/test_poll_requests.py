"""Issue 14 on the rig: a poll's GitHub requests do not grow with models and environments, and a
promotion stays within 3 reads and 6 writes. Real MLflow server, real Git repository served by
the GitHub fake (GraphQL executed against GitHub's published schema), the real pipeline."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bot import pipeline
from bot.config import load
from bot.pipeline import Context, Selection
from bot.platform.github import GitHubPlatform, GitHubSettings
from tests.e2e.helpers import VALIDATED
from tests.platform import FAST, Rig, check_one_promotion
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN
from tests.rig.mlflow_rig import seed_model
from tests.rig.repos import commit_all, git

TAG = "v1.4.0"
OVERLAY = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: inference
    newName: registry.example.com/ml/inference
    newTag: {tag}
configMapGenerator:
  - name: model-config
    literals:
      - MODEL_VERSION={version}
"""


def _path(m: int, e: int) -> str:
    return f"apps/model-{m}/overlays/env-{e}/kustomization.yaml"


def _gitops(root: Path, names: list[str], envs: int, declared: str = "1") -> Path:
    """One overlay per model and environment, each declaring version ``declared``."""
    lines = ["registries:", "  mlflow: {type: mlflow}", "models:"]
    for m, name in enumerate(names):
        lines += [f"  model-{m}:", f"    registered_model: {name}", "    environments:"]
        for e in range(envs):
            path = _path(m, e)
            (root / path).parent.mkdir(parents=True)
            (root / path).write_text(OVERLAY.format(tag=TAG, version=declared))
            lines += [
                f"      env-{e}:",
                "        targets:",
                f"          - {{kind: kustomize-image, file: {path}, image: inference}}",
                f"          - {{kind: configmap-generator, file: {path}, key: MODEL_VERSION}}",
            ]
    (root / ".github").mkdir()
    (root / ".github" / "promotion.yml").write_text("\n".join(lines) + "\n")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "Overlays")
    return root


def _poll(fake: FakeGitHub, repo: Path) -> list[pipeline.Result]:
    settings = GitHubSettings(fake.full_name, TOKEN, fake.base_url, **FAST)
    ctx = Context(load(repo / ".github" / "promotion.yml"), GitHubPlatform(settings))
    return pipeline.apply(ctx, pipeline.evaluate(ctx, Selection()))


@pytest.mark.parametrize(("models", "envs"), [(1, 1), (5, 100)])
def test_a_nothing_new_poll_costs_at_most_three_requests(
    tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str, models: int, envs: int
) -> None:
    """1 target or 500 (two GraphQL chunks of 250 files): the same few requests, no writes."""
    names = [f"scale-{uuid.uuid4().hex[:8]}" for _ in range(models)]
    for name in names:
        seed_model(tracking_uri, name, [{"metrics": None, "tags": {**VALIDATED, "image_tag": TAG}}])
    repo = _gitops(tmp_path / "gitops", names, envs)
    fake_github.seed(repo)
    fake_github.reset_log()

    results = _poll(fake_github, repo)

    assert len(results) == models * envs
    assert {r.status for r in results} == {"up-to-date"}, {r.reason for r in results}
    assert {r.reason for r in results} == {f"up to date: v1 ({TAG})"}
    routes = [r.route for r in fake_github.requests]
    assert fake_github.writes() == []
    assert len(routes) <= 3, routes
    assert routes.count("POST /graphql") == (2 if models * envs > 250 else 1)
    assert "GET /repos/{owner}/{repo}/contents/{path}" not in routes  # every file in GraphQL
    assert fake_github.unmatched == []


def test_a_poll_sees_what_the_overlays_declare_at_the_base(
    tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str
) -> None:
    """The batched read is the overlays' real text: a newer validated version is due where the
    overlays declare the older one, and the promotion edits the text GraphQL returned."""
    names = [f"scale-{uuid.uuid4().hex[:8]}"]
    seed_model(
        tracking_uri, names[0], [{"metrics": None, "tags": {**VALIDATED, "image_tag": "v1.3.0"}}]
    )
    seed_model(tracking_uri, names[0], [{"metrics": None, "tags": {**VALIDATED, "image_tag": TAG}}])
    repo = _gitops(tmp_path / "gitops", names, 1)
    (repo / _path(0, 0)).write_text(OVERLAY.format(tag="v1.3.0", version="1"))
    commit_all(repo, "Back to v1")
    fake_github.seed(repo)
    fake_github.reset_log()

    (result,) = _poll(fake_github, repo)

    assert result.status == "opened", result.reason
    text = fake_github.file_at("promote/model-0/env-0", _path(0, 0))
    assert text == OVERLAY.format(tag=TAG, version="2")


def test_one_promotion_costs_at_most_three_reads_and_six_writes(rig: Rig) -> None:
    rig.fake.reset_log()
    result = rig.run()
    assert result.status == "opened", result.reason
    check_one_promotion(rig.fake, "2", "v1.4.0")
    writes = rig.fake.writes()
    reads = [r.route for r in rig.fake.requests if r not in writes]
    assert len(reads) <= 3, reads
    assert len(writes) <= 6, [w.route for w in writes]


def test_the_default_branch_read_keeps_only_prs_into_the_default_branch(rig: Rig) -> None:
    """Unnamed, the default branch comes back with the files; PRs into other branches are
    listed with it (GitHub filters on a named branch only) and dropped."""
    main = rig.fake.branch_sha("main")
    assert main is not None and rig.fake.git.update_ref("refs/heads/release", main, None)
    release = rig.platform(base_branch="release")
    assert rig.run(platform=release).status == "opened"

    unnamed = rig.platform()
    unnamed.read_files([])
    assert unnamed.base().branch == "main"
    assert unnamed.open_promotions("promote") == {}
    named = rig.platform(base_branch="release")
    named.read_files([])
    assert list(named.open_promotions("promote")) == ["promote/fraud-detector/prod"]
    assert [r.route for r in rig.fake.requests].count("GET /repos/{owner}/{repo}") == 0
