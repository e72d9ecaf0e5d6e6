"""model-promotion-bot: promote validated ML model versions through GitOps pull requests."""

from __future__ import annotations

__version__ = "0.1.0"
