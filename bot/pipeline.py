"""The only module that wires the layers: registry -> policy -> plan -> platform.

``evaluate`` reads (registry, files, open PRs) and decides; ``apply`` writes. Commands are
thin: ``plan`` and ``run --dry-run`` stop after ``evaluate``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot import plan, policy, report
from bot.config import Config, MlflowRegistryConfig, Model, RegistryConfig
from bot.errors import BotError, UserError
from bot.model import (
    Deployed,
    FileChange,
    ModelVersion,
    OpenPromotion,
    PromotionId,
    Proposal,
    VersionQuery,
)
from bot.platform import Platform
from bot.registry import Registry

_VERSION = re.compile(r"^[0-9]{1,9}$")


@dataclass(frozen=True)
class Selection:
    model: str | None = None
    environment: str | None = None
    version: str | None = None
    # A pinned version was asked for by a person: it may move backwards and lifts a
    # rollback hold. An unpinned one (e.g. taken from the upstream environment) may not.
    pinned: bool = True

    @property
    def explicit(self) -> bool:
        return self.version is not None and self.pinned


@dataclass(frozen=True)
class Result:
    """The outcome for one (model, environment)."""

    model: str
    environment: str
    status: str  # planned | opened | updated | unchanged | failed
    reason: str
    deployed: Deployed = field(default_factory=lambda: Deployed(None, None))
    candidate: ModelVersion | None = None
    proposal: Proposal | None = None
    pr_number: int | None = None
    pr_url: str | None = None
    open_pr: OpenPromotion | None = None


def _mlflow(cfg: RegistryConfig) -> Registry:
    from bot.registry.mlflow import MlflowRegistry

    assert isinstance(cfg, MlflowRegistryConfig)
    return MlflowRegistry(cfg.tracking_uri, cfg.registry_uri, cfg.ui_url)


REGISTRIES: dict[str, Callable[[RegistryConfig], Registry]] = {"mlflow": _mlflow}


@dataclass
class Context:
    """One run's collaborators; registries are built on first use and reused."""

    config: Config
    platform: Platform
    registry_factory: Callable[[RegistryConfig], Registry] | None = None
    _registries: dict[str, Registry] = field(default_factory=dict)
    _files: dict[str, str | None] = field(default_factory=dict)

    def registry(self, model_key: str) -> Registry:
        name = self.config.registry_of(model_key)
        if name not in self._registries:
            cfg = self.config.registries[name]
            factory = self.registry_factory or REGISTRIES[cfg.type]
            self._registries[name] = factory(cfg)
        return self._registries[name]

    def files(self, paths: list[str]) -> dict[str, str | None]:
        for path in paths:
            if path not in self._files:
                self._files[path] = self.platform.read_file(path)
        return {path: self._files[path] for path in paths}


def query_of(config: Config, key: str) -> VersionQuery:
    model: Model = config.models[key]
    return VersionQuery(
        model=key,
        registered_name=model.registered_model or key,
        validated_tags=dict(model.validated.tags),
        validated_alias=model.validated.alias,
        image_tag_key=model.image.tag_from,
        image_digest_key=model.image.digest_from,
        metrics=tuple(model.metrics),
    )


def selected(config: Config, sel: Selection) -> list[tuple[str, str]]:
    if sel.model is not None and sel.model not in config.models:
        raise UserError(_unknown("model", sel.model, list(config.models)))
    pairs = [(m, e) for m, e in config.pairs() if sel.model in (None, m)]
    if sel.environment is not None and sel.environment not in {e for _, e in pairs}:
        raise UserError(_unknown("environment", sel.environment, sorted({e for _, e in pairs})))
    if sel.version is not None and not _VERSION.match(sel.version):
        raise UserError(f"version must be a registry version number, got {sel.version[:40]!r}")
    if sel.version is not None and len({m for m, _ in pairs}) > 1:
        raise UserError("--version needs --model: the config has several models")
    return [(m, e) for m, e in pairs if sel.environment in (None, e)]


def _unknown(what: str, name: str, known: list[str]) -> str:
    return f"unknown {what} {name!r}: the config has {', '.join(known) or 'none'}"


def candidate(ctx: Context, key: str, version: str | None) -> ModelVersion | None:
    query = query_of(ctx.config, key)
    registry = ctx.registry(key)
    if version is None:
        return registry.newest_validated(query)
    found = registry.get_version(query, version)
    if found is None:
        raise UserError(f"[{key}] version {version!r} not found in the registry")
    if not registry.is_validated(query, found):
        raise UserError(f"[{key}] version {version} is not validated: {_rule(query)}")
    return found


def _rule(query: VersionQuery) -> str:
    rule = [f"tag {k}={v}" for k, v in query.validated_tags.items()]
    if query.validated_alias:
        rule.append(f"alias @{query.validated_alias}")
    return "needs " + " and ".join(rule) if rule else "rejected"


def branch_name(config: Config, model: str, env: str) -> str:
    return f"{config.git.branch_prefix}/{model}/{env}"


def evaluate(ctx: Context, sel: Selection) -> list[Result]:
    pairs = selected(ctx.config, sel)
    open_prs = ctx.platform.open_promotions(ctx.config.git.branch_prefix)
    candidates: dict[str, ModelVersion | BotError | None] = {}
    results = []
    for model, env in pairs:
        if model not in candidates:
            candidates[model] = _candidate_or_error(ctx, model, sel.version)
        open_pr = open_prs.get(branch_name(ctx.config, model, env))
        found = candidates[model]
        try:
            if isinstance(found, BotError):
                raise found
            results.append(_one(ctx, model, env, found, open_pr, sel))
        except BotError as err:
            reason = str(err) if str(err).startswith("[") else f"[{model}/{env}] {err}"
            results.append(Result(model, env, "failed", reason, open_pr=open_pr))
    return results


def _candidate_or_error(
    ctx: Context, model: str, version: str | None
) -> ModelVersion | BotError | None:
    # One registry query per model, shared by all its environments; an error is kept so
    # every environment of the model reports it.
    try:
        return candidate(ctx, model, version)
    except BotError as err:
        return err


def validate(ctx: Context) -> list[str]:
    """Every target that cannot be read on the base branch, not only the first."""
    problems: list[str] = []
    for model, env in ctx.config.pairs():
        slots = plan.slots(ctx.config.models[model].environments[env])
        files = ctx.files(plan.files_of(slots))
        for slot in slots:
            try:
                plan.read_slot(slot, files)
            except UserError as err:
                problem = f"models.{model}.environments.{env}: {err}"
                if problem not in problems:
                    problems.append(problem)
    return problems


def _one(
    ctx: Context,
    model: str,
    env: str,
    cand: ModelVersion | None,
    open_pr: OpenPromotion | None,
    sel: Selection,
) -> Result:
    slots = plan.slots(ctx.config.models[model].environments[env])
    files = ctx.files(plan.files_of(slots))
    deployed = plan.deployed(slots, files)
    changes = plan.changes(slots, files, cand.values()) if cand else []
    explicit = sel.explicit
    decision = policy.decide(cand, deployed, open_pr, bool(changes), explicit)
    if decision.promote and cand is not None and not explicit:
        decision = policy.hold(decision, cand, held_version(ctx, model, env, slots), env)
    if not decision.promote or cand is None:
        return Result(model, env, "unchanged", decision.reason, deployed, cand, open_pr=open_pr)
    proposal = _proposal(ctx, model, env, cand, deployed, tuple(changes))
    return Result(model, env, "planned", decision.reason, deployed, cand, proposal, open_pr=open_pr)


def deployed_version(ctx: Context, model: str, env: str) -> str | None:
    """The version an environment's overlays declare on the base branch."""
    slots = plan.slots(ctx.config.models[model].environments[env])
    return plan.deployed(slots, ctx.files(plan.files_of(slots))).version


def held_version(ctx: Context, model: str, env: str, slots: list[plan.Slot]) -> str | None:
    """The version a merged rollback holds back, read from the newest commit's trailers."""
    version_file = plan.version_file(slots)
    if version_file is None:
        return None
    history = ctx.platform.file_history(version_file, 1)
    return report.rollback_of(history[0].message, model, env) if history else None


def _proposal(
    ctx: Context,
    model: str,
    env: str,
    cand: ModelVersion,
    deployed: Deployed,
    changes: tuple[FileChange, ...],
) -> Proposal:
    promo = PromotionId(model, env, cand.version, cand.image_tag)
    current = _current_version(ctx, model, deployed)
    pr = ctx.config.pull_request
    return Proposal(
        promotion=promo,
        branch=branch_name(ctx.config, model, env),
        title=report.title(promo),
        body=report.body(promo, cand, current, deployed, changes),
        commit_message=report.commit_message(promo, deployed),
        changes=changes,
        labels=tuple(pr.labels),
        reviewers=tuple(pr.reviewers),
        team_reviewers=tuple(pr.team_reviewers),
        draft=pr.draft,
    )


def _current_version(ctx: Context, model: str, deployed: Deployed) -> ModelVersion | None:
    """The deployed version's registry entry, for the metrics comparison; best effort."""
    if deployed.version is None or not deployed.version.isdigit():
        return None
    try:
        return ctx.registry(model).get_version(query_of(ctx.config, model), deployed.version)
    except BotError:
        return None


def apply(ctx: Context, results: list[Result]) -> list[Result]:
    """Publish every planned proposal; one failure does not stop the others."""
    out = []
    for result in results:
        if result.proposal is None:
            out.append(result)
            continue
        try:
            published = ctx.platform.publish(result.proposal, result.open_pr)
        except BotError as err:
            out.append(
                replace(
                    result, status="failed", reason=f"[{result.model}/{result.environment}] {err}"
                )
            )
            continue
        out.append(
            replace(
                result, status=published.action, pr_number=published.number, pr_url=published.url
            )
        )
    return out
