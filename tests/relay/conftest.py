"""Fixtures of the relay tests (defined in tests.relay.rig, re-exported for pytest)."""

from __future__ import annotations

from tests.relay.rig import relay, webhook_mlflow

__all__ = ["relay", "webhook_mlflow"]
