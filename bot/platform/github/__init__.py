"""The GitHub platform: commits through the Git Data API, pull requests and ChatOps calls.

``platform`` is the flow (reads, then ``publish``: the one-commit push, open or update the PR,
who owns a branch), ``refs`` the branch calls (create, compare-and-swap move, compare),
``snapshot`` the poll's one GraphQL read (``graphql_*`` its documents and parsers, and the
``createCommitOnBranch`` and ``updateRefs`` writes), ``listings`` the REST lists
read only when a promotion is due, ``pulls`` the pull-request calls, ``chat`` the ChatOps calls,
``state`` the pure PR and branch state those decide on, ``transport`` the HTTP client every
call of a run goes through (urllib3; ``retry`` its retry rules, ``limits`` GitHub's rate-limit
answers, ``transport_errors`` what it raises, ``repository`` the repository it addresses),
``failures`` the mapping of failures to the bot's errors, ``client`` the PyGithub client (ChatOps
reactions and team checks only, built on first use), ``pacing`` when a request may go, and
``settings`` what it is set up from. Only this package imports PyGithub.
"""

from __future__ import annotations

from bot.platform.github.limits import rate_limit_wait
from bot.platform.github.platform import GitHubPlatform
from bot.platform.github.settings import DEFAULT_API_URL, GitHubSettings, settings_from

__all__ = [
    "DEFAULT_API_URL",
    "GitHubPlatform",
    "GitHubSettings",
    "rate_limit_wait",
    "settings_from",
]
