"""The GraphQL points budget of each token, and the log of priced calls the bench reports.

GitHub keeps GraphQL points apart from REST requests: 5,000 an hour for a user or an App
installation (more for large installations), 1,000 for ``GITHUB_TOKEN`` in Actions. Tests set
``state(fake).limit`` to the budget they want to exercise.
"""

from __future__ import annotations

import time
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

DEFAULT_POINTS = 5000
WINDOW = 3600  # seconds


@dataclass(frozen=True)
class CallRecord:
    """One GraphQL call as priced."""

    operation: str  # "query" | "mutation"
    fields: tuple[str, ...]  # root fields selected, by field name
    cost: int  # the call's price
    nodes: int
    charged: int  # points actually spent: 0 for a dry run or a refused call
    refused: bool  # stopped before running: a limit, or the budget spent


@dataclass
class State:
    """Points used per token in the current window, and every call seen."""

    limit: int = DEFAULT_POINTS
    used: dict[str, int] = field(default_factory=dict)
    reset_at: int = field(default_factory=lambda: int(time.time()) + WINDOW)
    calls: list[CallRecord] = field(default_factory=list)

    def window(self, token: str) -> dict[str, int]:
        if time.time() >= self.reset_at:  # the window rolled over: everyone starts afresh
            self.reset_at, self.used = int(time.time()) + WINDOW, {}
        used = self.used.get(token, 0)
        return {
            "limit": self.limit,
            "remaining": max(0, self.limit - used),
            "used": used,
            "reset": self.reset_at,
        }

    def charge(self, token: str, cost: int) -> bool:
        """Spend ``cost`` points; False (nothing spent) when fewer remain."""
        window = self.window(token)
        if window["remaining"] < cost:
            return False
        self.used[token] = window["used"] + cost
        return True

    def summary(self) -> dict[str, int]:
        """What the bench prints: calls by kind, points spent, the largest node count."""
        kinds = Counter(c.operation for c in self.calls if not c.refused)
        return {
            "queries": kinds["query"],
            "mutations": kinds["mutation"],
            "refused": sum(c.refused for c in self.calls),
            "points": sum(c.charged for c in self.calls),
            "max_nodes": max((c.nodes for c in self.calls), default=0),
        }


_STATES: weakref.WeakKeyDictionary[FakeGitHub, State] = weakref.WeakKeyDictionary()


def state(fake: FakeGitHub) -> State:
    """The fake's GraphQL budget and call log (created on first use)."""
    return _STATES.setdefault(fake, State())


def headers(window: dict[str, int]) -> dict[str, str]:
    """GitHub's rate-limit headers for a GraphQL answer."""
    return {
        "X-RateLimit-Limit": str(window["limit"]),
        "X-RateLimit-Remaining": str(window["remaining"]),
        "X-RateLimit-Used": str(window["used"]),
        "X-RateLimit-Reset": str(window["reset"]),
        "X-RateLimit-Resource": "graphql",
    }
