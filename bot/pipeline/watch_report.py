"""What ``promote watch`` writes where people look: the comment on the merged PR (with the
hidden marker that says the promotion is settled), the deployment's payload and description.

The marker is the watch's own state, read back from the repository's comments: a promotion
whose PR carries it is settled, and a second run leaves it alone.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from bot.cluster import Decision, Outcome
from bot.model import PromotionId
from bot.text.markdown import cell, code

NEEDLE = "<!-- model-promotion-bot watch "
_MARKER = re.compile(r"<!-- model-promotion-bot watch (\{[^\n]*?\}) -->")
_STATE = {Outcome.OK: "success", Outcome.FAILED: "failure", Outcome.UNKNOWN: "error"}
_HEADLINE = {
    Outcome.OK: "✅ **{env}** runs v{version}",
    Outcome.FAILED: "❌ **{env}** did not take v{version}",
    Outcome.UNKNOWN: "⚠️ **{env}**: no answer on v{version}",
}


def task(model: str) -> str:
    """The deployment's task: one model's deployments apart from another's in the environment."""
    return f"deploy:{model}"


def deployment_state(outcome: Outcome) -> str:
    return _STATE[outcome]


def payload(promo: PromotionId, decision: Decision) -> dict[str, Any]:
    return {
        "task": task(promo.model),
        "model": promo.model,
        "version": promo.version,
        "outcome": decision.outcome.value,
        "healthy_since": _iso(decision.healthy_since),
    }


def marker(promo: PromotionId, decision: Decision) -> str:
    return f"{NEEDLE}{json.dumps(payload(promo, decision), sort_keys=True)} -->"


def settled(body: str) -> dict[str, Any] | None:
    """The marker's state in a comment body, or None when there is none (or it is mangled)."""
    found = _MARKER.search(body)
    if found is None:
        return None
    try:
        data = json.loads(found.group(1))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def comment(
    promo: PromotionId,
    decision: Decision,
    apps: list[tuple[str, str, str, str, str]],
    after: str,
) -> str:
    """``apps``: (name, sync, health, images, url) per Application; verdict lines otherwise."""
    env, version = promo.environment, promo.version
    lines = [_HEADLINE[decision.outcome].format(env=env, version=version), ""]
    if apps:
        lines += ["| Application | Sync | Health | Images |", "|---|---|---|---|"]
        for name, sync, health, images, url in apps:
            shown = f"[{cell(name)}]({url})" if url.startswith("https://") else cell(name)
            lines.append(f"| {shown} | {cell(sync)} | {cell(health)} | {code(images)} |")
        lines.append("")
    for verdict in decision.verdicts:
        lines.append(f"- {code(verdict.name)}: {cell(verdict.reason)}")
    if decision.healthy_since is not None:
        lines.append(f"\nHealthy since {_iso(decision.healthy_since)}.")
    if after:
        lines += ["", after]
    lines += ["", marker(promo, decision)]
    return "\n".join(lines)


def rollback_hint(env: str, opened: str | None) -> str:
    if opened:
        return f"The rollback PR is open: {opened}. It is not merged automatically."
    return f"To roll back, comment:\n\n```\n/rollback {env}\n```"


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")
