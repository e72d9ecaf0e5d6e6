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
    NEW_BRANCH,
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
    _inject(rig.fake, "new branch", status, times=2)
    result = rig.run()
    assert result.status == "opened", result.reason
    assert mutation_statuses(rig.fake, NEW_BRANCH) == [status, status, 200]
    assert write_routes(rig.fake)[:4] == [NEW_BRANCH] * 3 + ["/pulls"]
    check_one_promotion(rig.fake, "2", "v1.4.0")


def test_persistent_5xx_fails_the_promotion_with_one_line(rig: Rig) -> None:
    _inject(rig.fake, "gql commit", 503, times=100)
    result = rig.run()
    assert result.status == "failed"
    assert _one_line(result.reason) == (
        "[fraud-detector/prod] GitHub answered 503 (Server Error) after 2 retries: cannot "
        f"commit to {BRANCH}; try again"
    )
    assert mutation_statuses(rig.fake, NEW_BRANCH) == [503] * ATTEMPTS
    assert promotion_branches(rig.fake) == {}


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
    _inject(rig.fake, "new branch", 403, body=SECONDARY)
    result = rig.run()
    assert result.status == "opened", result.reason
    assert mutation_statuses(rig.fake, NEW_BRANCH) == [403, 200]


def test_persistent_secondary_rate_limit_is_a_retryable_failure(rig: Rig) -> None:
    _inject(rig.fake, "new branch", 403, times=100, body=SECONDARY)
    result = rig.run()
    assert _one_line(result.reason) == (
        "[fraud-detector/prod] GitHub rate limit: still limited after 2 retries: cannot commit "
        f"to {BRANCH}; try again later"
    )
    assert mutation_statuses(rig.fake, NEW_BRANCH) == [403] * ATTEMPTS


def test_a_plain_403_is_not_retried(rig: Rig) -> None:
    _inject(rig.fake, "new branch", 403)  # "Resource not accessible by integration"
    result = rig.run()
    assert _one_line(result.reason) == (
        "[fraud-detector/prod] GitHub refused (Resource not accessible by integration): cannot "
        f"commit to {BRANCH}; the token needs contents: write and pull-requests: write"
    )
    assert mutation_statuses(rig.fake, NEW_BRANCH) == [403]


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
    _inject(rig.fake, "new branch", 503, headers={"Retry-After": "3600"})
    started = time.monotonic()
    result = rig.run()
    assert time.monotonic() - started < 5
    assert _one_line(result.reason) == (
        "[fraud-detector/prod] GitHub answered 503 and asks to wait 3600 s, longer than the 5 s "
        f"the bot waits: cannot commit to {BRANCH}; try again later"
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


GRAPHQL = "POST /api/graphql"  # where the fake serves GraphQL, as GitHub Enterprise does


def _before_new_branch(monkeypatch: pytest.MonkeyPatch, fault: Any) -> None:
    """Call ``fault`` just before the new branch's one request, after the poll's read (the
    proxy tells GraphQL requests apart by path only)."""
    from bot.platform.github.refs import Refs

    open_branch = Refs.open

    def faulty(self: Refs, *args: Any) -> Any:
        fault()
        return open_branch(self, *args)

    monkeypatch.setattr(Refs, "open", faulty)


def test_connection_resets_are_retried(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    with FaultProxy(rig.fake.base_url) as proxy:
        _before_new_branch(monkeypatch, lambda: proxy.reset(times=2, match=GRAPHQL))
        result = rig.run(platform=rig.platform(api_url=proxy.url_for(rig.fake.base_url)))
    assert result.status == "opened", result.reason
    sent = [r.outcome for r in proxy.requests if r.target.endswith("/graphql")]
    assert sent == ["forwarded", "reset", "reset", "forwarded"]  # the read, then the write
    assert mutation_statuses(rig.fake, NEW_BRANCH) == [200]  # the resets never reached it
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


def test_a_branch_and_commit_whose_answer_was_lost_are_kept(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub created the branch and its commit but the answer never arrived: the retried
    document's ``createRef`` fails (the branch exists) and its commit finds the branch moved;
    the one read that follows finds this promotion's own commit, which is adopted."""
    with FaultProxy(rig.fake.base_url) as proxy:
        lost = lambda: proxy.reset(after_forward=True, match=GRAPHQL)  # noqa: E731
        _before_new_branch(monkeypatch, lost)
        result = rig.run(platform=rig.platform(api_url=proxy.url_for(rig.fake.base_url)))
    assert result.status == "opened", result.reason
    assert mutation_statuses(rig.fake, NEW_BRANCH) == [200, 200]
    assert rig.fake.count("GET", ROUTES["compare"][1]) == 1
    assert moves(rig.fake) == 0  # already right: not moved
    pr = check_one_promotion(rig.fake, "2", "v1.4.0")
    # The PR records the first attempt's commit as the bot's (ownership, D-41).
    note = markers.pushed_note(pr["body"])
    assert note is not None and note.sha == pr["head_sha"]


# -- 2. no partial state: a failure at every write step, then a clean run --------------------

NEW_STEPS = ["new branch", "PR create", "reviewers", "labels"]
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


def _leave_empty_branch(fake: FakeGitHub) -> str:
    """The promotion branch at the base with no commit of its own, as a run of an earlier
    version (branch, then commit, in two requests) left it when it stopped in between."""
    base = fake.branch_sha(fake.default_branch)
    assert base is not None
    with fake.lock:
        assert fake.git.update_ref(f"refs/heads/{BRANCH}", base, None)
    return base


@pytest.mark.parametrize("base_moved", [False, True], ids=["at-the-base", "behind-the-base"])
def test_a_branch_left_empty_is_taken_over(rig: Rig, base_moved: bool) -> None:
    """An empty branch without a PR: ``createRef`` fails, and the commit expecting the base
    lands in the same request; once the base moved on, the commit finds the branch behind it,
    and the run moves the branch from where it was."""
    _leave_empty_branch(rig.fake)
    if base_moved:
        rig.move_base()
    rig.fake.reset_log()

    result = rig.run()
    assert result.status == "opened", result.reason
    check_one_promotion(rig.fake, "2", "v1.4.0")
    writes = write_routes(rig.fake)
    if base_moved:
        assert writes[:4] == [NEW_BRANCH, "/git/trees", "/git/commits", "updateRefs"]
        assert rig.fake.count("GET", ROUTES["compare"][1]) == 1  # the one read that decides
    else:
        assert writes[:2] == [NEW_BRANCH, "/pulls"]
        assert rig.fake.count("GET", ROUTES["compare"][1]) == 0  # no read: the commit landed


def _answer(ref_error: dict[str, Any] | None, commit_error: dict[str, Any] | None) -> Any:
    """A ``200`` answer to the new branch's document, as GitHub words one whose fields failed
    (``None``: the field succeeded, for ``createRef``; or did not run, for the commit)."""
    errors = [
        {"type": e["type"], "path": [where], "message": e["message"]}
        for where, e in (("branch", ref_error), ("commit", commit_error))
        if e is not None
    ]
    branch = None if ref_error else {"clientMutationId": None}
    return {"data": {"branch": branch, "commit": None}, "errors": errors}


EXISTS = {"type": "UNPROCESSABLE", "message": f'A ref named "refs/heads/{BRANCH}" already exists'}


def test_a_server_that_stops_at_the_failed_create_is_read_once(rig: Rig) -> None:
    """Should GitHub stop at the failed ``createRef`` (the commit left ``null`` with no error),
    the one read finds the branch empty at the base and the commit goes out on its own."""
    _leave_empty_branch(rig.fake)
    _inject(rig.fake, "new branch", 200, body=_answer(EXISTS, None))
    result = rig.run()
    assert result.status == "opened", result.reason
    writes = write_routes(rig.fake)
    assert writes[:3] == [NEW_BRANCH, "createCommitOnBranch", "/pulls"]
    assert rig.fake.count("GET", ROUTES["compare"][1]) == 1
    check_one_promotion(rig.fake, "2", "v1.4.0")


def test_a_branch_that_cannot_be_created_fails_with_githubs_reason(rig: Rig) -> None:
    """``createRef`` refused for another reason than an existing branch, and so the commit:
    the read finds no branch, and the run fails naming what GitHub said about the branch."""
    refused = {"type": "FORBIDDEN", "message": "Resource not accessible by integration"}
    missing = {"type": "NOT_FOUND", "message": f'A ref named "refs/heads/{BRANCH}" does not exist'}
    _inject(rig.fake, "new branch", 200, body=_answer(refused, missing))
    result = rig.run()
    assert result.status == "failed"
    assert _one_line(result.reason) == (
        f"[fraud-detector/prod] [create branch {BRANCH}] GitHub refused the GraphQL query: "
        "Resource not accessible by integration"
    )
    assert promotion_branches(rig.fake) == {} and open_pulls(rig.fake) == []


def test_a_branch_made_for_a_commit_that_failed_is_deleted(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``createRef`` made the branch, the commit failed for a reason of its own: the branch is
    deleted again while it is still at the base, and the next run starts afresh."""
    failed = {"type": "UNPROCESSABLE", "message": "A commit message headline is required"}
    _inject(rig.fake, "new branch", 200, body=_answer(None, failed))
    with monkeypatch.context() as patch:
        # What GitHub did before answering: the branch exists at the base.
        _before_new_branch(patch, lambda: _leave_empty_branch(rig.fake))
        result = rig.run()
    assert result.status == "failed"
    assert _one_line(result.reason).endswith(
        f"[commit to {BRANCH}] GitHub refused the GraphQL query: A commit message headline is "
        "required"
    )
    assert write_routes(rig.fake)[-1] == "updateRefs"  # the delete, expecting the base
    assert promotion_branches(rig.fake) == {}

    again = rig.run()
    assert again.status == "opened", again.reason
    check_one_promotion(rig.fake, "2", "v1.4.0")


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
    # The branch at the base and its commit, which checks it is still there, in one request.
    assert writes[:2] == [NEW_BRANCH, "/pulls"]
    assert rig.fake.count("POST", "/repos/{owner}/{repo}/git/refs") == 0
    # Requested at once: either may reach GitHub first.
    assert sorted(writes[2:]) == ["/issues/{number}/labels", "/pulls/{number}/requested_reviewers"]
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
