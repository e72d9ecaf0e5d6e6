"""Dotted key paths: ``model.version``, ``servers[0].image.tag``, ``a."x.y".b``."""

from __future__ import annotations

import re
from collections.abc import Callable

# Builds the ValueError for a reason found at a position of the path being parsed.
_Fail = Callable[[str, int], ValueError]

# Keys that need no quotes when a path is printed: no separators, quotes or blanks.
_BARE_KEY = re.compile(r'[^.\[\]"\s]+')


def parse_path(dotted: str) -> tuple[str | int, ...]:
    """Split a dotted path into keys (str) and list indexes (int).

    Keys are separated by ``.``; ``[N]`` after a key (or at the very start) indexes a list;
    a key containing dots, brackets or blanks is written in double quotes, with ``\\"`` and
    ``\\\\`` as the only escapes.
    """
    if not dotted.strip():
        raise ValueError("invalid key path '': empty; expected e.g. model.version")
    parts: list[str | int] = []
    pos = 0
    size = len(dotted)

    def fail(reason: str, at: int) -> ValueError:
        return ValueError(f"invalid key path {dotted!r}: {reason} at position {at + 1}")

    while True:
        at_start = pos == 0
        if pos < size and dotted[pos] == '"':
            key, pos = _quoted_key(dotted, pos, fail)
            parts.append(key)
        elif pos < size and dotted[pos] == "[" and at_start:
            pass  # a path may start with an index when the document is a list
        else:
            end = pos
            while end < size and dotted[end] not in '.["]':
                end += 1
            if end == pos:
                raise fail("empty key", pos)
            if end < size and dotted[end] in '"]':
                raise fail(f'unexpected {dotted[end]!r} (quote keys like "x.y")', end)
            parts.append(dotted[pos:end])
            pos = end
        while pos < size and dotted[pos] == "[":
            close = dotted.find("]", pos)
            digits = dotted[pos + 1 : close] if close != -1 else ""
            if close == -1:
                raise fail("unclosed '['", pos)
            if not digits.isdigit() or not digits.isascii():
                raise fail(f"list index must be a non-negative integer, got [{digits}]", pos)
            parts.append(int(digits))
            pos = close + 1
        if pos == size:
            return tuple(parts)
        if dotted[pos] != ".":
            raise fail(f"expected '.' or '[' but found {dotted[pos]!r}", pos)
        pos += 1
        if pos == size:
            raise fail("trailing '.'", pos - 1)


def _quoted_key(dotted: str, pos: int, fail: _Fail) -> tuple[str, int]:
    chars: list[str] = []
    i = pos + 1
    while i < len(dotted):
        char = dotted[i]
        if char == "\\" and i + 1 < len(dotted) and dotted[i + 1] in '"\\':
            chars.append(dotted[i + 1])
            i += 2
        elif char == '"':
            if i + 1 < len(dotted) and dotted[i + 1] not in ".[":
                raise fail("expected '.' or '[' after a quoted key", i + 1)
            return "".join(chars), i + 1
        else:
            chars.append(char)
            i += 1
    raise fail("unterminated quoted key", pos)


def format_path(path: tuple[str | int, ...]) -> str:
    """The inverse of :func:`parse_path`: ``("a", "x.y", 0)`` -> ``a."x.y"[0]``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
            continue
        if out:
            out.append(".")
        if _BARE_KEY.fullmatch(part):
            out.append(part)
        else:
            out.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "".join(out)
