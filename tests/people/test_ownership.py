"""The pure rules behind rows 5 and 9: what the PR records of the bot's commit, who owns a branch
head, and when a branch without a PR is a concurrent run's."""

from __future__ import annotations

import pytest

from bot import markers
from bot.model import PromotionId
from bot.platform.github.state import BranchState, branch_state, foreign, fresh

PROMO = PromotionId("fraud-detector", "prod", "3", "v1.5.0")
BOT = ("model-promotion-bot[bot]", "1+model-promotion-bot[bot]@users.noreply.github.com")
WEB_FLOW = ("GitHub", "noreply@github.com")
PUSHED = markers.Wrote("a" * 40, BOT, WEB_FLOW)
TRAILERS = "Promote\n\nModel: fraud-detector\nModel-Version: 2\nEnvironment: prod\n"


def _head(sha: str, author: tuple[str, str], committer: tuple[str, str], date: str) -> BranchState:
    payload = {
        "ahead_by": 1,
        "commits": [
            {
                "sha": sha,
                "parents": [{"sha": "b" * 40}],
                "commit": {
                    "message": TRAILERS,
                    "tree": {"sha": "c" * 40},
                    "author": {"name": author[0], "email": author[1], "date": date},
                    "committer": {"name": committer[0], "email": committer[1], "date": date},
                },
            }
        ],
    }
    return branch_state(payload)


def test_the_pushed_note_round_trips_and_replaces_an_earlier_one() -> None:
    body = markers.with_pushed_note("Body\n" + markers.marker(PROMO), PUSHED)
    newer = markers.Wrote("d" * 40, BOT, WEB_FLOW)
    again = markers.with_pushed_note(body, newer)
    assert markers.pushed_note(again) == newer and again.count(":pushed") == 1
    assert markers.parse_marker(again) == PROMO  # the promotion marker is untouched


@pytest.mark.parametrize(
    "body",
    [
        None,
        "no note",
        '<!-- model-promotion-bot:pushed {"sha": 1, "author": [], "committer": []} -->',
        '<!-- model-promotion-bot:pushed {"sha": "x", "author": ["a"], "committer": []} -->',
        "<!-- model-promotion-bot:pushed {not json} -->",
    ],
)
def test_a_missing_or_forged_note_records_nothing(body: str | None) -> None:
    assert markers.pushed_note(body) is None


def test_a_name_cannot_close_the_note_early() -> None:
    odd = markers.Wrote("a" * 40, ("x --> <b>", "e@x"), WEB_FLOW)
    body = markers.with_pushed_note("Body", odd)
    assert body.count("-->") == 1 and markers.pushed_note(body) == odd


def test_the_recorded_commit_and_its_twin_are_the_bots() -> None:
    stamp = "2026-12-06T01:00:00Z"
    assert not foreign(_head(PUSHED.sha, BOT, WEB_FLOW, stamp), PROMO, PUSHED)
    # A run stopped between moving the branch and updating the PR: same author and committer.
    assert not foreign(_head("e" * 40, BOT, WEB_FLOW, stamp), PROMO, PUSHED)


def test_an_amend_keeps_trailers_and_author_but_not_the_committer() -> None:
    alice = ("alice", "alice@people.example")
    amended = _head("f" * 40, BOT, alice, "2026-12-06T01:00:00Z")
    assert foreign(amended, PROMO, PUSHED)
    assert not foreign(amended, PROMO)  # the trailers alone could not tell


def test_a_personal_tokens_rest_commit_after_its_graphql_commit_is_the_bots() -> None:
    """A personal token's GraphQL commit (recorded) is committed as web-flow, its REST commit as
    the token's user; another person's amend is still caught."""
    user = ("release-bot", "release-bot@people.example")
    recorded = markers.Wrote("a" * 40, user, WEB_FLOW)
    stamp = "2026-12-06T01:00:00Z"
    assert not foreign(_head("e" * 40, user, user, stamp), PROMO, recorded)
    alice = ("alice", "alice@people.example")
    assert foreign(_head("f" * 40, user, alice, stamp), PROMO, recorded)
    assert foreign(_head("f" * 40, alice, alice, stamp), PROMO, recorded)


def test_a_branch_without_a_pr_is_a_concurrent_runs_only_while_young() -> None:
    head = _head("e" * 40, BOT, WEB_FLOW, "2026-12-06T01:00:00Z")
    assert fresh(head, "2026-12-06T01:09:00Z")
    assert not fresh(head, "2026-12-06T01:11:00Z")
    assert fresh(head, None)  # unknown: never taken over
