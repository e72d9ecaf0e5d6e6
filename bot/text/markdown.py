"""Escaping for markdown people read: registry values and comment text are untrusted, so they
reach a PR body, a comment or a summary only through ``code`` or ``cell``."""

from __future__ import annotations

import re


def code(value: str | None) -> str:
    """An inline code span that no backtick or newline in ``value`` can break out of."""
    if value is None or value == "":
        return "—"
    flat = " ".join(value.split())
    fence = "`" * (max((len(r) for r in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def cell(value: str) -> str:
    """Plain text safe inside a markdown table cell: no markup, links, HTML or pipes."""
    flat = " ".join(value.split())
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", flat)
