"""Which environments ``promote watch`` follows, and who records their deployments.

Apart from ``watch`` so the push-time write-back (``pipeline.record``) can ask without
importing the watch, which imports it.
"""

from __future__ import annotations

from bot.cluster.config import Follow, resolve
from bot.config import Config


def followed(config: Config) -> dict[tuple[str, str], Follow]:
    """(model, environment) -> its follow setting, for environments with a source."""
    found = {}
    for model, env in config.pairs():
        follow = resolve(config.models[model].environments[env].follow)
        if follow.source != "none":
            found[(model, env)] = follow
    return found


def records_at_merge(config: Config, model: str, env: str) -> bool:
    """Whether the push-time write-back records this environment (``record_on: merge``);
    with ``healthy`` (the default once a source is set) ``run_watch`` records it."""
    return resolve(config.models[model].environments[env].follow).records_on == "merge"
