"""Everything the relay needs, from the command's options and the environment, checked before
it listens: a bad config, secret or key is a one-line error at start-up, not at a delivery."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.config import load
from bot.errors import UserError
from bot.platform.github import dispatch as github
from bot.relay.app import Limits, Relay, Sender
from bot.relay.names import PREVIOUS_SECRET_ENV
from bot.relay.webhooks import secret_from
from bot.relay.wsgi import App

log = logging.getLogger("bot.relay")
WRITE_INTERVAL_ENV = "PROMOTE_GITHUB_WRITE_INTERVAL"


class DryRun:
    """The sender of ``--dry-run``: logs the dispatch it would make."""

    def send(self, model: str, version: str, delivery_id: str) -> None:
        log.info(
            "dry run: would dispatch %s model=%s version=%s", github.EVENT_TYPE, model, version
        )


def build(env: Mapping[str, str], **options: Any) -> App:
    from bot.relay.names import check_repository

    repository = check_repository(options.get("repository"))
    config = load(options["config_path"])
    secrets = _secrets(env)
    sender: Sender = DryRun()
    if not options.get("dry_run"):
        sender = _dispatcher(env, repository)
    limits = Limits(
        replay_window=float(options.get("replay_window", 300)),
        dispatch_slots=int(options.get("dispatch_slots", 4)),
    )
    models = ", ".join(config.models)
    log.info("relay for %s: models %s; sender %s", repository, models, type(sender).__name__)
    return App(Relay(config, secrets, sender, limits))


def _secrets(env: Mapping[str, str]) -> list[str]:
    # The previous secret is accepted too while a new one is rolled out to MLflow.
    previous = env.get(PREVIOUS_SECRET_ENV, "")
    return [secret_from(env), previous] if previous else [secret_from(env)]


def _dispatcher(env: Mapping[str, str], repository: str) -> github.Dispatcher:
    target = github.Target(
        repository=repository,
        api_url=(env.get("GITHUB_API_URL") or github.DEFAULT_API_URL).rstrip("/"),
        write_interval=_seconds(env, WRITE_INTERVAL_ENV, 1.0),
    )
    dispatcher = github.Dispatcher(target, github.credentials(env))
    dispatcher.check()
    return dispatcher


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        raise UserError(f"{name} must be a number of seconds >= 0, got {raw[:40]!r}")
    return value
