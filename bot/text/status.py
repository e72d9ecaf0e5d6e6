"""How a status reads for people: its word, its mark, and the detail that says why.

Only the healthy statuses (``bot.results.HEALTHY``) get a check mark; a blocked, held or
waiting promotion must never look like one that is done.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.results import Result, Status, why

# "[model/env] message", as the pipeline words a unit's failure.
_LABEL = re.compile(r"^\[(?P<label>[^\]]+)\] (?P<message>.*)$", re.DOTALL)

WORDS: dict[Status, str] = {"branch-created": "branch created"}

# Terminal marks: one narrow character, so tables stay aligned.
MARKS: dict[Status, str] = {
    "opened": "✔",
    "updated": "✔",
    "up-to-date": "✔",
    "failed": "✘",
    "planned": "·",
    "branch-created": "·",
    "recorded": "·",
}

# Step summary icons (markdown, read in a browser).
ICONS: dict[Status, str] = {
    "planned": "📝",
    "opened": "🚀",
    "branch-created": "🌿",
    "updated": "🔁",
    "up-to-date": "✔",
    "blocked": "⛔",
    "held": "⏸️",
    "waiting": "⏳",
    "rejected": "🚫",
    "superseded": "⏭️",
    "recorded": "📌",
    "failed": "✘",
}


def word(status: Status) -> str:
    return WORDS.get(status, status)


def mark(status: Status) -> str:
    """``✔ up-to-date``, ``! blocked``, ``✘ failed``."""
    return f"{MARKS.get(status, '!')} {word(status)}"


def icon(status: Status) -> str:
    return f"{ICONS.get(status, '⚠️')} {word(status)}"


def errors(results: Iterable[Result]) -> list[str]:
    """Each distinct error once, naming every unit it stopped: a registry that is down fails
    every environment of a model with the same message."""
    stopped: dict[str, list[str]] = {}
    for r in results:
        if not r.failed:
            continue
        match = _LABEL.match(r.reason)
        message, label = (match["message"], match["label"]) if match else (r.reason, "")
        labels = stopped.setdefault(message, [])
        if label and label not in labels:
            labels.append(label)
    return [f"[{', '.join(labels)}] {m}" if labels else m for m, labels in stopped.items()]


def name(r: Result) -> str:
    """The subject of a result: ``generator``, a group member ``generator [llm-stack]``, a
    group's own line ``llm-stack (group)``."""
    if r.group is None:
        return r.model
    return f"{r.model} (group)" if r.model == r.group else f"{r.model} [{r.group}]"


def detail(r: Result) -> str:
    """The reason, with the time left when waiting (the reason says how long it ran)."""
    data = why(r)
    if "hours_left" in data and "left" not in r.reason:
        return f"{r.reason}; {data['hours_left']:g} h left"
    return r.reason
