"""Closed pull requests read with the poll (the ``closed`` alias of ``graphql_queries``'s base
read): what the rejection check needs, so a due promotion makes no REST listing of its own.

The answer is untrusted as the rest of it is: every value is type-checked on the way in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot import markers
from bot.model import ClosedPromotion
from bot.platform.github.graphql_answers import MalformedAnswer, check, json_object, json_str
from bot.platform.github.graphql_queries import CLOSED_PER_READ


@dataclass(frozen=True)
class ClosedPull:
    number: int
    url: str
    body: str
    base_ref: str
    head_ref: str
    merged: bool
    cross_repository: bool
    head_repository: str | None  # None when the fork is gone


def parse_closed(answer: Any, base: str, named: bool) -> tuple[ClosedPull, ...] | None:
    """The closed PRs into ``base``, newest update first. ``named``: the query named the base
    branch. Unnamed (the default branch's name came back in the same answer), the page lists
    PRs into every branch: a full page with PRs into others may have left out older ones into
    ``base`` that one page of them would hold, so it is not used (None: read them by REST)."""
    data = check(answer, "read closed pull requests")
    repo = json_object(data.get("repository"), "repository")
    conn = json_object(repo.get("closed"), "closed")
    nodes = conn.get("nodes")
    if not isinstance(nodes, list):
        raise MalformedAnswer("GitHub's GraphQL answer: closed.nodes is not a list")
    pulls = tuple(_pull(json_object(node, "closed pull request")) for node in nodes)
    into = tuple(p for p in pulls if p.base_ref == base)
    if not named and len(pulls) >= CLOSED_PER_READ and len(into) < len(pulls):
        return None
    return into


def closed_promotions(
    pulls: Sequence[ClosedPull], prefix: str, repository: str
) -> list[ClosedPromotion]:
    """The bot's closed, unmerged promotion PRs among ``pulls``, as ``listings.closed`` finds
    them in the REST listing: a head under ``prefix/`` in this repository and a marker."""
    found = []
    for pr in pulls:
        ours = not pr.cross_repository and pr.head_repository == repository
        if pr.merged or not ours or not pr.head_ref.startswith(prefix + "/"):
            continue
        promotion = markers.parse_marker(pr.body)
        if promotion is None:
            continue
        told = markers.REJECTION_TOLD in pr.body
        found.append(ClosedPromotion(pr.head_ref, pr.number, pr.url, promotion, told))
    return found


def _pull(node: Mapping[str, Any]) -> ClosedPull:
    head_repo = node.get("headRepository")
    return ClosedPull(
        number=_typed(node, "number", int),
        url=json_str(node, "url"),
        body=json_str(node, "body"),
        base_ref=json_str(node, "baseRefName"),
        head_ref=json_str(node, "headRefName"),
        merged=_typed(node, "merged", bool),
        cross_repository=_typed(node, "isCrossRepository", bool),
        head_repository=None
        if head_repo is None
        else json_str(json_object(head_repo, "headRepository"), "nameWithOwner"),
    )


def _typed(node: Mapping[str, Any], key: str, kind: type[Any]) -> Any:
    value = node.get(key)
    # bool is an int in Python; a number must not accept true/false.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise MalformedAnswer(f"GitHub's GraphQL answer: closed {key} is not a {kind.__name__}")
    return value
