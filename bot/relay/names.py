"""The relay's fixed names, in a module that imports nothing, so ``promote`` stays fast."""

from __future__ import annotations

WEBHOOK_PATH = "/webhooks/mlflow"  # where MLflow posts
HEALTH_PATH = "/healthz"
DEFAULT_NAME = "model-promotion-relay"  # the webhook's name in MLflow
SECRET_ENV = "PROMOTE_RELAY_SECRET"
PREVIOUS_SECRET_ENV = "PROMOTE_RELAY_PREVIOUS_SECRET"
MIN_SECRET = 16
