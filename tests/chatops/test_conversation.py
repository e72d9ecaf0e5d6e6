"""ChatOps on the rig: who may speak, and how every failure after the 👀 is answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import pipeline
from bot.errors import BotError, UserError
from bot.results import Outcome
from bot.text.markdown import code
from tests.chatops.helpers import RUN_URL, WRITER, Conversation
from tests.e2e.helpers import seed_fraud_model
from tests.rig.fake_github import FakeGitHub

PERMISSION = "/repos/{owner}/{repo}/collaborators/{login}/permission"
FAILED = f"@{WRITER} `/promote` failed: "
LINK = f"; see the [workflow run]({RUN_URL})"


@pytest.fixture
def talk(tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str) -> Conversation:
    return Conversation(tmp_path, fake_github, seed_fraud_model(tracking_uri))


@pytest.mark.parametrize("login", ["mona_emu", "2abvd19d_admin", "octo-cat_acme"])
def test_enterprise_managed_user_logins_are_served(talk: Conversation, login: str) -> None:
    talk.fake.permissions[login] = "write"
    outcome, said = talk.say("/help", login=login)
    assert isinstance(outcome, Outcome) and outcome.exit_code == 0
    assert talk.reactions(said) == ["eyes", "rocket"]
    (answer,) = talk.replies(said)
    assert answer.startswith(f"@{login} Commands")
    assert "`/unhold <environment> [model]`" in answer


@pytest.mark.parametrize(
    ("status", "body", "why"),
    [
        (
            500,
            None,
            "`GitHub answered 500 (Server Error) after 5 retries: cannot read the permission",
        ),
        (404, None, "`GitHub: not found: cannot read the permission of alice"),
        (200, {"message": "hello"}, "`GitHub answered without a role (role_name None"),
        (200, "<html>gateway</html>", "`GitHub answered without a role (role_name None"),
    ],
)
def test_permission_api_failure_is_answered(
    talk: Conversation, status: int, body: object, why: str
) -> None:
    talk.fake.inject("GET", PERMISSION, status, times=10, body=body)
    raised, said = talk.say("/promote prod")
    assert isinstance(raised, BotError) and raised.exit_code == 1
    assert talk.reactions(said) == ["eyes", "confused"]
    (answer,) = talk.replies(said)
    assert answer.startswith(FAILED + why), answer
    assert answer == f"{FAILED}{code(str(raised))}{LINK}"
    assert answer.endswith(LINK)
    assert "\n" not in answer and "Traceback" not in answer
    assert talk.open_pulls() == []


def test_a_pipeline_error_is_answered_with_the_bots_own_words(talk: Conversation) -> None:
    # A fresh repository has no older version to roll back to: a UserError from the pipeline.
    raised, said = talk.say("/rollback prod")
    assert isinstance(raised, UserError)
    assert talk.reactions(said) == ["eyes", "confused"]
    assert talk.replies(said) == [
        f"@{WRITER} `/rollback` failed: `[fraud-detector/prod] no version older than v1 in the "
        f"last 30 commits of the overlays`{LINK}"
    ]


def test_an_unexpected_error_is_answered_without_its_text(
    talk: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bug, not a fault of the rig: nothing else makes the pipeline raise a RuntimeError.
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("token=ghs_should_never_be_shown")

    monkeypatch.setattr(pipeline, "evaluate", broken)
    raised, said = talk.say("/status")
    assert isinstance(raised, RuntimeError)
    assert talk.reactions(said) == ["eyes", "confused"]
    assert talk.replies(said) == [
        f"@{WRITER} `/status` failed: `unexpected error (RuntimeError); please report it`{LINK}"
    ]


def test_without_a_run_url_the_reply_has_no_link(talk: Conversation) -> None:
    talk.fake.inject("GET", PERMISSION, 404, times=10)
    _, said = talk.say("/promote prod", run_url=None)
    (answer,) = talk.replies(said)
    assert answer.endswith("check the repository and base branch`")


def test_a_failure_after_the_reply_adds_the_confused_face_and_no_second_reply(
    talk: Conversation,
) -> None:
    # The rocket cannot be added: the reply is out, so only the 😕 follows.
    talk.fake.inject("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", 201)
    talk.fake.inject(
        "POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", 422, times=1
    )
    raised, said = talk.say("/help")
    assert isinstance(raised, UserError)
    assert len(talk.replies(said)) == 1
    assert talk.reactions(said) == ["confused"]


def test_versions_of_more_than_nine_digits_get_an_exact_answer(talk: Conversation) -> None:
    _, said = talk.say("/promote prod 1234567890")
    assert talk.replies(said) == [
        f"@{WRITER} version `1234567890` has 10 digits; registry version numbers have at most "
        "9, e.g. `/promote prod 2`"
    ]
    assert talk.reactions(said) == ["eyes", "confused"]
