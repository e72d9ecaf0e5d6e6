"""The fake's ``updateRefs``, as GitHub's schema documents it, and the bot's ``move_mutation``
against it: every update or none, ``beforeOid`` checked (the zero oid: absent), ``force`` for a
non-fast-forward, the zero ``afterOid`` deletes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.platform.github import graphql_commit as commits
from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake.graphql_reads import REPOSITORY_ID
from tests.rig.repos import commit_all, git
from tests.rig.test_fake_graphql import gql

ZERO = "0" * 40
UPDATE = "mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { clientMutationId } }"


@pytest.fixture
def fake(fake_github: FakeGitHub, tmp_path: Path) -> FakeGitHub:
    worktree = tmp_path / "seed"
    worktree.mkdir()
    git(worktree, "init", "-q", "-b", "main")
    (worktree / "README.md").write_text("one\n")
    commit_all(worktree, "One")
    (worktree / "README.md").write_text("two\n")
    commit_all(worktree, "Two")
    fake_github.seed(worktree)
    return fake_github


def _update(fake: FakeGitHub, *updates: dict[str, Any]) -> dict[str, Any]:
    return gql(fake, UPDATE, input={"repositoryId": REPOSITORY_ID, "refUpdates": list(updates)})


def test_before_oid_is_a_compare_and_swap(fake: FakeGitHub) -> None:
    main = str(fake.branch_sha("main"))
    older = git(fake.bare_path, "rev-parse", "main^").strip()
    made = _update(fake, {"name": "refs/heads/p", "beforeOid": ZERO, "afterOid": older})
    assert "errors" not in made and fake.branch_sha("p") == older
    again = _update(fake, {"name": "refs/heads/p", "beforeOid": ZERO, "afterOid": main})
    assert again["errors"] and fake.branch_sha("p") == older  # it exists: not created twice
    stale = _update(fake, {"name": "refs/heads/p", "beforeOid": main, "afterOid": main})
    assert stale["errors"] and fake.branch_sha("p") == older
    moved = _update(fake, {"name": "refs/heads/p", "beforeOid": older, "afterOid": main})
    assert "errors" not in moved and fake.branch_sha("p") == main
    back = _update(fake, {"name": "refs/heads/p", "beforeOid": main, "afterOid": older})
    assert "not a fast forward" in back["errors"][0]["message"]
    forced = {"name": "refs/heads/p", "beforeOid": main, "afterOid": older, "force": True}
    assert "errors" not in _update(fake, forced) and fake.branch_sha("p") == older
    gone = _update(fake, {"name": "refs/heads/p", "beforeOid": older, "afterOid": ZERO})
    assert "errors" not in gone and fake.branch_sha("p") is None


def test_all_updates_or_none(fake: FakeGitHub) -> None:
    main = str(fake.branch_sha("main"))
    good = {"name": "refs/heads/a", "beforeOid": ZERO, "afterOid": main}
    bad = {"name": "refs/heads/main", "beforeOid": ZERO, "afterOid": main}  # main exists
    assert _update(fake, good, bad)["errors"]
    assert fake.branch_sha("a") is None


def test_the_bots_move_mutation_is_accepted(fake: FakeGitHub) -> None:
    main = str(fake.branch_sha("main"))
    older = git(fake.bare_path, "rev-parse", "main^").strip()
    assert "errors" not in _update(fake, {"name": "refs/heads/p", "afterOid": main})
    query = commits.move_mutation(REPOSITORY_ID, "p", main, older)
    answer = gql(fake, query.document, **query.variables)
    assert "errors" not in answer and fake.branch_sha("p") == older
    lost = commits.move_mutation(REPOSITORY_ID, "p", main, main)
    assert gql(fake, lost.document, **lost.variables)["errors"]
    assert fake.branch_sha("p") == older
