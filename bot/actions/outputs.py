"""The action's outputs: the first PR the way create-pull-request names it, and every result
as JSON-ready lists for the steps that come after."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.results import Result, why

# Our statuses in create-pull-request's words for what happened to the pull request.
OPERATIONS = {"opened": "created", "updated": "updated"}


def outputs(results: Sequence[Result]) -> dict[str, str]:
    """Every output by name, as the strings ``$GITHUB_OUTPUT`` takes."""
    promoted, skipped = lists(results)
    first = next((r for r in results if r.status in OPERATIONS), None)
    return {
        "pr-url": (first.pr_url or "") if first else "",
        "pr-number": str(first.pr_number or "") if first else "",
        "pull-request-operation": OPERATIONS[first.status] if first else "none",
        "pull-request-branch": (first.proposal.branch if first.proposal else "") if first else "",
        "pull-request-head-sha": (first.head_sha or "") if first else "",
        "promoted": json.dumps(promoted),
        "skipped": json.dumps(skipped),
    }


def lists(results: Sequence[Result]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``promoted``: the PRs opened or updated; ``skipped``: everything else, with its status
    and the reason as data (failed gates, hours left, the held version)."""
    promoted, skipped = [], []
    # A group's members move on its branch; the group's own line has the proposal.
    branches = {(r.group, r.environment): r.proposal.branch for r in results if r.proposal}
    for r in results:
        own = r.group is not None and r.model == r.group and r.proposal is not None
        if r.status in OPERATIONS and (r.candidate is not None or own):
            version = r.candidate.version if r.candidate else None
            promoted.append(
                {
                    "model": r.model,
                    **_group(r),
                    "environment": r.environment,
                    # A group's own line: every member's version (``generator=5,guard=3``).
                    "version": version or (r.proposal.promotion.version if r.proposal else None),
                    "image_tag": r.candidate.image_tag if r.candidate else None,
                    "operation": OPERATIONS[r.status],
                    "branch": branches.get((r.group, r.environment)),
                    "head_sha": r.head_sha,
                    "pr": {"number": r.pr_number, "url": r.pr_url},
                }
            )
        else:
            skipped.append(
                {
                    "model": r.model,
                    **_group(r),
                    "environment": r.environment,
                    "status": r.status,
                    "healthy": r.healthy,
                    "reason": r.reason,
                    **why(r),
                }
            )
    return promoted, skipped


def _group(r: Result) -> dict[str, str]:
    # Only in a group's entries: the lists of configs without groups stay as they were.
    return {"group": r.group} if r.group is not None else {}
