"""What a promotion decision may look at, gathered lazily.

The cheap facts (what the overlays declare, whether the candidate changes anything, the open
PR) come with the unit; the costly ones (a rollback hold, soak time, gate verdicts) are
``Lazy``: read on first use, at most once, so a decision that stops early reads nothing more.
Tests build ``Facts`` from plain values (``Lazy.of``) and need no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.lazy import Lazy
from bot.model import ClosedPromotion, Deployed, OpenPromotion
from bot.policy.gates import Verdict

__all__ = ["Facts", "Lazy", "Soak"]


@dataclass(frozen=True)
class Soak:
    """How long the candidate has run in the upstream environment, against the requirement."""

    upstream: str
    ran_hours: float
    need_hours: float

    @property
    def over(self) -> bool:
        return self.ran_hours >= self.need_hours


@dataclass(frozen=True)
class Facts:
    environment: str
    deployed: Deployed
    has_changes: bool
    open_pr: OpenPromotion | None = None
    # The version a merged rollback holds back (it and older ones), if any.
    hold: Lazy[str | None] = field(default_factory=lambda: Lazy.of(None))
    # Whether the open PR has a review (read only when a newer version would replace it).
    reviewed: Lazy[bool] = field(default_factory=lambda: Lazy.of(False))
    # A closed, unmerged PR that proposed the candidate: it rejects that version.
    rejected: Lazy[ClosedPromotion | None] = field(default_factory=lambda: Lazy.of(None))
    # None when the environment asks for no soak time.
    soak: Lazy[Soak | None] = field(default_factory=lambda: Lazy.of(None))
    verdicts: Lazy[tuple[Verdict, ...]] = field(default_factory=lambda: Lazy.of(()))
    on_gate_failure: str = "skip"  # skip: no PR; draft: a draft PR showing the failed gates
    # The registry's order of versions, oldest first (``Registry.sort_key``).
    sort_key: Callable[[str], Any] = field(default=lambda v: (int(v),) if v.isdigit() else (-1, v))
