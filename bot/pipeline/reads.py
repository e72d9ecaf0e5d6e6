"""Which units a selection names, and the reads every evaluation starts with: the registry
searches (in threads) beside the platform's base, open PRs and target files."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor

from bot import plan
from bot.errors import BotError, UserError
from bot.model import ModelVersion, OpenPromotion, Selection
from bot.pipeline import candidates, units
from bot.pipeline.context import Context
from bot.pipeline.units import Unit
from bot.platform.base import prefetch
from bot.untrusted import VERSION

WORKERS = 8  # registry reads in flight at once, beside the platform's one

Found = dict[tuple[str, str], ModelVersion | BotError | None]

_NEEDS_MODEL = {
    "cli": "--version needs --model",
    "input": "input version needs input model",
    "client_payload": "client_payload.version needs client_payload.model",
}


def selected(ctx: Context, sel: Selection) -> list[Unit]:
    config = ctx.config
    if sel.model is not None and sel.model not in config.models:
        raise UserError(_unknown("model", sel.model, list(config.models)))
    pairs = [(m, e) for m, e in config.pairs() if sel.model in (None, m)]
    if sel.environment is not None and sel.environment not in {e for _, e in pairs}:
        raise UserError(_unknown("environment", sel.environment, sorted({e for _, e in pairs})))
    if sel.version is not None and not VERSION.fullmatch(sel.version):
        raise UserError(f"version must be a registry version number, got {sel.version[:40]!r}")
    if sel.version is not None and len({m for m, _ in pairs}) > 1:
        raise UserError(
            f"{_NEEDS_MODEL.get(sel.origin, _NEEDS_MODEL['cli'])}: the config has several models"
        )
    chosen = [(m, e) for m, e in pairs if sel.environment in (None, e)]
    return [unit for m, e in chosen for unit in units.units_of(config, m, e)]


def _unknown(what: str, name: str, known: list[str]) -> str:
    return f"unknown {what} {name!r}: the config has {', '.join(known) or 'none'}"


def warm(ctx: Context, todo: list[Unit], sel: Selection) -> tuple[dict[str, OpenPromotion], Found]:
    """Overlap the registry with the platform: each model's candidate is read concurrently
    with the others, in threads, while this thread makes the platform reads (base branch,
    open PRs, then every target file). Platform reads stay one after the other, as GitHub
    asks of API clients. The requests are the same as without overlap."""
    for model in dict.fromkeys(u.model for u in todo):
        ctx.registry(model)
    keys: dict[tuple[str, str], Unit] = {}
    for unit in todo:
        key = candidate_key(ctx, unit, sel)
        if not key[1]:  # an upstream's candidate reads its files: left to the loop
            keys.setdefault(key, unit)
    # The searches touch only the registry, so they start before the base branch is read.
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        found = {k: pool.submit(candidate_or_error, ctx, u, sel) for k, u in keys.items()}
        open_prs = _platform_reads(ctx, todo)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return open_prs, {key: future.result() for key, future in found.items()}


def _platform_reads(ctx: Context, todo: list[Unit]) -> dict[str, OpenPromotion]:
    paths = list(dict.fromkeys(p for u in todo for p in plan.files_of(plan.slots(u.targets))))
    # GitHub: the base commit, these files and the open PRs in one request.
    prefetch(ctx.platform, paths, spare=[ctx.config.git.state_file])
    open_prs = ctx.platform.open_promotions(ctx.config.git.branch_prefix)
    for path in paths:
        # A failed read is not cached: the unit that needs the file reads it again, and fails.
        with contextlib.suppress(BotError):
            ctx.files([path])
    return open_prs


def candidate_key(ctx: Context, unit: Unit, sel: Selection) -> tuple[str, str]:
    # One registry query per model for environments without an upstream; per environment
    # when the candidate comes from the upstream's overlays.
    upstream = ctx.config.models[unit.model].environments[unit.environment].upstream
    return unit.model, (unit.environment if upstream and sel.version is None else "")


def candidate_or_error(ctx: Context, unit: Unit, sel: Selection) -> ModelVersion | BotError | None:
    try:
        return candidates.candidate(ctx, unit.model, unit.environment, sel)
    except BotError as err:
        return err
