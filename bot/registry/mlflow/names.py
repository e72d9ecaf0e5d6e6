"""The registered model names an MLflow registry holds: for a did-you-mean when a config names
one that does not exist (``promote validate --online``)."""

from __future__ import annotations

import os

from bot import deadline
from bot.errors import RegistryError, RetryableError
from bot.registry.mlflow.client import connect
from bot.registry.mlflow.errors import display_uri, short_reason, transport_error

LIMIT = 1000  # MLflow's largest page of registered models: enough for a suggestion


def registered_names(tracking_uri: str | None, registry_uri: str | None = None) -> list[str]:
    """Up to ``LIMIT`` names, in one request; RetryableError when the server cannot be reached."""
    connection = connect(tracking_uri, registry_uri)
    env = os.environ.get
    uri = registry_uri or env("MLFLOW_REGISTRY_URI") or tracking_uri or env("MLFLOW_TRACKING_URI")
    where = display_uri(uri or "")
    try:
        search = connection.client.search_registered_models
        if connection.light:  # keeps to the run's deadline itself
            found = search(max_results=LIMIT)
        else:
            check = "that the server is up and MLFLOW_TRACKING_URI points at it"
            found = deadline.bounded(lambda: search(max_results=LIMIT), f"MLflow at {where}", check)
    except connection.errors as err:
        cause = transport_error(err)
        if cause is not None:
            raise RetryableError(
                f"MLflow at {where} unreachable: {short_reason(cause)}; try again"
            ) from None
        raise RegistryError(f"MLflow at {where}: {short_reason(err)}") from None
    return [str(m.name) for m in found]
