"""Bad input, anywhere: one line that names the subject and the fix, exit 1, nothing written.

Every case runs the real entry point (the ``promote`` CLI or the action entry) against real
components: a local Git repository or the GitHub fake, and the session's MLflow server. The
user sees one ``error:`` line on stderr (CLI), one ``::error`` annotation (action) or one reply
comment (ChatOps); no traceback, ever; and nothing is written: no branch, commit, PR or comment
other than the reply (the local repository's refs and working tree, or the fake's write log).

Cases marked ``xfail(strict=True)`` show a bot bug: the expectation is what the bot should do,
and the reason says what it does today.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import VALIDATED, Outcome, run_cli, seed_fraud_model
from tests.e2e.scenarios import (
    COMMENT,
    CONFIG,
    OVERLAYS,
    REACTIONS,
    ActionRig,
    Edit,
    apply_edits,
    delete,
    local_snapshot,
    replace,
    second_model,
    write,
)
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN, github_env
from tests.rig.mlflow_rig import MlflowServer, seed_model
from tests.rig.repos import make_gitops_repo

PROD = f"{OVERLAYS}/prod"
TARGET0 = ".github/promotion.yml:46: models.fraud-detector.environments.prod.targets[0]"
TARGET1 = ".github/promotion.yml:49: models.fraud-detector.environments.prod.targets[1]"
Expected = str | re.Pattern[str]


def _params(cases: list[Any]) -> list[Any]:
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else [],
        )
        for case in cases
    ]


def _check(line: str, expected: Expected) -> None:
    if isinstance(expected, str):
        assert line == expected
    else:
        assert expected.search(line), f"{line!r} does not match {expected.pattern!r}"


def _assert_one_cli_error(result: Outcome, expected: Expected) -> None:
    assert "Traceback" not in result.out + result.err
    assert result.code == 1, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    _check(lines[0], expected)


# --------------------------------------------------------------------------------------------
# Registry data shared by the module: the fraud model (v1, v2 validated, v3 not), seeded once.


@pytest.fixture(scope="module")
def fraud(mlflow_server: MlflowServer) -> str:
    return seed_fraud_model(mlflow_server.uri)


# --------------------------------------------------------------------------------------------
# CLI on a local repository: the config, the overlays and the command line.


@dataclass(frozen=True)
class CliCase:
    id: str
    args: tuple[str, ...]
    error: Expected
    edits: tuple[Edit, ...] = ()
    drop_env: tuple[str, ...] = ()
    bug: str | None = None


def _two_configmaps() -> str:
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\ndata:\n  MODEL_VERSION: '1'\n"
    return doc.format("model-config") + "---\n" + doc.format("model-config-canary")


RUN_PROD = ("run", "--env", "prod")
LOCAL_CASES = [
    CliCase(
        "config-typo-top-level-key",
        RUN_PROD,
        "error: .github/promotion.yml:15: pull_requests: unknown key 'pull_requests'; "
        "did you mean 'pull_request'?",
        (replace(CONFIG, "pull_request:", "pull_requests:"),),
    ),
    CliCase(
        "config-typo-model-key",
        RUN_PROD,
        "error: .github/promotion.yml:26: models.fraud-detector.metrcs: unknown key 'metrcs'; "
        "did you mean 'metrics'?",
        (replace(CONFIG, "    metrics:", "    metrcs:"),),
    ),
    CliCase(
        "config-typo-target-kind",
        RUN_PROD,
        "error: .github/promotion.yml:49: models.fraud-detector.environments.prod.targets[1]: "
        "unknown kind 'confgmap'; did you mean 'configmap'?",
        (
            replace(
                CONFIG,
                "kind: configmap\n            file: " + PROD,
                "kind: confgmap\n            file: " + PROD,
            ),
        ),
    ),
    CliCase(
        "config-typo-registry-type",
        RUN_PROD,
        "error: .github/promotion.yml:7: registries.mlflow: unknown type 'mlflw'; "
        "did you mean 'mlflow'?",
        (replace(CONFIG, "type: mlflow", "type: mlflw"),),
    ),
    CliCase(
        "config-typo-target-key",
        RUN_PROD,
        "error: .github/promotion.yml:48: models.fraud-detector.environments.prod.targets[0]."
        "imgae: unknown key 'imgae'; did you mean 'image'?",
        (
            replace(
                CONFIG,
                "prod/kustomization.yaml\n            image:",
                "prod/kustomization.yaml\n            imgae:",
            ),
        ),
    ),
    CliCase(
        "config-wrong-type-list",
        RUN_PROD,
        "error: .github/promotion.yml:26: models.fraud-detector.metrics: input should be a "
        "valid list, got 'accuracy'",
        (replace(CONFIG, "metrics: [accuracy, precision, latency_p99_ms]", "metrics: accuracy"),),
    ),
    CliCase(
        "config-wrong-type-bool",
        RUN_PROD,
        "error: .github/promotion.yml:18: pull_request.draft: input should be a valid boolean, "
        "unable to interpret input, got 'maybe'",
        (replace(CONFIG, "  reviewers: []\n", "  reviewers: []\n  draft: maybe\n"),),
    ),
    CliCase(
        "config-wrong-type-mapping",
        RUN_PROD,
        "error: .github/promotion.yml:16: pull_request.labels: input should be a valid list, "
        "got {'a': 1}",
        (replace(CONFIG, "labels: [model-promotion]", "labels: {a: 1}"),),
    ),
    CliCase(
        "config-wrong-format-version",
        RUN_PROD,
        "error: .github/promotion.yml:4: version: input should be 1, got 2",
        (replace(CONFIG, "version: 1", "version: 2"),),
    ),
    CliCase(
        "config-target-file-outside-repo",
        RUN_PROD,
        "error: .github/promotion.yml:50: models.fraud-detector.environments.prod.targets[1]."
        "file: must be a path inside the repository, got '../../etc/passwd'",
        (replace(CONFIG, f"file: {PROD}/model-config.yaml", "file: ../../etc/passwd"),),
    ),
    CliCase(
        "config-unknown-upstream",
        RUN_PROD,
        "error: .github/promotion.yml:45: models.fraud-detector.environments.prod.from: "
        "unknown environment 'stagin'; use one of: dev, staging",
        (replace(CONFIG, "      prod:\n", "      prod:\n        from: stagin\n"),),
    ),
    CliCase(
        "config-bad-placeholder",
        RUN_PROD,
        "error: .github/promotion.yml:52: models.fraud-detector.environments.prod.targets[1]."
        "value: bad placeholder {versoin} in 'v{versoin}'; use {model}, {version}, {image_tag}, "
        "{image_digest}, {run_id}, {source_uri}, {tag:<name>}",
        (
            replace(
                CONFIG,
                f"{PROD}/model-config.yaml\n            key: MODEL_VERSION\n",
                f"{PROD}/model-config.yaml\n            key: MODEL_VERSION\n"
                "            value: 'v{versoin}'\n",
            ),
        ),
    ),
    CliCase(
        "config-model-gate-malformed",
        RUN_PROD,
        re.compile(r"^error: \.github/promotion\.yml:\d+: models\.fraud-detector\.gates"),
        (
            replace(
                CONFIG,
                "    environments:\n",
                "    gates: ['accuracy >>= 0.9']\n    environments:\n",
            ),
        ),
    ),
    CliCase(
        "config-model-gate-metric-not-listed",
        RUN_PROD,
        "error: .github/promotion.yml:27: models.fraud-detector.gates: gate metric of "
        "'f1 >= 0.9' is not in `metrics:`; add it",
        (replace(CONFIG, "    environments:\n", "    gates: ['f1 >= 0.9']\n    environments:\n"),),
    ),
    CliCase(
        "config-malformed-yaml",
        RUN_PROD,
        "error: .github/promotion.yml:17: invalid YAML: expected ',' or ']', but got ':'",
        (replace(CONFIG, "labels: [model-promotion]", "labels: [model-promotion"),),
    ),
    CliCase(
        "config-tab-indent",
        RUN_PROD,
        "error: .github/promotion.yml:13: invalid YAML: found character '\\t' that cannot "
        "start any token",
        (replace(CONFIG, "git:\n  branch_prefix", "git:\n\tbranch_prefix"),),
    ),
    CliCase(
        "config-duplicate-key",
        RUN_PROD,
        'error: .github/promotion.yml:14: invalid YAML: found duplicate key "branch_prefix" '
        'with value "promote" (original value: "x")',
        (replace(CONFIG, "git:\n", "git:\n  branch_prefix: x\n"),),
    ),
    CliCase(
        "config-empty",
        RUN_PROD,
        "error: .github/promotion.yml: config is empty; see the README for a complete example",
        (write(CONFIG, ""),),
    ),
    CliCase(
        "config-only-comments",
        ("validate",),
        "error: .github/promotion.yml: config is empty; see the README for a complete example",
        (write(CONFIG, "# models: come later\n"),),
    ),
    CliCase(
        "config-is-a-list",
        RUN_PROD,
        "error: .github/promotion.yml: (top level): input should be a valid dictionary or "
        "instance of config, got ['version', 'models']",
        (write(CONFIG, "- version\n- models\n"),),
    ),
    CliCase(
        "config-not-utf8",
        ("status",),
        "error: .github/promotion.yml: cannot read config: 'utf-8' codec can't decode byte "
        "0xff in position 0: invalid start byte",
        (write(CONFIG, b"\xff\xfeversion: 1\n"),),
    ),
    CliCase(
        "config-file-missing",
        ("run", "--config", "promotion.yaml"),
        "error: promotion.yaml: config file not found; create it or pass --config",
    ),
    CliCase(
        "cli-unknown-environment",
        ("run", "--env", "qa"),
        "error: unknown environment 'qa': the config has dev, prod, staging",
    ),
    CliCase(
        "cli-unknown-model",
        ("plan", "--model", "fraud-detecter"),
        "error: unknown model 'fraud-detecter': the config has fraud-detector",
    ),
    CliCase(
        "cli-unknown-model-status",
        ("status", "--model", "nope", "--json"),
        "error: unknown model 'nope': the config has fraud-detector",
    ),
    CliCase(
        "cli-version-not-digits",
        ("run", "--model", "fraud-detector", "--env", "prod", "--version", "v2"),
        re.compile(r"^error: .*'v2'.*digits"),
    ),
    CliCase(
        "cli-version-shell-metacharacters",
        ("run", "--model", "fraud-detector", "--version", "2; rm -rf /"),
        "error: version must be a registry version number, got '2; rm -rf /'",
    ),
    CliCase(
        "cli-version-with-two-models-and-no-model",
        ("run", "--version", "2", "--env", "prod"),
        "error: --version needs --model: the config has several models",
        (second_model(),),
    ),
    CliCase(
        "overlay-file-missing",
        RUN_PROD,
        f"error: [fraud-detector/prod] {TARGET1}: {PROD}/model-config.yaml: file not found on "
        "the base branch; fix the target's `file`",
        (delete(f"{PROD}/model-config.yaml"),),
    ),
    CliCase(
        "overlay-file-missing-validate",
        ("validate", "--json"),
        f"error: {TARGET1}: {PROD}/model-config.yaml: file not found on the base branch; "
        "fix the target's `file`",
        (delete(f"{PROD}/model-config.yaml"),),
    ),
    CliCase(
        "overlay-target-key-absent",
        RUN_PROD,
        f"error: [fraud-detector/prod] {TARGET1}: {PROD}/model-config.yaml: data.MODEL_VERSION: no "
        "ConfigMap document with data.MODEL_VERSION",
        (replace(f"{PROD}/model-config.yaml", "MODEL_VERSION", "MODEL_VER"),),
    ),
    CliCase(
        "overlay-image-entry-absent",
        RUN_PROD,
        f"error: [fraud-detector/prod] {TARGET0}: {PROD}/kustomization.yaml: "
        "images[name=model-inference-server].newTag: no images[] entry with name "
        "'model-inference-server' (found: inference-server)",
        (
            replace(
                f"{PROD}/kustomization.yaml",
                "name: model-inference-server",
                "name: inference-server",
            ),
        ),
    ),
    CliCase(
        "overlay-malformed-yaml",
        ("plan", "--env", "prod"),
        f"error: [fraud-detector/prod] {TARGET1}: {PROD}/model-config.yaml: data.MODEL_VERSION: "
        "invalid YAML at line 6, column 5: expected ',' or ']', but got ':'",
        (replace(f"{PROD}/model-config.yaml", "data:\n", "data: [\n"),),
    ),
    CliCase(
        "overlay-two-configmaps-have-the-key",
        RUN_PROD,
        f"error: [fraud-detector/prod] {TARGET1}: {PROD}/model-config.yaml: data.MODEL_VERSION: 2 "
        "ConfigMap documents have data.MODEL_VERSION (model-config, model-config-canary); set "
        "name to pick one",
        (write(f"{PROD}/model-config.yaml", _two_configmaps()),),
    ),
]


@pytest.fixture
def local_repo(tmp_path: Path, fraud: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed GitOps repository as the working directory (paths print as in the README)."""
    repo = make_gitops_repo(tmp_path / "gitops", registered_model=fraud)
    monkeypatch.chdir(repo)
    return repo


@pytest.mark.parametrize("case", _params(LOCAL_CASES))
def test_cli_local(
    case: CliCase,
    local_repo: Path,
    mlflow_server: MlflowServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    apply_edits(local_repo, case.edits)
    before = local_snapshot(local_repo)
    env = {"MLFLOW_TRACKING_URI": mlflow_server.uri}
    result = run_cli(list(case.args), env, monkeypatch, capsys)
    _assert_one_cli_error(result, case.error)
    assert local_snapshot(local_repo) == before


# --------------------------------------------------------------------------------------------
# CLI on GitHub: the fake records every request; nothing may be written.


GITHUB_CASES = [
    CliCase(
        "github-repo-without-slash",
        ("run", "--github-repo", "acme"),
        "error: --github-repo must be owner/name, got 'acme'",
    ),
    CliCase(
        "github-repo-three-parts",
        ("plan", "--github-repo", "acme/gitops/main"),
        "error: --github-repo must be owner/name, got 'acme/gitops/main'",
    ),
    CliCase(
        "github-repo-empty-owner",
        ("status", "--github-repo", "/gitops"),
        "error: --github-repo must be owner/name, got '/gitops'",
    ),
    CliCase(
        "github-repo-not-a-name",
        ("run", "--github-repo", "ac me/git ops"),
        "error: GitHub: not found: cannot read the base branch of ac me/git ops; check the "
        "repository and base branch",
    ),
    CliCase(
        "github-platform-without-token",
        ("run", "--platform", "github"),
        "error: --platform github needs GITHUB_TOKEN and --github-repo (owner/name)",
        drop_env=("GITHUB_TOKEN",),
    ),
    CliCase(
        "github-version-with-two-models-and-no-model",
        ("plan", "--version", "2"),
        "error: --version needs --model: the config has several models",
        (second_model(),),
    ),
]


@pytest.mark.parametrize("case", _params(GITHUB_CASES))
def test_cli_github(
    case: CliCase,
    local_repo: Path,
    fake_github: FakeGitHub,
    mlflow_server: MlflowServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    apply_edits(local_repo, case.edits)
    fake_github.seed(local_repo)
    heads = fake_github.branch_heads()
    env = {**github_env(fake_github), "MLFLOW_TRACKING_URI": mlflow_server.uri}
    for name in case.drop_env:
        env.pop(name)
    result = run_cli(list(case.args), env, monkeypatch, capsys)
    _assert_one_cli_error(result, case.error)
    assert fake_github.writes() == []
    assert fake_github.branch_heads() == heads
    assert fake_github.pulls == {} and fake_github.comments == {}


# --------------------------------------------------------------------------------------------
# Registry data is untrusted: bad image tags seeded into the real MLflow server.

TAG_ERROR = (
    "error: [fraud-detector] version 2 has an invalid image tag (tag 'image_tag'): {} "
    "(expected [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})"
)


@dataclass(frozen=True)
class RegistryCase:
    id: str
    tag: str | None  # the newest version's image_tag; None: the tag is missing
    error: Expected
    args: tuple[str, ...] = RUN_PROD
    bug: str | None = None


REGISTRY_CASES = [
    RegistryCase(
        "tag-newline", "v1.2.3\nInjected: yes", TAG_ERROR.format("'v1.2.3\\nInjected: yes'")
    ),
    RegistryCase("tag-double-quote", 'v1.2.3"', TAG_ERROR.format("'v1.2.3\"'")),
    RegistryCase("tag-single-quote", "v1.2.3'", TAG_ERROR.format('"v1.2.3\'"')),
    RegistryCase("tag-path-traversal", "../../v1.2.3", TAG_ERROR.format("'../../v1.2.3'")),
    RegistryCase("tag-space", "v1.2.3 latest", TAG_ERROR.format("'v1.2.3 latest'")),
    RegistryCase("tag-command-substitution", "$(reboot)", TAG_ERROR.format("'$(reboot)'")),
    RegistryCase("tag-semicolon", "v1.2.3;reboot", TAG_ERROR.format("'v1.2.3;reboot'")),
    RegistryCase("tag-backticks", "`reboot`", TAG_ERROR.format("'`reboot`'")),
    RegistryCase("tag-300-characters", "v" + "1" * 299, TAG_ERROR.format("'v" + "1" * 55 + "...")),
    RegistryCase(
        "tag-cyrillic-lookalike",
        "v1.2.3-bet\u0430",
        re.compile(
            r"^error: \[fraud-detector\] version 2 has an invalid image tag .*(\\u0430|U\+0430)"
        ),
    ),
    RegistryCase(
        "tag-missing",
        None,
        "error: [fraud-detector] version 2 is validated but has no tag 'image_tag': tag it or "
        "set models.fraud-detector.image.tag_from",
    ),
    RegistryCase(
        "tag-error-reported-once-per-run",
        "$(reboot)",
        TAG_ERROR.format("'$(reboot)'"),
        args=("run",),
    ),
    RegistryCase(
        "tag-error-fails-status",
        "$(reboot)",
        TAG_ERROR.format("'$(reboot)'"),
        args=("status",),
    ),
]
MARKDOWN_TAG = "[@acme/ml-platform](https://evil.example)"


@pytest.fixture(scope="module")
def bad_tag_models(mlflow_server: MlflowServer) -> dict[str, str]:
    """One registered model per case: v1 fine (deployed), v2 validated with the bad tag."""
    tags = {case.id: case.tag for case in REGISTRY_CASES}
    tags["markdown"] = MARKDOWN_TAG
    names = {}
    for case_id, tag in tags.items():
        name = f"{case_id}-{uuid.uuid4().hex[:8]}"
        bad = {**VALIDATED, "image_tag": tag} if tag is not None else VALIDATED
        seed_model(
            mlflow_server.uri,
            name,
            [
                {"metrics": None, "tags": {**VALIDATED, "image_tag": "v1.3.0"}},
                {"metrics": None, "tags": bad},
            ],
        )
        names[case_id] = name
    return names


@pytest.mark.parametrize("case", _params(REGISTRY_CASES))
def test_registry_data(
    case: RegistryCase,
    bad_tag_models: dict[str, str],
    tmp_path: Path,
    mlflow_server: MlflowServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_gitops_repo(tmp_path / "gitops", registered_model=bad_tag_models[case.id])
    monkeypatch.chdir(repo)
    before = local_snapshot(repo)
    env = {"MLFLOW_TRACKING_URI": mlflow_server.uri}
    result = run_cli(list(case.args), env, monkeypatch, capsys)
    _assert_one_cli_error(result, case.error)
    assert local_snapshot(repo) == before


# --------------------------------------------------------------------------------------------
# The action: ChatOps comments, event payloads and inputs, against the GitHub fake.

# A refused comment is answered in the thread; the run itself succeeds (exit 0), as pinned by
# tests/action/test_action_entry.py: anyone may comment, and a red run per refusal is noise.
REFUSED_EXIT = 0
USAGE = "usage: `/promote <environment> [version] [model]`"
CHARSET = f"arguments may only use letters, digits, `.`, `_` and `-`; {USAGE}"


@pytest.fixture
def action(
    tmp_path: Path,
    fake_github: FakeGitHub,
    mlflow_server: MlflowServer,
    fraud: str,
    monkeypatch: pytest.MonkeyPatch,
) -> ActionRig:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.uri)
    repo = make_gitops_repo(tmp_path / "workspace", registered_model=fraud)
    fake_github.seed(repo)
    return ActionRig(tmp_path, fake_github, repo, TOKEN)


@dataclass(frozen=True)
class CommentCase:
    id: str
    body: str
    reply: Expected | None  # None: not a command, ignored without a sound
    bug: str | None = None


COMMENT_CASES = [
    CommentCase("huge-body", "/promote prod\n" + "x" * 100_000, f"comment too long; {USAGE}"),
    CommentCase("huge-first-line", "/promote prod " + "x" * 300, f"comment too long; {USAGE}"),
    CommentCase(
        "two-commands",
        "/promote prod\n/rollback staging",
        "one command per comment, on its first line; see `/help`",
    ),
    CommentCase("two-commands-one-line", "/promote prod /promote staging", CHARSET),
    CommentCase(
        "trailing-text", "/promote prod please", "unknown model; use one of: fraud-detector"
    ),
    CommentCase(
        "too-many-arguments",
        "/promote prod 2 fraud-detector now",
        f"too many arguments; {USAGE}",
    ),
    CommentCase("markdown-html-comment", "/promote prod <!-- -->", CHARSET),
    CommentCase("markdown-link", "/promote prod [docs](https://evil.example)", CHARSET),
    CommentCase("markdown-backticks", "/promote prod `2`", CHARSET),
    CommentCase("shell-metacharacters", "/promote prod;reboot", CHARSET),
    CommentCase("cyrillic-lookalike", "/promote pr\u043ed", CHARSET),
    CommentCase("zero-width-space", "/promote prod\u200b", CHARSET),
    CommentCase(
        "command-hidden-in-html-comment-after-a-command",
        "/status\n<!--\n/promote prod\n-->",
        "one command per comment, on its first line; see `/help`",
    ),
    CommentCase(
        "unknown-environment", "/promote qa", "unknown environment; use one of: dev, prod, staging"
    ),
    CommentCase(
        "rollback-unknown-environment",
        "/rollback production",
        "unknown environment; use one of: dev, prod, staging",
    ),
    CommentCase("status-with-arguments", "/status prod", "`/status` takes no arguments"),
    CommentCase(
        "version-not-digits",
        "/promote prod v2",
        re.compile(r"version.*digits"),
    ),
    CommentCase("quoted-command", "> /promote prod", None),
    CommentCase("command-in-html-comment", "<!-- /promote prod -->", None),
    CommentCase("command-hidden-in-html-comment", "Looks good\n<!--\n/promote prod\n-->", None),
    CommentCase("command-in-inline-code", "`/promote prod`", None),
    CommentCase("command-in-code-block", "```\n/promote prod\n```", None),
]


@pytest.mark.parametrize("case", _params(COMMENT_CASES))
def test_chatops_comment(
    case: CommentCase, action: ActionRig, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = action.comment(case.body)
    action.fake.reset_log()
    run = action.run(action.env("issue_comment", payload), capsys)
    assert "Traceback" not in run.out + run.err
    assert run.code == REFUSED_EXIT
    assert run.errors() == []
    assert action.fake.branch_heads().keys() == {"main"}
    assert action.fake.pulls == {}
    if case.reply is None:
        assert action.fake.writes() == []
        assert action.replies(payload) == []
        return
    assert [r.route for r in action.fake.writes()] == [REACTIONS, COMMENT, REACTIONS]
    assert action.reactions(payload) == ["eyes", "confused"]
    (reply,) = action.replies(payload)
    assert reply.startswith("@alice ")
    _check(reply.removeprefix("@alice "), case.reply)


DIRECTORY = "<a directory>"


@dataclass(frozen=True)
class EventCase:
    id: str
    event: str
    payload: Any  # object: JSON; str/bytes: the file verbatim; None: no file; DIRECTORY
    error: Expected  # the one ::error line; {event} is the event file's path
    inputs: dict[str, str] = field(default_factory=dict)
    edits: tuple[Edit, ...] = ()
    bug: str | None = None


PUSH_REPO = {"default_branch": "main"}
EVENT_CASES = [
    EventCase(
        "issue-comment-without-comment",
        "issue_comment",
        {"action": "created", "issue": {"number": 1}},
        "::error::issue_comment event payload: comment must be an object",
    ),
    EventCase(
        "issue-comment-without-issue",
        "issue_comment",
        {"action": "created", "comment": {"id": 1, "body": "/status", "user": {"login": "a"}}},
        "::error::issue_comment event payload: issue must be an object",
    ),
    EventCase(
        "issue-comment-bad-login",
        "issue_comment",
        {
            "action": "created",
            "issue": {"number": 1},
            "comment": {"id": 1, "body": "/status", "user": {"login": "a b"}},
        },
        "::error::issue_comment event payload: comment.user.login is not a GitHub login",
    ),
    EventCase(
        "issue-comment-comment-not-an-object",
        "issue_comment",
        {"action": "created", "issue": {"number": 1}, "comment": "/promote prod"},
        re.compile(r"^::error::issue_comment event payload: comment\b(?!.*string indices)"),
    ),
    EventCase(
        "issue-comment-id-not-a-number",
        "issue_comment",
        {
            "action": "created",
            "issue": {"number": 1},
            "comment": {"id": "abc", "body": "/status", "user": {"login": "alice"}},
        },
        re.compile(r"^::error::issue_comment event payload: comment\.id\b"),
    ),
    EventCase(
        "repository-dispatch-payload-not-an-object",
        "repository_dispatch",
        {"action": "model-validated", "client_payload": "fraud-detector@2"},
        "::error::repository_dispatch event: client_payload must be an object",
    ),
    EventCase(
        "repository-dispatch-payload-a-list",
        "repository_dispatch",
        {"client_payload": [{"model": "fraud-detector"}]},
        "::error::repository_dispatch event: client_payload must be an object",
    ),
    EventCase(
        "repository-dispatch-version-an-object",
        "repository_dispatch",
        {"client_payload": {"model": "fraud-detector", "version": {"number": 2}}},
        "::error::repository_dispatch event: client_payload.version must be a string",
    ),
    EventCase(
        "repository-dispatch-unknown-environment",
        "repository_dispatch",
        {"client_payload": {"model": "fraud-detector", "environment": "qa"}},
        "::error::unknown environment 'qa': the config has dev, prod, staging",
    ),
    EventCase(
        "repository-dispatch-version-without-model",
        "repository_dispatch",
        {"client_payload": {"version": "2", "environment": "prod"}},
        re.compile(r"^::error::(?!.*--)(.*)client_payload\.model"),
        edits=(second_model(),),
    ),
    EventCase(
        "workflow-dispatch-version-without-model",
        "workflow_dispatch",
        {"inputs": {}},
        re.compile(r"^::error::(?!.*--)(.*)input model"),
        inputs={"version": "2"},
        edits=(second_model(),),
    ),
    EventCase(
        "push-without-commits",
        "push",
        {"ref": "refs/heads/main", "repository": PUSH_REPO},
        "::error::push event payload: commits must be a list of {id, message}",
    ),
    EventCase(
        "push-commit-without-id",
        "push",
        {"ref": "refs/heads/main", "commits": [{"message": "x"}], "repository": PUSH_REPO},
        "::error::push event payload: commits must be a list of {id, message}",
    ),
    EventCase(
        "push-without-default-branch",
        "push",
        {"ref": "refs/heads/main", "commits": []},
        "::error::push event payload: missing repository.default_branch",
    ),
    EventCase(
        "event-file-missing",
        "schedule",
        None,
        "::error::GITHUB_EVENT_PATH {event}: cannot read the event payload: [Errno 2] No such "
        "file or directory: '{event}'",
    ),
    EventCase(
        "event-file-unreadable",
        "schedule",
        DIRECTORY,
        "::error::GITHUB_EVENT_PATH {event}: cannot read the event payload: [Errno 21] Is a "
        "directory: '{event}'",
    ),
    EventCase(
        "event-file-not-json",
        "schedule",
        "{schedule: '*/30 * * * *'}",
        "::error::GITHUB_EVENT_PATH {event}: cannot read the event payload: Expecting property "
        "name enclosed in double quotes: line 1 column 2 (char 1)",
    ),
    EventCase(
        "event-file-not-utf8",
        "schedule",
        b'\xff{"schedule": ""}',
        "::error::GITHUB_EVENT_PATH {event}: cannot read the event payload: 'utf-8' codec "
        "can't decode byte 0xff in position 0: invalid start byte",
    ),
    EventCase(
        "event-file-not-an-object",
        "schedule",
        "[]",
        "::error::GITHUB_EVENT_PATH {event}: the event payload is not a JSON object",
    ),
    EventCase(
        "input-github-token-empty",
        "schedule",
        {},
        "::error::input github-token is empty; pass ${{ secrets.GITHUB_TOKEN }} or an App token",
        inputs={"github-token": ""},
    ),
    EventCase(
        "input-github-token-blank",
        "schedule",
        {},
        "::error::input github-token is empty; pass ${{ secrets.GITHUB_TOKEN }} or an App token",
        inputs={"github-token": "  \n"},
    ),
    EventCase(
        "input-command-unknown",
        "schedule",
        {},
        "::error::input command: unknown 'promote'; use one of: auto, run, comment, status, "
        "rollback, record, watch",
        inputs={"command": "promote"},
    ),
    EventCase(
        "input-command-comment-on-schedule",
        "schedule",
        {},
        "::error::command comment needs an issue_comment event, got schedule",
        inputs={"command": "comment"},
    ),
    EventCase(
        "input-rollback-without-environment",
        "workflow_dispatch",
        {"inputs": {}},
        "::error::command rollback needs input environment (and model, if several run there)",
        inputs={"command": "rollback"},
    ),
    EventCase(
        "input-dry-run-not-boolean",
        "schedule",
        {},
        "::error::input dry-run: expected true or false, got 'yes'",
        inputs={"dry-run": "yes"},
    ),
    EventCase(
        "input-environment-unknown",
        "workflow_dispatch",
        {"inputs": {}},
        "::error::unknown environment 'production': the config has dev, prod, staging",
        inputs={"environment": "production"},
    ),
    EventCase(
        "input-repository-malformed",
        "workflow_dispatch",
        {"inputs": {}},
        re.compile(r"^::error::(?!.*--github-repo).*input repository.*owner/name"),
        inputs={"repository": "acme"},
    ),
    EventCase(
        "input-config-missing",
        "schedule",
        {},
        "::error::acme/gitops:.github/promotion.yaml: config file not found on the default branch",
        inputs={"config": ".github/promotion.yaml"},
    ),
    EventCase(
        "config-typo",
        "schedule",
        {},
        "::error file=.github/promotion.yml,line=26::models.fraud-detector.metrcs: unknown key "
        "'metrcs'; did you mean 'metrics'?",
        edits=(replace(CONFIG, "    metrics:", "    metrcs:"),),
    ),
]


@pytest.mark.parametrize("case", _params(EVENT_CASES))
def test_action_event_and_inputs(
    case: EventCase, action: ActionRig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if case.edits:
        apply_edits(action.repo, case.edits)
        action.fake.seed(action.repo)
    payload = None if case.payload == DIRECTORY else case.payload
    env = action.env(case.event, payload, **case.inputs)
    if case.payload == DIRECTORY:
        env["GITHUB_EVENT_PATH"] = str(tmp_path)
    expected = case.error
    if isinstance(expected, str):
        expected = expected.replace("{event}", env["GITHUB_EVENT_PATH"])
    action.fake.reset_log()
    run = action.run(env, capsys)
    assert "Traceback" not in run.out + run.err
    assert run.code == 1, run.out
    others = [line for line in run.lines() if not line.startswith("::add-mask::")]
    assert len(others) == 1, run.out
    _check(others[0], expected)
    assert action.fake.writes() == []
    assert action.fake.branch_heads().keys() == {"main"}
    assert action.fake.pulls == {} and action.fake.comments == {}


def test_registry_text_in_a_chatops_reply_is_inert(
    action: ActionRig,
    bad_tag_models: dict[str, str],
    fraud: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    apply_edits(
        action.repo,
        (
            replace(
                CONFIG,
                f"registered_model: {fraud}",
                f"registered_model: {bad_tag_models['markdown']}",
            ),
        ),
    )
    action.fake.seed(action.repo)
    payload = action.comment("/promote prod")
    action.fake.reset_log()
    run = action.run(action.env("issue_comment", payload), capsys)
    assert "Traceback" not in run.out + run.err
    assert run.code == 1
    assert len(run.errors()) == 1
    assert [r.route for r in action.fake.writes()] == [REACTIONS, COMMENT, REACTIONS]
    assert action.fake.pulls == {}
    (reply,) = action.replies(payload)
    outside_code = re.sub(r"(`+).*?\1", "", reply)
    assert "](" not in outside_code
    assert "@acme/" not in outside_code
