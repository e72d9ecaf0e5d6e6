"""Platform tests on the rig: the GitHub fake (real Git objects), a real MLflow server, and the
fault proxy. ``Rig`` runs the real pipeline (evaluate, then apply) with a GitHubPlatform whose
retries are fast; ``check_one_promotion`` is the "no partial state" invariant."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import pipeline
from bot.config import load
from bot.pipeline import Context, Result, Selection
from bot.platform.github import GitHubPlatform, GitHubSettings
from tests.e2e.helpers import VALIDATED
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import TOKEN
from tests.rig.mlflow_rig import seed_model
from tests.rig.repos import commit_all, make_gitops_repo

BRANCH = "promote/fraud-detector/prod"
LABELS = ["model-promotion"]
REVIEWERS = ["alice"]
TEAMS = ["ml-platform"]

# No throttling, tiny backoff, a short cap on rate-limit waits: the tests stay fast.
FAST: dict[str, Any] = {
    "seconds_between_requests": 0,
    "seconds_between_writes": 0,
    "retries": 2,
    "retry_backoff": 0.0,
    "max_rate_limit_wait": 5.0,
    "secondary_rate_wait": 0.1,
    "timeout": 5,
}

ROUTES = {
    "tree": ("POST", "/repos/{owner}/{repo}/git/trees"),
    "commit": ("POST", "/repos/{owner}/{repo}/git/commits"),
    # A new branch and its commit, in one document: ``createRef`` then ``createCommitOnBranch``.
    "new branch": ("POST", "/graphql#createRef"),
    "ref move": ("POST", "/graphql#updateRefs"),  # compare-and-swap of the branch
    "gql commit": ("POST", "/graphql#createCommitOnBranch"),  # either document with a commit
    "PR create": ("POST", "/repos/{owner}/{repo}/pulls"),
    "PR PATCH": ("PATCH", "/repos/{owner}/{repo}/pulls/{number}"),
    "reviewers": ("POST", "/repos/{owner}/{repo}/pulls/{number}/requested_reviewers"),
    "labels": ("POST", "/repos/{owner}/{repo}/issues/{number}/labels"),
    "comment": ("POST", "/repos/{owner}/{repo}/issues/{number}/comments"),
    "list PRs": ("GET", "/repos/{owner}/{repo}/pulls"),
    "graphql": ("POST", "/graphql"),  # the poll's read: base, files and open PRs
    "base branch": ("GET", "/repos/{owner}/{repo}/branches/{branch}"),
    "compare": ("GET", "/repos/{owner}/{repo}/compare/{basehead}"),
    "comments": ("GET", "/repos/{owner}/{repo}/issues/{number}/comments"),
}


@dataclass
class Rig:
    fake: FakeGitHub
    repo: Path
    uri: str
    name: str
    overrides: dict[str, Any] = field(default_factory=dict)

    def settings(self, api_url: str | None = None, **overrides: Any) -> GitHubSettings:
        return GitHubSettings(
            repository=self.fake.full_name,
            token=TOKEN,
            api_url=api_url or self.fake.base_url,
            **{**FAST, **self.overrides, **overrides},
        )

    def platform(self, api_url: str | None = None, **overrides: Any) -> GitHubPlatform:
        return GitHubPlatform(self.settings(api_url, **overrides))

    def context(self, platform: GitHubPlatform | None = None) -> Context:
        config = load(self.repo / ".github" / "promotion.yml")
        return Context(config, platform or self.platform())

    def evaluate(self, ctx: Context, env: str = "prod") -> list[Result]:
        return pipeline.evaluate(ctx, Selection(environment=env))

    def run(self, env: str = "prod", platform: GitHubPlatform | None = None) -> Result:
        """One run of ``promote run --env <env>`` as a new process would make it."""
        ctx = self.context(platform)
        (result,) = pipeline.apply(ctx, self.evaluate(ctx, env))
        return result

    def new_version(self, image_tag: str = "v1.6.0") -> str:
        (version,) = seed_model(
            self.uri,
            self.name,
            [{"metrics": None, "tags": {**VALIDATED, "image_tag": image_tag}}],
        )
        return version

    def move_base(self) -> str:
        """A commit on main that touches no target file, as a merged unrelated PR would."""
        (self.repo / "NOTES.md").write_text(f"unrelated {uuid.uuid4().hex}\n")
        commit_all(self.repo, "Unrelated change")
        self.fake.seed(self.repo)
        sha = self.fake.branch_sha(self.fake.default_branch)
        assert sha is not None
        return sha


def seed_versions(uri: str) -> str:
    """v1 (v1.3.0) and v2 (v1.4.0), validated, without runs (seeding stays quick)."""
    name = f"fraud-{uuid.uuid4().hex[:8]}"
    tags = [{**VALIDATED, "image_tag": tag} for tag in ("v1.3.0", "v1.4.0")]
    seed_model(uri, name, [{"metrics": None, "tags": t} for t in tags])
    return name


def make_rig(tmp_path: Path, fake: FakeGitHub, uri: str) -> Rig:
    name = seed_versions(uri)
    repo = make_gitops_repo(tmp_path / "checkout", registered_model=name)
    config = repo / ".github" / "promotion.yml"
    text = config.read_text()
    config.write_text(
        text.replace("  reviewers: []", f"  reviewers: {REVIEWERS}\n  team_reviewers: {TEAMS}")
    )
    commit_all(repo, "Configure reviewers")
    fake.seed(repo)
    return Rig(fake, repo, uri, name)


def open_pulls(fake: FakeGitHub, branch: str = BRANCH) -> list[dict[str, Any]]:
    with fake.lock:
        return [p for p in fake.pulls.values() if p["state"] == "open" and p["head_ref"] == branch]


def promotion_branches(fake: FakeGitHub) -> dict[str, str]:
    return {b: sha for b, sha in fake.branch_heads().items() if b.startswith("promote/")}


def check_one_promotion(
    fake: FakeGitHub, version: str, image_tag: str, branch: str = BRANCH, only: bool = True
) -> dict[str, Any]:
    """Exactly one branch (``only``: and no other promotion branch) with one commit on the
    current base, exactly one open PR proposing ``version``, with its labels and reviewers;
    returns the PR record."""
    branches = promotion_branches(fake)
    assert list(branches) == [branch] if only else branch in branches, branches
    base = fake.branch_sha(fake.default_branch)
    head = fake.branch_sha(branch)
    assert base is not None and head is not None
    commit = fake.git.read_commit(head)
    assert commit.parents == (base,), "the branch is one commit on the current base"
    assert f"Model-Version: {version}\nImage-Tag: {image_tag}" in commit.message
    (pr,) = open_pulls(fake, branch)
    assert pr["head_sha"] == head
    assert pr["title"].endswith(f": v{version} ({image_tag})")
    assert f'"version": "{version}"' in (pr["body"] or "")
    assert [label["name"] for label in pr["labels"]] == LABELS
    assert pr["requested_reviewers"] == REVIEWERS
    assert pr["requested_teams"] == TEAMS
    assert fake.errors == []
    return pr


def comments(fake: FakeGitHub, number: int) -> list[str]:
    with fake.lock:
        return [c["body"] for c in fake.comments.get(number, [])]


def statuses(fake: FakeGitHub, method: str, route: str) -> list[int]:
    return [r.status for r in fake.requests if r.method == method and r.route.endswith(route)]


NEW_BRANCH = "createRef+createCommitOnBranch"  # a new promotion's one write for branch and commit


def mutation_statuses(fake: FakeGitHub, name: str) -> list[int]:
    """The statuses GitHub gave GraphQL mutations named ``name`` (all its root fields joined
    by ``+``, as ``write_routes`` names them)."""
    return [
        r.status
        for r in fake.requests
        if r.route.endswith("/graphql") and _mutation(r.body) == name
    ]


def write_routes(fake: FakeGitHub) -> list[str]:
    """The writes made, as routes below the repository; a GraphQL mutation by its root fields
    (``NEW_BRANCH`` for a new branch with its commit)."""
    return [
        r.route.split("{repo}")[1] if "{repo}" in r.route else _mutation(r.body)
        for r in fake.writes()
    ]


def moves(fake: FakeGitHub) -> int:
    """Branch moves: the compare-and-swap ``updateRefs`` mutations sent."""
    return write_routes(fake).count("updateRefs")


def _mutation(body: bytes) -> str:
    from graphql import FieldNode, OperationDefinitionNode, parse

    document = parse(str(json.loads(body).get("query", "")))
    return "+".join(
        field.name.value
        for operation in document.definitions
        if isinstance(operation, OperationDefinitionNode)
        for field in operation.selection_set.selections
        if isinstance(field, FieldNode)
    )
