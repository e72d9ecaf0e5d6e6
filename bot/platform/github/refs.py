"""The promotion branch on GitHub: create it with its commit, move it by compare-and-swap,
compare it with the base. ``platform`` decides when; this module makes the calls.

A branch is only ever created (GitHub refuses when it exists), committed on while it is at the
head the bot expects (``expectedHeadOid``), or moved from the head the bot read (``updateRefs``
with ``beforeOid``), never force-moved blind: two runs that race for one branch cannot both
win, and a commit someone pushed meanwhile is never made unreachable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from bot.errors import NotFound
from bot.platform.github.graphql_answers import check
from bot.platform.github.graphql_branch import Opened, branch_mutation, parse_opened
from bot.platform.github.graphql_commit import (
    Committed,
    StaleHead,
    commit_input,
    commit_mutation,
    move_mutation,
    parse_commit,
    split_message,
)
from bot.platform.github.graphql_queries import Query
from bot.platform.github.state import BranchState, branch_state
from bot.platform.github.transport_errors import field

Api = Callable[[str], contextlib.AbstractContextManager[None]]
Post = Callable[[Query, str], Any]


class Refs:
    def __init__(
        self, repo: Any, api: Api, post: Post, repository_id: Callable[[], str | None]
    ) -> None:
        self._repo = repo
        self._api = api
        self._post = post
        self._repository_id = repository_id  # the poll's read brings it; None before it

    def _node_id(self) -> str:
        # ``createRef`` and ``updateRefs`` name the repository by node id: the one the poll's
        # GraphQL read returned, else the repository's (a REST read of its own).
        return self._repository_id() or str(self._repo.node_id)

    def open(self, branch: str, base: str, message: str, files: Mapping[str, bytes]) -> Opened:
        """Create ``branch`` at ``base`` and commit ``files`` on it while it is still at
        ``base``, in one request; what each of the two did comes back in ``Opened``."""
        headline, body = split_message(message)
        repository = str(self._repo.full_name)
        query = branch_mutation(self._node_id(), repository, branch, base, headline, body, files)
        return parse_opened(self._post(query, f"commit to {branch}"), branch)

    def move(self, branch: str, sha: str, before: str) -> bool:
        """Move ``branch`` to ``sha`` if it still points at ``before``; False when it does not
        (another run or a person moved it since the bot read it)."""
        query = move_mutation(self._node_id(), branch, before, sha)
        answer = self._post(query, f"move branch {branch}")
        # GitHub words a failed beforeOid check as an error like any other: the head tells
        # whether it was the swap that failed.
        if isinstance(answer, dict) and answer.get("errors") and self.head(branch) != before:
            return False
        check(answer, f"move branch {branch}")
        return True

    def commit(
        self, branch: str, expected: str, message: str, files: Mapping[str, bytes]
    ) -> Committed | None:
        """One commit with ``files`` on ``branch`` on top of ``expected``, only while the branch
        still points at it (``createCommitOnBranch``): None when it moved."""
        headline, body = split_message(message)
        payload = commit_input(str(self._repo.full_name), branch, expected, headline, body, files)
        query = commit_mutation(payload)
        answer = self._post(query, f"commit to {branch}")
        try:
            return parse_commit(answer, f"commit to {branch}")
        except StaleHead:
            return None

    def drop(self, branch: str, before: str) -> None:
        """Delete ``branch`` if it still points at ``before``; best effort (a failure is
        already being reported, and a branch left at the base is taken over later)."""
        zero = "0" * 40
        with contextlib.suppress(Exception):
            self._post(move_mutation(self._node_id(), branch, before, zero), "tidy up")

    def head(self, branch: str) -> str | None:
        """The branch's head commit; None when there is no such branch."""
        url = f"{self._repo.url}/git/ref/heads/{quote(branch, safe='/')}"
        try:
            with self._api(f"read branch {branch}"):
                _, data = self._repo.http.request("GET", url)
        except NotFound:
            return None
        return str(field(data, "object", "sha"))

    def state(self, branch: str, base_sha: str, base_name: str) -> BranchState:
        """One compare call: how far the branch is ahead of the base, and its head commit."""
        url = f"{self._repo.url}/compare/{base_sha}...{quote(branch, safe='/')}"
        with self._api(f"compare {branch} with {base_name}"):
            _, data = self._repo.http.request("GET", url, params={"per_page": 2})
        return branch_state(data)
