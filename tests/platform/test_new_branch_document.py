"""The new branch's one document (``graphql_branch``) on the GitHub fake, whose GraphQL side is
graphql-core over GitHub's published schema: root fields of a mutation run in order, and a
failed ``createRef`` leaves ``null`` and an error at its path while the commit still runs (the
spec's serial execution, which the bot's reading of the answer relies on); then the answer's
reading alone, for shapes the fake does not produce."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import BotError
from bot.platform.github.graphql_answers import QueryRejected
from bot.platform.github.graphql_branch import Opened, branch_mutation, parse_opened
from tests.platform import BRANCH, Rig
from tests.rig.ghfake.graphql_reads import REPOSITORY_ID

FILES = {"NOTES.md": b"promoted\n"}


def _send(rig: Rig, base: str) -> tuple[Any, Opened]:
    query = branch_mutation(
        REPOSITORY_ID, rig.fake.full_name, BRANCH, base, "Promote", "Body.", FILES
    )
    answer = rig.platform().http.graphql(query.body())
    return answer, parse_opened(answer, BRANCH)


def _base(rig: Rig) -> str:
    base = rig.fake.branch_sha(rig.fake.default_branch)
    assert base is not None
    return base


def _make_branch(rig: Rig, sha: str) -> None:
    with rig.fake.lock:
        assert rig.fake.git.update_ref(f"refs/heads/{BRANCH}", sha, None)


def test_a_new_branch_and_its_commit_in_one_request(rig: Rig) -> None:
    base = _base(rig)
    answer, opened = _send(rig, base)
    assert "errors" not in answer
    assert opened.created and not opened.stale and opened.commit is not None
    assert rig.fake.branch_sha(BRANCH) == opened.commit.oid
    assert rig.fake.git.read_commit(opened.commit.oid).parents == (base,)
    assert opened.commit.verified  # an App token: GitHub signs, as for the commit alone


def test_a_failed_create_does_not_stop_the_commit(rig: Rig) -> None:
    base = _base(rig)
    _make_branch(rig, base)
    answer, opened = _send(rig, base)
    assert answer["data"]["branch"] is None
    (error,) = answer["errors"]
    assert error["path"] == ["branch"] and error["type"] == "UNPROCESSABLE"
    assert not opened.created and opened.commit is not None  # the commit ran, and landed
    assert isinstance(opened.ref_error, BotError) and "already exists" in str(opened.ref_error)
    assert rig.fake.branch_sha(BRANCH) == opened.commit.oid


def test_a_branch_with_another_head_gets_no_commit(rig: Rig) -> None:
    base = _base(rig)
    rig.move_base()
    _make_branch(rig, _base(rig))  # at a head other than the one the document expects
    answer, opened = _send(rig, base)
    paths = sorted((e["path"][0], e["type"]) for e in answer["errors"])
    assert paths == [("branch", "UNPROCESSABLE"), ("commit", "STALE_DATA")]
    assert opened == Opened(False, None, True, opened.ref_error, None)
    assert rig.fake.branch_sha(BRANCH) == _base(rig)


EXISTS = {"type": "UNPROCESSABLE", "path": ["branch"], "message": "A ref named x already exists"}


@pytest.mark.parametrize(
    ("answer", "created", "stale", "commit_error"),
    [
        # A server that stops at the first failed field: no commit, and no error of its own.
        ({"data": {"branch": None, "commit": None}, "errors": [EXISTS]}, False, False, None),
        (
            {
                "data": {"branch": {"clientMutationId": None}, "commit": None},
                "errors": [{"type": "FORBIDDEN", "path": ["commit"], "message": "no"}],
            },
            True,
            False,
            QueryRejected,
        ),
        (
            {
                "data": {"branch": None, "commit": None},
                "errors": [EXISTS, {"type": "STALE_DATA", "path": ["commit"], "message": "moved"}],
            },
            False,
            True,
            None,
        ),
    ],
    ids=["stopped-at-create", "commit-refused", "commit-stale"],
)
def test_what_each_field_did_is_read_from_the_answer(
    answer: Any, created: bool, stale: bool, commit_error: type[BotError] | None
) -> None:
    opened = parse_opened(answer, BRANCH)
    assert (opened.created, opened.commit, opened.stale) == (created, None, stale)
    assert type(opened.commit_error) is (commit_error or type(None))


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"errors": [{"type": "RATE_LIMITED", "message": "spent"}]}, "rate limit"),
        ({"data": None, "errors": [{"type": "NOT_FOUND", "message": "gone"}]}, "GitHub: gone"),
        ({"data": {}, "errors": [{"path": [["branch"]], "message": "odd"}]}, "refused"),
        ({"data": {}, "errors": "many"}, "errors is not a list"),
        ([], "the answer is not an object"),
    ],
    ids=["budget-spent", "document-not-found", "odd-path", "odd-errors", "not-an-object"],
)
def test_an_answer_where_nothing_ran_raises(answer: Any, error: str) -> None:
    with pytest.raises(BotError) as caught:
        parse_opened(answer, BRANCH)
    assert error in str(caught.value)
