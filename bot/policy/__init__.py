"""Pure decisions: which candidate may be promoted where, or why not.

``facts`` holds what a decision may look at (gathered lazily by the pipeline, so nothing is
read that the decision does not need), ``decide`` the one pure function over them, and
``gates`` the metric-gate grammar and checks. No I/O anywhere in this package.
"""

from __future__ import annotations

from bot.policy.decide import Decision, Kind, decide
from bot.policy.facts import Facts, Lazy

__all__ = ["Decision", "Facts", "Kind", "Lazy", "decide"]
