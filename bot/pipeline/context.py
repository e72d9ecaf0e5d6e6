"""What one run works with: the config, the platform, registries built on first use from the
``bot.registry`` table, and files read once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot import state
from bot.config import Config, Model
from bot.model import ClosedPromotion, Edit, FileChange, VersionQuery
from bot.platform import Platform
from bot.registry import REGISTRIES, Registry


@dataclass
class Context:
    """One run's collaborators; registries are built on first use, files read once."""

    config: Config
    platform: Platform
    now: Callable[[], float] = time.time
    _registries: dict[str, Registry] = field(default_factory=dict)
    _files: dict[str, str | None] = field(default_factory=dict)
    _closed: list[ClosedPromotion] | None = None

    def closed(self) -> list[ClosedPromotion]:
        """The platform's closed, unmerged promotion PRs, read once per run (when needed)."""
        if self._closed is None:
            self._closed = self.platform.closed_promotions(self.config.git.branch_prefix)
        return self._closed

    def registry(self, model_key: str) -> Registry:
        name = self.config.registry_of(model_key)
        if name not in self._registries:
            cfg = self.config.registries[name]
            self._registries[name] = REGISTRIES[cfg.type](cfg)
        return self._registries[name]

    def files(self, paths: list[str]) -> dict[str, str | None]:
        for path in paths:
            if path not in self._files:
                self._files[path] = self.platform.read_file(path)
        return {path: self._files[path] for path in paths}


def hold_change(ctx: Context, model: str, env: str, version: str | None) -> list[FileChange]:
    """The state file with the hold of ``model`` in ``env`` set to ``version`` (None lifts
    it), as the change to commit with a promotion; none when it says so already."""
    path = ctx.config.git.state_file
    old = ctx.files([path])[path]
    before = state.held(old, path, model, env)
    new = (
        state.with_hold(old, path, state.Hold(model, env, version))
        if version is not None
        else state.without_hold(old, path, model, env)
    )
    if new is None or new == old:
        return []
    edit = Edit(path, f"hold of {model} in {env}", before, version or "lifted")
    return [FileChange(path, old or "", new, (edit,))]


def query_of(config: Config, key: str) -> VersionQuery:
    model: Model = config.models[key]
    alias = model.validated.alias
    if model.select.strategy == "alias":
        alias = model.select.alias
    return VersionQuery(
        model=key,
        registered_name=model.registered_model or key,
        validated_tags=dict(model.validated.tags),
        validated_alias=alias,
        image_tag_key=model.image.tag_from,
        image_digest_key=model.image.digest_from,
        metrics=tuple(model.metrics),
    )
