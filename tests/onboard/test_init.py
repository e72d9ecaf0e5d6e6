"""``promote init`` drafts a config that ``promote validate`` accepts as written, on the example
repository and on three differently shaped ones; the CLI in-process, real Git repositories."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.config import parse
from tests.e2e.helpers import Outcome, run_cli
from tests.onboard.shapes import GENERATOR, HELM, KSERVE, make_repo
from tests.rig.repos import EXAMPLE_REPO, commit_all, git

CONFIG = ".github/promotion.yml"


def _cli(monkeypatch, capsys, *args: str) -> Outcome:  # type: ignore[no-untyped-def]
    return run_cli(list(args), {}, monkeypatch, capsys)


def _init_then_validate(repo: Path, monkeypatch, capsys) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    made = _cli(monkeypatch, capsys, "init", "--repo-dir", str(repo))
    assert made.code == 0, made.err
    assert made.out.startswith(f"wrote {repo / CONFIG}: ")
    commit_all(repo, "add the drafted config")
    checked = _cli(monkeypatch, capsys, "validate", "--repo-dir", str(repo), "--json")
    assert checked.code == 0, checked.out + checked.err
    assert checked.json() == {"ok": True, "problems": []}
    text = (repo / CONFIG).read_text()
    assert text.startswith("# yaml-language-server: $schema=https://")
    assert "# TODO: the model's name in the registry" in text
    config = parse(text, CONFIG)
    return {
        model: {
            env: [t.model_dump(exclude_defaults=True) for t in e.targets]
            for env, e in m.environments.items()
        }
        for model, m in config.models.items()
    }


def test_example_repository(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "example"
    shutil.copytree(EXAMPLE_REPO, repo, ignore=shutil.ignore_patterns(".github"))
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "initial")
    models = _init_then_validate(repo, monkeypatch, capsys)
    overlays = "applications/inference-server/overlays"
    assert list(models) == ["inference-server"]
    envs = models["inference-server"]
    assert list(envs) == ["dev", "staging", "prod"]  # in promotion order, not alphabetical
    assert envs["dev"] == [
        {
            "kind": "kustomize-image",
            "file": f"{overlays}/dev/kustomization.yaml",
            "image": "model-inference-server",
        },
        {
            "kind": "configmap-generator",
            "file": f"{overlays}/dev/kustomization.yaml",
            "key": "MODEL_VERSION",
        },
    ]
    assert envs["prod"][1] == {
        "kind": "configmap",
        "file": f"{overlays}/prod/model-config.yaml",
        "key": "MODEL_VERSION",
    }


def test_helm_values_per_model(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    models = _init_then_validate(make_repo(tmp_path / "helm", HELM), monkeypatch, capsys)
    assert models["fraud"] == {
        env: [
            {"kind": "yaml", "file": f"deploy/fraud/values-{env}.yaml", "path": "image.tag",
             "value": "{image_tag}"},
            {"kind": "yaml", "file": f"deploy/fraud/values-{env}.yaml", "path": "model.version"},
        ]
        for env in ("staging", "prod")
    }  # fmt: skip
    # The nginx sidecar's image is not a model's; chart defaults (values.yaml) are in no env.
    assert models["churn"] == {
        "prod": [
            {"kind": "yaml", "file": "deploy/churn/values-prod.yaml", "path": "churn.modelVersion"},
            {"kind": "yaml", "file": "deploy/churn/values-prod.yaml",
             "path": "churn.server.image.tag", "value": "{image_tag}"},
        ]
    }  # fmt: skip


def test_kserve_inference_services(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    models = _init_then_validate(make_repo(tmp_path / "kserve", KSERVE), monkeypatch, capsys)
    assert models["churn"] == {
        env: [
            {"kind": "yaml", "file": f"kserve/{env}/churn.yaml",
             "path": "spec.predictor.model.storageUri", "value": "s3://models/churn/{version}"}
        ]
        for env in ("staging", "prod")
    }  # fmt: skip
    assert models["llm"] == {
        "prod": [
            {"kind": "yaml", "file": "kserve/prod/llm.yaml", "document": 1,
             "path": "spec.predictor.containers[0].image",
             "value": "ghcr.io/acme/llm-server:{image_tag}"}
        ]
    }  # fmt: skip


def test_kustomize_generator_only(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    models = _init_then_validate(make_repo(tmp_path / "gen", GENERATOR), monkeypatch, capsys)
    assert models == {
        "recsys": {
            env: [
                {"kind": "configmap-generator",
                 "file": f"apps/recsys/envs/{env}/kustomization.yaml",
                 "key": "RECSYS_MODEL_VERSION"}
            ]
            for env in ("dev", "prod")
        }
    }  # fmt: skip


def test_an_existing_config_is_kept_unless_forced(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo(tmp_path / "gen", GENERATOR)
    (repo / ".github").mkdir()
    (repo / CONFIG).write_text("mine\n")
    kept = _cli(monkeypatch, capsys, "init", "--repo-dir", str(repo))
    assert kept.code == 1
    assert (
        kept.err
        == f"error: {repo / CONFIG}: a config exists already; pass --force to overwrite it\n"
    )
    assert (repo / CONFIG).read_text() == "mine\n"
    shown = _cli(monkeypatch, capsys, "init", "--repo-dir", str(repo), "--stdout")
    assert "RECSYS_MODEL_VERSION" in shown.out and (repo / CONFIG).read_text() == "mine\n"
    forced = _cli(monkeypatch, capsys, "init", "--repo-dir", str(repo), "--force")
    assert forced.code == 0 and "RECSYS_MODEL_VERSION" in (repo / CONFIG).read_text()
    assert not list(repo.glob(".github/*.partial"))


def test_nothing_found_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo(tmp_path / "empty", {"README.md": "hello\n", "base/app.yaml": "a: 1\n"})
    result = _cli(monkeypatch, capsys, "init", "--repo-dir", str(repo))
    assert result.code == 1
    (line,) = result.err.splitlines()
    assert "no overlay or values file in an environment directory" in line
    assert not (repo / CONFIG).exists()


@pytest.mark.parametrize(
    ("path", "env"),
    [
        ("apps/x/overlays/prod/kustomization.yaml", "prod"),
        ("deploy/x/values-staging.yaml", "staging"),
        ("deploy/x/values.prod.yaml", "prod"),
        ("clusters/dev/x.yaml", "dev"),
        ("deploy/x/values.yaml", None),
        ("apps/product/kustomization.yaml", None),  # "product" is not "prod"
    ],
)
def test_environment_of(path: str, env: str | None) -> None:
    from bot.onboard.scan import environment_of

    assert environment_of(path) == env
