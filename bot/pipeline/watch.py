"""After the merge: follow each merged promotion into the cluster and close the loop.

``run_watch`` lists the merged promotion PRs (one read), drops those whose PR already carries
the watch marker (one read of the repository's recent comments), and for the newest merged
promotion of each followed environment asks its deployment source (``bot.cluster.SOURCES``)
once, then ``settle``s. Pending: nothing is written, the next run asks again. Settled: a
GitHub deployment and its status on the merge commit, the version recorded in the registry
when ``record_on: healthy`` and it is healthy, the rollback PR when ``on_failure: rollback``
and it failed, and last the comment with the marker (the watch's own state, written last so
an interrupted run is finished by the next).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot import plan
from bot.cluster import (
    SOURCES,
    AppStatus,
    Decision,
    Expectation,
    Outcome,
    SourceContext,
    Watch,
    settle,
)
from bot.cluster.config import Follow
from bot.errors import BotError
from bot.pipeline import units, watch_images, watch_report
from bot.pipeline.context import Context
from bot.pipeline.record import Deployment, record
from bot.pipeline.watch_config import followed, records_at_merge
from bot.pipeline.watch_soak import healthy_since, soak_start
from bot.platform.tracking import MergedPromotion, Note, Tracking
from bot.results import Outcome as CommandOutcome
from bot.results import Result, Status, exit_code

log = logging.getLogger(__name__)

__all__ = ["followed", "healthy_since", "outcome", "records_at_merge", "run_watch", "soak_start"]

MAX_AGE = timedelta(days=7)  # merges older than this are history, not something to follow


def run_watch(
    ctx: Context,
    now: datetime | None = None,
    environ: Mapping[str, str] | None = None,
    checkout: Path | None = None,
) -> list[Result]:
    """``checkout``: a checkout of the base branch, where image names are read without a
    request (the workflow has one); ``environ``: where tokens come from."""
    now = now or datetime.fromtimestamp(ctx.now(), timezone.utc)
    follows = followed(ctx.config)
    if not follows:
        return []
    tracking = ctx.platform.tracking()
    newest: dict[tuple[str, str], MergedPromotion] = {}
    for merged in tracking.merged_promotions(ctx.config.git.branch_prefix):
        key = (merged.promotion.model, merged.promotion.environment)
        # Newest first: an older merge to the same environment was superseded by this one.
        if key in follows and key not in newest and now - merged.merged_at <= MAX_AGE:
            newest[key] = merged
    if not newest:
        return []
    since = min(m.merged_at for m in newest.values())
    notes: dict[int, list[Note]] = {}
    for note in tracking.notes(since, watch_report.NEEDLE):
        notes.setdefault(note.number, []).append(note)
    todo = []
    for key, merged in newest.items():
        # Only the bot's own comment (it opened the PR) carries the state: anyone may paste
        # a marker, and a pasted one must not stop the watch.
        mine = next((n for n in notes.get(merged.number, []) if n.author == merged.author), None)
        if not _is_settled(mine, merged):
            todo.append((key, merged, mine))
    if not todo:
        return []
    head = ctx.platform.base().sha
    env = os.environ if environ is None else environ
    return [
        _watch_one(ctx, tracking, follows[key], merged, note, Here(head, now, env, checkout))
        for key, merged, note in todo
    ]


@dataclass(frozen=True)
class Here:
    """What every check of one run shares."""

    head: str  # the base branch's tip
    now: datetime
    environ: Mapping[str, str]
    checkout: Path | None


def _is_settled(note: Note | None, merged: MergedPromotion) -> bool:
    state = watch_report.settled(note.body) if note is not None else None
    if state is None or state.get("version") != merged.promotion.version:
        return False
    return state.get("outcome") in {o.value for o in (Outcome.OK, Outcome.FAILED, Outcome.UNKNOWN)}


def _watch_one(
    ctx: Context,
    tracking: Tracking,
    follow: Follow,
    merged: MergedPromotion,
    note: Note | None,
    here: Here,
) -> Result:
    promo = merged.promotion
    model, env = promo.model, promo.environment
    label = f"[{model}/{env}]"
    slots = plan.slots(units.whole_environment(ctx.config, model, env).targets)
    paths = tuple(plan.files_of(slots))
    watch = Watch(env, merged.merge_sha, merged.repo_url, paths, here.head)
    try:
        source = SOURCES[follow.source](follow, SourceContext(here.environ, tracking))
        try:
            observation = source.observe(watch)
        finally:
            close = getattr(source, "close", None)
            if callable(close):
                close()
        images = watch_images.expected(ctx, model, env, promo.image_tag, here.checkout)
    except BotError as err:
        # Nothing is written: the next run asks again once the person has fixed it.
        return Result(model, env, "failed", f"{label} {err}")
    log.info("%s observed with %d request(s)", label, observation.requests)
    expected = Expectation(
        merged.merge_sha, merged.merged_at, images, timedelta(minutes=follow.timeout_minutes)
    )
    decision = settle(observation, expected, tracking.is_ancestor, here.now)
    if decision.outcome is Outcome.PENDING:
        return Result(model, env, "waiting", f"{label} v{promo.version} pending: {decision.reason}")
    return _report(ctx, tracking, follow, merged, note, observation.apps, decision)


def _report(
    ctx: Context,
    tracking: Tracking,
    follow: Follow,
    merged: MergedPromotion,
    note: Note | None,
    apps: tuple[AppStatus, ...],
    decision: Decision,
) -> Result:
    promo = merged.promotion
    model, env = promo.model, promo.environment
    label = f"[{model}/{env}]"
    outcome = decision.outcome
    recorded: Result | None = None
    after = ""
    try:
        if outcome is Outcome.OK and follow.records_on == "healthy":
            assert decision.healthy_since is not None
            when = decision.healthy_since.timestamp()
            (recorded,) = record(ctx, [Deployment(promo, merged.merge_sha)], when)
            if recorded.failed:
                return recorded  # nothing reported: the next run settles and records again
        if outcome is Outcome.FAILED:
            opened = _rollback(ctx, model, env) if follow.on_failure == "rollback" else None
            after = watch_report.rollback_hint(env, opened)
        url = next((a.url for a in apps if a.url), "")
        tracking.deploy(
            merged.merge_sha,
            env,
            watch_report.payload(promo, decision),
            watch_report.deployment_state(outcome),
            url,
            f"v{promo.version}: {outcome.value}",
        )
        rows = [(a.name, a.sync_status, a.health, ", ".join(a.images), a.url) for a in apps]
        body = watch_report.comment(promo, decision, rows, after)
        tracking.upsert_note(merged.number, body, note.comment_id if note else None)
    except BotError as err:
        return Result(model, env, "failed", f"{label} {err}")
    reason = f"{label} v{promo.version} {outcome.value}: {decision.reason}"
    if outcome is Outcome.FAILED:
        return Result(model, env, "failed", f"{reason}. {after.splitlines()[0]}")
    if recorded is not None:
        return Result(model, env, recorded.status, f"{reason}; {recorded.reason}",
                      candidate=recorded.candidate)  # fmt: skip
    # Settled without an answer from the cluster: nothing is recorded and it is not healthy.
    status: Status = "blocked" if outcome is Outcome.UNKNOWN else "up-to-date"
    return Result(model, env, status, reason)


def _rollback(ctx: Context, model: str, env: str) -> str | None:
    """Open the rollback PR (never merged by the bot); its URL, or None when it cannot."""
    from bot.pipeline import apply
    from bot.pipeline.rollback import rollback

    try:
        (result,) = apply(ctx, [rollback(ctx, model, env)])
    except BotError as err:
        log.warning("[%s/%s] no rollback PR: %s", model, env, err)
        return None
    return result.pr_url if not result.failed else None


def outcome(ctx: Context, checkout: Path | None = None) -> CommandOutcome:
    """The action's ``watch`` command."""
    results = run_watch(ctx, checkout=checkout)
    note = "" if results else "no merged promotion waits for its environment"
    return CommandOutcome("After the merge", results, note, exit_code(results))
