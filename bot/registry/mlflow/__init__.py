"""MLflow Model Registry source (see ``registry``); ``filters`` builds the search and checks what
MLflow returns, ``errors`` words its failures without secrets."""

from __future__ import annotations

from bot.registry.mlflow.errors import display_uri, scrub
from bot.registry.mlflow.registry import SEARCH_AHEAD, MlflowRegistry

__all__ = ["SEARCH_AHEAD", "MlflowRegistry", "display_uri", "scrub"]
