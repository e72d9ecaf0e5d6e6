"""The fake's GraphQL endpoint, over real HTTP and real Git, and the bot's queries against it."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.errors import UserError
from bot.platform.github import graphql_answers as answers
from bot.platform.github import graphql_commit as commits
from bot.platform.github import graphql_queries as queries
from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake import graphql_points, graphql_schema
from tests.rig.github_rig import TOKEN
from tests.rig.repos import commit_all, git

REPO = "acme/gitops"
PROD = "overlays/prod/kustomization.yaml"
SCHEMA_DIR = Path(graphql_schema.__file__).parent / "schema"


@pytest.fixture
def fake(fake_github: FakeGitHub, tmp_path: Path) -> FakeGitHub:
    """The fake seeded with two overlays and a README, two commits deep."""
    worktree = tmp_path / "seed"
    (worktree / "overlays" / "prod").mkdir(parents=True)
    (worktree / "README.md").write_text("# gitops\n")
    git(worktree, "init", "-q", "-b", "main")
    commit_all(worktree, "Layout")
    (worktree / PROD).write_text("images:\n  - name: model\n    newTag: v1\n")
    commit_all(worktree, "Prod overlay")
    fake_github.seed(worktree)
    return fake_github


def post(fake: FakeGitHub, query: str, token: str = TOKEN, **variables: Any) -> requests.Response:
    body = {"query": query, "variables": variables}
    return requests.post(
        f"{fake.host_url}/api/graphql", json=body, headers={"Authorization": f"bearer {token}"}
    )


def gql(fake: FakeGitHub, query: str, **variables: Any) -> dict[str, Any]:
    answer = post(fake, query, **variables)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def branch(fake: FakeGitHub, name: str, ahead: bool = False) -> str:
    """A new branch at main, or (``ahead``) one empty commit past it, as a PR's head needs."""
    sha = fake.branch_sha("main")
    assert sha is not None
    if ahead:
        tree, who = fake.git.resolve(sha, "tree"), fake.ident("promotion-bot[bot]")
        assert tree is not None
        sha = fake.git.commit_tree(tree, [sha], f"Work on {name}\n", who, who)
    assert fake.git.update_ref(f"refs/heads/{name}", sha, None)
    return sha


def open_prs(fake: FakeGitHub, *heads: str) -> None:
    for head in heads:
        branch(fake, head, ahead=True)
        fake.open_pr(head, "main", f"Promote {head}", body=f"body of {head}")


# -- the schema -----------------------------------------------------------------------------


def test_vendored_schema_matches_its_readme() -> None:
    readme = (SCHEMA_DIR / "README.md").read_text()
    digest = hashlib.sha256((SCHEMA_DIR / "schema.graphql").read_bytes()).hexdigest()
    assert f"`{digest}`" in readme
    assert "`@octokit/graphql-schema@15.26.1`" in readme
    assert graphql_schema.schema().get_type("CreateCommitOnBranchInput") is not None


# -- reads ----------------------------------------------------------------------------------

READ = """query($path: String!, $expr: String!) {
  repository(owner: "acme", name: "gitops") {
    defaultBranchRef { name target { oid } }
    ref(qualifiedName: "refs/heads/main") {
      target { oid ... on Commit { tree { oid } committedDate
        history(first: 10, path: $path) { totalCount nodes { oid messageHeadline } } } }
    }
    object(expression: $expr) { ... on Blob { text byteSize isBinary isTruncated oid } }
    missing: object(expression: "main:nope.yaml") { oid }
  }
}"""


def test_reads_come_from_the_real_git_objects(fake: FakeGitHub) -> None:
    head = fake.branch_sha("main")
    repo = gql(fake, READ, path=PROD, expr=f"main:{PROD}")["data"]["repository"]
    assert repo["defaultBranchRef"] == {"name": "main", "target": {"oid": head}}
    target = repo["ref"]["target"]
    assert target["oid"] == head
    assert target["tree"]["oid"] == git(fake.bare_path, "rev-parse", "main^{tree}").strip()
    history = target["history"]
    assert history["totalCount"] == 1  # the README-only commit did not touch the overlay
    assert history["nodes"] == [{"oid": head, "messageHeadline": "Prod overlay"}]
    text = fake.file_at("main", PROD)
    assert text is not None
    blob_oid = git(fake.bare_path, "rev-parse", f"main:{PROD}").strip()
    assert repo["object"] == {
        "text": text,
        "byteSize": len(text.encode()),
        "isBinary": False,
        "isTruncated": False,
        "oid": blob_oid,
    }
    assert repo["missing"] is None


def test_history_since_filters_by_commit_date(fake: FakeGitHub) -> None:
    query = """query($since: GitTimestamp) { repository(owner: "acme", name: "gitops") {
      ref(qualifiedName: "main") { target { ... on Commit {
        history(first: 5, since: $since) { totalCount } } } } } }"""
    everything = gql(fake, query, since="2000-01-01T00:00:00Z")["data"]
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    future = gql(fake, query, since=tomorrow.strftime("%Y-%m-%dT%H:%M:%SZ"))["data"]
    assert everything["repository"]["ref"]["target"]["history"]["totalCount"] == 2
    assert future["repository"]["ref"]["target"]["history"]["totalCount"] == 0


def test_open_pull_requests_page_by_cursor_with_their_fields(fake: FakeGitHub) -> None:
    open_prs(fake, *(f"promote/model-{n}" for n in range(5)))
    fake.pulls[1]["labels"].append({"id": 7, "name": "promotion", "color": "ededed"})
    fake.pulls[1]["requested_reviewers"].append("alice")
    fake.pulls[1]["requested_teams"].append("ml-platform")
    fake.pulls[2]["state"] = "closed"
    query = """query($after: String) { repository(owner: "acme", name: "gitops") {
      pullRequests(states: [OPEN], baseRefName: "main", first: 2, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { number title body headRefName headRefOid isCrossRepository mergeable
          headRepository { nameWithOwner } labels(first: 5) { nodes { name } }
          reviewRequests(first: 5) { nodes { requestedReviewer {
            ... on User { login } ... on Team { slug } } } }
          reviews(first: 1) { totalCount } } } } }"""
    seen, after, pages = [], None, 0
    while True:
        conn = gql(fake, query, after=after)["data"]["repository"]["pullRequests"]
        seen += conn["nodes"]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert pages == 2
    assert [pr["number"] for pr in seen] == [1, 3, 4, 5]
    first = seen[0]
    assert first["headRefName"] == "promote/model-0"
    assert first["headRefOid"] == fake.branch_sha("promote/model-0")
    assert first["labels"] == {"nodes": [{"name": "promotion"}]}
    reviewers = [r["requestedReviewer"] for r in first["reviewRequests"]["nodes"]]
    assert reviewers == [{"login": "alice"}, {"slug": "ml-platform"}]
    assert first["headRepository"] == {"nameWithOwner": REPO}
    assert (first["isCrossRepository"], first["mergeable"]) == (False, "MERGEABLE")
    assert first["reviews"] == {"totalCount": 0}


# -- what GitHub would refuse ---------------------------------------------------------------

REPO_SEL = 'repository(owner: "acme", name: "gitops")'


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"{{ {REPO_SEL} {{ nope }} }}", "Field 'nope' doesn't exist on type 'Repository'"),
        (
            f'{{ {REPO_SEL} {{ ref(name: "main") {{ name }} }} }}',
            "Field 'ref' doesn't accept argument 'name'",
        ),
        (
            '{ repository(owner: "acme") { name } }',
            "Field 'repository' is missing required arguments: name",
        ),
        (
            f"{{ {REPO_SEL} {{ pullRequests(states: [OPEN]) {{ nodes {{ number }} }} }} }}",
            "You must provide a `first` or `last` value to properly paginate the `pullRequests` "
            "connection.",
        ),
        (
            f"{{ {REPO_SEL} {{ pullRequests(first: 101) {{ nodes {{ number }} }} }} }}",
            "Requesting 101 records on the `pullRequests` connection exceeds the `first` limit "
            "of 100 records.",
        ),
        (f'{{ {REPO_SEL} {{ pullRequests(first: "2") {{ totalCount }} }} }}', "Int cannot"),
        (
            f"{{ {REPO_SEL} {{ pullRequests(last: 0) {{ totalCount }} }} }}",
            "`last` on the `pullRequests` connection must be at least 1, not 0.",
        ),
        (f"{{ {REPO_SEL} {{ name ", "Syntax Error"),
    ],
)
def test_a_query_github_would_reject_fails(fake: FakeGitHub, query: str, expected: str) -> None:
    answer = gql(fake, query)
    assert "data" not in answer
    assert answer["errors"][0]["message"].startswith(expected)
    assert fake.count("POST", "/graphql") == 1


def test_a_rejection_has_githubs_shape(fake: FakeGitHub) -> None:
    query = f"""query Poll($unused: String) {{ {REPO_SEL} {{
      ref(qualifiedName: "main") {{ target {{ ... on Commit {{ nope }} }} }} }} }}"""
    errors = gql(fake, query)["errors"]
    assert errors[0] == {
        "path": ["query Poll", "repository", "ref", "target", "... on Commit", "nope"],
        "extensions": {"code": "undefinedField", "typeName": "Commit", "fieldName": "nope"},
        "locations": [{"line": 2, "column": 61}],
        "message": "Field 'nope' doesn't exist on type 'Commit'",
    }
    assert errors[1]["message"] == "Variable $unused is declared by Poll but not used"


def test_cursors_and_operation_names_are_checked(fake: FakeGitHub) -> None:
    query = f"""query Page($after: String) {{ {REPO_SEL} {{
      pullRequests(first: 1, after: $after) {{ nodes {{ number }} }} }} }}"""
    bogus = gql(fake, query, after="bm90IGEgY3Vyc29y")["errors"][0]
    assert bogus["type"] == "INVALID_CURSOR_ARGUMENTS"
    assert bogus["path"] == ["repository", "pullRequests"]
    body = {"query": query, "operationName": "Other"}
    headers = {"Authorization": f"bearer {TOKEN}"}
    other = requests.post(f"{fake.host_url}/api/graphql", json=body, headers=headers).json()
    assert other == {"errors": [{"message": 'No operation named "Other"'}]}


def test_missing_repository_is_not_found_with_a_null(fake: FakeGitHub) -> None:
    answer = gql(fake, '{ repository(owner: "acme", name: "other") { name } }')
    assert answer["data"] == {"repository": None}
    assert answer["errors"][0]["type"] == "NOT_FOUND"
    assert answer["errors"][0]["path"] == ["repository"]


def test_a_field_the_fake_does_not_serve_is_loud(fake: FakeGitHub) -> None:
    answer = gql(fake, f"{{ {REPO_SEL} {{ stargazerCount }} }}")
    assert "does not implement" in answer["errors"][0]["message"]
    assert fake.unmatched == ["GraphQL field Repository.stargazerCount"]
    fake.unmatched.clear()  # the fixture fails any test that leaves one


def test_authentication_is_required(fake: FakeGitHub) -> None:
    answer = requests.post(f"{fake.host_url}/api/graphql", json={"query": "{ rateLimit { cost } }"})
    assert answer.status_code == 401
    assert answer.json()["message"] == "This endpoint requires you to be authenticated."
    assert post(fake, "{ rateLimit { cost } }", token="wrong").status_code == 401


def test_injected_secondary_limit_answers_with_retry_after(fake: FakeGitHub) -> None:
    fake.inject("POST", "/graphql", 403, headers={"Retry-After": "7"})
    refused = post(fake, "{ rateLimit { cost } }")
    assert (refused.status_code, refused.headers["Retry-After"]) == (403, "7")
    assert "secondary rate limit" in refused.json()["message"]
    assert post(fake, "{ rateLimit { cost } }").status_code == 200


# -- nodes, cost and the points budget -----------------------------------------------------

# GitHub's documented examples, priced without running them (rateLimit(dryRun: true)).
DOC_SIMPLE = """query { viewer { repositories(first: 50) { edges { repository: node { name
  issues(first: 10) { totalCount edges { node { title bodyHTML } } } } } } } }"""
DOC_COMPLEX = """query { viewer { repositories(first: 50) { edges { repository: node { name
  pullRequests(first: 20) { edges { pullRequest: node { title
    comments(first: 10) { edges { comment: node { bodyHTML } } } } } }
  issues(first: 20) { totalCount edges { issue: node { title bodyHTML
    comments(first: 10) { edges { comment: node { bodyHTML } } } } } } } } }
  followers(first: 10) { edges { follower: node { login } } } } }"""
DOC_COST = """query { viewer { login repositories(first: 100) { edges { node { id
  issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id name } } } } } }
} } } } }"""


@pytest.mark.parametrize(
    ("query", "nodes", "cost"),
    [(DOC_SIMPLE, 550, 1), (DOC_COMPLEX, 22_060, 21), (DOC_COST, 305_100, 51)],
)
def test_nodes_and_cost_as_github_documents_them(
    fake: FakeGitHub, query: str, nodes: int, cost: int
) -> None:
    priced = query.rstrip()[:-1] + " rateLimit(dryRun: true) { cost nodeCount remaining } }"
    rate = gql(fake, priced)["data"]["rateLimit"]
    assert (rate["nodeCount"], rate["cost"]) == (nodes, cost)
    assert rate["remaining"] == graphql_points.DEFAULT_POINTS  # a dry run is free


def test_node_limit_is_enforced(fake: FakeGitHub) -> None:
    query = f"""{{ {REPO_SEL} {{ pullRequests(first: 100) {{ nodes {{
      labels(first: 100) {{ nodes {{
        pullRequests(first: 51) {{ nodes {{ number }} }} }} }} }} }} }} }}"""
    answer = gql(fake, query)
    assert "data" not in answer
    error = answer["errors"][0]
    assert error["type"] == "MAX_NODE_LIMIT_EXCEEDED"
    assert "up to 520,100 possible nodes" in error["message"]


def test_points_are_charged_per_token_and_run_out(fake: FakeGitHub) -> None:
    graphql_points.state(fake).limit = 4
    query = f"""{{ {REPO_SEL} {{ pullRequests(first: 100) {{
      nodes {{ labels(first: 1) {{ totalCount }} }} }} }}
      rateLimit {{ cost remaining used }} }}"""
    first = post(fake, query)
    assert first.json()["data"]["rateLimit"] == {"cost": 1, "remaining": 3, "used": 1}
    assert first.headers["X-RateLimit-Resource"] == "graphql"
    assert (first.headers["X-RateLimit-Remaining"], first.headers["X-RateLimit-Used"]) == ("3", "1")
    for _ in range(3):
        assert "errors" not in post(fake, query).json()
    spent = post(fake, query)
    assert spent.status_code == 200
    assert spent.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert spent.headers["X-RateLimit-Remaining"] == "0"
    assert fake.rate_limit_state(TOKEN)["used"] == 0  # REST's budget is a separate one


def test_the_call_log_prices_every_call_and_tells_reads_from_writes(fake: FakeGitHub) -> None:
    head = branch(fake, "promote/x")
    gql(fake, f"{{ {REPO_SEL} {{ pullRequests(first: 100) {{ nodes {{ number }} }} }} }}")
    gql(fake, f"{{ {REPO_SEL} {{ pullRequests(first: 101) {{ nodes {{ number }} }} }} }}")
    gql(fake, COMMIT, input=commit_input(head))
    summary = graphql_points.state(fake).summary()
    assert summary == {
        "queries": 1,
        "mutations": 1,
        "refused": 1,
        "points": 2,
        "max_nodes": 100,
    }
    kinds = [graphql_schema.is_mutation(r.body) for r in fake.requests]
    assert kinds == [False, False, True]


# -- writes ---------------------------------------------------------------------------------

COMMIT = """mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) {
  commit { oid message signature { isValid } }
  ref { name target { oid } } } }"""


def commit_input(head: str, **changes: Any) -> dict[str, Any]:
    return {
        "branch": {"repositoryNameWithOwner": REPO, "branchName": "promote/x"},
        "message": {"headline": "Promote model 3", "body": "Why: gates passed."},
        "fileChanges": changes,
        "expectedHeadOid": head,
    }


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_create_commit_on_branch_writes_one_real_commit(fake: FakeGitHub) -> None:
    head = branch(fake, "promote/x")
    changes = {
        "additions": [{"path": PROD, "contents": b64("newTag: v2\n")}],
        "deletions": [{"path": "README.md"}],
    }
    payload = gql(fake, COMMIT, input=commit_input(head, **changes))["data"]["createCommitOnBranch"]
    sha = payload["commit"]["oid"]
    assert payload["ref"] == {"name": "promote/x", "target": {"oid": sha}}
    assert payload["commit"]["message"] == "Promote model 3\n\nWhy: gates passed."
    assert payload["commit"]["signature"] == {"isValid": True}  # an App token: GitHub signs
    assert fake.branch_sha("promote/x") == sha
    assert git(fake.bare_path, "rev-parse", f"{sha}^").strip() == head
    assert fake.file_at(sha, PROD) == "newTag: v2\n"
    assert fake.file_at(sha, "README.md") is None
    changed = git(fake.bare_path, "diff", "--name-only", head, sha).split()
    assert sorted(changed) == sorted([PROD, "README.md"])
    subprocess.run(["git", "--git-dir", str(fake.bare_path), "fsck", "--strict"], check=True)


def test_create_commit_on_branch_refuses_a_stale_head(fake: FakeGitHub) -> None:
    head = branch(fake, "promote/x")
    stale = git(fake.bare_path, "rev-parse", "main^").strip()
    adds = {"additions": [{"path": PROD, "contents": b64("newTag: v9\n")}]}
    answer = gql(fake, COMMIT, input=commit_input(stale, **adds))
    assert answer["data"] == {"createCommitOnBranch": None}
    error = answer["errors"][0]
    assert error["type"] == "STALE_DATA"
    assert error["message"] == (
        f'Expected branch to point to "{stale}" but it did not.  Pull and try again.'
    )
    assert fake.branch_sha("promote/x") == head
    assert git(fake.bare_path, "rev-list", "--all", "--count").strip() == "2"


def test_binary_files_have_no_text_and_oid_expressions_pin_a_commit(fake: FakeGitHub) -> None:
    head = branch(fake, "promote/x")
    png = b"\x89PNG\r\n\x1a\n\x00\x00"
    adds = {"additions": [{"path": "logo.png", "contents": base64.b64encode(png).decode()}]}
    sha = gql(fake, COMMIT, input=commit_input(head, **adds))["data"]["createCommitOnBranch"]
    query = """query($at: String!, $before: String!) { repository(owner: "acme", name: "gitops") {
      now: object(expression: $at) { ... on Blob { text isBinary byteSize } }
      then: object(expression: $before) { oid } } }"""
    oid = sha["commit"]["oid"]
    repo = gql(fake, query, at=f"{oid}:logo.png", before=f"{head}:logo.png")["data"]["repository"]
    assert repo["now"] == {"text": None, "isBinary": True, "byteSize": len(png)}
    assert repo["then"] is None  # not in the commit the branch started from


def test_a_user_token_commit_is_not_signed(fake: FakeGitHub) -> None:
    fake.users["ghp_alice"] = "alice"
    head = branch(fake, "promote/x")
    answer = post(fake, COMMIT, token="ghp_alice", input=commit_input(head)).json()
    commit = answer["data"]["createCommitOnBranch"]["commit"]
    assert commit["signature"] is None
    author = git(fake.bare_path, "log", "-1", "--format=%an <%ae>|%cn", commit["oid"]).strip()
    assert re.fullmatch(r"alice <\d+\+alice@users\.noreply\.github\.com>\|GitHub", author)


def test_create_ref_and_update_ref(fake: FakeGitHub) -> None:
    main = fake.branch_sha("main")
    older = git(fake.bare_path, "rev-parse", "main^").strip()
    create = (
        """mutation($input: CreateRefInput!) { createRef(input: $input) { ref { id name } } }"""
    )
    repo_id = gql(fake, f"{{ {REPO_SEL} {{ id }} }}")["data"]["repository"]["id"]
    made = gql(fake, create, input={"repositoryId": repo_id, "name": "refs/heads/p", "oid": older})
    ref = made["data"]["createRef"]["ref"]
    again = gql(fake, create, input={"repositoryId": repo_id, "name": "refs/heads/p", "oid": older})
    assert (
        again["errors"][0]["message"]
        == 'A ref named "refs/heads/p" already exists in the repository.'
    )
    update = """mutation($input: UpdateRefInput!) {
      updateRef(input: $input) { ref { target { oid } } } }"""
    moved = gql(fake, update, input={"refId": ref["id"], "oid": main})
    assert moved["data"]["updateRef"]["ref"]["target"]["oid"] == main == fake.branch_sha("p")
    back = gql(fake, update, input={"refId": ref["id"], "oid": older})
    assert back["errors"][0]["message"] == "Update is not a fast forward"
    forced = gql(fake, update, input={"refId": ref["id"], "oid": older, "force": True})
    assert "errors" not in forced and fake.branch_sha("p") == older


# -- the bot's queries, round trip ----------------------------------------------------------


def seed_files(fake: FakeGitHub, tmp_path: Path, count: int) -> dict[str, str]:
    """``count`` overlay files of about 1 KB on main, one commit, with awkward names too."""
    worktree = tmp_path / "many"
    git(tmp_path, "clone", "-q", str(fake.bare_path), str(worktree))
    files = {}
    for n in range(count):
        path = (
            f'overlays/m{n:03d}/env "q" {{x}} $v.yaml'
            if n % 7 == 0
            else f"overlays/m{n:03d}/prod.yaml"
        )
        files[path] = (
            f"# model {n}\nimages:\n  - name: m{n}\n    newTag: v{n}\n" + "#" * 1000 + "\n"
        )
        target = worktree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(files[path])
    commit_all(worktree, f"{count} overlays")
    git(worktree, "push", "-q", "origin", "HEAD:main")
    return files


@pytest.mark.parametrize("count", [1, 10, 500])
def test_batched_reads_round_trip(fake: FakeGitHub, tmp_path: Path, count: int) -> None:
    files = seed_files(fake, tmp_path, count)
    open_prs(fake, "promote/m0", "promote/m1", "promote/m2", "feature/other")
    wanted = [*files, "overlays/missing.yaml", "overlays"]
    chunks = queries.chunk_paths(wanted)
    fake.reset_log()
    first = queries.base_query(REPO, "main", chunks[0])
    read = answers.parse_base(post(fake, first.document, **first.variables).json(), first, "poll")
    assert read.base.oid == fake.branch_sha("main")
    assert (read.cost.cost, read.cost.nodes) == (first.cost, first.nodes)
    found = dict(read.files)
    for chunk in chunks[1:]:
        more = queries.files_query(REPO, read.base.oid, chunk)
        answer = post(fake, more.document, **more.variables).json()
        assert (answer["data"]["rateLimit"]["cost"], answer["data"]["rateLimit"]["nodeCount"]) == (
            more.cost,
            more.nodes,
        )
        found.update(answers.parse_files(answer, more, "poll"))
    assert fake.count("POST", "/graphql") == len(chunks) == (1 if count < 250 else 3)
    assert read.repository_id == gql(fake, f"{{ {REPO_SEL} {{ id }} }}")["data"]["repository"]["id"]
    assert {p: f.text for p, f in found.items() if f is not None} == files
    assert found["overlays/missing.yaml"] is None and found["overlays"] is None
    ours = answers.promotion_pulls(read.pulls, "promote/")
    assert [p.head_ref for p in ours] == ["promote/m0", "promote/m1", "promote/m2"]
    assert all(path not in first.document for path in chunks[0])  # variables, never text


def test_chunks_stay_under_githubs_limits() -> None:
    paths = [f"overlays/m{n}/prod.yaml" for n in range(1000)]
    chunks = queries.chunk_paths(paths + paths[:10])
    assert [len(c) for c in chunks] == [250, 250, 250, 250]
    first = queries.base_query(REPO, "main", chunks[0])
    # 40 PRs + 40 x (50 + 20 + 1), and 30 closed PRs
    assert first.nodes == 2_910 <= queries.NODE_LIMIT
    assert first.cost == 1  # 1 + 3 x 40 + 1 = 122 requests: GitHub's minimum
    assert queries.files_query(REPO, "0" * 40, chunks[1]).cost == 1
    with pytest.raises(ValueError, match="chunk_paths"):
        queries.base_query(REPO, "main", paths[:251])


def test_pull_pages_beyond_the_first(fake: FakeGitHub) -> None:
    open_prs(fake, *(f"promote/m{n}" for n in range(103)))
    first = queries.base_query(REPO, "main", [PROD])
    read = answers.parse_base(post(fake, first.document, **first.variables).json(), first, "poll")
    page, numbers = read.pulls, [p.number for p in read.pulls.pulls]
    assert len(numbers) == queries.PULLS_PER_PAGE
    while page.has_next:
        assert page.end_cursor is not None
        nxt = queries.pulls_query(REPO, "main", page.end_cursor)
        answer = post(fake, nxt.document, **nxt.variables).json()
        assert answer["data"]["rateLimit"]["cost"] == nxt.cost == 1
        page = answers.parse_pulls(answer, "poll")
        numbers += [p.number for p in page.pulls]
    assert numbers == list(range(1, 104))
    assert fake.count("POST", "/graphql") == 3  # 40 + 40 + 23


def test_commit_mutation_round_trip_and_stale_head(fake: FakeGitHub) -> None:
    head = branch(fake, "promote/x")
    payload = commits.commit_input(REPO, "promote/x", head, "Promote", "body", {PROD: b"v: 2\n"})
    write = commits.commit_mutation(payload)
    done = commits.parse_commit(post(fake, write.document, **write.variables).json(), "x")
    assert done.verified and fake.branch_sha("promote/x") == done.oid
    assert fake.file_at(done.oid, PROD) == "v: 2\n"
    with pytest.raises(commits.StaleHead, match="moved"):
        commits.parse_commit(post(fake, write.document, **write.variables).json(), "x")


def test_github_errors_become_the_bots() -> None:
    first = queries.base_query(REPO, "main", [PROD])
    limited = {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]}
    with pytest.raises(answers.RateLimited):
        answers.parse_base(limited, first, "poll")
    missing = {"data": {"repository": None}, "errors": [{"type": "NOT_FOUND", "message": "x"}]}
    with pytest.raises(UserError, match=r"^\[poll\] GitHub: x"):
        answers.parse_base(missing, first, "poll")
    noisy = {"errors": [{"type": "FORBIDDEN", "message": "no\n\x1b[31mway" + "!" * 400}]}
    with pytest.raises(answers.QueryRejected) as refused:
        answers.parse_base(noisy, first, "poll")
    assert "\n" not in str(refused.value) and "\x1b" not in str(refused.value)
    assert str(refused.value).endswith("…") and len(str(refused.value)) < 400
    blob = {"oid": "a" * 40, "byteSize": 9, "isBinary": False, "isTruncated": True, "text": "cut"}
    target = {
        "oid": "b" * 40,
        "committedDate": "x",
        "tree": {"oid": "c" * 40},
        "f0": {"object": blob},
    }
    cut = {"data": {"repository": {"id": "R", "ref": {"name": "main", "target": target}}}}
    with pytest.raises(
        UserError, match=r"^\[poll\] overlays/prod/kustomization\.yaml: GitHub sent"
    ):
        answers.parse_base(cut, first, "poll")
    with pytest.raises(answers.MalformedAnswer, match=r"ref\.target is not an object"):
        answers.parse_base({"data": {"repository": {"ref": {"name": "main"}}}}, first, "poll")
