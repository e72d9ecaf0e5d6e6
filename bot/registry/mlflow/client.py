"""Which client talks to MLflow: the light REST client (``rest``) or ``MlflowClient``.

The light client is taken only where it does exactly what ``MlflowClient`` would: a plain
``http://`` or ``https://`` tracking (and registry) server, with the authentication MLflow itself
reads for those (token, username/password, TLS settings). Everything else keeps
``MlflowClient``: file and database stores, ``databricks``, plugin schemes, an auth plugin
(``MLFLOW_TRACKING_AUTH``), AWS SigV4, workspaces. ``MODEL_PROMOTION_MLFLOW_CLIENT=mlflow``
forces ``MlflowClient`` everywhere, for a request-header or store plugin installed for ``http``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.errors import RegistryError

SWITCH = "MODEL_PROMOTION_MLFLOW_CLIENT"
CHOICES = ("auto", "mlflow")
# Settings only MlflowClient honours: with any of them set, it is the client.
MLFLOW_ONLY = ("MLFLOW_TRACKING_AUTH", "MLFLOW_WORKSPACE")


@dataclass(frozen=True)
class Connection:
    """A client and the exception type its failures raise (MLflow's or the light client's)."""

    client: Any
    errors: tuple[type[BaseException], ...]
    light: bool


def light_allowed(tracking_uri: str | None, registry_uri: str | None) -> bool:
    """Whether the light client serves these URIs (as resolved from the environment)."""
    env = os.environ
    choice = (env.get(SWITCH) or "auto").strip().lower()
    if choice not in CHOICES:
        raise RegistryError(
            f"{SWITCH}={choice[:20]!r}: use one of {', '.join(CHOICES)}"
            " (mlflow: always use MLflow's own client)"
        )
    if choice == "mlflow" or any(env.get(name) for name in MLFLOW_ONLY):
        return False
    if env.get("MLFLOW_TRACKING_AWS_SIGV4", "").lower() in ("true", "1"):
        return False
    tracking = tracking_uri or env.get("MLFLOW_TRACKING_URI") or ""
    registry = registry_uri or env.get("MLFLOW_REGISTRY_URI") or tracking
    return all(urlsplit(uri).scheme in ("http", "https") for uri in (tracking, registry))


def connect(tracking_uri: str | None, registry_uri: str | None) -> Connection:
    if light_allowed(tracking_uri, registry_uri):
        from bot.registry.mlflow.rest import RestClient
        from bot.registry.mlflow.session import RestError

        env = os.environ
        tracking = tracking_uri or env["MLFLOW_TRACKING_URI"]
        registry = registry_uri or env.get("MLFLOW_REGISTRY_URI") or tracking
        return Connection(RestClient(tracking, registry), (RestError,), True)
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    return Connection(MlflowClient(tracking_uri, registry_uri), (MlflowException,), False)
