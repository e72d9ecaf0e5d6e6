"""GitHub faults on the rig: transient failures are retried (bounded) and then reported, and a
failure at any write step leaves nothing the next run cannot finish.

Faults come from ``FakeGitHub.inject`` (HTTP statuses, rate-limit headers) and from the fault
proxy (connections closed abruptly). The pipeline is the real one; retries are configured fast
(see ``tests.platform.FAST``: 2 retries, no backoff).
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from bot import markers
from bot.errors import RetryableError
from bot.platform.github import rate_limit_wait
from tests.platform import (
    BRANCH,
    ROUTES,
    Rig,
    check_one_promotion,
    comments,
    moves,
    mutation_statuses,
    open_pulls,
    promotion_branches,
    statuses,
    write_routes,
)
from tests.rig.fake_github import FakeGitHub
from tests.rig.fault_proxy import FaultProxy
from tests.rig.repos import commit_all

ATTEMPTS = 3  # one request and FAST's two retries
PRIMARY_LIMIT = {"message": "API rate limit exceeded for user ID 5001."}


def _inject(fake: FakeGitHub, step: str, status: int, times: int = 1, **kw: object) -> None:
    method, route = ROUTES[step]
    fake.inject(method, route, status, times=times, **kw)  # type: ignore[arg-type]


def _one_line(text: str) -> str:
    assert "\n" not in text, text
    return text


# -- 1. transient faults: retried, bounded, then reported -------------------------------------


@pytest.mark.parametrize("status", [502, 503])
def test_5xx_then_success_is_retried(rig: Rig, status: int) -> None:
    _inject(rig.fake, "ref create", status, times=2)
    result = rig.run()
    assert result.status == "opened", result.reason
    assert statuses(rig.fake, "POST", "/git/refs") == [status, status, 201]
    check_one_promotion(rig.fake, "2", "v1.4.0")


def test_persistent_5xx_fails_the_promotion_with_one_line(rig: Rig) -> None:
    _inject(rig.fake, "gql commit", 503, times=100)
    result = rig.run()
    assert result.status == "failed"
    assert _one_line(result.reason) == (
        "[fraud-detector/prod] GitHub answered 503 (Server Error) after 2 retries: cannot "
        f"commit to {BRANCH}; try again"
    )
    assert mutation_statuses(rig.fake, "createCommitOnBranch") == [503] * ATTEMPTS
    assert promotion_branches(rig.fake) == {}  # the branch it made for the commit is gone


def test_persistent_5xx_on_a_read_is_a_retryable_error(rig: Rig) -> None:
    """Outside a single promotion (here: the poll's one read) the run stops: exit code 1."""
    _inject(rig.fake, "graphql", 503, times=100)
    with pytest.raises(RetryableError) as caught:
        rig.run()
    assert caught.value.exit_code == 1
    assert _one_line(str(caught.value)) == (
        "GitHub answered 503 (Server Error) after 2 retries: cannot read the base branch of "
        "acme/gitops; try again"
    )
    assert statuses(rig.fake, "POST", "/graphql") == [503] * ATTEMPTS


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_rate_limit_waits_retry_after_then_succeeds(rig: Rig, status: int) -> None:
    _inject(rig.fake, "PR create", status, headers={"Retry-After": "1"})
    started = time.monotonic()
    result = rig.run()
    assert result.status == "opened", result.reason
    assert time.monotonic() - started >= 1.0
    assert statuses(rig.fake, "POST", "/pulls") == [status, 201]
    check_one_promotion(rig.fake, "2", "v1.4.0")


SECONDARY = {
    "message": (
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
    )
}


def test_secondary_rate_limit_without_retry_after_waits_the_configured_time(rig: Rig) -> None:
    _inject(rig.fake, "ref create", 403, body=SECONDARY)
    result = rig.run()
    assert result.status == "opened", result.reason
    assert statuses(rig.fake, "POST", "/git/refs") == [403, 201]


def test_persistent_secondary_rate_limit_is_a_retryable_failure(rig: Rig) -> None:
    _inject(rig.fake, "ref create", 403, times=100, body=SECONDARY)
    result = rig.run()
    assert _one_line(result.reason) == (
        "[fraud-detector/prod] GitHub rate limit: still limited after 2 retries: cannot create "
        f"branch {BRANCH}; try again later"
    )
    assert statuses(rig.fake, "POST", "/git/refs") == [403] * ATTEMPTS


def test_a_plain_403_is_not_retried(rig: Rig) -> None:
    _inject(rig.fake, "ref create", 403)  # "Resource not accessible by integration"
    result = rig.run()
    assert _one_line(result.reason) == (
        "[fraud-detector/prod] GitHub refused (Resource not accessible by integration): cannot "
        f"create branch {BRANCH}; the token needs contents: write and pull-requests: write"
    )
    assert statuses(rig.fake, "POST", "/git/refs") == [403]


def test_secondary_rate_limit_asking_too_long_fails_at_once(rig: Rig) -> None:
    _inject(rig.fake, "PR create", 403, headers={"Retry-After": "3600"})
    started = time.monotonic()
    result = rig.run()
    assert time.monotonic() - started < 5
    assert result.status == "failed"
    assert _one_line(result.reason) == (
        "[fraud-detector/prod] GitHub rate limit: asks to wait 3600 s, longer than the 5 s the "
        f"bot waits: cannot open the pull request for {BRANCH}; try again later"
    )
    assert statuses(rig.fake, "POST", "/pulls") == [403]


def test_a_503_asking_for_a_long_wait_fails_at_once(rig: Rig) -> None:
    _inject(rig.fake, "ref create", 503, headers={"Retry-After": "3600"})
    started = time.monotonic()
    result = rig.run()
    assert time.monotonic() - started < 5
    assert _one_line(result.reason) == (
        "[fraud-detector/prod] GitHub answered 503 and asks to wait 3600 s, longer than the 5 s "
        f"the bot waits: cannot create branch {BRANCH}; try again later"
    )


def test_primary_rate_limit_far_away_fails_at_once_naming_the_reset(rig: Rig) -> None:
    reset = int(time.time()) + 3600
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    _inject(rig.fake, "graphql", 403, headers=headers, body=PRIMARY_LIMIT)
    started = time.monotonic()
    with pytest.raises(RetryableError) as caught:
        rig.run()
    assert time.monotonic() - started < 5
    at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(reset))
    message = _one_line(str(caught.value))
    assert message.startswith(f"GitHub rate limit: resets at {at} (in 60 min, longer than the 5 s")
    assert message.endswith("cannot read the base branch of acme/gitops; try again later")
    assert statuses(rig.fake, "POST", "/graphql") == [403]


def test_primary_rate_limit_resetting_soon_is_waited_for(rig: Rig) -> None:
    reset = int(time.time()) + 1
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    _inject(rig.fake, "graphql", 403, headers=headers, body=PRIMARY_LIMIT)
    result = rig.run()
    assert result.status == "opened", result.reason
    assert time.time() >= reset
    assert statuses(rig.fake, "POST", "/graphql") == [403, 200, 200]  # the read, the commit


def test_rate_limit_wait_reads_retry_after_and_reset() -> None:
    assert rate_limit_wait({"retry-after": "7"}, 100.0) == 7.0
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "160"}
    assert rate_limit_wait(headers, 100.0) == 61.0
    assert rate_limit_wait({"X-RateLimit-Remaining": "12", "X-RateLimit-Reset": "160"}, 0) is None


def test_connection_resets_are_retried(rig: Rig) -> None:
    with FaultProxy(rig.fake.base_url) as proxy:
        proxy.reset(times=2, match="POST /api/v3/repos/acme/gitops/git/refs")
        result = rig.run(platform=rig.platform(api_url=proxy.url_for(rig.fake.base_url)))
    assert result.status == "opened", result.reason
    refs = [r.outcome for r in proxy.requests if r.target.endswith("/git/refs")]
    assert refs == ["reset", "reset", "forwarded"]
    assert statuses(rig.fake, "POST", "/git/refs") == [201]  # the resets never reached it
    check_one_promotion(rig.fake, "2", "v1.4.0")


def test_persistent_connection_resets_are_a_retryable_error(rig: Rig) -> None:
    with FaultProxy(rig.fake.base_url) as proxy:
        proxy.reset(times=100)
        with pytest.raises(RetryableError) as caught:
            rig.run(platform=rig.platform(api_url=proxy.url_for(rig.fake.base_url)))
    assert proxy.count("reset") == ATTEMPTS
    assert _one_line(str(caught.value)) == (
        "GitHub unreachable (connection reset after 2 retries): cannot read the base branch "
        "of acme/gitops; try again"
    )


def test_unreachable_github_is_a_retryable_error(rig: Rig) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once the socket is closed
    with pytest.raises(RetryableError) as caught:
        rig.run(platform=rig.platform(api_url=f"http://127.0.0.1:{port}/api/v3"))
    assert "GitHub unreachable (connection refused after 2 retries)" in _one_line(str(caught.value))


def test_a_pull_request_whose_answer_was_lost_is_adopted(rig: Rig) -> None:
    """GitHub opened the PR but the answer never arrived: the retry's 422 finds it."""
    with FaultProxy(rig.fake.base_url) as proxy:
        proxy.reset(after_forward=True, match="POST /api/v3/repos/acme/gitops/pulls")
        result = rig.run(platform=rig.platform(api_url=proxy.url_for(rig.fake.base_url)))
    assert result.status == "updated", result.reason
    assert statuses(rig.fake, "POST", "/pulls") == [201, 422]
    listings = [r.path for r in rig.fake.requests if r.route == " ".join(ROUTES["list PRs"])]
    # head=... after the lost answer: the run's open and closed PRs came with its GraphQL read.
    assert len(listings) == 1 and "state=open" in listings[0]
    check_one_promotion(rig.fake, "2", "v1.4.0")


def test_a_branch_whose_answer_was_lost_is_kept(rig: Rig) -> None:
    """GitHub created the ref but the answer never arrived: the retry's 422 is no error."""
    with FaultProxy(rig.fake.base_url) as proxy:
        proxy.reset(after_forward=True, match="POST /api/v3/repos/acme/gitops/git/refs")
        result = rig.run(platform=rig.platform(api_url=proxy.url_for(rig.fake.base_url)))
    assert result.status == "opened", result.reason
    assert statuses(rig.fake, "POST", "/git/refs") == [201, 422]
    assert moves(rig.fake) == 0  # already right: not moved
    check_one_promotion(rig.fake, "2", "v1.4.0")


# -- 2. no partial state: a failure at every write step, then a clean run --------------------

NEW_STEPS = ["ref create", "gql commit", "PR create", "reviewers", "labels"]
UPDATE_STEPS = ["tree", "commit", "ref move", "comment", "PR PATCH"]


@pytest.mark.parametrize("step", NEW_STEPS)
def test_new_promotion_failing_at_each_write_is_finished_by_the_next_run(
    rig: Rig, step: str
) -> None:
    _inject(rig.fake, step, 500, times=ATTEMPTS)
    failed = rig.run()
    assert failed.status == "failed"
    assert "GitHub answered 500" in _one_line(failed.reason)

    again = rig.run()
    assert again.status in ("opened", "updated"), again.reason
    check_one_promotion(rig.fake, "2", "v1.4.0")

    rig.fake.reset_log()
    third = rig.run()
    assert third.status == "up-to-date" and third.reason.endswith("already proposes v2")
    assert rig.fake.writes() == []


def test_a_pr_missing_its_labels_is_listed_unfinished(rig: Rig) -> None:
    _inject(rig.fake, "labels", 500, times=ATTEMPTS)
    assert rig.run().status == "failed"
    (pr,) = open_pulls(rig.fake)
    assert pr["labels"] == [] and pr["requested_reviewers"] == ["alice"]
    listed = rig.platform().open_promotions("promote")[BRANCH]
    assert listed.promotion is None  # so the policy does not skip it
    assert listed.reviewers == ("alice",) and listed.labels == ()

    rig.fake.reset_log()
    assert rig.run().status == "updated"
    writes = [r.route.split("{repo}")[1] for r in rig.fake.writes()]
    # The branch already holds the promotion: its tree is built to compare, nothing moves.
    assert writes == ["/git/trees", "/issues/{number}/labels", "/pulls/{number}"]
    check_one_promotion(rig.fake, "2", "v1.4.0")


def test_labels_added_beside_failed_reviewers_are_taken_off(rig: Rig) -> None:
    # Labels say a PR is finished: with the reviewers missing they must not stay.
    _inject(rig.fake, "reviewers", 500, times=ATTEMPTS)
    assert rig.run().status == "failed"
    (pr,) = open_pulls(rig.fake)
    assert pr["labels"] == [] and pr["requested_reviewers"] == []
    assert rig.platform().open_promotions("promote")[BRANCH].promotion is None

    assert rig.run().status == "updated"
    check_one_promotion(rig.fake, "2", "v1.4.0")
    (pr,) = open_pulls(rig.fake)
    assert pr["requested_reviewers"] == ["alice"]
    rig.fake.reset_log()
    assert rig.run().status == "up-to-date"
    assert rig.fake.writes() == []


@pytest.mark.parametrize("step", UPDATE_STEPS)
def test_update_failing_at_each_write_is_finished_by_the_next_run(rig: Rig, step: str) -> None:
    assert rig.run().status == "opened"
    (number,) = [p["number"] for p in open_pulls(rig.fake)]
    version = rig.new_version("v1.6.0")
    _inject(rig.fake, step, 500, times=ATTEMPTS)
    failed = rig.run()
    assert failed.status == "failed"
    assert "GitHub answered 500" in _one_line(failed.reason)

    again = rig.run()
    assert again.status == "updated", again.reason
    pr = check_one_promotion(rig.fake, version, "v1.6.0")
    assert pr["number"] == number
    updates = [c for c in comments(rig.fake, number) if c.startswith(f"Updated to v{version}:")]
    assert len(updates) == 1 and "supersedes v2" in updates[0]

    rig.fake.reset_log()
    assert rig.run().status == "up-to-date"
    assert rig.fake.writes() == []


def test_a_personal_tokens_update_stopped_before_its_record_is_still_the_bots(rig: Rig) -> None:
    """GitHub commits a personal token's GraphQL commit as web-flow and its REST commit as the
    token's user: the PR records the new branch's GraphQL commit, and an update's REST commit
    that moved the branch before the run stopped is still known as the bot's."""
    from dataclasses import replace

    from bot.platform.github import GitHubPlatform
    from tests.rig.people import Person

    token = Person.join(rig.fake, "release-bot", "write").token

    def run() -> Any:
        return rig.run(platform=GitHubPlatform(replace(rig.settings(), token=token)))

    assert run().status == "opened"
    (number,) = [p["number"] for p in open_pulls(rig.fake)]
    first = rig.fake.git.read_commit(rig.fake.branch_sha(BRANCH) or "")
    assert first.committer.email == "noreply@github.com"  # createCommitOnBranch
    version = rig.new_version("v1.6.0")
    _inject(rig.fake, "PR PATCH", 500, times=ATTEMPTS)
    assert run().status == "failed"  # moved, commented, not recorded
    moved = rig.fake.git.read_commit(rig.fake.branch_sha(BRANCH) or "")
    assert moved.committer.name == moved.author.name == "release-bot"  # REST, personal token

    again = run()
    assert again.status == "updated", again.reason
    pr = check_one_promotion(rig.fake, version, "v1.6.0")
    assert pr["number"] == number and pr["head_sha"] == moved.sha
    assert not any(markers.FOREIGN_COMMITS in c for c in comments(rig.fake, number))


def test_orphan_branch_is_reset_onto_the_current_base_and_its_pr_opened(rig: Rig) -> None:
    _inject(rig.fake, "PR create", 500, times=ATTEMPTS)
    assert rig.run().status == "failed"
    orphan = rig.fake.branch_sha(BRANCH)
    assert orphan is not None and open_pulls(rig.fake) == []
    new_base = rig.move_base()

    result = rig.run()
    assert result.status == "opened", result.reason
    check_one_promotion(rig.fake, "2", "v1.4.0")
    head = rig.fake.branch_sha(BRANCH)
    assert head != orphan and rig.fake.git.read_commit(head or "").parents == (new_base,)


class _Stopped(BaseException):
    """The process ends here (a cancelled job, a killed runner): nothing is tidied up."""


@pytest.mark.parametrize("base_moved", [False, True], ids=["at-the-base", "behind-the-base"])
def test_a_branch_left_empty_between_the_two_writes_is_taken_over(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, base_moved: bool
) -> None:
    """A run that stopped after creating the branch and before committing on it leaves the
    branch at the base with no PR: the next run commits onto it (or, once the base moved on,
    moves it from where it was) and opens the PR."""
    from bot.platform.github.refs import Refs

    def stop(self: Refs, *args: object) -> None:
        raise _Stopped

    with monkeypatch.context() as patch:
        patch.setattr(Refs, "commit", stop)
        with pytest.raises(_Stopped):
            rig.run()
    left = rig.fake.branch_sha(BRANCH)
    assert left == rig.fake.branch_sha(rig.fake.default_branch) and open_pulls(rig.fake) == []
    if base_moved:
        rig.move_base()
    rig.fake.reset_log()

    result = rig.run()
    assert result.status == "opened", result.reason
    check_one_promotion(rig.fake, "2", "v1.4.0")
    writes = write_routes(rig.fake)
    if base_moved:
        assert writes[:4] == ["/git/refs", "/git/trees", "/git/commits", "updateRefs"]
    else:
        assert writes[:2] == ["/git/refs", "createCommitOnBranch"]
    assert statuses(rig.fake, "POST", "/git/refs") == [422]
    assert rig.fake.count("GET", ROUTES["compare"][1]) == 1  # the one read that decides


def test_without_labels_the_marker_is_written_last(rig: Rig) -> None:
    config = rig.repo / ".github" / "promotion.yml"
    config.write_text(config.read_text().replace("labels: [model-promotion]", "labels: []"))
    commit_all(rig.repo, "No labels")
    rig.fake.seed(rig.repo)
    _inject(rig.fake, "reviewers", 500, times=ATTEMPTS)
    assert rig.run().status == "failed"
    (pr,) = open_pulls(rig.fake)
    assert "model-promotion-bot {" not in pr["body"]
    assert rig.platform().open_promotions("promote")[BRANCH].promotion is None

    assert rig.run().status == "updated"
    (pr,) = open_pulls(rig.fake)
    assert pr["requested_reviewers"] == ["alice"] and '"version": "2"' in pr["body"]
    rig.fake.reset_log()
    assert rig.run().status == "up-to-date"
    assert rig.fake.writes() == []


def test_write_budget_holds_with_labels_and_reviewers(rig: Rig) -> None:
    assert rig.run().status == "opened"
    writes = write_routes(rig.fake)
    # The branch at the base, then its commit in one call that checks it is still there.
    assert writes[:3] == ["/git/refs", "createCommitOnBranch", "/pulls"]
    # Requested at once: either may reach GitHub first.
    assert sorted(writes[3:]) == ["/issues/{number}/labels", "/pulls/{number}/requested_reviewers"]
    assert rig.fake.count("GET", ROUTES["compare"][1]) == 0  # no branch was moved
    rig.fake.reset_log()
    assert rig.run().status == "up-to-date"
    assert rig.fake.writes() == []
    assert rig.fake.count("GET", ROUTES["compare"][1]) == 0


def test_updating_costs_one_compare_read(rig: Rig) -> None:
    assert rig.run().status == "opened"
    rig.new_version("v1.6.0")
    rig.fake.reset_log()
    assert rig.run().status == "updated"
    assert rig.fake.count("GET", ROUTES["compare"][1]) == 1
    # The move names the repository by the node id the poll's read returned: no REST read.
    assert rig.fake.count("GET", "/repos/{owner}/{repo}") == 0
    assert write_routes(rig.fake) == [
        "/git/trees",
        "/git/commits",
        "updateRefs",
        "/issues/{number}/comments",
        "/pulls/{number}",
    ]
