"""The bot's writes through GraphQL: ``createCommitOnBranch`` and ``updateRefs``, and their
answers.

GitHub applies the file changes on top of the branch head only if the head is still the one the
bot read (``expectedHeadOid``): compare-and-swap and the commit in one call, signed by GitHub
when an App installation makes it. File paths travel as variables, contents as base64.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import RetryableError
from bot.platform.github.graphql_answers import check, json_object, json_str
from bot.platform.github.graphql_queries import Query, split_repository

COMMIT_FIELDS = """commit {
      oid url committedDate signature { isValid }
      author { name email }
      committer { name email }
    }"""
_COMMIT = f"""mutation PromotionCommit($input: CreateCommitOnBranchInput!) {{
  createCommitOnBranch(input: $input) {{
    {COMMIT_FIELDS}
  }}
}}"""


def commit_mutation(payload: dict[str, Any]) -> Query:
    """One commit (``payload`` from ``commit_input``) on its branch, only if the branch's head
    is still the expected one (GitHub answers ``STALE_DATA`` otherwise); GitHub signs it when
    an App installation token makes it."""
    return Query(_COMMIT, {"input": payload})


def commit_input(
    repository: str,
    branch: str,
    expected_head: str,
    headline: str,
    body: str,
    additions: Mapping[str, bytes],
    deletions: Iterable[str] = (),
) -> dict[str, Any]:
    """``CreateCommitOnBranchInput``: what ``commit_mutation`` and ``graphql_branch`` send."""
    split_repository(repository)
    changes = {
        "additions": [
            {"path": path, "contents": base64.b64encode(data).decode("ascii")}
            for path, data in additions.items()
        ],
        "deletions": [{"path": path} for path in deletions],
    }
    payload = {
        "branch": {"repositoryNameWithOwner": repository, "branchName": branch},
        "message": {"headline": headline, "body": body},
        "fileChanges": changes,
        "expectedHeadOid": expected_head,
    }
    return payload


_UPDATE_REFS = """mutation PromotionMove($input: UpdateRefsInput!) {
  updateRefs(input: $input) { clientMutationId }
}"""


def move_mutation(repository_id: str, branch: str, before: str, after: str) -> Query:
    """Move ``branch`` to ``after`` only if it still points at ``before``: GitHub checks
    ``beforeOid`` and moves the ref in one step (a compare-and-swap); ``force`` because the
    new commit is built on the current base, not on top of the old one."""
    update = {
        "name": f"refs/heads/{branch}",
        "beforeOid": before,
        "afterOid": after,
        "force": True,
    }
    return Query(_UPDATE_REFS, {"input": {"repositoryId": repository_id, "refUpdates": [update]}})


class StaleHead(RetryableError):
    """The branch moved since it was read: re-read and try again (compare-and-swap lost)."""


@dataclass(frozen=True)
class Committed:
    oid: str
    url: str
    verified: bool
    author: tuple[str, str] = ("", "")  # (name, email) as GitHub recorded them
    committer: tuple[str, str] = ("", "")
    date: str | None = None  # the committer date, GitHub's clock


def parse_commit(answer: Any, subject: str) -> Committed:
    """``commit_mutation``'s answer; ``StaleHead`` when the expected head no longer holds."""
    top = json_object(answer, "the answer")
    for error in top.get("errors") or []:
        if stale(error):
            raise StaleHead(f"[{subject}] the branch moved on GitHub: {error.get('message')}")
    data = check(answer, subject)
    return committed(data.get("createCommitOnBranch"), "createCommitOnBranch")


def committed(payload: Any, field: str) -> Committed:
    """A ``CreateCommitOnBranchPayload`` (as ``COMMIT_FIELDS`` selects it) at ``field``."""
    commit = json_object(json_object(payload, field).get("commit"), f"{field}.commit")
    signature = commit.get("signature")
    verified = isinstance(signature, Mapping) and signature.get("isValid") is True
    date = commit.get("committedDate")
    return Committed(
        json_str(commit, "oid"),
        json_str(commit, "url"),
        verified,
        _actor(commit.get("author")),
        _actor(commit.get("committer")),
        date if isinstance(date, str) else None,
    )


def stale(error: Any) -> bool:
    """GitHub's error for an ``expectedHeadOid`` that no longer holds."""
    return isinstance(error, Mapping) and error.get("type") == "STALE_DATA"


def _actor(person: Any) -> tuple[str, str]:
    if not isinstance(person, Mapping):
        return ("", "")
    name, email = person.get("name"), person.get("email")
    return (name, email) if isinstance(name, str) and isinstance(email, str) else ("", "")


def split_message(message: str) -> tuple[str, str]:
    """A commit message as ``createCommitOnBranch`` takes it: the first line, and the rest."""
    headline, _, body = message.strip("\n").partition("\n")
    return headline, body.strip("\n")
