"""Comment text -> Command: a strict parser, no I/O.

Comment text is untrusted. Only the first line can hold a command, every argument must match
a strict pattern (environment and model names known to the config, versions as digits), and
anything else is refused with the usage line. Nothing from the comment is echoed back except
through ``bot.text.markdown.code``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, cast

COMMANDS = ("promote", "rollback", "status", "help")
USAGE = {
    "promote": "/promote <environment> [version] [model]",
    "rollback": "/rollback <environment> [model]",
    "status": "/status",
    "help": "/help",
}
MAX_BODY = 65536
MAX_LINE = 200
_VERSION = re.compile(r"^[0-9]{1,9}$")
_TAG_LIKE = re.compile(r"^v?[0-9]+(?:\.[0-9]+)*$")
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_COMMAND_LINE = re.compile(r"^/(" + "|".join(COMMANDS) + r")(?=\s|$)")


@dataclass(frozen=True)
class Command:
    name: Literal["promote", "rollback", "status", "help"]
    environment: str | None = None
    version: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class Refusal:
    """A comment that tried to be a command but is not a valid one."""

    message: str


def help_text() -> str:
    lines = ["Commands (first line of a comment; one per comment):", ""]
    lines += [f"- `{USAGE[name]}`" for name in COMMANDS]
    return "\n".join(lines)


def parse(
    body: str, environments: Collection[str], models: Collection[str]
) -> Command | Refusal | None:
    """None when the comment is ordinary discussion, not addressed to the bot."""
    first, _, rest = body.lstrip("\ufeff").partition("\n")
    first = first.strip()
    match = _COMMAND_LINE.match(first)
    if not match:
        return None
    name = match.group(1)
    if len(body) > MAX_BODY or len(first) > MAX_LINE:
        return Refusal(f"comment too long; usage: `{USAGE[name]}`")
    if any(_COMMAND_LINE.match(line.strip()) for line in rest.splitlines()):
        return Refusal("one command per comment, on its first line; see `/help`")
    args = first.split()[1:]
    if not all(_TOKEN.match(arg) for arg in args):
        return Refusal(
            f"arguments may only use letters, digits, `.`, `_` and `-`; usage: `{USAGE[name]}`"
        )
    return _build(name, args, environments, models)


def _build(
    name: str, args: list[str], environments: Collection[str], models: Collection[str]
) -> Command | Refusal:
    if name in ("status", "help"):
        return Command(_name(name)) if not args else Refusal(f"`/{name}` takes no arguments")
    if not args:
        return Refusal(f"missing environment; usage: `{USAGE[name]}`")
    env, *more = args
    if env not in environments:
        return Refusal(f"unknown environment; use one of: {', '.join(sorted(environments))}")
    if more and _TAG_LIKE.match(more[0]) and not _VERSION.match(more[0]):
        return Refusal(f"versions are registry version numbers (digits), e.g. `/{name} {env} 2`")
    version = more.pop(0) if name == "promote" and more and _VERSION.match(more[0]) else None
    model = more.pop(0) if more else None
    if more:
        return Refusal(f"too many arguments; usage: `{USAGE[name]}`")
    if model is not None and model not in models:
        return Refusal(f"unknown model; use one of: {', '.join(sorted(models))}")
    if version is not None and model is None and len(models) > 1:
        return Refusal(f"name the model when promoting a version; usage: `{USAGE[name]}`")
    return Command(_name(name), env, version, model)


def _name(name: str) -> Literal["promote", "rollback", "status", "help"]:
    assert name in COMMANDS
    return cast(Literal["promote", "rollback", "status", "help"], name)
