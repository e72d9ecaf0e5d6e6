"""The GitHub fake, exercised the way the bot uses it: PyGithub over real HTTP, real Git."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from github import Auth, BadCredentialsException, Github, GithubException, InputGitTreeElement
from github.GitCommit import GitCommit
from github.Repository import Repository

from tests.rig.fake_github import ApiError, FakeGitHub
from tests.rig.repos import commit_all, git

TOKEN = "ghs_fake_installation_token"
PROD = "overlays/prod/kustomization.yaml"
REFS = "POST /repos/{owner}/{repo}/git/refs"
PULLS = "GET /repos/{owner}/{repo}/pulls"


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeGitHub]:
    worktree = tmp_path / "seed"
    (worktree / "overlays" / "prod").mkdir(parents=True)
    (worktree / PROD).write_text("images:\n  - name: model\n    newTag: v1\n")
    (worktree / "README.md").write_text("# gitops\n")
    git(worktree, "init", "-q", "-b", "main")
    commit_all(worktree, "Initial layout")
    with FakeGitHub(tmp_path / "github", token=TOKEN) as started:
        started.seed(worktree)
        yield started
    assert started.errors == []


def client(fake: FakeGitHub, token: str = TOKEN, **kwargs: object) -> Github:
    return Github(
        base_url=fake.base_url,
        auth=Auth.Token(token),
        seconds_between_requests=0,
        seconds_between_writes=0,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def repo(fake: FakeGitHub) -> Repository:
    return client(fake).get_repo("acme/gitops")


def bump(repo: Repository, branch: str, tag: str) -> str:
    """One commit on top of main changing the prod overlay, published as a new ``branch``."""
    base = repo.get_git_commit(repo.get_branch("main").commit.sha)
    element = InputGitTreeElement(PROD, "100644", "blob", content=f"newTag: {tag}\n")
    tree = repo.create_git_tree([element], base.tree)
    commit = repo.create_git_commit(f"Bump to {tag}", tree, [base])
    repo.create_git_ref(f"refs/heads/{branch}", commit.sha)
    return str(commit.sha)


def clone(fake: FakeGitHub, dest: Path) -> Path:
    subprocess.run(["git", "clone", "-q", fake.git_url, str(dest)], check=True)
    return dest


def api(
    fake: FakeGitHub, method: str, path: str, token: str = TOKEN, **kw: object
) -> requests.Response:
    headers = {"Authorization": f"token {token}"}
    return requests.request(method, f"{fake.base_url}{path}", headers=headers, timeout=10, **kw)  # type: ignore[arg-type]


# -- Git data -------------------------------------------------------------------------------


def test_blob_tree_commit_ref_for_nested_path_land_in_a_real_repository(
    fake: FakeGitHub, repo: Repository, tmp_path: Path
) -> None:
    main = repo.get_branch("main").commit
    blob = repo.create_git_blob("kind: ConfigMap\n", "utf-8")
    elements = [
        InputGitTreeElement("overlays/staging/config.yaml", "100644", "blob", sha=blob.sha),
        InputGitTreeElement(PROD, "100644", "blob", content="newTag: v2\n"),
        InputGitTreeElement("README.md", "100644", "blob", sha=None),  # sha None deletes
    ]
    tree = repo.create_git_tree(elements, repo.get_git_tree(main.commit.tree.sha))
    assert {e.path for e in tree.tree} == {"overlays"}
    parent = GitCommit(repo.requester, {}, {"sha": main.sha}, completed=True)
    commit = repo.create_git_commit("Promote v2\n\nModel-Version: 2", tree, [parent])
    ref = repo.create_git_ref("refs/heads/promote/fraud/prod", commit.sha)
    assert ref.url == f"{fake.repo_api}/git/refs/heads/promote/fraud/prod"
    assert repo.get_git_ref("heads/promote/fraud/prod").object.sha == commit.sha

    work = clone(fake, tmp_path / "clone")
    branch = "origin/promote/fraud/prod"
    assert git(work, "log", "--format=%s|%an|%cn", branch).splitlines() == [
        "Promote v2|promotion-bot[bot]|GitHub",
        "Initial layout|Test User|Test User",
    ]
    assert git(work, "show", f"{branch}:{PROD}") == "newTag: v2\n"
    assert git(work, "show", f"{branch}:overlays/staging/config.yaml") == "kind: ConfigMap\n"
    assert "README.md" not in git(work, "ls-tree", "-r", "--name-only", branch)
    assert fake.file_at("promote/fraud/prod", PROD) == "newTag: v2\n"
    recursive = repo.get_git_tree(commit.tree.sha, recursive=True)
    assert {e.path for e in recursive.tree} >= {"overlays/prod", PROD}


def test_ref_errors_carry_githubs_status_and_message(fake: FakeGitHub, repo: Repository) -> None:
    first = bump(repo, "promote/a", "v2")
    with pytest.raises(GithubException) as exists:
        repo.create_git_ref("refs/heads/promote/a", first)
    assert exists.value.status == 422
    assert exists.value.data["message"] == "Reference already exists"
    assert exists.value.data["documentation_url"].startswith(
        "https://docs.github.com/rest/git/refs"
    )

    sibling = bump(repo, "promote/b", "v3")  # not a descendant of promote/a
    ref = repo.get_git_ref("heads/promote/a")
    with pytest.raises(GithubException) as non_ff:
        ref.edit(sibling)
    assert (non_ff.value.status, non_ff.value.data["message"]) == (
        422,
        "Update is not a fast forward",
    )
    ref.edit(sibling, force=True)
    assert fake.branch_sha("promote/a") == sibling

    ref.delete()
    assert fake.branch_sha("promote/a") is None
    gone = api(fake, "DELETE", "/repos/acme/gitops/git/refs/heads/promote/a")
    assert (gone.status_code, gone.json()["message"]) == (422, "Reference does not exist")


def test_concurrent_ref_creation_has_exactly_one_winner(fake: FakeGitHub) -> None:
    sha = fake.branch_sha("main")
    barrier, statuses = threading.Barrier(2), []

    def create() -> None:
        barrier.wait()
        body = {"ref": "refs/heads/promote/race", "sha": sha}
        statuses.append(api(fake, "POST", "/repos/acme/gitops/git/refs", json=body).status_code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 422]
    assert fake.count("POST", REFS) == 2


def test_app_token_commits_are_verified_others_are_not(fake: FakeGitHub, repo: Repository) -> None:
    main = repo.get_git_commit(fake.branch_sha("main") or "")
    signed = repo.create_git_commit("by the app", main.tree, [main])
    assert signed.raw_data["verification"]["verified"] is True
    assert signed.raw_data["verification"]["reason"] == "valid"
    assert signed.author.email.endswith("+promotion-bot[bot]@users.noreply.github.com")
    assert signed.committer.email == "noreply@github.com"

    fake.users["ghp_personal"] = "alice"
    as_user = client(fake, "ghp_personal").get_repo("acme/gitops")
    unsigned = as_user.create_git_commit("by a person", main.tree, [main])
    assert unsigned.raw_data["verification"]["verified"] is False
    assert unsigned.raw_data["verification"]["reason"] == "unsigned"
    assert unsigned.author.name == "alice"
    fetched = repo.get_commit(signed.sha)
    assert fetched.commit.raw_data["verification"]["verified"] is True


# -- pull requests --------------------------------------------------------------------------


def test_pull_request_422s(fake: FakeGitHub, repo: Repository) -> None:
    bump(repo, "promote/x/prod", "v2")
    pr = repo.create_pull(base="main", head="promote/x/prod", title="Promote", body="body")
    # As on GitHub: unknown in the answer to the creation, computed for later reads.
    assert pr.head.repo.full_name == "acme/gitops" and pr.mergeable is None
    assert repo.get_pull(pr.number).mergeable is True
    with pytest.raises(GithubException) as duplicate:
        repo.create_pull(base="main", head="acme:promote/x/prod", title="again", body="")
    assert duplicate.value.status == 422
    assert duplicate.value.data["message"] == "Validation Failed"
    assert duplicate.value.data["errors"] == [
        {
            "resource": "PullRequest",
            "code": "custom",
            "message": "A pull request already exists for acme:promote/x/prod.",
        }
    ]
    repo.create_git_ref("refs/heads/same", fake.branch_sha("main") or "")
    with pytest.raises(GithubException) as empty:
        repo.create_pull(base="main", head="same", title="nothing", body="")
    assert empty.value.data["errors"][0]["message"] == "No commits between main and same"
    with pytest.raises(ApiError):
        fake.open_pr("promote/x/prod", "main", "helper applies the same rules")


def test_merge_writes_a_real_merge_commit_on_main(
    fake: FakeGitHub, repo: Repository, tmp_path: Path
) -> None:
    head = bump(repo, "promote/x/prod", "v2")
    pr = repo.get_pull(fake.open_pr("promote/x/prod", "main", "Promote v2")["number"])
    with pytest.raises(GithubException) as moved:
        pr.merge(sha="0" * 40)
    assert moved.value.status == 409
    result = pr.merge(merge_method="merge", sha=head)
    assert result.merged and fake.branch_sha("main") == result.sha

    work = clone(fake, tmp_path / "clone")
    parents = git(work, "log", "-1", "--format=%P", "origin/main").split()
    assert parents[1] == head
    assert git(work, "log", "-1", "--format=%s", "origin/main").strip() == (
        "Merge pull request #1 from acme/promote/x/prod"
    )
    assert git(work, "show", f"origin/main:{PROD}") == "newTag: v2\n"
    assert fake.pulls[1]["merged"] and fake.pulls[1]["state"] == "closed"
    with pytest.raises(GithubException) as again:
        repo.get_pull(1).merge()
    assert (again.value.status, again.value.data["message"]) == (
        405,
        "Pull Request is not mergeable",
    )


def test_squash_merge_has_one_parent(fake: FakeGitHub, repo: Repository) -> None:
    bump(repo, "promote/sq", "v9")
    number = fake.open_pr("promote/sq", "main", "Squash me")["number"]
    sha = repo.get_pull(number).merge(merge_method="squash").sha
    info = fake.git.read_commit(sha)
    # GitHub's default for one commit: that commit's title (COMMIT_OR_PR_TITLE).
    assert len(info.parents) == 1 and info.message.startswith(f"Bump to v9 (#{number})")
    assert fake.file_at("main", PROD) == "newTag: v9\n"


def test_pagination_over_many_pull_requests(fake: FakeGitHub, repo: Repository) -> None:
    tip = bump(repo, "promote/base", "v2")
    lines = "".join(f"create refs/heads/promote/{i:03d} {tip}\n" for i in range(120))
    subprocess.run(
        ["git", f"--git-dir={fake.bare_path}", "update-ref", "--stdin"],
        input=lines.encode(),
        check=True,
    )
    for i in range(120):
        fake.open_pr(f"promote/{i:03d}", "main", f"PR {i}")
    fake.reset_log()

    pulls = client(fake, per_page=100).get_repo("acme/gitops").get_pulls(state="open")
    numbers = [pr.number for pr in pulls]
    assert len(numbers) == 120 and numbers[0] == 120  # newest first
    assert fake.count("GET", PULLS) == 2
    pages = [
        parse_qs(urlsplit(r.path).query).get("page") for r in fake.requests if r.route == PULLS
    ]
    assert pages == [None, ["2"]]

    middle = api(fake, "GET", "/repos/acme/gitops/pulls?per_page=50&page=2")
    links = requests.utils.parse_header_links(middle.headers["Link"])
    rels = {link["rel"]: link["url"] for link in links}
    assert set(rels) == {"prev", "next", "last", "first"}
    assert rels["last"] == f"{fake.repo_api}/pulls?per_page=50&page=3"
    assert len(middle.json()) == 50
    assert (
        "Link" not in api(fake, "GET", "/repos/acme/gitops/pulls?per_page=100&head=acme:x").headers
    )


def test_comments_labels_reactions_and_reviewers(fake: FakeGitHub, repo: Repository) -> None:
    bump(repo, "promote/c", "v2")
    pr = repo.get_pull(fake.open_pr("promote/c", "main", "Promote")["number"])
    pr.add_to_labels("model-promotion")
    assert [label["name"] for label in fake.pulls[pr.number]["labels"]] == ["model-promotion"]
    pr.create_review_request(reviewers=["alice"], team_reviewers=["ml-owners"])
    users, teams = pr.get_review_requests()
    assert [u.login for u in users] == ["alice"] and [t.slug for t in teams] == ["ml-owners"]

    human = fake.add_comment(pr.number, "alice", "/promote approve")
    mine = pr.create_issue_comment("Updated to v3")
    assert [c.body for c in pr.get_issue_comments()] == ["/promote approve", "Updated to v3"]
    assert fake.comments[pr.number][1]["user"] == "promotion-bot[bot]"
    comment = repo.get_issue(pr.number).get_comment(human["id"])
    assert comment.create_reaction("+1").content == "+1"
    again = api(fake, "POST", f"/repos/acme/gitops/issues/comments/{human['id']}/reactions",
                json={"content": "+1"})  # fmt: skip
    assert again.status_code == 200
    assert [r["content"] for r in fake.reactions[human["id"]]] == ["+1"]
    mine.edit("Updated to v4")
    assert repo.get_issue(pr.number).get_comment(mine.id).body == "Updated to v4"

    issue = repo.get_issue(fake.open_issue("Plain issue", "no PR")["number"])
    assert issue.pull_request is None and issue.title == "Plain issue"


def test_permissions_and_team_membership(fake: FakeGitHub, repo: Repository) -> None:
    fake.permissions.update({"alice": "maintain", "mallory": "none"})
    fake.teams[("acme", "ml-owners")] = {"alice"}
    assert repo.get_collaborator_permission("alice") == "write"  # legacy field
    assert repo.get_collaborator_role_name("alice") == "maintain"
    assert repo.get_collaborator_permission("mallory") == "none"
    assert repo.get_collaborator_permission("stranger") == "read"
    member = api(fake, "GET", "/orgs/acme/teams/ml-owners/memberships/alice")
    assert member.json() | {"url": ""} == {"url": "", "role": "member", "state": "active"}
    assert api(fake, "GET", "/orgs/acme/teams/ml-owners/memberships/bob").status_code == 404


# -- reads ----------------------------------------------------------------------------------


def test_history_since_and_until_filter_by_commit_date(
    fake: FakeGitHub, repo: Repository, tmp_path: Path
) -> None:
    work = clone(fake, tmp_path / "work")
    now = int(time.time())
    for days in (1, 2):  # two later commits, dated a day and two days from now
        (work / PROD).write_text(f"newTag: v{days + 1}\n")
        stamp = f"@{now + days * 86400} +0000"
        env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        subprocess.run(
            ["git", "-C", str(work), "commit", "-qam", f"day {days}"], env=env, check=True
        )
    fake.seed(work)

    def messages(**dates: int) -> list[str]:
        stamps = {k: datetime.fromtimestamp(now + v, timezone.utc) for k, v in dates.items()}
        return [c.commit.message for c in repo.get_commits(path=PROD, **stamps)]

    assert messages() == ["day 2", "day 1", "Initial layout"]
    assert messages(since=36 * 3600) == ["day 2"]
    assert messages(since=12 * 3600) == ["day 2", "day 1"]
    assert messages(until=36 * 3600) == ["day 1", "Initial layout"]
    assert messages(since=12 * 3600, until=36 * 3600) == ["day 1"]
    bad = api(fake, "GET", "/repos/acme/gitops/commits?since=yesterday")
    assert bad.status_code == 422 and "since" in bad.json()["message"]


def test_contents_history_and_compare(fake: FakeGitHub, repo: Repository) -> None:
    bump(repo, "promote/h", "v2")
    listing = repo.get_contents("overlays/prod", ref="promote/h")
    assert isinstance(listing, list) and [c.path for c in listing] == [PROD]
    assert repo.get_contents(PROD, ref="promote/h").decoded_content == b"newTag: v2\n"
    assert [c.commit.message for c in repo.get_commits(sha="promote/h", path=PROD)] == [
        "Bump to v2",
        "Initial layout",
    ]
    assert repo.get_commits(sha="promote/h", path="README.md").totalCount == 1
    detail = repo.get_commit(fake.branch_sha("promote/h") or "")
    (changed,) = detail.files
    assert (changed.filename, changed.status) == (PROD, "modified")
    assert "+newTag: v2" in changed.patch
    comparison = repo.compare("main", "promote/h")
    assert (comparison.status, comparison.ahead_by, comparison.behind_by) == ("ahead", 1, 0)
    assert [f.filename for f in comparison.files] == [PROD]


# -- protocol: errors, auth, rate limits, the request log, faults ---------------------------


def test_not_found_bodies_and_unmatched_requests(fake: FakeGitHub, repo: Repository) -> None:
    with pytest.raises(GithubException) as missing:
        repo.get_contents("nope.yaml")
    assert missing.value.status == 404
    assert missing.value.data == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content",
        "status": "404",
    }
    assert api(fake, "GET", "/repos/other/repo").status_code == 404
    assert fake.unmatched == []

    odd = api(fake, "POST", "/repos/acme/gitops/forks", json={})
    assert odd.status_code == 404
    assert odd.json()["message"] == (
        "Not Found (fake GitHub does not implement POST /api/v3/repos/acme/gitops/forks)"
    )
    assert fake.unmatched == ["POST /api/v3/repos/acme/gitops/forks"]
    fake.unmatched.clear()  # the fixture-style check below would otherwise fail on purpose


def test_authentication(fake: FakeGitHub) -> None:
    with pytest.raises(BadCredentialsException):
        client(fake, "wrong").get_repo("acme/gitops").default_branch  # noqa: B018
    assert requests.get(f"{fake.base_url}/repos/acme/gitops", timeout=5).status_code == 401
    fake.users["ghp_personal"] = "alice"
    assert client(fake, "ghp_personal").get_user().login == "alice"
    forbidden = api(fake, "GET", "/user")  # an App installation token is not a user
    assert (forbidden.status_code, forbidden.json()["message"]) == (
        403,
        "Resource not accessible by integration",
    )


def test_rate_limit_headers_count_down(fake: FakeGitHub, repo: Repository) -> None:
    gh = client(fake)
    gh.get_repo("acme/gitops").get_branch("main")
    remaining, limit = gh.rate_limiting
    assert limit == 5000 and remaining < 5000
    assert gh.rate_limiting_resettime > 0
    response = api(fake, "GET", "/repos/acme/gitops/branches/nope")
    assert response.status_code == 404
    assert int(response.headers["X-RateLimit-Remaining"]) == remaining - 1
    assert int(response.headers["X-RateLimit-Used"]) == 5000 - remaining + 1
    assert response.headers["X-RateLimit-Resource"] == "core"
    assert gh.get_rate_limit().resources.core.remaining == remaining - 1  # /rate_limit is free


def test_request_log(fake: FakeGitHub, repo: Repository) -> None:
    fake.reset_log()
    bump(repo, "promote/log", "v2")
    assert fake.count("POST") == 3
    assert fake.count(route="POST /repos/{owner}/{repo}/git/trees") == 1
    assert fake.count("POST", "/repos/{owner}/{repo}/git/commits") == 1
    assert [r.route for r in fake.writes()][-1] == REFS
    tree = next(r for r in fake.requests if r.route.endswith("/git/trees"))
    assert b"newTag: v2" in tree.body
    assert TOKEN not in str(tree.headers) and tree.login == "promotion-bot[bot]"


def test_injected_faults(fake: FakeGitHub, repo: Repository) -> None:
    fake.inject("GET", "GET /repos/{owner}/{repo}/branches/{branch}", 502)
    assert repo.get_branch("main").name == "main"  # PyGithub's GithubRetry retries the 502
    statuses = [r.status for r in fake.requests if r.route.endswith("{branch}")]
    assert statuses == [502, 200]

    fake.inject("POST", REFS, 403, headers={"Retry-After": "0"})
    bump(repo, "promote/after-limit", "v2")  # secondary rate limit: retried after Retry-After
    assert [r.status for r in fake.requests if r.route == REFS] == [403, 201]

    fake.inject("*", "*", 429, times=2)
    with pytest.raises(GithubException) as limited:
        repo.get_pulls().totalCount  # noqa: B018
    assert limited.value.status == 429
    assert "secondary rate limit" in limited.value.data["message"]
    assert api(fake, "GET", "/repos/acme/gitops").status_code == 429
    assert api(fake, "GET", "/repos/acme/gitops").status_code == 200


def test_an_applied_fault_keeps_the_effect_and_loses_the_answer(
    fake: FakeGitHub, repo: Repository
) -> None:
    """A POST that took effect behind a 502: what a retry without a check would duplicate."""
    issue = fake.open_issue("Promote v4")["number"]
    route = "POST /repos/{owner}/{repo}/issues/{number}/comments"
    fake.inject("POST", route, 502, applied=True)
    lost = api(fake, "POST", f"/repos/acme/gitops/issues/{issue}/comments", json={"body": "hi"})
    assert lost.status_code == 502 and lost.json()["message"] == "Server Error"
    assert [c["body"] for c in fake.comments[issue]] == ["hi"]
    again = api(fake, "POST", f"/repos/acme/gitops/issues/{issue}/comments", json={"body": "hi"})
    assert again.status_code == 201 and len(fake.comments[issue]) == 2
