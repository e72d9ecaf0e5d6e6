"""Gathering the facts a decision needs, lazily, from the repository and the registry: a rollback
hold (from the state file), how long a version has run upstream (soak), gate verdicts; and,
once a promotion is due, the registry details its PR body shows.

Nothing here decides: ``bot.policy.decide`` does, reading only the facts it needs.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress

from bot import plan, state
from bot.errors import BotError, UserError
from bot.lazy import Lazy
from bot.model import ClosedPromotion, Deployed, ModelVersion, OpenPromotion
from bot.pipeline import units
from bot.pipeline.context import Context, query_of
from bot.pipeline.units import Unit
from bot.policy import Facts
from bot.policy import gates as gate_rules
from bot.policy.facts import Soak
from bot.policy.gates import Verdict

HISTORY_DEPTH = 30
RECENT = 8  # validated versions a PR body's history and version list look back over


class Details:
    """The registry reads only a due promotion needs: the candidate's run, the deployed
    version's entry and run, and the newest validated versions with their metrics (the PR
    body's versions since the deployed one and metric history). ``start`` sends them off in
    the background (once); ``get`` waits. Meanwhile the platform reads the rollback hold and,
    when no gate reads the metrics, writes the commit: only the PR body needs them then."""

    def __init__(self, ctx: Context, model: str, cand: ModelVersion, deployed: Deployed) -> None:
        self._args = (ctx, model, cand, deployed)
        self._started: (
            tuple[Future[ModelVersion], Future[ModelVersion | None], Future[list[ModelVersion]]]
            | None
        ) = None

    def start(self) -> None:
        if self._started is not None:
            return
        ctx, model, cand, deployed = self._args
        registry, query = ctx.registry(model), query_of(ctx.config, model)
        pool = ThreadPoolExecutor(max_workers=2)
        completed = pool.submit(registry.complete, query, cand)
        current = pool.submit(_current_version, ctx, model, deployed)
        # After the candidate's run in its thread: MLflow then knows which experiment to search.
        recent = pool.submit(_recent, ctx, model, completed)
        pool.shutdown(wait=False)  # its threads end with these reads
        self._started = (completed, current, recent)

    def get(self) -> tuple[ModelVersion, ModelVersion | None]:
        self.start()
        assert self._started is not None
        completed, current, _ = self._started
        return completed.result(), current.result()

    def recent(self) -> list[ModelVersion]:
        """The newest validated versions, newest first; empty if the registry could not say."""
        self.start()
        assert self._started is not None
        return self._started[2].result()


def gather(
    ctx: Context,
    unit: Unit,
    cand: ModelVersion | None,
    deployed: Deployed,
    has_changes: bool,
    open_pr: OpenPromotion | None,
    details: Details | None,
) -> Facts:
    env = ctx.config.models[unit.model].environments[unit.environment]
    if cand is None or details is None:
        return Facts(unit.environment, deployed, has_changes, open_pr)

    def hold() -> str | None:
        details.start()  # a promotion is otherwise due: its registry reads start now
        return held_version(ctx, unit.model, unit.environment)

    def verdicts() -> tuple[Verdict, ...]:
        details.start()
        if not _gated(ctx, unit):
            return ()
        completed, current = details.get()  # the gates read the metrics: wait for them
        return tuple(gate_verdicts(ctx, unit.model, unit.environment, completed, current))

    return Facts(
        environment=unit.environment,
        deployed=deployed,
        has_changes=has_changes,
        open_pr=open_pr,
        hold=Lazy(hold),
        rejected=Lazy(lambda: rejection(ctx, unit, cand)),
        reviewed=Lazy(lambda: open_pr is not None and reviewed(ctx, open_pr)),
        soak=Lazy(lambda: soak(ctx, unit.model, unit.environment, cand.version)),
        verdicts=Lazy(verdicts),
        on_gate_failure=env.on_gate_failure,
        sort_key=ctx.registry(unit.model).sort_key,
    )


def _gated(ctx: Context, unit: Unit) -> bool:
    spec = ctx.config.models[unit.model]
    return bool(spec.gates or spec.environments[unit.environment].gates)


def reviewed(ctx: Context, open_pr: OpenPromotion) -> bool:
    """Whether someone reviewed the PR: from the batched read when it says so, else asked."""
    if open_pr.reviewed or open_pr.number is None:
        return open_pr.reviewed
    return ctx.platform.reviewed(open_pr.number)


def rejection(ctx: Context, unit: Unit, cand: ModelVersion) -> ClosedPromotion | None:
    """The newest closed, unmerged PR of this unit's branch that proposed ``cand``. Reopening
    it takes it off the list, and with it the rejection."""
    branch = unit.branch(ctx.config)
    return next(
        (
            c
            for c in ctx.closed()
            if c.branch == branch
            and (c.promotion.model, c.promotion.environment) == (unit.model, unit.environment)
            and c.promotion.version == cand.version
        ),
        None,
    )


def held_version(ctx: Context, model: str, env: str) -> str | None:
    """The version a merged rollback holds back: the state file on the base branch says so.
    Commit messages are not read: a squash, a later hand edit or another promotion keeps
    the file, and would lose a trailer."""
    path = ctx.config.git.state_file
    return state.held(ctx.files([path])[path], path, model, env)


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


def soak(ctx: Context, model: str, env: str, version: str) -> Soak | None:
    """How long ``version`` has run upstream, when the environment asks for soak time."""
    spec = ctx.config.models[model].environments[env]
    if not spec.soak_hours or spec.upstream is None:
        return None
    # Imported here: it brings the cluster loop's modules, which only soak time needs.
    from bot.pipeline.watch_soak import soak_start

    # From when the upstream became healthy on it, when the upstream is followed.
    since = soak_start(ctx, model, spec.upstream, version, running_since)
    ran = 0.0 if since is None else max(0.0, (ctx.now() - since) / 3600)
    return Soak(spec.upstream, ran, spec.soak_hours)


def gate_verdicts(
    ctx: Context, model: str, env: str, cand: ModelVersion, current: ModelVersion | None
) -> list[Verdict]:
    texts = [*ctx.config.models[model].gates, *ctx.config.models[model].environments[env].gates]
    deployed = dict(current.metrics) if current is not None else None
    return gate_rules.check_all([gate_rules.parse(t) for t in texts], cand.metrics, deployed)


def _current_version(ctx: Context, model: str, deployed: Deployed) -> ModelVersion | None:
    """The deployed version's registry entry, for metrics and relative gates; best effort."""
    if deployed.version is None:
        return None
    try:
        return ctx.registry(model).get_version(query_of(ctx.config, model), deployed.version)
    except BotError:
        return None


def _recent(ctx: Context, model: str, completed: Future[ModelVersion]) -> list[ModelVersion]:
    """The newest validated versions with their metrics, once the candidate's are in; best
    effort: the PR body leaves the two sections out rather than fail the promotion."""
    with suppress(BotError):  # the candidate's failure is reported where it is awaited
        completed.result()
    try:
        return ctx.registry(model).recent(query_of(ctx.config, model), RECENT)
    except BotError:
        return []
