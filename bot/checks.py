"""Facts the policy needs that live in Git history or the registry: a rollback hold, how
long a version has run upstream (soak), and metric gate verdicts."""

from __future__ import annotations

from bot import gates, plan, report, units
from bot.context import Context
from bot.errors import UserError
from bot.model import ModelVersion

HISTORY_DEPTH = 30
# Commit dates and registry times come from different clocks.
CLOCK_SKEW_S = 24 * 3600


def held_version(
    ctx: Context, model: str, env: str, slots: list[plan.Slot], cand: ModelVersion
) -> str | None:
    """The version a merged rollback holds back, read from the newest commit's trailers.

    Only a rollback from ``cand`` or a higher version can hold ``cand`` back. When the
    registry numbers versions in the order it creates them, such a rollback was committed
    after ``cand`` was registered, so history older than that (less a day of clock skew)
    cannot matter and is not walked: on a long history that is most of the cost.
    """
    version_file = plan.version_file(slots)
    if version_file is None:
        return None
    since = None
    if cand.created_ms is not None and ctx.registry(model).ordered_creation:
        since = cand.created_ms // 1000 - CLOCK_SKEW_S
    history = ctx.platform.file_history(version_file, 1, since)
    return report.rollback_of(history[0].message, model, env) if history else None


def running_since(ctx: Context, model: str, env: str, version: str) -> int | None:
    """When ``env`` started declaring ``version``: the oldest commit of the unbroken run of
    commits (newest first) whose overlays declare it. None if it cannot be told."""
    slots = plan.slots(units.whole_environment(ctx.config, model, env).targets)
    version_file = plan.version_file(slots)
    if version_file is None:
        return None
    paths = plan.files_of(slots)
    since = None
    for commit in ctx.platform.file_history(version_file, HISTORY_DEPTH):
        files = {path: ctx.platform.read_file(path, commit.sha) for path in paths}
        try:
            declared = plan.values_at(slots, files).get("version")
        except UserError:
            break  # the overlays had another shape back then
        if declared != version:
            break
        since = commit.timestamp
    return since


def soak_left(ctx: Context, model: str, env: str, version: str) -> tuple[float, float] | None:
    """(hours run upstream, hours required) when the soak time is not over yet."""
    spec = ctx.config.models[model].environments[env]
    if not spec.soak_hours or spec.upstream is None:
        return None
    since = running_since(ctx, model, spec.upstream, version)
    ran = 0.0 if since is None else max(0.0, (ctx.now() - since) / 3600)
    return (ran, spec.soak_hours) if ran < spec.soak_hours else None


def verdicts(
    ctx: Context, model: str, env: str, cand: ModelVersion, current: ModelVersion | None
) -> list[gates.Verdict]:
    texts = [*ctx.config.models[model].gates, *ctx.config.models[model].environments[env].gates]
    deployed = dict(current.metrics) if current is not None else None
    return gates.check_all([gates.parse(t) for t in texts], cand.metrics, deployed)
