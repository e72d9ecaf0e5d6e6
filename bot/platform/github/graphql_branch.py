"""A new promotion branch and its commit in one GraphQL document: ``createRef`` at the base, then
``createCommitOnBranch`` expecting the base, and the answer read field by field.

GraphQL runs a mutation's root fields one after another, and a field that fails leaves ``null``
and an error at its path while the next one still runs. So the commit runs whether or not the
branch was created here, and lands only on a branch that sits exactly at the base: what the bot
does anyway with a branch it finds empty at the base (D-56). ``publish`` decides what the
outcome means; a server that stops at the first failed field (the commit then ``null`` with no
error of its own) reads as a commit that did not land.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.errors import BotError
from bot.platform.github.graphql_answers import MalformedAnswer, check, json_object
from bot.platform.github.graphql_commit import (
    COMMIT_FIELDS,
    Committed,
    commit_input,
    committed,
    stale,
)
from bot.platform.github.graphql_queries import Query

_BRANCH = f"""mutation PromotionBranch(
  $ref: CreateRefInput!, $commit: CreateCommitOnBranchInput!
) {{
  branch: createRef(input: $ref) {{ clientMutationId }}
  commit: createCommitOnBranch(input: $commit) {{
    {COMMIT_FIELDS}
  }}
}}"""


def branch_mutation(
    repository_id: str,
    repository: str,
    branch: str,
    base: str,
    headline: str,
    body: str,
    additions: Mapping[str, bytes],
) -> Query:
    """Create ``branch`` at ``base``, then commit ``additions`` on it only while it is at
    ``base``: one request where a new promotion took two."""
    ref = {"repositoryId": repository_id, "name": f"refs/heads/{branch}", "oid": base}
    commit = commit_input(repository, branch, base, headline, body, additions)
    return Query(_BRANCH, {"ref": ref, "commit": commit})


@dataclass(frozen=True)
class Opened:
    """What ``branch_mutation`` did."""

    created: bool  # this request made the branch
    commit: Committed | None  # the commit, when it landed
    stale: bool  # the commit found the branch somewhere else than the base
    ref_error: BotError | None = None  # why the branch was not created here
    commit_error: BotError | None = None  # why the commit failed, other than ``stale``


def parse_opened(answer: Any, branch: str) -> Opened:
    """``branch_mutation``'s answer. Errors at no field's path (a refused document, a spent
    budget) mean nothing ran: they raise, as for any other document."""
    top = json_object(answer, "the answer")
    errors = top.get("errors") or []
    if not isinstance(errors, list):
        raise MalformedAnswer("GitHub's GraphQL answer: errors is not a list")
    placed: dict[str, list[Any]] = {"branch": [], "commit": []}
    for error in errors:
        path = error.get("path") if isinstance(error, Mapping) else None
        where = path[0] if isinstance(path, list) and path and isinstance(path[0], str) else ""
        if where not in placed:
            check({"errors": [error]}, f"commit to {branch}")  # raises
        placed[where].append(error)
    data = json_object(top.get("data"), "data")
    created = isinstance(data.get("branch"), dict)
    landed = data.get("commit") if not placed["commit"] else None
    race = any(stale(e) for e in placed["commit"])
    return Opened(
        created,
        None if landed is None else committed(landed, "commit"),
        race,
        _error(placed["branch"], f"create branch {branch}"),
        None if race else _error(placed["commit"], f"commit to {branch}"),
    )


def _error(errors: list[Any], subject: str) -> BotError | None:
    """The bot's error for a field's GitHub errors, worded as ``check`` words them."""
    if not errors:
        return None
    try:
        check({"errors": errors}, subject)
    except BotError as err:
        return err
    return None
