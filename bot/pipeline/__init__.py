"""The only package that builds plugins and connects them: registry -> facts -> policy ->
plan -> platform.

``connect`` builds a run's ``Context`` (platform and registries from their tables),
``evaluate`` reads and decides, ``apply`` writes; ``rollback`` and ``record`` are the other
two flows. ``facts`` gathers what the pure ``bot.policy.decide`` looks at.
"""

from __future__ import annotations

from bot.model import Selection
from bot.pipeline.candidates import deployed_version
from bot.pipeline.connect import connect
from bot.pipeline.context import Context, query_of
from bot.pipeline.evaluate import apply, evaluate, validate
from bot.results import Result

__all__ = [
    "Context",
    "Result",
    "Selection",
    "apply",
    "connect",
    "deployed_version",
    "evaluate",
    "query_of",
    "validate",
]
