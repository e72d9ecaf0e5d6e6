"""The action's outputs: results as JSON-ready lists for the steps that come after."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.results import Result


def outputs(results: Sequence[Result]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    promoted, skipped = [], []
    for r in results:
        if r.status in ("opened", "updated") and r.candidate is not None:
            promoted.append(
                {
                    "model": r.model,
                    "environment": r.environment,
                    "version": r.candidate.version,
                    "image_tag": r.candidate.image_tag,
                    "pr": {"number": r.pr_number, "url": r.pr_url},
                }
            )
        else:
            skipped.append(
                {
                    "model": r.model,
                    "environment": r.environment,
                    "status": r.status,
                    "reason": r.reason,
                }
            )
    return promoted, skipped
