"""Soak time from health: when a followed environment became healthy on a version.

``promote watch`` keeps the time in the payload of the deployment it posts when a promotion
settles OK; soak time and the ``from:`` path count from it rather than from the merge.
Imports nothing of the policy or the rest of the pipeline: ``facts.soak`` calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import timestamps
from bot.cluster import Outcome
from bot.pipeline import watch_report
from bot.pipeline.context import Context
from bot.pipeline.watch_config import followed
from bot.platform.tracking import Tracking


def healthy_since(tracking: Tracking, model: str, env: str, version: str) -> datetime | None:
    """When ``env`` became healthy on ``version``, as the watch recorded it (the deployment's
    payload); None when it has not (yet)."""
    for deployment in tracking.deployed(env, watch_report.task(model)):
        data = deployment.payload
        ours = data.get("model") == model and data.get("version") == version
        if ours and data.get("outcome") == Outcome.OK.value:
            return timestamps.parse(data.get("healthy_since"))
    return None


def soak_start(
    ctx: Context,
    model: str,
    env: str,
    version: str,
    unfollowed: Callable[[Context, str, str, str], int | None],
) -> float | None:
    """When soak time of ``version`` in ``env`` starts, in Unix seconds: once healthy when the
    environment is followed (None until then: it has not run yet), else ``unfollowed``'s
    answer (``facts.running_since``: when its overlays started declaring it)."""
    if (model, env) not in followed(ctx.config):
        since = unfollowed(ctx, model, env, version)
        return None if since is None else float(since)
    healthy = healthy_since(ctx.platform.tracking(), model, env, version)
    return None if healthy is None else healthy.timestamp()
