"""What the GraphQL resolver modules share: the object shape, GitHub's typed errors, and Relay
connections with GitHub's cursors.

Every GraphQL object is a dict the executor reads field by field (see ``graphql_endpoint``):
plain values, or callables ``(info, **arguments)`` for what costs a Git read, so a query pays
only for the fields it selects. ``__typename`` lets graphql-core resolve interfaces and unions.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLResolveInfo

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

Obj = dict[str, Any]


class GitHubError(GraphQLError):
    """An error GitHub reports with a ``type`` (NOT_FOUND, STALE_DATA, ...) next to the message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def fake_of(info: GraphQLResolveInfo) -> FakeGitHub:
    fake: FakeGitHub = info.context.fake
    return fake


# -- connections ----------------------------------------------------------------------------


def connection(
    items: Sequence[Any],
    keys: Sequence[Any],
    render: Callable[[Any], Obj],
    args: dict[str, Any],
) -> Obj:
    """One page of ``items`` (ordered; ``keys`` are their cursor keys, increasing in that order)
    as a Relay connection, with ``first``/``last``/``after``/``before`` as GitHub applies them."""
    lo, hi = 0, len(items)
    try:
        if args.get("after") is not None:
            after = _cursor_key(args["after"])
            lo = next((i for i, k in enumerate(keys) if k > after), len(items))
        if args.get("before") is not None:
            before = _cursor_key(args["before"])
            hi = next((i for i, k in enumerate(keys) if k >= before), len(items))
    except TypeError:  # a cursor of another connection: its keys do not compare with these
        raise GitHubError("INVALID_CURSOR_ARGUMENTS", "The cursor is not valid here.") from None
    hi = max(lo, hi)
    first, last = args.get("first"), args.get("last")
    start, end = lo, hi
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    page = list(range(start, end))
    cursors = [cursor(keys[i]) for i in page]
    return {
        "__typename": "Connection",
        "totalCount": len(items),
        "nodes": [render(items[i]) for i in page],
        "edges": [
            {"cursor": c, "node": render(items[i])} for i, c in zip(page, cursors, strict=True)
        ],
        "pageInfo": {
            "hasNextPage": end < hi,
            "hasPreviousPage": start > lo,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def cursor(key: Any) -> str:
    return base64.b64encode(f"cursor:v2:{json.dumps(key)}".encode()).decode()


def _cursor_key(text: str) -> Any:
    try:
        raw = base64.b64decode(text, validate=True).decode()
        if raw.startswith("cursor:v2:"):
            key = json.loads(raw[len("cursor:v2:") :])
            return tuple(key) if isinstance(key, list) else key
    except ValueError:
        pass
    raise GitHubError("INVALID_CURSOR_ARGUMENTS", f"`{text}` does not appear to be a valid cursor.")
