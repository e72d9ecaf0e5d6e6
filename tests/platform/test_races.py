"""Concurrent runs and concurrent humans, on the GitHub fake.

Two runs for the same promotion end with one branch and one PR: a failed ``createRef`` means the
branch was there, and the commit sent with it in one request lands only on a branch at the base;
a 422 "A pull request already exists" means another run opened the PR, which is then adopted
(and finished). A branch a human committed to is never
force-pushed: the bot says so once on the PR and the promotion fails with a UserError.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from bot import pipeline
from bot.results import Result
from tests.platform import (
    BRANCH,
    LABELS,
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
from tests.rig.repos import git

ENVS = ("dev", "staging", "prod")
REFUSAL = (
    "branch promote/fraud-detector/prod has commits not made by the bot; not updating it. "
    "Close it or push the promotion by hand."
)


# -- 3. races between runs --------------------------------------------------------------------


def test_two_concurrent_runs_make_one_branch_and_one_pr(rig: Rig) -> None:
    """Both runs decide before either writes, then publish at the same moment."""
    outcomes: dict[str, list[str]] = {}
    for env in ENVS:
        contexts = [rig.context(rig.platform()) for _ in range(2)]
        planned = [rig.evaluate(ctx, env) for ctx in contexts]
        barrier = threading.Barrier(2)
        results: list[Result] = []

        def publish(index: int, barrier: threading.Barrier, results: list[Result]) -> None:
            barrier.wait()
            results.extend(pipeline.apply(contexts[index], planned[index]))  # noqa: B023

        threads = [threading.Thread(target=publish, args=(i, barrier, results)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        outcomes[env] = sorted(r.status for r in results)
        assert all(r.status != "failed" for r in results), [r.reason for r in results]
    for env in ENVS:
        assert outcomes[env] == ["opened", "updated"], outcomes
        branch = f"promote/fraud-detector/{env}"
        check_one_promotion(rig.fake, "2", "v1.4.0", branch=branch, only=False)
    assert sorted(promotion_branches(rig.fake)) == sorted(
        f"promote/fraud-detector/{e}" for e in ENVS
    )
    assert len([p for p in rig.fake.pulls.values() if p["state"] == "open"]) == 3


def test_the_run_that_loses_both_races_adopts_branch_and_pr(rig: Rig) -> None:
    first, second = rig.context(rig.platform()), rig.context(rig.platform())
    plan_first, plan_second = rig.evaluate(first), rig.evaluate(second)
    (opened,) = pipeline.apply(first, plan_first)
    assert opened.status == "opened"
    rig.fake.reset_log()

    (adopted,) = pipeline.apply(second, plan_second)
    assert adopted.status == "updated", adopted.reason
    assert adopted.pr_number == opened.pr_number and adopted.pr_url == opened.pr_url
    # One request for branch and commit: the branch exists, the commit finds it moved.
    assert mutation_statuses(rig.fake, NEW_BRANCH) == [200]
    assert statuses(rig.fake, "POST", "/pulls") == [422]  # "A pull request already exists"
    found = [r.path for r in rig.fake.requests if r.route == " ".join(ROUTES["list PRs"])]
    assert len(found) == 1 and "head=acme%3Apromote%2Ffraud-detector%2Fprod" in found[0]
    assert "state=open" in found[0]
    # The branch already held this promotion on the current base: nothing was moved or added.
    assert moves(rig.fake) == 0
    assert write_routes(rig.fake) == [NEW_BRANCH, "/git/trees", "/git/commits", "/pulls"]
    check_one_promotion(rig.fake, "2", "v1.4.0")


def test_a_pr_another_run_left_unfinished_is_adopted_and_finished(rig: Rig) -> None:
    first, second = rig.context(rig.platform()), rig.context(rig.platform())
    plan_first, plan_second = rig.evaluate(first), rig.evaluate(second)
    method, route = ROUTES["labels"]
    rig.fake.inject(method, route, 500, times=3)
    (failed,) = pipeline.apply(first, plan_first)
    assert failed.status == "failed"
    (pr,) = open_pulls(rig.fake)
    assert pr["labels"] == []

    (adopted,) = pipeline.apply(second, plan_second)
    assert adopted.status == "updated", adopted.reason
    assert [label["name"] for label in open_pulls(rig.fake)[0]["labels"]] == LABELS
    check_one_promotion(rig.fake, "2", "v1.4.0")


# -- 4. never force-push over a human -----------------------------------------------------------


def _human_push(rig: Rig, tmp_path: Path, amend: bool = False) -> str:
    """A person pushes to the promotion branch: a commit on top, or an amended bot commit."""
    clone = tmp_path / "human"
    git(tmp_path, "clone", "-q", "-b", BRANCH, rig.fake.git_url, str(clone))
    (clone / "NOTES.md").write_text("tuned by hand\n")
    git(clone, "add", "NOTES.md")
    if amend:
        git(clone, "commit", "-q", "--amend", "-m", "Promote by hand")
    else:
        git(clone, "commit", "-q", "-m", "Tweak the rollout")
    git(clone, "push", "-q", "--force", "origin", BRANCH)
    return git(clone, "rev-parse", "HEAD").strip()


@pytest.mark.parametrize("amend", [False, True], ids=["commit-on-top", "amended-no-trailers"])
def test_a_branch_a_human_pushed_to_is_never_force_pushed(
    rig: Rig, tmp_path: Path, amend: bool
) -> None:
    assert rig.run().status == "opened"
    (pr,) = open_pulls(rig.fake)
    human = _human_push(rig, tmp_path, amend)
    version = rig.new_version("v1.6.0")
    rig.fake.reset_log()

    refused = rig.run()
    assert refused.status == "failed"
    assert refused.reason == f"[fraud-detector/prod] PR #{pr['number']}: {REFUSAL}"
    assert rig.fake.branch_sha(BRANCH) == human
    assert rig.fake.count("GET", ROUTES["compare"][1]) == 1
    assert [r.route.split("{repo}")[1] for r in rig.fake.writes()] == ["/issues/{number}/comments"]
    (said,) = comments(rig.fake, pr["number"])
    assert said.startswith(
        f"This PR's branch `{BRANCH}` has commits not made by the bot; not updating it to "
        f"v{version}. Close it or push the promotion by hand."
    )

    rig.fake.reset_log()
    again = rig.run()
    assert again.status == "failed" and again.reason == refused.reason
    assert rig.fake.writes() == []  # said once
    assert len(comments(rig.fake, pr["number"])) == 1
    assert rig.fake.branch_sha(BRANCH) == human


def test_a_leftover_branch_with_human_commits_is_not_adopted(rig: Rig, tmp_path: Path) -> None:
    method, route = ROUTES["PR create"]
    rig.fake.inject(method, route, 500, times=3)
    assert rig.run().status == "failed"  # leaves the branch without a PR
    human = _human_push(rig, tmp_path)

    refused = rig.run()
    assert refused.status == "failed"
    assert refused.reason == (
        f"[fraud-detector/prod] branch {BRANCH} already exists and has commits not made by the "
        "bot; not updating it. Delete it or push the promotion by hand."
    )
    assert rig.fake.branch_sha(BRANCH) == human
    assert open_pulls(rig.fake) == []


def test_a_branch_a_person_made_first_is_not_committed_onto(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person pushes the promotion branch with a commit of theirs just before the bot's
    request: ``createRef`` fails, the commit expecting the base does not land, and the one
    read finds a person's commit. It stays, and no PR is opened."""
    from bot.platform.github.refs import Refs

    open_branch = Refs.open
    pushed: list[str] = []

    def person_first(self: Refs, *args: Any) -> Any:
        base = rig.fake.branch_sha(rig.fake.default_branch)
        clone = tmp_path / "person"
        git(tmp_path, "clone", "-q", rig.fake.git_url, str(clone))
        (clone / "NOTES.md").write_text("tuned by hand\n")
        git(clone, "add", "NOTES.md")
        git(clone, "commit", "-q", "-m", "Tweak the rollout")
        git(clone, "push", "-q", "origin", f"HEAD:refs/heads/{BRANCH}")
        pushed.append(git(clone, "rev-parse", "HEAD").strip())
        assert rig.fake.git.read_commit(pushed[0]).parents == (base,)
        return open_branch(self, *args)

    monkeypatch.setattr(Refs, "open", person_first)
    refused = rig.run()
    assert refused.status == "failed"
    assert refused.reason == (
        f"[fraud-detector/prod] branch {BRANCH} already exists and has commits not made by the "
        "bot; not updating it. Delete it or push the promotion by hand."
    )
    assert rig.fake.branch_sha(BRANCH) == pushed[0]
    assert open_pulls(rig.fake) == []
    assert mutation_statuses(rig.fake, NEW_BRANCH) == [200] and moves(rig.fake) == 0


def test_the_bots_own_branch_behind_the_base_is_moved(rig: Rig) -> None:
    assert rig.run().status == "opened"
    rig.move_base()
    version = rig.new_version("v1.6.0")
    result = rig.run()
    assert result.status == "updated", result.reason
    check_one_promotion(rig.fake, version, "v1.6.0")


# -- 5. creating the branch decides nothing: its first commit does ------------------------------


def _racing_pair(rig: Rig) -> tuple[Any, list[Result], Any, list[Result], str]:
    """Two runs decided before either writes: the first for v2, the second for a newer
    version registered between their reads."""
    first = rig.context(rig.platform())
    plan_first = rig.evaluate(first)
    newer = rig.new_version("v1.6.0")
    second = rig.context(rig.platform())
    plan_second = rig.evaluate(second)
    return first, plan_first, second, plan_second, newer


def _refs(ctx: Any) -> Any:
    return ctx.platform._publisher._refs


def _in_order(
    contexts: tuple[Any, Any], plans: tuple[list[Result], list[Result]], early: int
) -> tuple[Result, Result]:
    """Both runs publish at once, and the new branch's request of run ``early`` reaches
    GitHub before the other's (each is one request, which the fake carries out whole)."""
    done = threading.Event()
    late = 1 - early
    early_refs, late_refs = _refs(contexts[early]), _refs(contexts[late])
    early_open, late_open = early_refs.open, late_refs.open

    def first(*args: Any) -> Any:
        try:
            return early_open(*args)
        finally:
            done.set()

    def second(*args: Any) -> Any:
        assert done.wait(30)
        return late_open(*args)

    early_refs.open, late_refs.open = first, second
    results: dict[int, Result] = {}

    def run(index: int) -> None:
        (results[index],) = pipeline.apply(contexts[index], plans[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results[0], results[1]


@pytest.mark.parametrize("left_empty", [False, True], ids=["no-branch", "empty-branch-left"])
def test_the_run_whose_request_lands_first_wins(rig: Rig, left_empty: bool) -> None:
    """The first run's request creates the branch (or finds one left empty at the base) and
    commits; the second's commit, expecting the base, fails, and the one read names the
    first's version as the winner."""
    if left_empty:
        _leave_empty_branch(rig)
    first, plan_first, second, plan_second, newer = _racing_pair(rig)
    won, lost = _in_order((first, second), (plan_first, plan_second), early=0)
    assert won.status == "opened", won.reason
    assert lost.status == "superseded", lost.reason
    assert "(v2): another run moved" in lost.reason
    assert not lost.lost  # a scheduled run asked for no version: superseded, not failed
    assert mutation_statuses(rig.fake, NEW_BRANCH) == [200, 200]
    assert rig.fake.count("POST", "/repos/{owner}/{repo}/git/refs") == 0
    check_one_promotion(rig.fake, "2", "v1.4.0")
    assert newer != "2"


def test_the_run_decided_last_wins_when_its_request_lands_first(rig: Rig) -> None:
    """The order of the requests decides, not the order of the decisions."""
    first, plan_first, second, plan_second, newer = _racing_pair(rig)
    lost, won = _in_order((first, second), (plan_first, plan_second), early=1)
    assert won.status == "opened", won.reason
    assert lost.status == "superseded", lost.reason
    assert f"(v{newer}): another run moved" in lost.reason
    assert not lost.lost and not won.lost
    check_one_promotion(rig.fake, newer, "v1.6.0")


def test_a_loser_whose_server_stopped_at_the_failed_create_still_loses(rig: Rig) -> None:
    """Should GitHub answer the second request without running its commit (stopping at the
    failed ``createRef``), the read that follows finds the first run's commit all the same."""
    first, plan_first, second, plan_second, _ = _racing_pair(rig)
    (won,) = pipeline.apply(first, plan_first)
    stopped = {
        "data": {"branch": None, "commit": None},
        "errors": [
            {
                "type": "UNPROCESSABLE",
                "path": ["branch"],
                "message": f'A ref named "refs/heads/{BRANCH}" already exists in the repository.',
            }
        ],
    }
    rig.fake.inject("POST", "/graphql#createRef", 200, body=stopped)
    (lost,) = pipeline.apply(second, plan_second)
    assert won.status == "opened", won.reason
    assert lost.status == "superseded", lost.reason
    assert "(v2): another run moved" in lost.reason
    assert moves(rig.fake) == 0
    check_one_promotion(rig.fake, "2", "v1.4.0")


def _leave_empty_branch(rig: Rig) -> None:
    """The branch at the base with no commit, as a run that stopped between two writes of an
    earlier version of the bot left it."""
    base = rig.fake.branch_sha(rig.fake.default_branch)
    assert base is not None
    with rig.fake.lock:
        assert rig.fake.git.update_ref(f"refs/heads/{BRANCH}", base, None)
