"""Value templates such as ``{version}`` or ``v{image_tag}``: check, render and reverse.

Only named placeholders from ``FIELDS`` are allowed (no attribute or index access), so a
template can never reach into Python objects.
"""

from __future__ import annotations

import re
import string

FIELDS = ("model", "version", "image_tag", "image_digest")
_FORMATTER = string.Formatter()


def fields(template: str) -> list[str]:
    return [name for _, name, _, _ in _FORMATTER.parse(template) if name is not None]


def check(template: str) -> None:
    """Raise ValueError (pydantic turns it into a config error) for a bad template."""
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as err:
        raise ValueError(f"bad template {template!r}: {err}; escape braces as {{{{ }}}}") from None
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if name not in FIELDS or spec or conv:
            allowed = ", ".join("{" + f + "}" for f in FIELDS)
            raise ValueError(f"bad placeholder {{{name}}} in {template!r}; use {allowed}")


def render(template: str, values: dict[str, str]) -> str:
    return template.format_map(values)


def extract(template: str, text: str) -> dict[str, str] | None:
    """Reverse ``render``: the placeholder values ``text`` was made from, or None."""
    pattern = ""
    seen: set[str] = set()
    for literal, name, _, _ in _FORMATTER.parse(template):
        pattern += re.escape(literal)
        if name is None:
            continue
        pattern += f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"
        seen.add(name)
    match = re.fullmatch(pattern, text, flags=re.DOTALL)
    return match.groupdict() if match else None
