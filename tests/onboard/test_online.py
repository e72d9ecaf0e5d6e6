"""``promote validate --online``: the config against a real MLflow server and the GitHub fake.
Plain ``validate`` stays offline; ``--online`` names the field and the fix for each problem."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.e2e.helpers import VALIDATED, Outcome, run_cli
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import github_env
from tests.rig.mlflow_rig import MlflowServer, seed_model
from tests.rig.repos import make_gitops_repo


def _validate(repo: Path, env: dict[str, str], monkeypatch, capsys, *extra: str) -> Outcome:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return run_cli(["validate", "--repo-dir", str(repo), *extra], env, monkeypatch, capsys)


def _model(uri: str, tags: dict[str, str] | None = None) -> str:
    name = f"onboard-{uuid.uuid4().hex[:8]}"
    seed_model(uri, name, [{"metrics": None, "tags": tags or {**VALIDATED, "image_tag": "v1"}}])
    return name


def test_a_misspelled_registered_model_fails_online_with_a_suggestion(
    tmp_path: Path, mlflow_server: MlflowServer, monkeypatch, capsys
) -> None:
    name = _model(mlflow_server.uri)
    typo = name.replace("onboard-", "onbaord-")
    repo = make_gitops_repo(tmp_path / "gitops", registered_model=typo)
    env = {"MLFLOW_TRACKING_URI": mlflow_server.uri}
    assert _validate(repo, env, monkeypatch, capsys).code == 0  # offline: files only
    online = _validate(repo, env, monkeypatch, capsys, "--online")
    assert online.code == 1
    (line,) = online.err.splitlines()
    assert line.startswith(
        f"error: models.fraud-detector.registered_model: {typo!r} is not a registered model "
        "in registry 'mlflow'; did you mean "
    )
    assert repr(name) in line


def test_a_correct_config_passes_online(
    tmp_path: Path, mlflow_server: MlflowServer, monkeypatch, capsys
) -> None:
    repo = make_gitops_repo(tmp_path / "gitops", registered_model=_model(mlflow_server.uri))
    result = _validate(
        repo, {"MLFLOW_TRACKING_URI": mlflow_server.uri}, monkeypatch, capsys, "--online", "--json"
    )
    assert (result.code, result.json()) == (0, {"ok": True, "problems": []}), result.err


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        (
            {"validation_status": "failed", "image_tag": "v1"},
            "models.fraud-detector.validated: no version of {name!r} meets the rule yet",
        ),
        (
            VALIDATED,
            "models.fraud-detector: version 1 is validated but has no tag 'image_tag': tag it "
            "or set models.fraud-detector.image.tag_from",
        ),
    ],
)
def test_validated_versions_must_exist_and_carry_the_image_tag(
    tmp_path: Path,
    mlflow_server: MlflowServer,
    monkeypatch,
    capsys,
    tags: dict[str, str],
    problem: str,
) -> None:
    name = _model(mlflow_server.uri, tags)
    repo = make_gitops_repo(tmp_path / "gitops", registered_model=name)
    result = _validate(
        repo, {"MLFLOW_TRACKING_URI": mlflow_server.uri}, monkeypatch, capsys, "--online", "--json"
    )
    assert result.code == 1
    (found,) = result.json()["problems"]  # type: ignore[index]
    assert found.startswith(problem.format(name=name)), found


def test_a_registry_that_is_down_is_one_problem(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        "MLFLOW_TRACKING_URI": f"http://127.0.0.1:{port}",
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    }
    repo = make_gitops_repo(tmp_path / "gitops")
    result = _validate(repo, env, monkeypatch, capsys, "--online")
    assert result.code == 1
    (line,) = result.err.splitlines()
    assert line.startswith(
        f"error: registries.mlflow: MLflow at http://127.0.0.1:{port} unreachable"
    )


@pytest.mark.parametrize(("level", "problems"), [("write", []), ("read", ["read-only"])])
def test_the_token_must_be_able_to_write(
    tmp_path: Path,
    mlflow_server: MlflowServer,
    fake_github: FakeGitHub,
    monkeypatch,
    capsys,
    level: str,
    problems: list[str],
) -> None:
    repo = make_gitops_repo(tmp_path / "gitops", registered_model=_model(mlflow_server.uri))
    fake_github.seed(repo)
    login = next(iter(fake_github.users.values()))
    fake_github.permissions[login] = level
    env = {**github_env(fake_github), "MLFLOW_TRACKING_URI": mlflow_server.uri}
    result = _validate(repo, env, monkeypatch, capsys, "--online", "--json", "--platform", "github")
    found = result.json()["problems"]  # type: ignore[index]
    assert [p for p in found if "GITHUB_TOKEN" in p] == [
        "GITHUB_TOKEN: read-only on acme/gitops; it needs contents: write and "
        "pull-requests: write (write access)"
    ] * len(problems)
    assert result.code == (1 if problems else 0)
    assert env["GITHUB_TOKEN"] not in result.out + result.err


def test_json_even_when_the_config_does_not_load(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    repo = make_gitops_repo(tmp_path / "gitops")
    config = repo / ".github/promotion.yml"
    config.write_text(config.read_text().replace("registered_model:", "registerd_model:"))
    result = _validate(repo, {}, monkeypatch, capsys, "--json")
    assert result.code == 1
    report = result.json()
    assert report["ok"] is False  # type: ignore[index]
    assert any("registerd_model" in p for p in report["problems"])  # type: ignore[index]
