"""`promote plan` and `promote run` on a real Git repository with a real MLflow store:
a digest-pinned entry, an anchored Helm value, a KServe-style env file and version tags."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from bot.text import review
from tests.e2e.helpers import run_cli
from tests.rig.mlflow_rig import seed_model
from tests.rig.repos import commit_all, git

OLD = "sha256:" + "a" * 64
CONFIG = """\
version: 1
registries:
  mlflow: {type: mlflow}
models:
  llm:
    registered_model: NAME
    environments:
      prod:
        targets:
          - {kind: kustomize-image, file: deploy/prod/kustomization.yaml, image: vllm}
          - kind: yaml
            file: deploy/prod/values.yaml
            path: serving.image.tag
            value: '{image_tag}'
            aliases: update
          - {kind: env-file, file: deploy/prod/params.env, key: MODEL_VERSION}
          - kind: env-file
            file: deploy/prod/params.env
            key: MODEL_REVISION
            value: '{tag:model_revision}'
          - {kind: env-file, file: deploy/prod/params.env, key: STORAGE_URI, value: '{source_uri}'}
"""
KUSTOMIZATION = f"""\
resources:
- ../base
images:
- name: vllm
  newTag: v1.0.0
  digest: {OLD}
configMapGenerator:
- name: model-params
  envs:
  - params.env
"""
VALUES = "serving:\n  image:\n    tag: &tag v1.0.0\ntokenizer:\n  image:\n    tag: *tag\n"
PARAMS = "# model\r\nMODEL_VERSION=1\r\nMODEL_REVISION=abc123\r\nSTORAGE_URI=s3://seed-bucket/no-run/model"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    uri = f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"
    name = f"llm-{uuid.uuid4().hex[:8]}"
    ok = {"validation_status": "passed"}
    # No run: the version's source is then a plain s3:// URI (the rig's), as for most
    # registered weights; v3's revision tag is not something a file may receive.
    seed_model(
        uri,
        name,
        [
            {"metrics": None, "tags": {**ok, "image_tag": "v1.0.0", "model_revision": "abc123"}},
            {"metrics": None, "tags": {**ok, "image_tag": "v1.1.0", "model_revision": "def456"}},
            {"metrics": None, "tags": {**ok, "image_tag": "v1.2.0", "model_revision": "x y"}},
        ],
    )
    return uri, name


@pytest.fixture
def repo(tmp_path: Path, store: tuple[str, str]) -> Path:
    root = tmp_path / "gitops"
    files = {
        ".github/promotion.yml": CONFIG.replace("NAME", store[1]),
        "deploy/prod/kustomization.yaml": KUSTOMIZATION,
        "deploy/prod/values.yaml": VALUES,
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    (root / "deploy/prod/params.env").write_bytes(PARAMS.encode())
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "GitOps repo")
    return root


def cli(repo: Path, store: tuple[str, str], monkeypatch, capsys, *args: str):  # type: ignore[no-untyped-def]
    argv = [args[0], "--repo-dir", str(repo), *args[1:]]
    return run_cli(argv, {"MLFLOW_TRACKING_URI": store[0]}, monkeypatch, capsys)


def test_plan_shows_the_removed_digest_and_the_env_file(repo, store, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    result = cli(repo, store, monkeypatch, capsys, "plan", "--version", "2")
    assert result.code == 0, result.err
    assert f"-  newTag: v1.0.0\n-  digest: {OLD}\n+  newTag: v1.1.0\n" in result.out
    assert "-    tag: &tag v1.0.0\n+    tag: &tag v1.1.0\n" in result.out
    assert (
        "-MODEL_VERSION=1\n-MODEL_REVISION=abc123\n+MODEL_VERSION=2\n+MODEL_REVISION=def456\n"
        in (result.out.replace("\r", ""))
    )


def test_run_writes_every_value_in_one_commit(repo, store, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    result = cli(repo, store, monkeypatch, capsys, "run", "--version", "2")
    assert result.code == 0, result.err
    branch = "promote/llm/prod"
    assert git(repo, "rev-list", "--count", f"main..{branch}").strip() == "1"
    params = subprocess.run(
        ["git", "-C", str(repo), "show", f"{branch}:deploy/prod/params.env"],
        capture_output=True,
        check=True,
    ).stdout  # bytes: CRLF and the missing final newline must survive
    new = PARAMS.replace("VERSION=1", "VERSION=2").replace("abc123", "def456")
    assert params == new.encode()
    assert git(repo, "show", f"{branch}:deploy/prod/kustomization.yaml") == (
        KUSTOMIZATION.replace("v1.0.0", "v1.1.0").replace(f"  digest: {OLD}\n", "")
    )
    # The PR text lists the alias path the anchor carries along, and the removed digest.
    assert "`tokenizer.image.tag (shares serving.image.tag)`" in result.out
    assert f"-  digest: {OLD}" in result.out


def test_a_malformed_version_tag_writes_nothing(repo, store, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    refs = git(repo, "for-each-ref")
    result = cli(repo, store, monkeypatch, capsys, "run", "--version", "3")
    assert result.code != 0
    assert (
        "/.github/promotion.yml:17: models.llm.environments.prod.targets[3]: "
        "deploy/prod/params.env: envs[MODEL_REVISION]: version '3' of " in result.err
    )
    assert "tag 'model_revision' has the value 'x y', which cannot be written" in result.err
    assert "Traceback" not in result.err
    assert git(repo, "for-each-ref") == refs
    assert git(repo, "status", "--porcelain") == ""


def test_edit_lines_name_every_alias_path() -> None:
    from bot.model import Edit, FileChange

    change = FileChange(
        "v.yaml",
        VALUES,
        VALUES.replace("v1.0.0", "v1.1.0"),
        (
            Edit("v.yaml", "serving.image.tag", "v1.0.0", "v1.1.0"),
            Edit("v.yaml", "tokenizer.image.tag (shares serving.image.tag)", "v1.0.0", "v1.1.0"),
        ),
    )
    assert review.edit_lines([change]) == [
        "  v.yaml: serving.image.tag: v1.0.0 -> v1.1.0",
        "  v.yaml: tokenizer.image.tag (shares serving.image.tag): v1.0.0 -> v1.1.0",
    ]
