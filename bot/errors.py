"""One error base for the whole bot.

``UserError`` is something the user can fix (config, overlay, input): exit 1, one line.
``RetryableError`` is a transient failure after the library retries ran out: exit 1 as well,
but the message says to try again. Anything else is a bug: exit 3.
"""

from __future__ import annotations


class BotError(Exception):
    """Base class; ``str(err)`` is the one line shown to the user."""

    exit_code = 1


class UserError(BotError):
    """Bad config, bad overlay or bad input: the message names the subject and the fix."""


class ConfigError(UserError):
    """The promotion config is invalid; carries every problem found, not only the first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0] if len(problems) == 1 else "\n".join(problems))


class TargetNotFound(UserError):
    """An overlay file lacks the entry or key a target points at."""


class OverlayError(UserError):
    """An overlay file cannot be parsed or edited (malformed YAML, unexpected node type)."""


class RegistryError(UserError):
    """The model registry answered, but with something we cannot promote."""


class RetryableError(BotError):
    """A transient failure (5xx, rate limit, connection reset) that outlived the retries."""


class NotFound(UserError):
    """The platform or registry answered that the thing asked for does not exist.

    Callers that expect absence (a file not on the branch, a login not in a team) catch it;
    anywhere else it is a one-line user error like any other.
    """


class AlreadyExists(UserError):
    """The platform refused to create something that exists already (a branch, a PR)."""


class Superseded(BotError):
    """Another run moved the promotion branch first (its compare-and-swap won): ``str(err)``
    names the PR or branch and what it now proposes, ``version`` the winning version."""

    def __init__(self, message: str, version: str | None) -> None:
        super().__init__(message)
        self.version = version
