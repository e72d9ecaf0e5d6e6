"""A group on the GitHub fake (real Git objects) with a real MLflow server: one PR whose body
has a section per member, one commit with every member's files; under injected faults no
branch, no PR and never a partial commit; re-running changes nothing; status and outputs
report the group."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot import pipeline
from bot.actions.outputs import outputs
from bot.config import load
from bot.errors import UserError
from bot.pipeline import Context, Selection
from bot.platform.github import GitHubPlatform, GitHubSettings
from tests.e2e.helpers import VALIDATED, Outcome, run_cli
from tests.groups.helpers import GROUP_BRANCH, KUSTOMIZATION, Names, config_text, seed, write_repo
from tests.platform import comments
from tests.rig.fake_github import FakeGitHub
from tests.rig.fault_proxy import FaultProxy
from tests.rig.github_rig import TOKEN, github_env
from tests.rig.mlflow_rig import seed_model

NEW_KUSTOMIZATION = KUSTOMIZATION.replace("v1.0.0", "v1.1.0").replace("g1.0.0", "g1.1.0")
FAST = {"PROMOTE_GITHUB_RETRIES": "1", "PROMOTE_GITHUB_RETRY_BACKOFF": "0"}


@dataclass
class Hub:
    fake: FakeGitHub
    repo: Path
    uri: str
    names: Names
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def cli(self, *args: str, api_url: str | None = None) -> Outcome:
        env = {**github_env(self.fake), **FAST, "MLFLOW_TRACKING_URI": self.uri}
        if api_url is not None:
            env["GITHUB_API_URL"] = api_url
        argv = [args[0], "--repo-dir", str(self.repo), *args[1:]]
        return run_cli(argv, env, self.monkeypatch, self.capsys)

    def run(self, *extra: str, api_url: str | None = None) -> Outcome:
        return self.cli("run", "--group", "llm-stack", "--env", "prod", *extra, api_url=api_url)

    def pulls(self) -> list[dict[str, Any]]:
        with self.fake.lock:
            return [p for p in self.fake.pulls.values() if p["state"] == "open"]

    def branches(self) -> dict[str, str]:
        return {b: s for b, s in self.fake.branch_heads().items() if b.startswith("promote/")}

    def check_one_commit(self) -> None:
        """The group's branch is one commit on main with every member's edits."""
        head = self.fake.branch_sha(GROUP_BRANCH)
        assert head is not None
        commit = self.fake.git.read_commit(head)
        assert commit.parents == (self.fake.branch_sha("main"),)
        assert self.fake.file_at(GROUP_BRANCH, "deploy/prod/kustomization.yaml") == (
            NEW_KUSTOMIZATION
        )
        params = self.fake.file_at(GROUP_BRANCH, "deploy/prod/params.env") or ""
        assert "GENERATOR_VERSION=2\nGUARD_VERSION=2\n" in params


def _hub(tmp_path: Path, fake: FakeGitHub, uri: str, monkeypatch, capsys, **config: Any) -> Hub:  # type: ignore[no-untyped-def]
    names = seed(uri)
    repo = write_repo(tmp_path / "checkout", config_text(names, **config))
    fake.seed(repo)
    return Hub(fake, repo, uri, names, monkeypatch, capsys)


@pytest.fixture
def hub(tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str, monkeypatch, capsys) -> Hub:  # type: ignore[no-untyped-def]
    return _hub(tmp_path, fake_github, tracking_uri, monkeypatch, capsys)


def test_one_pr_with_a_section_per_member_and_one_commit(hub: Hub) -> None:
    result = hub.run("--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert [(r["model"], r["status"], r["group"]) for r in rows] == [  # type: ignore[union-attr]
        ("llm-stack", "opened", "llm-stack"),
        ("generator", "opened", "llm-stack"),
        ("guard", "opened", "llm-stack"),
    ]
    (pr,) = hub.pulls()
    assert {r["pr"]["number"] for r in rows} == {pr["number"]}  # type: ignore[union-attr,index]
    assert pr["head_ref"] == GROUP_BRANCH
    assert pr["title"] == "Promote llm-stack to prod: generator v2, guard v2"
    assert [label["name"] for label in pr["labels"]] == ["model-promotion"]
    body = pr["body"]
    assert "| `generator` | v1 | v2 | moves |" in body
    assert "| `guard` | v1 | v2 | moves |" in body
    generator, guard = (
        body.index("## Promote `generator` to `prod`"),
        body.index("## Promote `guard` to `prod`"),
    )
    assert generator < guard
    # Each member's section: its metrics, its gates and its own diff.
    assert "| accuracy | 0.9 | 0.93 |" in body[generator:guard]
    assert "| `accuracy >= 0.5` | 0.93 | 0.5 | ✔ |" in body[generator:guard]
    assert "-  newTag: v1.0.0\n+  newTag: v1.1.0" in body[generator:guard]
    assert "-  newTag: g1.0.0\n+  newTag: g1.1.0" in body[guard:]
    assert body.count("### Roll back") == 0 and body.count("## Roll back") == 1
    assert '"model": "llm-stack"' in body and '"version": "generator=2,guard=2"' in body
    assert hub.branches().keys() == {GROUP_BRANCH}
    hub.check_one_commit()
    assert hub.fake.errors == []

    hub.fake.reset_log()
    again = hub.run("--json")
    assert again.code == 0, again.err
    assert {r["status"] for r in again.json()} == {"up-to-date"}  # type: ignore[union-attr]
    assert hub.fake.writes() == []


# The new branch and its commit: one request (createRef, then createCommitOnBranch).
@pytest.mark.parametrize("route", ["/graphql#createRef"])
def test_a_failed_write_leaves_no_branch_and_no_pr(hub: Hub, route: str) -> None:
    hub.fake.inject("POST", route, 503, times=100)
    result = hub.run("--json")
    assert result.code == 1
    rows = result.json()
    assert {r["status"] for r in rows} == {"failed"}  # type: ignore[union-attr]
    assert "GitHub answered 503" in rows[0]["reason"]  # type: ignore[index]
    assert hub.branches() == {}
    assert hub.pulls() == []


def test_a_connection_lost_on_the_ref_write_leaves_nothing_and_the_next_run_finishes(
    hub: Hub,
) -> None:
    from bot.platform.github.refs import Refs

    with FaultProxy(hub.fake.base_url) as proxy, hub.monkeypatch.context() as patch:
        open_branch = Refs.open

        def lost(self: Refs, *args: Any) -> Any:  # after the poll's read, also a GraphQL POST
            proxy.reset(times=100, match="POST /api/graphql")
            return open_branch(self, *args)

        patch.setattr(Refs, "open", lost)
        result = hub.run(api_url=proxy.url_for(hub.fake.base_url))
    assert result.code == 1
    assert "[llm-stack/prod]" in result.err and "Traceback" not in result.err
    assert proxy.count("reset") >= 1
    assert hub.branches() == {}
    assert hub.pulls() == []
    assert hub.run().code == 0
    assert len(hub.pulls()) == 1
    hub.check_one_commit()


def test_a_failed_pr_leaves_the_whole_commit_for_the_next_run(hub: Hub) -> None:
    # Both attempts (one request, one retry) fail; the next run's go through.
    hub.fake.inject("POST", "/repos/{owner}/{repo}/pulls", 503, times=2)
    assert hub.run().code == 1
    assert hub.pulls() == []
    hub.check_one_commit()  # never a partial commit
    assert hub.run().code == 0
    (pr,) = hub.pulls()
    assert pr["head_ref"] == GROUP_BRANCH
    hub.check_one_commit()


def test_a_failing_gate_with_draft_opens_a_draft_for_the_group(
    tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    hub = _hub(
        tmp_path, fake_github, tracking_uri, monkeypatch, capsys, minimum=0.99, on_failure="draft"
    )
    result = hub.run("--json")
    assert result.code == 0, result.err
    (pr,) = hub.pulls()
    assert pr["draft"] is True
    assert "> **1 gate failed:** `accuracy >= 0.99`" in pr["body"]
    assert "| `accuracy >= 0.99` | 0.93 | 0.99 | ✘ |" in pr["body"]
    rows = {r["model"]: r for r in result.json()}  # type: ignore[union-attr]
    assert rows["generator"]["reason"].endswith("(draft PR)")
    hub.check_one_commit()


def test_status_and_outputs_report_the_group(hub: Hub) -> None:
    assert hub.run().code == 0
    (pr,) = hub.pulls()
    status = hub.cli("status")
    assert status.code == 0, status.err
    rows = {tuple(line.split()[:3]): line.split()[3:] for line in status.out.splitlines()}
    number = f"#{pr['number']}"
    assert rows[("llm-stack", "(group)", "prod")] == ["-"] * 4 + [number, "✔", "up-to-date"]
    assert rows[("guard", "[llm-stack]", "prod")][:5] == ["v1", "g1.0.0", "v2", "g1.1.0", number]

    settings = GitHubSettings(
        repository=hub.fake.full_name,
        token=TOKEN,
        api_url=hub.fake.base_url,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )
    ctx = Context(load(hub.repo / ".github/promotion.yml"), GitHubPlatform(settings))
    # A newer generator: the group's PR moves to it, and the outputs say so.
    seed_model(
        hub.uri,
        hub.names.generator,
        [{"metrics": {"accuracy": 0.95}, "tags": {**VALIDATED, "image_tag": "v1.2.0"}}],
    )
    selection = Selection(environment="prod", group="llm-stack")
    results = pipeline.apply(ctx, pipeline.evaluate(ctx, selection))
    out = outputs(results)
    assert out["pull-request-branch"] == GROUP_BRANCH
    assert out["pr-number"] == str(pr["number"])
    promoted = json.loads(out["promoted"])
    assert [(p["model"], p["group"], p["environment"], p["version"]) for p in promoted] == [
        ("llm-stack", "llm-stack", "prod", "generator=3,guard=2"),
        ("generator", "llm-stack", "prod", "3"),
        ("guard", "llm-stack", "prod", "2"),
    ]
    assert {p["branch"] for p in promoted} == {GROUP_BRANCH}
    assert {p["operation"] for p in promoted} == {"updated"}
    assert json.loads(out["skipped"]) == []
    # The PR is told in the members' words, not in the markers' `generator=3,guard=2`.
    (told,) = [c for c in comments(hub.fake, pr["number"]) if c.startswith("Updated to")]
    said = "Updated to generator v3, guard v2: this supersedes generator v2, guard v2 "
    assert told.startswith(said)


def test_a_closed_group_pr_rejects_its_versions_until_a_member_moves(hub: Hub) -> None:
    from github import Auth, Github

    assert hub.run().code == 0
    (pr,) = hub.pulls()
    client = Github(base_url=hub.fake.base_url, auth=Auth.Token(TOKEN))
    client.get_repo(hub.fake.full_name).get_pull(pr["number"]).edit(state="closed")
    result = hub.run("--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert {r["status"] for r in rows} == {"rejected"}  # type: ignore[union-attr]
    assert rows[0]["reason"].startswith(  # type: ignore[index]
        f"PR #{pr['number']} proposing generator v1 -> v2, guard v1 -> v2 was closed"
    )
    assert hub.pulls() == []
    # A newer guard is a new group promotion.
    seed_model(
        hub.uri, hub.names.guard, [{"metrics": None, "tags": {**VALIDATED, "image_tag": "g1.2.0"}}]
    )
    assert hub.run().code == 0
    (again,) = hub.pulls()
    assert again["title"] == "Promote llm-stack to prod: generator v2, guard v3"


def test_a_dispatch_naming_a_member_promotes_its_group(hub: Hub) -> None:
    settings = GitHubSettings(
        repository=hub.fake.full_name,
        token=TOKEN,
        api_url=hub.fake.base_url,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )
    ctx = Context(load(hub.repo / ".github/promotion.yml"), GitHubPlatform(settings))
    hint = Selection("guard", "prod", "2", pinned=False, origin="client_payload")
    results = pipeline.apply(ctx, pipeline.evaluate(ctx, hint))
    assert [(r.model, r.status) for r in results] == [
        ("llm-stack", "opened"),
        ("generator", "opened"),
        ("guard", "opened"),
    ]
    chosen = Selection("guard", "prod", "1", pinned=True, origin="input")
    with pytest.raises(UserError) as caught:
        pipeline.evaluate(ctx, chosen)
    assert str(caught.value) == (
        "model guard is promoted with its group llm-stack in staging, prod: the group takes "
        "each member's own candidate; leave the version empty"
    )


def test_a_reviewed_group_pr_is_not_replaced(hub: Hub) -> None:
    from tests.rig.people import Person

    assert hub.run().code == 0
    (pr,) = hub.pulls()
    Person.join(hub.fake, "alice").approve(pr["number"])
    head = hub.fake.branch_sha(GROUP_BRANCH)
    seed_model(
        hub.uri,
        hub.names.generator,
        [{"metrics": {"accuracy": 0.95}, "tags": {**VALIDATED, "image_tag": "v1.2.0"}}],
    )
    result = hub.run("--json")
    assert result.code == 0, result.err
    rows = result.json()
    assert {r["status"] for r in rows} == {"up-to-date"}  # type: ignore[union-attr]
    assert rows[0]["reason"] == (  # type: ignore[index]
        f"PR #{pr['number']} has a review: its commit stays what was reviewed; merge or close "
        "it to propose generator v1 -> v3, guard v1 -> v2"
    )
    assert hub.fake.branch_sha(GROUP_BRANCH) == head


def test_a_squash_merged_group_pr_records_every_member(hub: Hub) -> None:
    from mlflow import MlflowClient

    from tests.rig.people import Person

    assert hub.run().code == 0
    (pr,) = hub.pulls()
    Person.join(hub.fake, "alice").merge(pr["number"], "squash")
    result = hub.cli("record", "--json")
    assert result.code == 0, result.err
    assert {(r["model"], r["status"]) for r in result.json()} == {  # type: ignore[union-attr]
        ("generator", "recorded"),
        ("guard", "recorded"),
    }
    client = MlflowClient(hub.uri)
    for name in (hub.names.generator, hub.names.guard):
        assert client.get_model_version_by_alias(name, "prod").version == "2"


def test_the_action_group_input_promotes_the_group(hub: Hub, tmp_path: Path) -> None:
    """A training pipeline's `uses:` step names the group (the action's `group` input): one PR;
    with `model` too it is refused before anything is written."""
    from bot.action import main

    event = tmp_path / "event.json"
    event.write_text("{}")
    output = tmp_path / "output.txt"
    output.write_text("")
    env = {
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": hub.fake.full_name,
        "GITHUB_API_URL": hub.fake.base_url,
        "GITHUB_WORKSPACE": str(hub.repo),
        "GITHUB_OUTPUT": str(output),
        "PROMOTE_GITHUB_REQUEST_INTERVAL": "0",
        "PROMOTE_GITHUB_WRITE_INTERVAL": "0",
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_COMMAND": "run",
        "INPUT_TRIGGER": "pipeline",
        "INPUT_GROUP": "llm-stack",
        "INPUT_ENVIRONMENT": "prod",
    }
    hub.monkeypatch.setenv("MLFLOW_TRACKING_URI", hub.uri)
    assert main({**env, "INPUT_MODEL": "guard"}) != 0
    assert "a model or a version cannot be given with it" in hub.capsys.readouterr().out
    assert hub.pulls() == [] and hub.branches() == {}
    assert main(env) == 0
    (pr,) = hub.pulls()
    assert pr["head_ref"] == GROUP_BRANCH
    hub.check_one_commit()
    assert '"group": "llm-stack"' in output.read_text()
