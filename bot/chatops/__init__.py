"""ChatOps: ``parse`` turns comment text into a checked ``Command`` (strict, no I/O);
``handle`` runs one for an ``issue_comment`` event through the platform's ``Chat`` and the same
pipeline as ``run``. A new command is a parser entry and a branch in ``handle``."""

from __future__ import annotations

from bot.chatops.handle import handle
from bot.chatops.parse import Command, Refusal, parse

__all__ = ["Command", "Refusal", "handle", "parse"]
