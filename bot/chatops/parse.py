"""Comment text -> Command: a strict parser, no I/O.

Comment text is untrusted. Only the first line can hold a command, every argument must match
a strict pattern (environment and model names known to the config, versions as registry
version numbers of at most ``MAX_VERSION_DIGITS`` digits), and anything else is refused with a
message that says exactly what is wrong, and the usage line. Nothing from the comment is echoed
back except through ``bot.text.markdown.code``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from bot.text.markdown import code

Name = Literal["promote", "rollback", "unhold", "status", "help"]
COMMANDS: tuple[Name, ...] = ("promote", "rollback", "unhold", "status", "help")
USAGE: dict[Name, str] = {
    "promote": "/promote <environment> [version] [model]",
    "rollback": "/rollback <environment> [model]",
    "unhold": "/unhold <environment> [model]",
    "status": "/status",
    "help": "/help",
}
MAX_BODY = 65536
MAX_LINE = 200
# MLflow numbers versions from 1; nine digits is far beyond any registry and keeps the value
# an int32 wherever it ends up.
MAX_VERSION_DIGITS = 9
_DIGITS = re.compile(r"^[0-9]+$")
_TAG_LIKE = re.compile(r"^v?[0-9]+(?:\.[0-9]+)*$")
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_COMMAND_LINE = re.compile(r"^/(" + "|".join(COMMANDS) + r")(?=\s|$)")


@dataclass(frozen=True)
class Command:
    name: Name
    environment: str | None = None
    version: str | None = None
    model: str | None = None
    group: str | None = None  # a configured group: its members in one PR


@dataclass(frozen=True)
class Refusal:
    """A comment that tried to be a command but is not a valid one."""

    message: str


_HELP: dict[Name, str] = {
    "promote": "open a promotion PR (a version pins it and lifts a rollback hold; a group's "
    "name in place of the model promotes the group: `/promote <environment> <group>`)",
    "rollback": "open a PR back to the previous version, holding the current one",
    "unhold": "open a PR that lifts the rollback hold, so scheduled runs may promote again",
    "status": "what each environment runs and what would be promoted",
    "help": "this list",
}


def help_text() -> str:
    lines = ["Commands (first line of a comment; one per comment):", ""]
    lines += [f"- `{USAGE[name]}`: {_HELP[name]}" for name in COMMANDS]
    return "\n".join(lines)


def parse(
    body: str,
    environments: Collection[str],
    models: Collection[str],
    groups: Collection[str] = (),
) -> Command | Refusal | None:
    """None when the comment is ordinary discussion, not addressed to the bot."""
    first, _, rest = body.lstrip("\ufeff").partition("\n")
    first = first.strip()
    match = _COMMAND_LINE.match(first)
    if not match:
        return None
    name = _name(match.group(1))
    if len(body) > MAX_BODY or len(first) > MAX_LINE:
        return Refusal(f"comment too long; usage: `{USAGE[name]}`")
    if any(_COMMAND_LINE.match(line.strip()) for line in rest.splitlines()):
        return Refusal("one command per comment, on its first line; see `/help`")
    args = first.split()[1:]
    if not all(_TOKEN.match(arg) for arg in args):
        return Refusal(
            f"arguments may only use letters, digits, `.`, `_` and `-`; usage: `{USAGE[name]}`"
        )
    return _build(name, args, environments, models, groups)


def _build(
    name: Name,
    args: list[str],
    environments: Collection[str],
    models: Collection[str],
    groups: Collection[str] = (),
) -> Command | Refusal:
    if name in ("status", "help"):
        return Command(name) if not args else Refusal(f"`/{name}` takes no arguments")
    if not args:
        return Refusal(f"missing environment; usage: `{USAGE[name]}`")
    env, *more = args
    if env not in environments:
        return Refusal(f"unknown environment; use one of: {', '.join(sorted(environments))}")
    named = [arg for arg in more if arg in groups]
    if named:
        return _group(name, env, named[0], len(more))
    version = None
    if more and more[0] not in models and _TAG_LIKE.match(more[0]):
        refusal = _version_refusal(name, env, more[0])
        if refusal is not None:
            return refusal
        version = more.pop(0)
    model = more.pop(0) if more else None
    if more:
        return Refusal(f"too many arguments; usage: `{USAGE[name]}`")
    if model is not None and model not in models:
        return Refusal(f"unknown model; use one of: {', '.join(sorted(models))}")
    if version is not None and model is None and len(models) > 1:
        return Refusal(f"name the model when promoting a version; usage: `{USAGE[name]}`")
    return Command(name, env, version, model)


_NOT_FOR_GROUPS: dict[Name, str] = {
    "rollback": "roll a group back by reverting its PR's merge commit (GitHub's Revert button)",
    "unhold": "a hold is one model's: `/unhold <environment> <model>`",
}


def _group(name: Name, env: str, group: str, given: int) -> Command | Refusal:
    """A word that names a configured group is the group (never a version)."""
    if name != "promote":
        return Refusal(f"`/{name}` does not take a group; {_NOT_FOR_GROUPS.get(name, '')}")
    if given > 1:
        return Refusal(
            # ``group`` is a configured name, so it may be echoed.
            f"a group promotes each member's own validated version: `/promote {env} {group}` "
            "takes no version or model"
        )
    return Command(name, env, group=group)


_NO_VERSION: dict[Name, str] = {
    "rollback": ": it goes back to the version deployed before",
    "unhold": ": it lifts the hold on whichever version is held",
}


def _version_refusal(name: Name, env: str, arg: str) -> Refusal | None:
    """None when ``arg`` is a version ``name`` takes; otherwise what exactly is wrong."""
    if name != "promote":
        does = _NO_VERSION.get(name, "")
        return Refusal(f"`/{name}` takes no version{does}; usage: `{USAGE[name]}`")
    if not _DIGITS.match(arg):
        return Refusal(f"versions are registry version numbers (digits), e.g. `/{name} {env} 2`")
    if len(arg) > MAX_VERSION_DIGITS:
        return Refusal(
            f"version {code(arg)} has {len(arg)} digits; registry version numbers have at most "
            f"{MAX_VERSION_DIGITS}, e.g. `/{name} {env} 2`"
        )
    return None


def _name(text: str) -> Name:
    for name in COMMANDS:
        if name == text:
            return name
    raise AssertionError(f"not a command: {text}")  # the pattern only matches COMMANDS
