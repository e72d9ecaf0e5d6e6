"""What people do in a GitOps repository, and what the bot's state does with it (issue 11).

Each test is one row of the table in docs/state.md: a real MLflow server, the GitHub fake
with real Git objects, people acting through its REST API with their own tokens, and the
action entry as a workflow would run it.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import pytest
from mlflow import MlflowClient

from bot import markers
from bot.action import main
from tests.action.test_action_entry import Rig
from tests.e2e.helpers import seed_fraud_model
from tests.rig.fake_github import FakeGitHub
from tests.rig.people import Person

PROD = "applications/inference-server/overlays/prod"
STATE = ".github/promotion-state.yml"


@pytest.fixture
def rig(tmp_path: Any, fake_github: FakeGitHub, tracking_uri: str) -> Rig:
    made = Rig(tmp_path, fake_github, seed_fraud_model(tracking_uri))
    fake_github.seed(made.repo)
    return made


@pytest.fixture
def alice(fake_github: FakeGitHub) -> Person:
    return Person.join(fake_github, "alice", "admin")


def _schedule(rig: Rig) -> None:
    assert main(rig.env("schedule", {}, environment="prod")) == 0


def _push(rig: Rig, before: str, after: str) -> int:
    payload = {
        "ref": "refs/heads/main",
        "before": before,
        "after": after,
        "commits": [],
        "repository": {"full_name": "acme/gitops", "default_branch": "main"},
    }
    return main(rig.env("push", payload))


def _main_sha(rig: Rig) -> str:
    return str(rig.fake.git.ref_sha("refs/heads/main"))


def _alias(rig: Rig, alias: str) -> str | None:
    client = MlflowClient()
    try:
        return str(client.get_model_version_by_alias(rig.name, alias).version)
    except Exception:
        return None


def test_trailers_in_any_commit_record_nothing(rig: Rig, alice: Person) -> None:
    """Row 1: a pushed commit that only claims a deployment moves no alias."""
    before = _main_sha(rig)
    forged = "Tidy docs\n\nModel: fraud-detector\nModel-Version: 3\nEnvironment: prod\n"
    after = alice.edit("main", "README.md", "docs\n", forged)
    assert _push(rig, before, after) == 0
    assert _alias(rig, "prod") is None


def test_a_squash_merged_promotion_is_recorded(rig: Rig, alice: Person) -> None:
    """Row 2: the squash message is the PR title and body (no trailers); the overlays say v2."""
    alice.settings(squash_merge_commit_title="PR_TITLE", squash_merge_commit_message="PR_BODY")
    _schedule(rig)
    (pr,) = rig.open_pulls()
    before = _main_sha(rig)
    after = alice.merge(pr["number"], "squash")
    assert "Model-Version" not in rig.fake.git.read_commit(after).message
    assert _push(rig, before, after) == 0
    assert _alias(rig, "prod") == "2"


def test_a_hold_survives_a_squash_and_a_hand_edit(rig: Rig, alice: Person) -> None:
    """Row 3: rollback squash-merged, then a person edits the version file: still held."""
    alice.settings(squash_merge_commit_title="PR_TITLE", squash_merge_commit_message="PR_BODY")
    _schedule(rig)
    alice.merge(rig.open_pulls()[0]["number"], "squash")
    assert main(rig.env("issue_comment", rig.comment("/rollback prod"))) == 0
    (rollback,) = rig.open_pulls()
    alice.merge(rollback["number"], "squash")
    config = f"{PROD}/model-config.yaml"
    text = rig.fake.git.text("show", f"main:{config}")
    alice.edit("main", config, text + "# batch size 32 -> 64\n", "Tune batch size")
    rig.fake.reset_log()
    _schedule(rig)
    assert rig.open_pulls() == []
    assert rig.fake.writes() == []
    assert "held: v2 was rolled back in prod" in rig.outputs()["skipped"]


def test_a_second_rollback_never_rolls_forward(rig: Rig, alice: Person) -> None:
    """Row 4: after a merged rollback (v2 -> v1), /rollback again does not go back to v2."""
    _schedule(rig)
    alice.merge(rig.open_pulls()[0]["number"])
    assert main(rig.env("issue_comment", rig.comment("/rollback prod"))) == 0
    alice.merge(rig.open_pulls()[0]["number"])
    again = rig.comment("/rollback prod")
    assert main(rig.env("issue_comment", again)) == 1
    assert rig.open_pulls() == []
    (reply,) = rig.replies(again)
    assert "no version older than v1" in reply


def test_closing_a_promotion_pr_rejects_its_version(rig: Rig, alice: Person) -> None:
    """Row 7: closed unmerged rejects v2 for prod; reopening undoes it; asking by hand wins."""
    _schedule(rig)
    (pr,) = rig.open_pulls()
    alice.close(pr["number"])
    rig.fake.reset_log()
    _schedule(rig)
    assert rig.open_pulls() == []
    # Only the note on the closed PR (and its record in that PR's body): no branch, no PR.
    assert [w.route for w in rig.fake.writes()] == [TOLD_COMMENT, TOLD_RECORD]
    assert f"PR #{pr['number']} proposing v2 was closed without merging" in rig.outputs()["skipped"]

    alice.reopen(pr["number"])
    _schedule(rig)
    assert [p["number"] for p in rig.open_pulls()] == [pr["number"]]

    alice.close(pr["number"])
    assert main(rig.env("issue_comment", rig.comment("/promote prod 2"))) == 0
    (again,) = rig.open_pulls()
    assert again["title"] == "Promote fraud-detector to prod: v2 (v1.4.0)"


def test_a_newer_version_takes_over_the_branch_a_closed_pr_left(rig: Rig, alice: Person) -> None:
    """Row 7 then row 9: the branch of a closed PR is not a concurrent run's; a newer version
    moments later opens a new PR on it instead of reporting itself superseded."""
    _schedule(rig)
    (pr,) = rig.open_pulls()
    alice.close(pr["number"])
    newer = _new_version(rig, "v1.9.0")
    _schedule(rig)
    (again,) = rig.open_pulls()
    assert again["number"] != pr["number"]
    assert again["title"].startswith(f"Promote fraud-detector to prod: v{newer} ")
    assert rig.outputs()["skipped"] == "[]"


def _new_version(rig: Rig, tag: str) -> str:
    from tests.e2e.helpers import VALIDATED
    from tests.rig.mlflow_rig import seed_model

    (version,) = seed_model(
        os.environ["MLFLOW_TRACKING_URI"],
        rig.name,
        [{"metrics": {"accuracy": 0.93}, "tags": {**VALIDATED, "image_tag": tag}}],
    )
    return version


def test_a_version_chosen_by_a_person_is_not_replaced(rig: Rig) -> None:
    """Row 6: `/promote prod 2` is pinned; a newer version's scheduled run leaves it alone."""
    assert main(rig.env("issue_comment", rig.comment("/promote prod 2"))) == 0
    (pr,) = rig.open_pulls()
    head = pr["head_sha"]
    _new_version(rig, "v1.9.0")
    rig.fake.reset_log()
    _schedule(rig)
    (same,) = rig.open_pulls()
    assert (same["number"], same["head_sha"]) == (pr["number"], head)
    assert rig.fake.writes() == []
    assert (
        "chosen by a person: not replaced until it is merged or closed"
        in (rig.outputs()["skipped"])
    )


def test_a_reviewed_pr_hears_of_a_newer_version_once(rig: Rig, alice: Person) -> None:
    """Row 6: an approval given for v2 never stands for v3: v3 is announced, not pushed."""
    _schedule(rig)
    (pr,) = rig.open_pulls()
    head = pr["head_sha"]
    alice.approve(pr["number"])
    newer = _new_version(rig, "v1.9.0")
    for _ in range(2):
        _schedule(rig)
    (same,) = rig.open_pulls()
    assert same["head_sha"] == head
    notes = [c["body"] for c in rig.fake.comments.get(pr["number"], [])]
    announced = [n for n in notes if f"`/promote prod {newer}`" in n]
    assert len(announced) == 1


KUSTOMIZATION = f"{PROD}/kustomization.yaml"
BRANCH = "promote/fraud-detector/prod"


def _on(rig: Rig, ref: str, path: str) -> str:
    return str(rig.fake.git.text("show", f"{ref}:{path}"))


def _reachable(rig: Rig, sha: str) -> bool:
    """Whether a branch still reaches ``sha``: a commit no ref reaches is lost to people."""
    refs = rig.fake.git.text("for-each-ref", "--format=%(objectname)", "refs/heads/").split()
    return any(rig.fake.git.is_ancestor(sha, ref) for ref in refs)


def test_an_amended_bot_commit_is_never_discarded(rig: Rig, alice: Person) -> None:
    """Row 5: `git commit --amend --no-edit` with a changed value keeps the bot's trailers and
    author; its committer is the reviewer, so the next version does not move over it."""
    _schedule(rig)
    (pr,) = rig.open_pulls()
    config = _on(rig, BRANCH, f"{PROD}/model-config.yaml")
    amended = alice.amend(BRANCH, {f"{PROD}/model-config.yaml": config.replace('"32"', '"64"')})
    commit = rig.fake.git.read_commit(amended)
    assert "Model-Version: 2" in commit.message  # --no-edit: the bot's trailers stay
    newer = _new_version(rig, "v1.9.0")
    for _ in range(2):
        assert main(rig.env("schedule", {}, environment="prod")) == 1
        assert rig.fake.git.ref_sha(f"refs/heads/{BRANCH}") == amended
    assert _reachable(rig, amended)
    notes = [c["body"] for c in rig.fake.comments.get(pr["number"], [])]
    refusals = [n for n in notes if "has commits not made by the bot" in n]
    assert len(refusals) == 1 and f"v{newer}" in refusals[0]  # said once


def test_a_conflicted_promotion_is_rebuilt_on_the_base(rig: Rig, alice: Person) -> None:
    """Row 8: someone changes the promoted line on main; GitHub reports the PR CONFLICTING;
    the next run rebuilds the same version on the current base and says so once."""
    _schedule(rig)
    (pr,) = rig.open_pulls()
    before = pr["head_sha"]
    text = _on(rig, "main", KUSTOMIZATION)
    base = alice.edit("main", KUSTOMIZATION, text.replace("v1.3.0", "v1.3.1"), "Hotfix image")
    _schedule(rig)
    (same,) = rig.open_pulls()
    head = same["head_sha"]
    assert same["number"] == pr["number"] and head != before
    assert rig.fake.git.read_commit(head).parents == (base,)
    assert "newTag: v1.4.0" in _on(rig, head, KUSTOMIZATION)
    assert "MODEL_VERSION: '2'" in _on(rig, head, f"{PROD}/model-config.yaml")
    assert alice.pull(pr["number"])["mergeable"] in (True, None)  # None: GitHub still checking
    assert alice.pull(pr["number"])["mergeable"] is True
    notes = [c["body"] for c in rig.fake.comments.get(pr["number"], [])]
    assert len([n for n in notes if n.startswith("Rebuilt v2 on the current base")]) == 1
    rig.fake.reset_log()
    _schedule(rig)
    assert rig.fake.writes() == []  # mergeable now: nothing more to do
    alice.merge(pr["number"])


def test_concurrent_promote_commands_have_one_winner(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row 9: `/promote prod 2` and `/promote prod 3` from two issues, both decided before
    either writes: one PR, one winner, the other told it was superseded and failing."""
    from bot.platform.github.publish import Publisher

    newer = _new_version(rig, "v1.9.0")
    both_decided = threading.Barrier(2, timeout=60)
    push = Publisher.push

    def push_after_both_decided(self: Publisher, *args: Any) -> Any:
        both_decided.wait()
        return push(self, *args)

    monkeypatch.setattr(Publisher, "push", push_after_both_decided)
    asks = {v: rig.comment(f"/promote prod {v}", issue=_issue(rig, v)) for v in ("2", newer)}
    envs = {v: _own_event(rig, v, payload) for v, payload in asks.items()}
    codes: dict[str, int] = {}

    def ask(version: str) -> None:
        codes[version] = main(envs[version])

    threads = [threading.Thread(target=ask, args=(v,)) for v in envs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    (pr,) = rig.open_pulls()
    winner = markers.parse_marker(pr["body"])
    assert winner is not None
    won, lost = winner.version, ({"2", newer} - {winner.version}).pop()
    assert codes == {won: 0, lost: 1}
    head = rig.fake.git.read_commit(pr["head_sha"])
    assert f"Model-Version: {won}\n" in head.message + "\n"
    (said,) = rig.replies(asks[lost])
    assert f"superseded by #{pr['number']} (v{won})" in said or (
        f"superseded by branch {BRANCH} (v{won})" in said  # it had not opened its PR yet
    ), said
    assert rig.reactions(asks[lost])[-1] == "confused"
    (told,) = rig.replies(asks[won])
    assert " opened " in told and f"/pull/{pr['number']}" in told, told


def _issue(rig: Rig, version: str) -> int:
    return int(rig.fake.open_issue(f"Promote v{version}")["number"])


def _own_event(rig: Rig, version: str, payload: dict[str, Any]) -> dict[str, str]:
    """The run's environment with an event file of its own (the rig names files by count)."""
    env = rig.env("issue_comment", payload)
    path = rig.tmp / f"event-promote-{version}.json"
    path.write_text(json.dumps(payload))
    return {**env, "GITHUB_EVENT_PATH": str(path)}


TOLD_COMMENT = "POST /repos/{owner}/{repo}/issues/{number}/comments"
TOLD_RECORD = "PATCH /repos/{owner}/{repo}/pulls/{number}"
TOLD_CHECK = "GET /repos/{owner}/{repo}/issues/{number}/comments"


def _notes(rig: Rig, number: int) -> list[str]:
    return [c["body"] for c in rig.fake.comments.get(number, [])]


def test_a_closed_promotion_pr_is_told_once_what_is_skipped(rig: Rig, alice: Person) -> None:
    """Row 7: the bot says on the closed PR, once, which version is skipped where, until when,
    and the command that overrides; later runs know from the PR listing, at no cost."""
    _schedule(rig)
    (pr,) = rig.open_pulls()
    alice.close(pr["number"])
    _schedule(rig)
    (note,) = _notes(rig, pr["number"])
    assert note.startswith(
        "Closed without merging: v2 (`v1.4.0`) of `fraud-detector` is skipped for `prod`. "
        "Scheduled runs will not propose it there again; a newer validated version will be "
        "proposed as usual."
    )
    assert "comment `/promote prod 2 fraud-detector`." in note
    assert "Reopening this PR undoes the skip." in note
    assert f"<!-- model-promotion-bot:comment rejected-{pr['number']} -->" in note

    rig.fake.reset_log()
    _schedule(rig)
    assert rig.fake.writes() == [] and rig.fake.count(route=TOLD_CHECK) == 0
    assert len(_notes(rig, pr["number"])) == 1

    # The command the note gives works as written.
    assert main(rig.env("issue_comment", rig.comment("/promote prod 2 fraud-detector"))) == 0
    (again,) = rig.open_pulls()
    assert again["title"] == "Promote fraud-detector to prod: v2 (v1.4.0)"


def test_a_run_that_commented_but_did_not_record_does_not_comment_again(
    rig: Rig, alice: Person
) -> None:
    """Row 7: a comment already there (an earlier run stopped before recording it) counts."""
    _schedule(rig)
    (pr,) = rig.open_pulls()
    alice.close(pr["number"])
    _schedule(rig)
    (note,) = _notes(rig, pr["number"])
    body = alice.pull(pr["number"])["body"]
    alice.call("PATCH", f"/pulls/{pr['number']}", body=body.replace(TOLD, ""))
    rig.fake.reset_log()
    _schedule(rig)
    assert [w.route for w in rig.fake.writes()] == [TOLD_RECORD]
    assert _notes(rig, pr["number"]) == [note]
    assert TOLD in alice.pull(pr["number"])["body"]


TOLD = "<!-- model-promotion-bot:rejection-told -->"


def test_a_rejection_note_lost_behind_a_502_is_posted_once(rig: Rig, alice: Person) -> None:
    """Row 7: GitHub carried out the comment but the answer was a 502: not posted twice."""
    from urllib.parse import urlsplit

    from tests.chatops.proxy import LateFaultProxy

    _schedule(rig)
    (pr,) = rig.open_pulls()
    alice.close(pr["number"])
    with LateFaultProxy(rig.fake.base_url) as proxy:
        path = urlsplit(rig.fake.base_url).path.rstrip("/")
        route = f"POST {path}/repos/acme/gitops/issues/{pr['number']}/comments"
        proxy.answer_after_forward(route, status=502)
        env = rig.env("schedule", {}, environment="prod")
        env["GITHUB_API_URL"] = proxy.url_for(rig.fake.base_url)
        assert main(env) == 0
    assert [s.outcome for s in proxy.requests if "/comments" in s.target] == [
        "forwarded",  # the GET that looks for an earlier run's note
        "forwarded, then 502",
        "forwarded",  # the GET that finds it
    ]
    assert len(_notes(rig, pr["number"])) == 1
    assert TOLD in alice.pull(pr["number"])["body"]
