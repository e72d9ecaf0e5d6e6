"""ISO 8601 times as GitHub, Argo CD and the bot's own markers write them (``Z`` included)."""

from __future__ import annotations

from datetime import datetime


def parse(value: object) -> datetime | None:
    """The time ``value`` names; None for anything that is not such a string (untrusted
    payloads: a missing or malformed time is "unknown", never an error)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
