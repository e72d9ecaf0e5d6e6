"""``/unhold <env>`` through the action entry: a PR that removes the hold from the state file
and nothing else, with the same permission and ``allow:`` checks as ``/promote``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot import state
from bot.action import main
from tests.chatops.helpers import WRITER, Conversation
from tests.e2e.helpers import seed_fraud_model
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN
from tests.rig.repos import git

STATE = state.DEFAULT_PATH
HELD = state.Hold("fraud-detector", "prod", "2")
OTHER = state.Hold("fraud-detector", "staging", "2")


@pytest.fixture
def talk(tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str) -> Conversation:
    made = Conversation(tmp_path, fake_github, seed_fraud_model(tracking_uri))
    text = state.with_hold(state.with_hold(None, STATE, HELD), STATE, OTHER)
    made.commit(STATE, text, "Roll back fraud-detector in prod (by hand)")
    return made


def _run(talk: Conversation, body: str, login: str = WRITER) -> dict[str, Any]:
    """``body`` as ``login``'s comment, answered by the action as a workflow would run it."""
    issue = talk.fake.open_issue("Promotions")["number"]
    created = talk.fake.add_comment(issue, login, body)
    payload = {
        "action": "created",
        "issue": {"number": issue},
        "comment": {"id": created["id"], "body": body, "user": {"login": login}},
    }
    event = talk.tmp / f"event-{created['id']}.json"
    event.write_text(json.dumps(payload))
    files = {name: talk.tmp / f"{name}-{created['id']}" for name in ("output", "summary")}
    for path in files.values():
        path.write_text("")
    env = {
        **talk.env(),
        "GITHUB_EVENT_NAME": "issue_comment",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_WORKSPACE": str(talk.repo),
        "GITHUB_OUTPUT": str(files["output"]),
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_COMMAND": "auto",
    }
    payload["exit_code"] = main(env)
    return payload


def test_unhold_opens_a_pr_that_removes_only_that_hold(talk: Conversation) -> None:
    before = talk.fake.file_at("main", STATE)
    said = _run(talk, "/unhold prod")
    assert said["exit_code"] == 0
    assert talk.reactions(said) == ["eyes", "rocket"]
    (pr,) = talk.open_pulls()
    assert pr["head_ref"] == "promote/fraud-detector/prod+unhold"
    assert pr["title"] == "Lift the hold on fraud-detector v2 in prod"
    assert "Lift the hold on `fraud-detector` in `prod`" in pr["body"]
    assert STATE in pr["body"]
    (answer,) = talk.replies(said)
    assert answer.startswith(f"@{WRITER} opened Lift the hold on fraud-detector v2 in prod")
    assert f"/pull/{pr['number']}" in answer
    after = talk.fake.file_at(pr["head_ref"], STATE)
    assert before is not None and after is not None
    assert state.holds(after, STATE) == [OTHER]
    # Byte-preserving: exactly the held line is gone.
    assert after == before.replace(HELD.line(), "", 1)
    # Nothing but the state file changes.
    changed = git(talk.fake.bare_path, "diff", "--name-only", "main", pr["head_ref"])
    assert changed.split() == [STATE]


def test_unhold_needs_write_access(talk: Conversation) -> None:
    talk.fake.permissions["mallory"] = "read"
    said = _run(talk, "/unhold prod", login="mallory")
    assert said["exit_code"] == 0
    assert talk.replies(said) == [
        "@mallory you need write access to this repository to run `/unhold`."
    ]
    assert talk.reactions(said) == ["eyes", "confused"]
    assert talk.open_pulls() == []


def test_unhold_respects_the_environments_allow_list(talk: Conversation) -> None:
    config = talk.repo / ".github" / "promotion.yml"
    text = config.read_text().replace("      prod:\n", "      prod:\n        allow: [olivia]\n", 1)
    talk.commit(".github/promotion.yml", text, "Only olivia runs commands for prod")
    said = _run(talk, "/unhold prod")
    assert talk.replies(said) == [f"@{WRITER} only olivia may run `/unhold` for prod."]
    assert talk.open_pulls() == []
    talk.fake.permissions["olivia"] = "maintain"
    allowed = _run(talk, "/unhold prod", login="olivia")
    assert allowed["exit_code"] == 0
    assert len(talk.open_pulls()) == 1


def test_unhold_without_a_hold_says_so(
    talk: Conversation, capsys: pytest.CaptureFixture[str]
) -> None:
    said = _run(talk, "/unhold dev")
    assert said["exit_code"] == 1
    # The run's log says it too, in the same words.
    assert f"::error::[fraud-detector/dev] no hold to lift: {STATE} holds nothing for dev" in (
        capsys.readouterr().out
    )
    assert talk.reactions(said) == ["eyes", "confused"]
    assert talk.replies(said) == [
        f"@{WRITER} `/unhold` failed: `[fraud-detector/dev] no hold to lift: {STATE} holds "
        "nothing for dev`"
    ]
    assert talk.open_pulls() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "/unhold prod 2",
            "`/unhold` takes no version: it lifts the hold on whichever version is held; "
            "usage: `/unhold <environment> [model]`",
        ),
        ("/unhold", "missing environment; usage: `/unhold <environment> [model]`"),
    ],
)
def test_unhold_arguments_are_strict(talk: Conversation, body: str, message: str) -> None:
    said = _run(talk, body)
    assert talk.replies(said) == [f"@{WRITER} {message}"]
    assert talk.open_pulls() == []


def test_unhold_twice_keeps_one_pr(talk: Conversation) -> None:
    first = _run(talk, "/unhold prod")
    again = _run(talk, "/unhold prod")
    (pr,) = talk.open_pulls()
    assert first["exit_code"] == again["exit_code"] == 0
    (answer,) = talk.replies(again)
    assert answer.startswith(
        f"@{WRITER} fraud-detector/prod: `already proposed in #{pr['number']}` "
    )
    assert answer.endswith(f"/pull/{pr['number']}")
    assert talk.reactions(again) == ["eyes", "rocket"]
