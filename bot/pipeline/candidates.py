"""Which registry version is the candidate for a unit: the version asked for, the
upstream environment's version (promotion path), or the model's selection strategy."""

from __future__ import annotations

import fnmatch

from bot import plan
from bot.errors import UserError
from bot.model import Deployed, ModelVersion, Selection, VersionQuery
from bot.pipeline import units
from bot.pipeline.context import Context, query_of

LISTING = 50  # validated versions looked at when ignore rules or a semver range apply


def candidate(ctx: Context, model: str, env: str, sel: Selection) -> ModelVersion | None:
    if sel.version is not None:
        return pinned(ctx, model, sel.version)
    upstream = ctx.config.models[model].environments[env].upstream
    if upstream is not None:
        return from_upstream(ctx, model, upstream)
    return selected(ctx, model)


def pinned(ctx: Context, model: str, version: str) -> ModelVersion:
    query = query_of(ctx.config, model)
    registry = ctx.registry(model)
    found = registry.get_version(query, version)
    if found is None:
        raise UserError(f"[{model}] version {version!r} not found in the registry")
    if not registry.is_validated(query, found):
        raise UserError(f"[{model}] version {version} is not validated: {_rule(query)}")
    return found


def from_upstream(ctx: Context, model: str, upstream: str) -> ModelVersion | None:
    """The promotion path: only what the upstream environment runs now may move on, and only
    as it runs there: an image the registry does not give for that version is refused, so a
    downstream environment never gets an image its upstream never ran."""
    declared = deployed(ctx, model, upstream)
    if declared.version is None:
        return None
    version = declared.version
    query = query_of(ctx.config, model)
    found = ctx.registry(model).get_version(query, version)
    if found is None or not ctx.registry(model).is_validated(query, found):
        raise UserError(
            f"[{model}] v{version} runs in {upstream} but is not a validated registry version"
        )
    if drift(declared, found) is not None:
        raise UserError(
            f"[{model}] {upstream} runs v{version} with image tag {declared.image_tag}, but the "
            f"registry's image tag for v{version} is {found.image_tag}: make {upstream} run the "
            "registry's image (or fix the version's tag) before promoting from it"
        )
    return found


def drift(declared: Deployed, registered: ModelVersion) -> str | None:
    """How the overlays' image tag disagrees with the registry's for the declared version."""
    if declared.image_tag is None or registered.image_tag is None:
        return None
    if declared.image_tag == registered.image_tag:
        return None
    return (
        f"drift: the overlays run v{registered.version} with image tag {declared.image_tag}; "
        f"the registry says {registered.image_tag}"
    )


def selected(ctx: Context, model: str) -> ModelVersion | None:
    """The model's selection strategy; one registry search in the common case."""
    spec = ctx.config.models[model].select
    query = query_of(ctx.config, model)
    registry = ctx.registry(model)
    simple = spec.strategy in ("newest", "alias") and not spec.ignore_versions
    if simple and not spec.ignore_tags:
        return registry.newest_validated(query)
    for listed in registry.validated_versions(query, LISTING):
        if _eligible(ctx, model, listed):
            return registry.get_version(query, listed.version)
    return None


def _eligible(ctx: Context, model: str, mv: ModelVersion) -> bool:
    spec = ctx.config.models[model].select
    if mv.version in spec.ignore_versions:
        return False
    tag = mv.image_tag or ""
    if any(fnmatch.fnmatchcase(tag, pattern) for pattern in spec.ignore_tags):
        return False
    if spec.strategy == "semver":
        return in_range(tag, spec.range or "")
    return True


def in_range(tag: str, spec: str) -> bool:
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        version = Version(tag.removeprefix("v"))
    except InvalidVersion:
        return False
    return SpecifierSet(spec).contains(version, prereleases=False)


def deployed(ctx: Context, model: str, env: str) -> Deployed:
    """The version and image tag an environment's overlays declare on the base branch."""
    slots = plan.slots(units.whole_environment(ctx.config, model, env).targets)
    return plan.deployed(slots, ctx.files(plan.files_of(slots)))


def deployed_version(ctx: Context, model: str, env: str) -> str | None:
    return deployed(ctx, model, env).version


def _rule(query: VersionQuery) -> str:
    rule = [f"tag {k}={v}" for k, v in query.validated_tags.items()]
    if query.validated_alias:
        rule.append(f"alias @{query.validated_alias}")
    return "needs " + " and ".join(rule) if rule else "rejected"
