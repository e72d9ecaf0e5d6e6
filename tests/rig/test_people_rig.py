"""What people do to a promotion PR, on the GitHub fake: reviews, merges by each method,
closing and reopening, conflicts, hand commits and amended bot commits, racing pushes.

Every Git claim is checked in the fake's real bare repository with ``git`` itself.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake.pullstate import event_payload
from tests.rig.people import Person, Refused
from tests.rig.repos import commit_all, git

BOT_TOKEN = "ghs_bot_installation_token"
BOT = "promotion-bot[bot]"
PROD = "overlays/prod/kustomization.yaml"
VERSION = "overlays/prod/model-version.yaml"
BRANCH = "promote/fraud-detector/prod"
TRAILERS = "Model: fraud-detector\nModel-Version: 4\nEnvironment: prod"


def gitx(fake: FakeGitHub, *args: str) -> str:
    """``git`` on the fake's bare repository."""
    done = subprocess.run(
        ["git", f"--git-dir={fake.bare_path}", *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeGitHub]:
    seed = tmp_path / "seed"
    (seed / "overlays" / "prod").mkdir(parents=True)
    (seed / PROD).write_text("images:\n  - name: model\n    newTag: v1.3.0\n")
    (seed / VERSION).write_text("version: 3\nbatch_size: 32\n")
    git(seed, "init", "-q", "-b", "main")
    commit_all(seed, "GitOps repo")
    with FakeGitHub(tmp_path / "github", token=BOT_TOKEN) as started:
        started.seed(seed)
        yield started
    assert started.errors == [] and started.unmatched == []


@pytest.fixture
def bot(fake: FakeGitHub) -> Person:
    """The bot, through the same thin client (its App token: GitHub picks its identities)."""
    return Person(fake, BOT, BOT_TOKEN)


@pytest.fixture
def alice(fake: FakeGitHub) -> Person:
    return Person.join(fake, "alice")


@pytest.fixture
def root(fake: FakeGitHub) -> Person:
    return Person.join(fake, "root", "admin")


def bot_commit(bot: Person, branch: str, base: str, files: dict[str, str], message: str) -> str:
    """The bot's promotion commit: on ``base``'s tip, App identities, published as ``branch``."""
    tip = bot.call(
        "GET", f"/git/commits/{bot.call('GET', f'/git/ref/heads/{base}')['object']['sha']}"
    )
    entries = [
        {"path": p, "mode": "100644", "type": "blob", "content": t} for p, t in files.items()
    ]
    tree = bot.call("POST", "/git/trees", base_tree=tip["tree"]["sha"], tree=entries)
    commit = bot.call(
        "POST", "/git/commits", message=message, tree=tree["sha"], parents=[tip["sha"]]
    )
    try:
        bot.call("POST", "/git/refs", ref=f"refs/heads/{branch}", sha=commit["sha"])
    except Refused:
        bot.call("PATCH", f"/git/refs/heads/{branch}", sha=commit["sha"], force=True)
    return str(commit["sha"])


def promote(bot: Person, version: int = 4, title: str = "Promote fraud-detector v4 to prod") -> int:
    files = {VERSION: f"version: {version}\nbatch_size: 32\n"}
    bot_commit(bot, BRANCH, "main", files, f"{title}\n\n{TRAILERS.replace('4', str(version))}")
    body = "Promotes **v4**.\n\n<!-- promotion-bot -->"
    number = bot.call("POST", "/pulls", title=title, head=BRANCH, base="main", body=body)["number"]
    return int(number)


# -- reviews --------------------------------------------------------------------------------


def test_reviews_follow_githubs_rules(fake: FakeGitHub, bot: Person, alice: Person) -> None:
    number = promote(bot)
    bot.call("POST", f"/pulls/{number}/requested_reviewers", reviewers=["alice"])
    with pytest.raises(Refused) as own:
        bot.approve(number)
    assert own.value.status == 422
    assert own.value.body["errors"] == ["Can not approve your own pull request"]
    with pytest.raises(Refused) as own_changes:
        bot.request_changes(number)
    assert own_changes.value.body["errors"] == ["Can not request changes on your own pull request"]

    changes = alice.request_changes(number, "batch size?")
    assert fake.pulls[number]["requested_reviewers"] == []  # a review answers the request
    approval = alice.approve(number, "fine")
    alice.comment_review(number, "one more thought")
    draft = alice.call("POST", f"/pulls/{number}/reviews", body="pending")
    assert draft["state"] == "PENDING" and "submitted_at" not in draft
    assert [r["state"] for r in bot.reviews(number)] == [
        "CHANGES_REQUESTED",
        "APPROVED",
        "COMMENTED",
    ]
    assert len(alice.reviews(number)) == 4  # her pending review is hers to see

    page = requests.get(
        f"{fake.repo_api}/pulls/{number}/reviews?per_page=1&page=2",
        headers={"Authorization": f"token {BOT_TOKEN}"},
        timeout=10,
    )
    assert [r["id"] for r in page.json()] == [approval["id"]]
    assert 'rel="next"' in page.headers["Link"] and 'rel="prev"' in page.headers["Link"]

    dismissed = bot.dismiss(number, approval["id"], "New version pushed")
    assert dismissed["state"] == "DISMISSED"
    with pytest.raises(Refused) as twice:
        bot.dismiss(number, approval["id"])
    assert twice.value.status == 422
    assert changes["commit_id"] == fake.pulls[number]["head_sha"]
    kinds = [(e["event"], e["action"]) for e in fake.events]
    assert kinds == [
        ("pull_request", "opened"),
        ("pull_request_review", "submitted"),
        ("pull_request_review", "submitted"),
        ("pull_request_review", "submitted"),
        ("pull_request_review", "dismissed"),
    ]
    payload = event_payload(fake, fake.events[-1])
    assert payload["review"]["state"] == "dismissed"  # webhooks spell it in lower case
    assert payload["sender"]["login"] == BOT and payload["pull_request"]["number"] == number


# -- merges ---------------------------------------------------------------------------------


def test_merge_commit_has_two_parents_and_the_settings_message(
    fake: FakeGitHub, bot: Person, alice: Person, root: Person
) -> None:
    number = promote(bot)
    head, base = fake.pulls[number]["head_sha"], fake.branch_sha("main")
    with pytest.raises(Refused) as not_merged:
        alice.call("GET", f"/pulls/{number}/merge")
    assert not_merged.value.status == 404
    sha = alice.merge(number, "merge")
    assert gitx(fake, "rev-parse", "main") == sha
    assert gitx(fake, "log", "-1", "--format=%P", sha).split() == [base, head]
    assert gitx(fake, "log", "-1", "--format=%B", sha) == (
        f"Merge pull request #{number} from acme/{BRANCH}\n\nPromote fraud-detector v4 to prod"
    )
    assert gitx(fake, "log", "-1", "--format=%an|%cn", sha) == "alice|GitHub"
    assert alice.call("GET", f"/pulls/{number}/merge") is None  # 204
    pull = alice.pull(number)
    assert (pull["state"], pull["merged"], pull["merge_commit_sha"]) == ("closed", True, sha)
    assert pull["merged_by"]["login"] == "alice"
    # The PR's own commits and the merge commit are now on main: each leads to the PR.
    for commit in (sha, head):
        assert [p["number"] for p in alice.call("GET", f"/commits/{commit}/pulls")] == [number]

    root.settings(merge_commit_title="PR_TITLE", merge_commit_message="PR_BODY")
    second = promote(bot, 5, "Promote fraud-detector v5 to prod")
    merged = alice.merge(second, "merge")
    assert gitx(fake, "log", "-1", "--format=%B", merged) == (
        f"Promote fraud-detector v5 to prod (#{second})\n\n"
        "Promotes **v4**.\n\n<!-- promotion-bot -->"
    )


def test_squash_settings_decide_whether_trailers_survive(
    fake: FakeGitHub, bot: Person, alice: Person, root: Person
) -> None:
    number = promote(bot)
    head, base = fake.pulls[number]["head_sha"], fake.branch_sha("main")
    squashed = alice.merge(number, "squash")
    # GitHub's defaults with one commit: its title and body, trailers included.
    assert gitx(fake, "log", "-1", "--format=%B", squashed) == (
        f"Promote fraud-detector v4 to prod (#{number})\n\n{TRAILERS}"
    )
    assert gitx(fake, "log", "-1", "--format=%P", squashed) == base
    assert gitx(fake, "rev-parse", f"{squashed}^{{tree}}") == gitx(
        fake, "rev-parse", f"{head}^{{tree}}"
    )
    assert [p["number"] for p in alice.call("GET", f"/commits/{squashed}/pulls")] == [number]
    assert alice.call("GET", f"/commits/{head}/pulls") == []  # not on main, and not open

    # "Pull request title and description": the trailers are gone (issue 11, row 2).
    root.settings(squash_merge_commit_title="PR_TITLE", squash_merge_commit_message="PR_BODY")
    assert root.call("GET", "")["squash_merge_commit_message"] == "PR_BODY"
    second = promote(bot, 5, "Promote fraud-detector v5 to prod")
    message = gitx(fake, "log", "-1", "--format=%B", alice.merge(second, "squash"))
    assert "Model-Version" not in message
    assert message.startswith(f"Promote fraud-detector v5 to prod (#{second})\n\nPromotes")

    root.settings(
        squash_merge_commit_title="COMMIT_OR_PR_TITLE",
        squash_merge_commit_message="COMMIT_MESSAGES",
    )
    third = promote(bot, 6, "Promote fraud-detector v6 to prod")
    alice.edit(BRANCH, "notes.md", "why\n", "Add notes")
    listed = gitx(fake, "log", "-1", "--format=%B", alice.merge(third, "squash"))
    assert listed.startswith(f"Promote fraud-detector v6 to prod (#{third})\n\n* Promote")
    assert "\n\n* Add notes" in listed
    explicit = promote(bot, 7, "Promote fraud-detector v7 to prod")
    own = alice.merge(explicit, "squash", title="Ship v7", message="Model-Version: 7")
    assert gitx(fake, "log", "-1", "--format=%B", own) == "Ship v7\n\nModel-Version: 7"


def test_rebase_replays_each_commit_with_a_new_committer(
    fake: FakeGitHub, bot: Person, alice: Person
) -> None:
    number = promote(bot)
    alice.edit(BRANCH, PROD, "images:\n  - name: model\n    newTag: v1.4.0\n", "Image v1.4.0")
    alice.edit("main", "README.md", "# gitops\n", "Docs")  # the base moves meanwhile
    originals = gitx(fake, "log", "--format=%H|%an|%ae|%at|%B%x00", f"main..{BRANCH}")
    tip = alice.merge(number, "rebase")
    replayed = gitx(fake, "log", "--format=%H|%an|%ae|%at|%B%x00", "-2", tip)
    old = [o.strip().split("|", 1)[1] for o in originals.split("\0") if o.strip()]
    new = [r.strip().split("|", 1)[1] for r in replayed.split("\0") if r.strip()]
    assert new == old  # same authors, dates and messages, newest first
    assert gitx(fake, "log", "--format=%cn", "-2", tip).split("\n") == ["GitHub", "GitHub"]
    assert gitx(fake, "rev-parse", "main~2") == gitx(
        fake, "log", "-1", "--format=%H", "--grep=Docs", "main"
    )
    assert gitx(fake, "show", f"main:{PROD}").endswith("newTag: v1.4.0")
    assert gitx(fake, "show", f"main:{VERSION}") == "version: 4\nbatch_size: 32"
    assert gitx(fake, "show", "main:README.md") == "# gitops"
    brought = gitx(fake, "rev-parse", "main~1")
    assert [p["number"] for p in alice.call("GET", f"/commits/{brought}/pulls")] == [number]
    assert fake.pulls[number]["merge_commit_sha"] == tip
    for rebased in (tip, brought):  # GitHub signs the copies it wrote
        assert alice.call("GET", f"/git/commits/{rebased}")["verification"]["verified"] is True


def test_merge_refusals_carry_githubs_status_and_message(
    fake: FakeGitHub, bot: Person, alice: Person, root: Person
) -> None:
    number = promote(bot)
    with pytest.raises(Refused) as moved:
        alice.merge(number, sha="0" * 40)
    assert (moved.value.status, moved.value.body["message"]) == (
        409,
        "Head branch was modified. Review and try the merge again.",
    )
    root.settings(allow_rebase_merge=False)
    with pytest.raises(Refused) as disabled:
        alice.merge(number, "rebase")
    assert disabled.value.body["message"] == "Rebase merges are not allowed on this repository."
    with pytest.raises(Refused) as not_admin:
        alice.settings(allow_rebase_merge=True)
    assert not_admin.value.status == 403
    with pytest.raises(Refused) as bad_setting:
        root.settings(squash_merge_commit_message="EVERYTHING")
    assert bad_setting.value.status == 422
    root.settings(allow_rebase_merge=True)

    alice.edit("main", VERSION, "version: 3\nbatch_size: 64\n", "Batch size 64")  # same line region
    alice.pull(number)  # the first read after a change starts the test merge
    pull = alice.pull(number)
    assert (pull["mergeable"], pull["mergeable_state"], pull["rebaseable"]) == (
        False,
        "dirty",
        False,
    )
    for method in ("merge", "squash"):
        with pytest.raises(Refused) as conflict:
            alice.merge(number, method)
        assert (conflict.value.status, conflict.value.body["message"]) == (
            405,
            "Pull Request is not mergeable",
        )
    with pytest.raises(Refused) as no_rebase:
        alice.merge(number, "rebase")
    assert no_rebase.value.body["message"] == "This branch can't be rebased"
    assert fake.pulls[number]["state"] == "open"


# -- mergeability and protection -------------------------------------------------------------


def test_mergeability_is_unknown_first_then_computed(
    fake: FakeGitHub, bot: Person, alice: Person
) -> None:
    number = promote(bot)
    first = alice.pull(number)  # the creation answer already started the check
    assert (first["mergeable"], first["mergeable_state"]) == (True, "clean")
    alice.edit(BRANCH, "notes.md", "hand edit\n")
    after_push = alice.pull(number)
    assert (after_push["mergeable"], after_push["mergeable_state"]) == (None, "unknown")
    assert alice.pull(number)["mergeable"] is True
    # A push straight into the repository (git push, not the API) is noticed just the same.
    gitx(fake, "update-ref", f"refs/heads/{BRANCH}", gitx(fake, "rev-parse", f"{BRANCH}~1"))
    assert alice.pull(number)["mergeable"] is None
    assert [e["action"] for e in fake.events].count("synchronize") == 2


def test_protection_blocks_until_approved_and_drops_stale_approvals(
    fake: FakeGitHub, bot: Person, alice: Person
) -> None:
    fake.protection["main"] = {"required_approving_review_count": 1, "dismiss_stale_reviews": True}
    number = promote(bot)
    alice.pull(number)
    assert alice.pull(number)["mergeable_state"] == "blocked"
    with pytest.raises(Refused) as blocked:
        alice.merge(number)
    assert blocked.value.body["message"] == (
        "At least 1 approving review is required by reviewers with write access."
    )
    reader = Person.join(fake, "visitor", "read")
    reader.approve(number)  # a reader's approval does not count
    assert alice.pull(number)["mergeable_state"] == "blocked"
    alice.approve(number)
    assert alice.pull(number)["mergeable_state"] == "clean"

    bot_commit(bot, BRANCH, "main", {VERSION: "version: 5\nbatch_size: 32\n"}, "v5")
    states = {r["user"]["login"]: r["state"] for r in alice.reviews(number)}
    assert states == {"visitor": "DISMISSED", "alice": "DISMISSED"}
    fake.protection["main"]["dismiss_stale_reviews"] = False
    alice.approve(number)
    bot_commit(bot, BRANCH, "main", {VERSION: "version: 6\nbatch_size: 32\n"}, "v6")
    assert alice.reviews(number)[-1]["state"] == "APPROVED"  # an approval of v5 stands for v6
    assert alice.merge(number) == fake.branch_sha("main")


# -- closing and reopening -------------------------------------------------------------------


def test_close_and_reopen_follow_githubs_rules(
    fake: FakeGitHub, bot: Person, alice: Person
) -> None:
    number = promote(bot)
    closed = alice.close(number)
    assert closed["state"] == "closed" and closed["merged"] is False
    assert bot.call("GET", "/pulls?state=open") == []
    assert alice.reopen(number)["state"] == "open"
    alice.close(number)
    alice.edit(BRANCH, "notes.md", "a fast-forward keeps it reopenable\n")
    alice.reopen(number)
    alice.close(number)

    alice.amend(BRANCH, {"notes.md": "rewritten\n"})
    with pytest.raises(Refused) as forced:
        alice.reopen(number)
    assert forced.value.body["errors"] == [
        {
            "resource": "PullRequest",
            "code": "custom",
            "message": (
                f"state cannot be changed. The {BRANCH} branch was force-pushed or recreated."
            ),
            "field": "state",
        }
    ]
    alice.delete_branch(BRANCH)
    with pytest.raises(Refused) as deleted:
        alice.reopen(number)
    assert deleted.value.status == 422
    assert deleted.value.body["errors"][0]["message"] == (
        f"state cannot be changed. The {BRANCH} branch has been deleted."
    )
    actions = [e["action"] for e in fake.events if e["event"] == "pull_request"]
    # Reopened after a push: the new head is noticed as a synchronize.
    expected = ["opened", "closed", "reopened", "closed", "reopened", "synchronize", "closed"]
    assert actions == expected
    merged = promote(bot, 5)
    alice.merge(merged)
    with pytest.raises(Refused) as after_merge:
        alice.reopen(merged)
    assert "has been merged" in after_merge.value.body["errors"][0]["message"]
    assert event_payload(fake, fake.events[-1])["pull_request"]["merged"] is True


def test_delete_branch_on_merge(fake: FakeGitHub, bot: Person, alice: Person, root: Person) -> None:
    root.settings(delete_branch_on_merge=True)
    number = promote(bot)
    alice.merge(number, "squash")
    assert fake.branch_sha(BRANCH) is None
    with pytest.raises(Refused):
        alice.reopen(number)


# -- hand commits and amended bot commits ----------------------------------------------------


def test_hand_commits_and_amends_keep_or_change_the_author(
    fake: FakeGitHub, bot: Person, alice: Person
) -> None:
    number = promote(bot)
    bots = fake.pulls[number]["head_sha"]
    bot_author = gitx(fake, "log", "-1", "--format=%an|%ae|%at", bots)
    hand = alice.edit(BRANCH, VERSION, "version: 4\nbatch_size: 64\n", "Batch size 64")
    assert gitx(fake, "log", "-1", "--format=%P|%an|%cn", hand) == f"{bots}|alice|alice"
    assert alice.pull(number)["head"]["sha"] == hand
    assert alice.pull(number)["commits"] == 2

    # git reset --hard HEAD~1 && git push --force: back to the bot's commit alone.
    alice.call("PATCH", f"/git/refs/heads/{BRANCH}", sha=bots, force=True)
    kept = alice.amend(BRANCH, {VERSION: "version: 4\nbatch_size: 16\n"})  # --amend --no-edit
    assert gitx(fake, "log", "-1", "--format=%an|%ae|%at", kept) == bot_author
    assert gitx(fake, "log", "-1", "--format=%cn|%B", kept).startswith("alice|Promote fraud")
    assert gitx(fake, "rev-parse", f"{kept}^{{tree}}") != gitx(
        fake, "rev-parse", f"{bots}^{{tree}}"
    )
    assert gitx(fake, "log", "-1", "--format=%P", kept) == gitx(fake, "rev-parse", "main")
    assert gitx(fake, "show", f"{kept}:{VERSION}") == "version: 4\nbatch_size: 16"
    pushes = [e for e in fake.events if e["action"] == "synchronize"]
    assert [e["sender"] for e in pushes] == ["alice", "alice", "alice"]
    reset = alice.amend(BRANCH, {VERSION: "version: 4\nbatch_size: 8\n"}, keep_author=False)
    assert gitx(fake, "log", "-1", "--format=%an|%cn", reset) == "alice|alice"
    # Rewritten commits stay in the object store, as on GitHub: nothing is garbage collected.
    assert gitx(fake, "cat-file", "-t", hand) == "commit"


# -- compare-and-swap on refs ----------------------------------------------------------------


def test_ref_updates_are_compare_and_swap(fake: FakeGitHub, bot: Person, alice: Person) -> None:
    promote(bot)
    base = fake.branch_sha(BRANCH)
    tree = bot.call("GET", f"/git/commits/{base}")["tree"]["sha"]
    siblings = [
        bot.call("POST", "/git/commits", message=f"racer {i}", tree=tree, parents=[base])["sha"]
        for i in range(2)
    ]
    barrier, answers = threading.Barrier(2), []

    def push(sha: str) -> None:
        barrier.wait()
        try:
            bot.call("PATCH", f"/git/refs/heads/{BRANCH}", sha=sha)
            answers.append(("ok", sha))
        except Refused as refused:
            answers.append((refused.body["message"], sha))

    threads = [threading.Thread(target=push, args=(sha,)) for sha in siblings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winner = [sha for what, sha in answers if what == "ok"]
    assert len(winner) == 1 and fake.branch_sha(BRANCH) == winner[0]
    assert [what for what, _ in answers if what != "ok"] == ["Update is not a fast forward"]
    with pytest.raises(Refused) as backwards:
        alice.call("PATCH", f"/git/refs/heads/{BRANCH}", sha=base)
    assert backwards.value.body["message"] == "Update is not a fast forward"
    # The swap itself compares: a writer whose expected value is stale loses.
    loser = next(sha for sha in siblings if sha != winner[0])
    assert fake.git.update_ref(f"refs/heads/{BRANCH}", base, loser) is False
    assert fake.branch_sha(BRANCH) == winner[0]
