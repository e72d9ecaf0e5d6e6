"""The relay's fixed names and its one input check, in a module that imports only ``bot.errors``,
so ``promote`` stays fast."""

from __future__ import annotations

import re

from bot.errors import UserError

WEBHOOK_PATH = "/webhooks/mlflow"  # where MLflow posts
HEALTH_PATH = "/healthz"
DEFAULT_NAME = "model-promotion-relay"  # the webhook's name in MLflow
SECRET_ENV = "PROMOTE_RELAY_SECRET"
PREVIOUS_SECRET_ENV = "PROMOTE_RELAY_PREVIOUS_SECRET"
MIN_SECRET = 16

_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")


def check_repository(repository: str | None) -> str:
    if not repository or not _REPOSITORY.match(repository):
        shown = repository[:60] if repository else ""
        raise UserError(f"--repository (or GITHUB_REPOSITORY) must be owner/name, got {shown!r}")
    return repository
