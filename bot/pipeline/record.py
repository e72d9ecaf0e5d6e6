"""After merge: record in the registry which version each environment now runs.

A push to the base branch that carries promotion (or rollback) commits is recognised by
their trailers; the registry gets the environment alias and a ``deployed.<env>`` tag (MLflow)
or a ``deployed/<env>.json`` record (S3). Recording twice changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from bot import markers
from bot.errors import BotError
from bot.model import CommitInfo, ModelVersion, PromotionId
from bot.pipeline.context import Context, query_of
from bot.results import Result, Status


@dataclass(frozen=True)
class Deployment:
    promotion: PromotionId
    commit_sha: str


def deployments(commits: Iterable[CommitInfo]) -> list[Deployment]:
    """Promotions found in ``commits`` (oldest first); the last one per model/env wins.

    The recorded commit is the one carrying the trailers, so re-running over the same
    history records the same thing (no churn when unrelated commits arrive).
    """
    found: dict[tuple[str, str], Deployment] = {}
    for commit in commits:
        promo = markers.parse_trailers(commit.message)
        if promo is not None:
            found[(promo.model, promo.environment)] = Deployment(promo, commit.sha)
    return list(found.values())


def record(ctx: Context, found: list[Deployment], when: float | None = None) -> list[Result]:
    stamp = datetime.datetime.fromtimestamp(
        when if when is not None else ctx.now(), datetime.timezone.utc
    )
    iso = stamp.isoformat().replace("+00:00", "Z")
    return [_record_one(ctx, d, iso) for d in found]


def _record_one(ctx: Context, dep: Deployment, when: str) -> Result:
    promo = dep.promotion
    model = ctx.config.models.get(promo.model)
    if model is None or promo.environment not in model.environments:
        reason = "not in the config: nothing recorded"
        return Result(promo.model, promo.environment, "unchanged", reason)
    alias = model.environments[promo.environment].deployed_alias or promo.environment
    query = query_of(ctx.config, promo.model)
    try:
        # An S3 pointer only knows its current version: the trailers say enough to record.
        version = ctx.registry(promo.model).get_version(query, promo.version) or ModelVersion(
            promo.model, query.registered_name, promo.version, promo.image_tag
        )
        changed = ctx.registry(promo.model).record_deployment(
            query, version, promo.environment, dep.commit_sha, alias, when
        )
    except BotError as err:
        label = f"{promo.model}/{promo.environment}"
        return Result(promo.model, promo.environment, "failed", f"[{label}] {err}")
    status: Status = "recorded" if changed else "unchanged"
    reason = f"v{promo.version} deployed at {dep.commit_sha[:12]}" + (
        "" if changed else " (already recorded)"
    )
    return Result(promo.model, promo.environment, status, reason, candidate=version)
