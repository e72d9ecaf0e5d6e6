"""MLflow Model Registry source (see ``registry``); ``filters`` builds the search and checks what
MLflow returns, ``errors`` words its failures without secrets. ``client`` picks the client: the
light REST client (``rest``, ``session``, ``entities``) for a plain http(s) server, else
``MlflowClient``."""

from __future__ import annotations

from bot.registry.mlflow.errors import display_uri, scrub
from bot.registry.mlflow.registry import SEARCH_AHEAD, MlflowRegistry

__all__ = ["SEARCH_AHEAD", "MlflowRegistry", "display_uri", "scrub"]
