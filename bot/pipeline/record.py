"""After merge: record in the registry which version each environment now runs.

A push is judged by what the files say, never by commit messages: each configured
environment's overlays are read at the pushed commit and at the commit before the push, and a
version is recorded only when the overlays declare it at the pushed commit, did not before,
and the registry has it as a validated version. A squash merge that dropped the trailers is
recorded; a commit whose message merely claims a deployment is not. The registry gets the
environment alias and a ``deployed.<env>`` tag (MLflow) or a ``deployed/<env>.json`` record
(S3). Recording twice changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from bot import plan
from bot.errors import BotError, UserError
from bot.model import DeploymentRecord, PromotionId
from bot.pipeline import units
from bot.pipeline.context import Context, query_of
from bot.pipeline.watch_config import records_at_merge
from bot.results import Result, Status


@dataclass(frozen=True)
class Deployment:
    promotion: PromotionId
    commit_sha: str


@dataclass(frozen=True)
class Push:
    after: str  # the pushed commit
    before: str | None  # the base branch before the push (None: the branch is new)
    touched: frozenset[str] | None = None  # paths the push changed, when the event says


def last_commit(ctx: Context) -> Push:
    """The base branch's newest commit, as if it had just been pushed on its first parent (for
    a merge commit, the base branch before the merge)."""
    head = ctx.platform.file_history(None, 1)[0]
    return Push(head.sha, head.parents[0] if head.parents else None)


def deployments(ctx: Context, push: Push) -> tuple[list[Deployment], list[Result]]:
    """What changed in ``push``: (versions newly declared, environments that could not be read)."""
    found, failed = [], []
    for model, env in ctx.config.pairs():
        if not records_at_merge(ctx.config, model, env):
            continue  # `watch` records it once the cluster runs it healthy
        slots = plan.slots(units.whole_environment(ctx.config, model, env).targets)
        paths = plan.files_of(slots)
        if push.touched is not None and not set(paths) & push.touched:
            continue
        try:
            after = _declared(ctx, slots, paths, push.after)
            before = _declared(ctx, slots, paths, push.before) if push.before else {}
        except UserError as err:
            failed.append(Result(model, env, "failed", f"[{model}/{env}] {err}"))
            continue
        version = after.get("version")
        if version is not None and version != before.get("version"):
            promo = PromotionId(model, env, version, after.get("image_tag"))
            found.append(Deployment(promo, push.after))
    return found, failed


def _declared(
    ctx: Context, slots: list[plan.Slot], paths: Collection[str], ref: str
) -> dict[str, str]:
    files = {path: ctx.platform.read_file(path, ref) for path in paths}
    if all(text is None for text in files.values()):
        return {}  # the environment's files do not exist at that commit
    return plan.values_at(slots, files)


def record(ctx: Context, found: list[Deployment], when: float | None = None) -> list[Result]:
    stamp = datetime.datetime.fromtimestamp(
        when if when is not None else ctx.now(), datetime.timezone.utc
    )
    iso = stamp.isoformat().replace("+00:00", "Z")
    return [_record_one(ctx, d, iso) for d in found]


def _record_one(ctx: Context, dep: Deployment, when: str) -> Result:
    promo = dep.promotion
    label = f"{promo.model}/{promo.environment}"
    model = ctx.config.models[promo.model]
    alias = model.environments[promo.environment].deployed_alias or promo.environment
    query = query_of(ctx.config, promo.model)
    registry = ctx.registry(promo.model)
    try:
        version = registry.get_version(query, promo.version)
        if version is None or not registry.is_validated(query, version):
            reason = (
                f"[{label}] the overlays declare v{promo.version} at {dep.commit_sha[:12]}, which "
                "is not a validated registry version: nothing recorded"
            )
            return Result(promo.model, promo.environment, "blocked", reason)
        record = DeploymentRecord(version, promo.environment, dep.commit_sha, alias, when)
        changed = registry.record_deployment(query, record)
    except BotError as err:
        return Result(promo.model, promo.environment, "failed", f"[{label}] {err}")
    status: Status = "recorded" if changed else "up-to-date"
    reason = f"v{promo.version} deployed at {dep.commit_sha[:12]}" + (
        "" if changed else " (already recorded)"
    )
    return Result(promo.model, promo.environment, status, reason, candidate=version)
