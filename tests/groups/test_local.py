"""A group on a local Git repository with a real MLflow server: `promote plan` shows every
member's lines, `promote run` makes one commit with every member's files (edits to the same
file composed), or nothing; re-running changes nothing; write-back records every member."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.helpers import Outcome, run_cli
from tests.groups.helpers import (
    GROUP_BRANCH,
    KUSTOMIZATION,
    PARAMS,
    Names,
    commit_file,
    config_text,
    seed,
    write_repo,
)
from tests.rig.repos import git

NEW_KUSTOMIZATION = KUSTOMIZATION.replace("v1.0.0", "v1.1.0").replace("g1.0.0", "g1.1.0")
NEW_PARAMS = PARAMS.replace("GENERATOR_VERSION=1", "GENERATOR_VERSION=2").replace(
    "GUARD_VERSION=1", "GUARD_VERSION=2"
)


@dataclass
class Local:
    repo: Path
    uri: str
    names: Names
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def cli(self, *args: str) -> Outcome:
        argv = [args[0], "--repo-dir", str(self.repo), *args[1:]]
        return run_cli(argv, {"MLFLOW_TRACKING_URI": self.uri}, self.monkeypatch, self.capsys)

    def refs(self) -> str:
        return git(self.repo, "for-each-ref", "--format=%(refname) %(objectname)")


def _local(tmp_path: Path, uri: str, monkeypatch, capsys, **config: object) -> Local:  # type: ignore[no-untyped-def]
    names = seed(uri)
    repo = write_repo(tmp_path / "gitops", config_text(names, **config))  # type: ignore[arg-type]
    return Local(repo, uri, names, monkeypatch, capsys)


@pytest.fixture
def local(tmp_path: Path, tracking_uri: str, monkeypatch, capsys) -> Local:  # type: ignore[no-untyped-def]
    return _local(tmp_path, tracking_uri, monkeypatch, capsys)


def _rows(result: Outcome) -> dict[tuple[str, str], dict[str, object]]:
    items = result.json()
    assert isinstance(items, list)
    return {(r["model"], r["environment"]): r for r in items}


def test_plan_shows_every_members_changed_lines_and_writes_nothing(local: Local) -> None:
    refs = local.refs()
    result = local.cli("plan", "--group", "llm-stack", "--env", "prod")
    assert result.code == 0, result.err
    assert result.out.startswith(
        "# llm-stack (group)/prod: · planned: generator v1 -> v2, guard v1 -> v2\n"
    )
    assert (
        " - name: generator\n-  newTag: v1.0.0\n+  newTag: v1.1.0\n - name: guard\n"
        "-  newTag: g1.0.0\n+  newTag: g1.1.0\n" in result.out
    )
    assert "-GENERATOR_VERSION=1\n-GUARD_VERSION=1\n+GENERATOR_VERSION=2\n+GUARD_VERSION=2\n" in (
        result.out
    )
    for line in (
        "deploy/prod/kustomization.yaml: images[name=generator].newTag: v1.0.0 -> v1.1.0",
        "deploy/prod/kustomization.yaml: images[name=guard].newTag: g1.0.0 -> g1.1.0",
        "deploy/prod/params.env: envs[GENERATOR_VERSION]: 1 -> 2",
        "deploy/prod/params.env: envs[GUARD_VERSION]: 1 -> 2",
    ):
        assert f"  {line}\n" in result.out
    assert "# generator [llm-stack]/prod: · planned: v1 -> v2" in result.out
    assert local.refs() == refs


def test_run_makes_one_commit_with_every_members_files_and_a_rerun_changes_nothing(
    local: Local,
) -> None:
    result = local.cli("run", "--group", "llm-stack", "--env", "prod", "--json")
    assert result.code == 0, result.err
    rows = _rows(result)
    assert list(rows) == [("llm-stack", "prod"), ("generator", "prod"), ("guard", "prod")]
    assert {k: (r["status"], r["group"]) for k, r in rows.items()} == {
        k: ("branch-created", "llm-stack") for k in rows
    }
    assert rows[("llm-stack", "prod")]["branch"] == GROUP_BRANCH
    repo = local.repo
    assert git(repo, "rev-list", "--count", f"main..{GROUP_BRANCH}").strip() == "1"
    assert git(repo, "diff", "--name-only", "main", GROUP_BRANCH).split() == [
        "deploy/prod/kustomization.yaml",
        "deploy/prod/params.env",
    ]
    assert git(repo, "show", f"{GROUP_BRANCH}:deploy/prod/kustomization.yaml") == (
        NEW_KUSTOMIZATION
    )
    assert git(repo, "show", f"{GROUP_BRANCH}:deploy/prod/params.env") == NEW_PARAMS
    message = git(repo, "log", "-1", "--format=%B", GROUP_BRANCH)
    assert message.startswith("Promote llm-stack to prod: generator v2, guard v2\n")
    blocks = message.strip().split("\n\n")[2:]
    assert blocks == [
        "Model: generator\nModel-Version: 2\nImage-Tag: v1.1.0\nEnvironment: prod",
        "Model: guard\nModel-Version: 2\nImage-Tag: g1.1.0\nEnvironment: prod",
        "Group: llm-stack\nGroup-Versions: generator=2,guard=2\nEnvironment: prod",
    ]
    # No member has a branch of its own.
    assert "promote/generator" not in local.refs() and "promote/guard" not in local.refs()

    refs = local.refs()
    again = local.cli("run", "--group", "llm-stack", "--env", "prod", "--json")
    assert again.code == 0, again.err
    assert {r["status"] for r in _rows(again).values()} == {"up-to-date"}
    assert "already proposes generator v1 -> v2, guard v1 -> v2" in str(
        _rows(again)[("llm-stack", "prod")]["reason"]
    )
    assert local.refs() == refs


def test_a_member_named_alone_is_pointed_at_its_group(local: Local) -> None:
    refs = local.refs()
    result = local.cli("run", "--model", "guard")
    assert result.code == 1
    assert result.err.strip() == (
        "error: model guard is promoted with its group llm-stack in staging, prod: use "
        "--group llm-stack"
    )
    assert local.refs() == refs
    # Outside the group's environments the model promotes alone.
    alone = local.cli("run", "--model", "generator", "--env", "dev")
    assert alone.code == 0, alone.err
    assert "promote/generator/dev" in local.refs()


def test_a_group_with_a_version_or_an_environment_it_lacks_is_refused(local: Local) -> None:
    versioned = local.cli("run", "--group", "llm-stack", "--version", "2")
    assert versioned.code == 1
    assert "a model or a version cannot be given with it" in versioned.err
    elsewhere = local.cli("plan", "--group", "llm-stack", "--env", "dev")
    assert elsewhere.code == 1
    assert elsewhere.err.strip() == (
        "error: group llm-stack promotes in staging, prod, not in 'dev'"
    )
    unknown = local.cli("plan", "--group", "llm-stak")
    assert unknown.err.strip() == "error: unknown group 'llm-stak': the config has llm-stack"
    assert "Traceback" not in versioned.err + elsewhere.err + unknown.err


def test_a_scheduled_run_promotes_groups_and_lone_models(local: Local) -> None:
    result = local.cli("run", "--json")
    assert result.code == 0, result.err
    rows = _rows(result)
    assert set(rows) == {
        ("generator", "dev"),
        *((m, e) for m in ("llm-stack", "generator", "guard") for e in ("staging", "prod")),
    }
    assert rows[("generator", "dev")]["group"] is None
    branches = {line.split()[0].removeprefix("refs/heads/") for line in local.refs().splitlines()}
    assert branches == {
        "main",
        "promote/generator/dev",
        "promote/llm-stack+group/staging",
        GROUP_BRANCH,
    }


def test_an_up_to_date_member_keeps_its_version(local: Local) -> None:
    repo = local.repo
    commit_file(
        repo,
        "deploy/prod/kustomization.yaml",
        KUSTOMIZATION.replace("g1.0.0", "g1.1.0"),
        "guard v2 by hand",
    )
    commit_file(
        repo, "deploy/prod/params.env", PARAMS.replace("GUARD_VERSION=1", "GUARD_VERSION=2"), "v2"
    )
    result = local.cli("run", "--group", "llm-stack", "--env", "prod", "--json")
    assert result.code == 0, result.err
    rows = _rows(result)
    assert rows[("guard", "prod")]["status"] == "up-to-date"
    assert rows[("generator", "prod")]["status"] == "branch-created"
    diff = git(repo, "diff", "-U0", "main", GROUP_BRANCH)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert changed == [
        "-  newTag: v1.0.0",
        "+  newTag: v1.1.0",
        "-GENERATOR_VERSION=1",
        "+GENERATOR_VERSION=2",
    ]
    message = git(repo, "log", "-1", "--format=%B", GROUP_BRANCH)
    assert "Model: guard" not in message
    assert "Group-Versions: generator=2,guard=2" in message


def test_a_failing_gate_stops_the_whole_group(
    tmp_path: Path, tracking_uri: str, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    local = _local(tmp_path, tracking_uri, monkeypatch, capsys, minimum=0.99)
    refs = local.refs()
    result = local.cli("run", "--group", "llm-stack", "--env", "prod", "--json")
    assert result.code == 0, result.err  # blocked is not a failure
    rows = _rows(result)
    assert {k: r["status"] for k, r in rows.items()} == {
        ("llm-stack", "prod"): "blocked",
        ("generator", "prod"): "blocked",
        ("guard", "prod"): "blocked",
    }
    assert rows[("llm-stack", "prod")]["reason"] == (
        "[llm-stack/prod] nothing written: stopped by generator (blocked)"
    )
    assert "gates failed: accuracy" in str(rows[("generator", "prod")]["reason"])
    assert str(rows[("guard", "prod")]["reason"]).endswith("stopped by generator (blocked)")
    assert rows[("generator", "prod")]["why"]["failed_gates"][0]["gate"] == "accuracy >= 0.99"  # type: ignore[index]
    assert local.refs() == refs


def test_a_member_that_fails_stops_the_group_with_its_reason(local: Local) -> None:
    config = local.repo / ".github/promotion.yml"
    text = config.read_text().replace(local.names.guard, "no-such-model")
    commit_file(local.repo, ".github/promotion.yml", text, "Rename the guard")
    refs = local.refs()
    result = local.cli("run", "--group", "llm-stack", "--env", "prod")
    assert result.code == 1
    assert "error: [llm-stack/prod] nothing written: stopped by guard (failed)" in result.err
    assert "no-such-model" in result.err
    assert "Traceback" not in result.err
    assert local.refs() == refs


def test_a_merged_group_records_every_member(local: Local) -> None:
    from mlflow import MlflowClient

    assert local.cli("run", "--group", "llm-stack", "--env", "prod").code == 0
    git(local.repo, "merge", "-q", "--ff-only", GROUP_BRANCH)
    result = local.cli("record", "--json")
    assert result.code == 0, result.err
    assert {(r["model"], r["environment"], r["status"]) for r in result.json()} == {  # type: ignore[union-attr]
        ("generator", "prod", "recorded"),
        ("guard", "prod", "recorded"),
    }
    client = MlflowClient(local.uri)
    for name in (local.names.generator, local.names.guard):
        assert client.get_model_version_by_alias(name, "prod").version == "2"


def test_a_held_member_keeps_its_version_and_the_others_move(local: Local) -> None:
    state = "holds:\n- {model: guard, environment: prod, version: '2'}\n"
    commit_file(local.repo, ".github/promotion-state.yml", state, "Hold guard v2 in prod")
    result = local.cli("run", "--group", "llm-stack", "--env", "prod", "--json")
    assert result.code == 0, result.err
    rows = _rows(result)
    assert rows[("guard", "prod")]["status"] == "held"
    assert rows[("guard", "prod")]["why"] == {"held_version": "2"}
    assert rows[("generator", "prod")]["status"] == "branch-created"
    assert git(local.repo, "diff", "--name-only", "main", GROUP_BRANCH).split() == [
        "deploy/prod/kustomization.yaml",
        "deploy/prod/params.env",
    ]
    params = git(local.repo, "show", f"{GROUP_BRANCH}:deploy/prod/params.env")
    assert "GENERATOR_VERSION=2\nGUARD_VERSION=1\n" in params
    assert "Group-Versions: generator=2,guard=1" in git(
        local.repo, "log", "-1", "--format=%B", GROUP_BRANCH
    )


def test_the_pr_body_lists_a_member_that_does_not_move(local: Local, tmp_path: Path) -> None:
    state = "holds:\n- {model: guard, environment: prod, version: '2'}\n"
    commit_file(local.repo, ".github/promotion-state.yml", state, "Hold guard v2 in prod")
    out = tmp_path / "pr.md"
    result = local.cli("run", "--group", "llm-stack", "--env", "prod", "--output", str(out))
    assert result.code == 0, result.err
    body = out.read_text()
    assert body.startswith("# Promote llm-stack to prod: generator v2\n")
    assert "| `generator` | v1 | v2 | moves |" in body
    assert "| `guard` | v1 | v1 | held: v2 was rolled back in prod;" in body
    assert "## Promote `generator` to `prod`" in body
    assert "## Promote `guard`" not in body


def test_status_of_a_group(local: Local) -> None:
    result = local.cli("status", "--group", "llm-stack", "--json")
    assert result.code == 0, result.err
    assert [(k, r["status"], r["group"]) for k, r in _rows(result).items()] == [
        (("llm-stack", "staging"), "planned", "llm-stack"),
        (("generator", "staging"), "planned", "llm-stack"),
        (("guard", "staging"), "planned", "llm-stack"),
        (("llm-stack", "prod"), "planned", "llm-stack"),
        (("generator", "prod"), "planned", "llm-stack"),
        (("guard", "prod"), "planned", "llm-stack"),
    ]
    member = local.cli("status", "--model", "guard")
    assert member.code == 1
    assert member.err.strip().endswith("use --group llm-stack")
