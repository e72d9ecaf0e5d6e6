"""`/promote <env> <group>` on the GitHub fake with a real MLflow server; a member named alone,
a group with a version and `/rollback` of a member are refused with the group's command."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.chatops.parse import Command, Refusal, parse
from tests.chatops.helpers import Conversation
from tests.groups.helpers import GROUP_BRANCH, Names, config_text, seed, write_repo
from tests.rig.fake_github import FakeGitHub

ENVS = ("dev", "staging", "prod")
MODELS = ("generator", "guard")


@pytest.fixture
def chat(tmp_path: Path, fake_github: FakeGitHub, tracking_uri: str) -> tuple[Conversation, Names]:
    names = seed(tracking_uri)
    talk = Conversation(tmp_path, fake_github, "unused")
    write_repo(talk.repo, config_text(names))
    fake_github.seed(talk.repo)
    return talk, names


def test_promote_a_group_opens_its_one_pr(chat: tuple[Conversation, Names]) -> None:
    talk, _ = chat
    outcome, payload = talk.say("/promote prod llm-stack")
    assert not isinstance(outcome, Exception), outcome
    (pr,) = talk.open_pulls()
    assert pr["head_ref"] == GROUP_BRANCH
    assert pr["title"] == "Promote llm-stack to prod: generator v2, guard v2"
    (reply,) = talk.replies(payload)
    url = f"{talk.fake.repo_html}/pull/{pr['number']}"
    assert reply.splitlines() == [
        f"@alice opened Promote llm-stack to prod: generator v2, guard v2 {url}",
        f"opened generator/prod: v1 -> v2 {url}",
        f"opened guard/prod: v1 -> v2 {url}",
    ]
    assert talk.reactions(payload) == ["eyes", "rocket"]
    # Asking again changes nothing.
    again, payload = talk.say("/promote prod llm-stack")
    assert not isinstance(again, Exception), again
    assert "already proposes" in talk.replies(payload)[0]
    assert len(talk.open_pulls()) == 1


def test_promote_an_environment_promotes_its_groups(chat: tuple[Conversation, Names]) -> None:
    talk, _ = chat
    outcome, _ = talk.say("/promote prod")
    assert not isinstance(outcome, Exception), outcome
    assert [p["head_ref"] for p in talk.open_pulls()] == [GROUP_BRANCH]
    talk.say("/promote dev")
    assert sorted(p["head_ref"] for p in talk.open_pulls()) == [
        "promote/generator/dev",
        GROUP_BRANCH,
    ]


@pytest.mark.parametrize(
    ("comment", "answer"),
    [
        (
            "/promote prod guard",
            "guard is promoted with its group llm-stack in prod: `/promote prod llm-stack`.",
        ),
        (
            "/rollback prod generator",
            "generator moves with its group llm-stack in prod: revert the group's PR merge "
            "commit (GitHub's Revert button) to roll every member back together.",
        ),
        (
            "/promote dev llm-stack",
            "group llm-stack promotes in staging, prod, not in dev.",
        ),
        (
            "/promote prod 2 llm-stack",
            "a group promotes each member's own validated version: `/promote prod llm-stack` "
            "takes no version or model",
        ),
    ],
)
def test_refusals_name_the_group(
    chat: tuple[Conversation, Names], comment: str, answer: str
) -> None:
    talk, _ = chat
    outcome, payload = talk.say(comment)
    assert not isinstance(outcome, Exception), outcome
    assert talk.replies(payload) == [f"@alice {answer}"]
    assert talk.reactions(payload) == ["eyes", "confused"]
    assert talk.open_pulls() == []


def test_status_lists_the_group(chat: tuple[Conversation, Names]) -> None:
    talk, _ = chat
    talk.say("/promote prod llm-stack")
    outcome, payload = talk.say("/status")
    assert not isinstance(outcome, Exception), outcome
    (table,) = talk.replies(payload)
    (pr,) = talk.open_pulls()
    group_row = f"| llm\\-stack \\(group\\) | prod | ✔ up-to-date | — | — | [#{pr['number']}]("
    assert group_row in table
    assert "| guard \\[llm\\-stack\\] | prod | ✔ up-to-date | v1 `g1.0.0` | v2 `g1.1.0` |" in table


def test_parse_takes_a_group_word_as_the_group() -> None:
    groups = ["llm-stack"]
    assert parse("/promote prod llm-stack", ENVS, MODELS, groups) == Command(
        "promote", "prod", group="llm-stack"
    )
    assert parse("/promote prod 2 guard", ENVS, MODELS, groups) == Command(
        "promote", "prod", "2", "guard"
    )
    refused = parse("/unhold prod llm-stack", ENVS, MODELS, groups)
    assert isinstance(refused, Refusal)
    assert refused.message == (
        "`/unhold` does not take a group; a hold is one model's: `/unhold <environment> <model>`"
    )
    # Without groups configured the word is an unknown model, as before.
    assert parse("/promote prod llm-stack", ENVS, MODELS) == Refusal(
        "unknown model; use one of: generator, guard"
    )
