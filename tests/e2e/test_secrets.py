"""Secrets never leave the process except in the Authorization header they are meant for.

Every CLI command (with ``--json`` and ``-vv``) and every action event runs with a random
GitHub token and random MLflow credentials (``MLFLOW_TRACKING_TOKEN``,
``MLFLOW_TRACKING_PASSWORD`` and a password in the tracking URI's userinfo), on success paths
and on failure paths (a token GitHub does not know: 401; MLflow unreachable; a GitHub answer
the bot cannot parse). Afterwards the secrets must appear nowhere the bot writes or prints:
stdout/stderr and log records, ``--output``, ``$GITHUB_OUTPUT``, ``$GITHUB_STEP_SUMMARY``, PR
titles, bodies and branches, comments, commits and files in the fake's bare repository, any
request the GitHub fake received (path, headers other than Authorization, body), and the
registry's tags. The action's one ``::add-mask::<token>`` line is the only allowed occurrence.
"""

from __future__ import annotations

import base64
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.helpers import VALIDATED, Outcome, run_cli, seed_fraud_model
from tests.e2e.scenarios import ActionRig, ActionRun
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN
from tests.rig.mlflow_rig import MlflowServer, free_port, seed_model
from tests.rig.repos import git, make_gitops_repo

APP = "sentinel-app[bot]"  # whom the sentinel token belongs to, when the fake knows it
MLFLOW_USER = "promotion-bot"
REJECTED = "GitHub rejected the token"
UNREACHABLE = "unreachable"


@dataclass
class Secrets:
    """Random per test; each one contains ``SENTINEL``, so a truncated leak is found too."""

    github: str = field(default_factory=lambda: f"ghs_SENTINEL{secrets.token_hex(12)}")
    mlflow_token: str = field(default_factory=lambda: f"mlflow-SENTINEL{secrets.token_hex(12)}")
    mlflow_password: str = field(default_factory=lambda: f"pw-SENTINEL{secrets.token_hex(12)}")
    uri_password: str = field(default_factory=lambda: f"uri-SENTINEL{secrets.token_hex(12)}")

    def needles(self) -> list[str]:
        values = [self.github, self.mlflow_token, self.mlflow_password, self.uri_password]
        basic = [
            base64.b64encode(f"{MLFLOW_USER}:{pw}".encode()).decode()
            for pw in (self.mlflow_password, self.uri_password)
        ]
        return ["SENTINEL", *(v.rsplit("SENTINEL", 1)[1] for v in values), *basic]

    def uri(self, host: str) -> str:
        return f"http://{MLFLOW_USER}:{self.uri_password}@{host}"


class Leaks:
    """Collects what the bot printed and wrote, and looks for the secrets in all of it."""

    def __init__(self, found: Secrets) -> None:
        self.secrets = found
        self.texts: list[tuple[str, str]] = []

    def add(self, where: str, text: str) -> None:
        self.texts.append((where, text))

    def add_cli(self, args: list[str], result: Outcome, caplog: pytest.LogCaptureFixture) -> None:
        self.add(f"stdout of {args}", result.out)
        self.add(f"stderr of {args}", result.err)
        self.add(f"log records of {args}", caplog.text)
        caplog.clear()

    def add_action(self, label: str, run: ActionRun, caplog: pytest.LogCaptureFixture) -> None:
        """The one ``::add-mask::<token>`` line is the only place the token may appear."""
        mask = f"::add-mask::{self.secrets.github}"
        lines = run.out.splitlines()
        assert lines.count(mask) == 1, f"{label}: expected one {mask!r} line"
        self.add(f"stdout of {label} (mask line removed)", "\n".join(x for x in lines if x != mask))
        self.add(f"stderr of {label}", run.err)
        self.add(f"$GITHUB_OUTPUT of {label}", run.output)
        self.add(f"$GITHUB_STEP_SUMMARY of {label}", run.summary)
        self.add(f"log records of {label}", caplog.text)
        caplog.clear()

    def add_github(self, fake: FakeGitHub) -> None:
        for number, pr in fake.pulls.items():
            self.add(f"PR #{number}", f"{pr['title']}\n{pr['head_ref']}\n{pr['body']}")
        for number, issue in fake.issues.items():
            self.add(f"issue #{number}", f"{issue['title']}\n{issue.get('body') or ''}")
        for number, comments in fake.comments.items():
            for comment in comments:
                self.add(f"comment on #{number}", comment["body"])
        self.add("labels", repr(fake.labels))
        for req in fake.requests:
            headers = {k: v for k, v in req.headers.items() if k.lower() != "authorization"}
            self.add(f"request {req.method} {req.path}", req.path)
            self.add(f"headers of {req.method} {req.path}", repr(headers))
            self.add(f"body of {req.method} {req.path}", req.body.decode("utf-8", "replace"))
        log = subprocess.run(
            ["git", "-C", str(fake.bare_path), "log", "--all", "-p", "--format=fuller"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        self.add("commits and files in the bare repository", log)
        self.add("refs in the bare repository", git(fake.bare_path, "for-each-ref"))

    def add_mlflow(self, server: MlflowServer, name: str) -> None:
        from mlflow import MlflowClient

        client = MlflowClient(server.uri)
        for mv in client.search_model_versions(f"name='{name}'"):
            self.add(f"MLflow {name} v{mv.version}", repr((mv.tags, mv.aliases)))
        self.add("MLflow server log", server.log.read_text(encoding="utf-8", errors="replace"))

    def assert_none(self) -> None:
        assert self.texts, "nothing was collected"
        for where, text in self.texts:
            for needle in self.secrets.needles():
                assert needle not in text, f"a secret ({needle[:4]}…) leaked into {where}"


@dataclass
class Setup:
    secrets: Secrets
    fake: FakeGitHub
    repo: Path
    name: str
    mlflow: MlflowServer
    leaks: Leaks

    def cli_env(self, tracking_uri: str | None = None) -> dict[str, str]:
        return {
            "GITHUB_TOKEN": self.secrets.github,
            "GITHUB_REPOSITORY": self.fake.full_name,
            "GITHUB_API_URL": self.fake.base_url,
            "PROMOTE_GITHUB_REQUEST_INTERVAL": "0",
            "PROMOTE_GITHUB_WRITE_INTERVAL": "0",
            "MLFLOW_TRACKING_URI": tracking_uri or self.tracking_uri,
        }

    @property
    def tracking_uri(self) -> str:
        return self.secrets.uri(self.mlflow.uri.removeprefix("http://"))

    def unreachable_uri(self) -> str:
        return self.secrets.uri(f"127.0.0.1:{free_port()}")

    def merge(self, branch: str) -> None:
        (number,) = [
            n
            for n, p in self.fake.pulls.items()
            if p["state"] == "open" and p["head_ref"] == branch
        ]
        response = requests.put(
            f"{self.fake.repo_api}/pulls/{number}/merge",
            headers={"Authorization": f"token {TOKEN}"},
            json={"merge_method": "merge"},
            timeout=10,
        )
        assert response.status_code == 200, response.text

    def pushed_commits(self) -> list[dict[str, str]]:
        """Every commit of main, oldest first, as a push event lists them."""
        log = git(self.fake.bare_path, "log", "--reverse", "--topo-order", "--format=%H%x00%B%x1e")
        records = [r.strip("\n") for r in log.split("\x1e") if r.strip()]
        return [dict(zip(("id", "message"), r.split("\x00", 1), strict=True)) for r in records]


@pytest.fixture
def setup(
    tmp_path: Path,
    fake_github: FakeGitHub,
    mlflow_server: MlflowServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> Setup:
    found = Secrets()
    name = seed_fraud_model(mlflow_server.uri)
    repo = make_gitops_repo(tmp_path / "checkout", registered_model=name)
    fake_github.seed(repo)
    fake_github.users[found.github] = APP
    fake_github.permissions[APP] = "write"
    for var, value in {
        "MLFLOW_TRACKING_TOKEN": found.mlflow_token,
        "MLFLOW_TRACKING_USERNAME": MLFLOW_USER,
        "MLFLOW_TRACKING_PASSWORD": found.mlflow_password,
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "5",
    }.items():
        monkeypatch.setenv(var, value)
    caplog.set_level("INFO", logger="bot")
    return Setup(found, fake_github, repo, name, mlflow_server, Leaks(found))


def _cli(
    setup: Setup,
    args: list[str],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    repo_dir: Path | None = None,
) -> Outcome:
    argv = [args[0], "--repo-dir", str(repo_dir or setup.repo), *args[1:]]
    result = run_cli(argv, env, monkeypatch, capsys)
    setup.leaks.add_cli(argv, result, caplog)
    return result


def _variants(command: str) -> list[list[str]]:
    return [[command, "-vv"], [command, "--json", "-vv"]]


# --------------------------------------------------------------------------------------------
# The CLI


def test_cli_success_paths(
    setup: Setup,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = setup.cli_env()
    output = tmp_path / "prs.md"

    def cli(*args: str) -> Outcome:
        return _cli(setup, list(args), env, monkeypatch, capsys, caplog)

    for command in ("validate", "status", "plan"):
        for args in _variants(command):
            assert cli(*args).code == 0
    assert cli("run", "--dry-run", "-vv").code == 0
    assert cli("run", "--json", "-vv", "--output", str(output)).code == 0
    assert len(setup.fake.pulls) == 3
    setup.leaks.add("--output file", output.read_text(encoding="utf-8"))
    # A newer version: the open PRs are updated and get a "supersedes" comment.
    seed_model(setup.mlflow.uri, setup.name, [{"tags": {**VALIDATED, "image_tag": "v1.6.0"}}])
    assert cli("run", "-vv", "--output", str(output)).code == 0
    setup.leaks.add("--output file", output.read_text(encoding="utf-8"))
    assert any(setup.fake.comments.values())
    setup.merge("promote/fraud-detector/prod")
    for args in _variants("record"):
        assert cli(*args, "--depth", "5").code == 0

    assert any(r.login == APP for r in setup.fake.requests)
    assert all(r.status != 401 for r in setup.fake.requests)
    setup.leaks.add_github(setup.fake)
    setup.leaks.add_mlflow(setup.mlflow, setup.name)
    setup.leaks.assert_none()


def test_cli_rejected_token(
    setup: Setup,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    del setup.fake.users[setup.secrets.github]  # now the fake answers 401 Bad credentials
    env = setup.cli_env()
    no_checkout = tmp_path / "no-checkout"
    no_checkout.mkdir()
    for command in ("validate", "plan", "status", "run", "record"):
        for args in _variants(command):
            result = _cli(setup, args, env, monkeypatch, capsys, caplog)
            assert result.code == 1 and REJECTED in result.err, result.err
    # Without a checkout the config itself is read from GitHub.
    result = _cli(setup, ["status", "-vv"], env, monkeypatch, capsys, caplog, no_checkout)
    assert result.code == 1 and REJECTED in result.err, result.err

    assert {r.status for r in setup.fake.requests} == {401}
    setup.leaks.add_github(setup.fake)
    setup.leaks.assert_none()


def test_cli_mlflow_unreachable_with_credentials_in_the_uri(
    setup: Setup,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A merged promotion first, so that `record` has something to write to the registry.
    reachable = setup.cli_env()
    args = ["run", "--env", "prod"]
    assert _cli(setup, args, reachable, monkeypatch, capsys, caplog).code == 0
    setup.merge("promote/fraud-detector/prod")

    env = setup.cli_env(setup.unreachable_uri())
    for command in ("plan", "run", "record"):
        for args in _variants(command):
            result = _cli(setup, args, env, monkeypatch, capsys, caplog)
            assert result.code == 1 and UNREACHABLE in result.out + result.err, result.err
    for args in _variants("status"):
        result = _cli(setup, args, env, monkeypatch, capsys, caplog)
        # The table points at the error; the error itself is printed once, on stderr.
        assert UNREACHABLE in result.out + result.err, result.out

    setup.leaks.add_github(setup.fake)
    setup.leaks.assert_none()


def test_cli_unexpected_github_answer(
    setup: Setup,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Whatever the bot makes of an answer it cannot parse, -vv shows no secret either."""
    env = setup.cli_env()
    for body in (b"<html>not json</html>", {"unexpected": True}):
        for args in _variants("run"):
            # The run's reads are one GraphQL query (the config comes from the checkout).
            setup.fake.inject("POST", "/graphql", 200, body=body)
            result = _cli(setup, args, env, monkeypatch, capsys, caplog)
            assert result.code != 0, result.out
    setup.leaks.add_github(setup.fake)
    setup.leaks.assert_none()


# --------------------------------------------------------------------------------------------
# The action


@pytest.fixture
def action(setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ActionRig:
    # The action exports its mlflow-tracking-uri input to os.environ: undone after the test.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", setup.tracking_uri)
    return ActionRig(tmp_path, setup.fake, setup.repo, setup.secrets.github)


def _action(
    setup: Setup,
    rig: ActionRig,
    label: str,
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> ActionRun:
    run = rig.run(env, capsys)
    setup.leaks.add_action(label, run, caplog)
    return run


def _push(commits: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "ref": "refs/heads/main",
        "after": commits[-1]["id"],
        "commits": commits,
        "repository": {"full_name": "acme/gitops", "default_branch": "main"},
    }


def test_action_success_paths(
    setup: Setup,
    action: ActionRig,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    uri = {"mlflow-tracking-uri": setup.tracking_uri}

    def step(label: str, event: str, payload: Any, **inputs: str) -> ActionRun:
        env = action.env(event, payload, **uri, **inputs)
        run = _action(setup, action, label, env, capsys, caplog)
        assert run.code == 0 and run.errors() == [], f"{label}: {run.out}"
        return run

    step("schedule", "schedule", {"schedule": "*/30 * * * *"})
    assert len(setup.fake.pulls) == 3
    step(
        "workflow_dispatch",
        "workflow_dispatch",
        {"inputs": {}},
        model="fraud-detector",
        environment="staging",
        version="1",
    )
    client_payload = {"model": "fraud-detector", "version": "2", "environment": "prod"}
    step("repository_dispatch", "repository_dispatch", {"client_payload": client_payload})
    for body in ("/status", "/help", "/promote dev"):
        step(body, "issue_comment", action.comment(body))

    setup.merge("promote/fraud-detector/prod")
    assert "recorded" in step("push", "push", _push(setup.pushed_commits())).summary
    step("/rollback prod", "issue_comment", action.comment("/rollback prod"))
    assert any(p["head_ref"].endswith("prod+rollback") for p in setup.fake.pulls.values())
    step("status command", "workflow_dispatch", {"inputs": {}}, command="status")
    # A newer version: the open PRs are updated and get a "supersedes" comment.
    seed_model(setup.mlflow.uri, setup.name, [{"tags": {**VALIDATED, "image_tag": "v1.6.0"}}])
    step("schedule again", "schedule", {})
    step("dry run", "schedule", {}, **{"dry-run": "true"})

    assert any(r.login == APP for r in setup.fake.requests)
    assert all(r.status != 401 for r in setup.fake.requests)
    setup.leaks.add_github(setup.fake)
    setup.leaks.add_mlflow(setup.mlflow, setup.name)
    setup.leaks.assert_none()


def test_action_rejected_token(
    setup: Setup,
    action: ActionRig,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    del setup.fake.users[setup.secrets.github]
    events: list[tuple[str, str, Any, dict[str, str]]] = [
        ("schedule", "schedule", {}, {}),
        ("/promote prod", "issue_comment", action.comment("/promote prod"), {}),
        ("/status", "issue_comment", action.comment("/status"), {}),
        ("status command", "workflow_dispatch", {"inputs": {}}, {"command": "status"}),
        (
            "rollback command",
            "workflow_dispatch",
            {"inputs": {}},
            {"command": "rollback", "environment": "prod"},
        ),
        ("record command", "workflow_dispatch", {"inputs": {}}, {"command": "record"}),
    ]
    for label, event, payload, inputs in events:
        run = _action(setup, action, label, action.env(event, payload, **inputs), capsys, caplog)
        assert run.code == 1 and REJECTED in run.out, f"{label}: {run.out}"

    assert {r.status for r in setup.fake.requests} == {401}
    setup.leaks.add_github(setup.fake)
    setup.leaks.assert_none()


def test_action_mlflow_unreachable_with_credentials_in_the_uri(
    setup: Setup,
    action: ActionRig,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    uri = {"mlflow-tracking-uri": setup.unreachable_uri()}
    promotion = (
        "Promote fraud-detector to prod: v2 (v1.4.0)\n\nModel: fraud-detector\nModel-Version: 2\n"
        "Image-Tag: v1.4.0\nEnvironment: prod"
    )
    events: list[tuple[str, str, Any]] = [
        ("schedule", "schedule", {}),
        ("/promote prod", "issue_comment", action.comment("/promote prod")),
        ("/status", "issue_comment", action.comment("/status")),
        ("push", "push", _push([{"id": "ab" * 20, "message": promotion}])),
    ]
    for label, event, payload in events:
        run = _action(setup, action, label, action.env(event, payload, **uri), capsys, caplog)
        shown = (
            run.out
            + run.summary
            + "".join(c["body"] for cs in setup.fake.comments.values() for c in cs)
        )
        assert UNREACHABLE in shown, f"{label}: {run.out}"

    setup.leaks.add_github(setup.fake)
    setup.leaks.assert_none()
