"""Comment-side calls on GitHub: reactions, replies, who may run a command, and the note on a
closed promotion PR. Replies, permissions and the note go through ``transport`` (a run that
tells a closed PR loads no PyGithub); reactions and team checks through PyGithub, built on
first use."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from bot.errors import NotFound, RetryableError
from bot.lazy import Lazy
from bot.model import ClosedPromotion
from bot.platform.github.client import api, pacer_for
from bot.platform.github.comments import post_once, tell_closed
from bot.platform.github.repository import Repo
from bot.platform.github.settings import GitHubSettings
from bot.platform.github.transport import Transport
from bot.untrusted import show

ROLES = ("admin", "maintain", "write", "triage", "read", "none")
# The legacy ``permission`` field: the base role a custom repository role builds on.
_LEGACY = ("admin", "write", "read", "none")


class GitHubChat:
    """Comment-side calls for ChatOps (``bot.platform.Chat``) on one repository."""

    def __init__(
        self, gh: Any, repo: Any, settings: GitHubSettings, rest: Repo | None = None
    ) -> None:
        """``gh`` and ``repo``: the PyGithub client and repository, or (``repo`` None) a
        ``Lazy`` making both when first used. ``rest``: the repository on the transport; by
        default one of its own."""
        self._pygithub: Lazy[tuple[Any, Any]] = gh if repo is None else Lazy.of((gh, repo))
        if rest is None:
            rest = Repo(Transport(settings, pacer_for(settings)), settings.repository)
        self._rest = rest
        self._settings = settings

    def react(self, issue_number: int, comment_id: int, content: str) -> None:
        with api(f"react to comment {comment_id}", self._settings):
            _, repo = self._pygithub.get()
            issue = repo.get_issue(issue_number)
            issue.get_comment(comment_id).create_reaction(content)

    def reply(self, issue_number: int, body: str, key: str | None = None) -> str:
        """Post ``body`` once: a retried reply never shows twice. ``key`` names the message;
        by default the text itself does, so only the same words on the same issue match."""
        if key is None:
            digest = hashlib.sha256(f"{issue_number}\n{body}".encode()).hexdigest()[:16]
            key = f"reply {digest}"
        return post_once(self._rest, issue_number, body, key, self._settings)

    def permission(self, login: str) -> str:
        """admin | maintain | write | triage | read | none. A custom role reads as the base
        role it extends; an answer with neither is an error, never a guess."""
        what = f"read the permission of {login}"
        with api(what, self._settings):
            _, data = self._rest.http.request(
                "GET", f"{self._rest.url}/collaborators/{quote(login, safe='')}/permission"
            )
        role = data.get("role_name") if isinstance(data, dict) else None
        if role in ROLES:
            return str(role)
        legacy = data.get("permission") if isinstance(data, dict) else None
        if legacy in _LEGACY:
            return str(legacy)
        raise RetryableError(
            f"GitHub answered without a role (role_name {show(role, 30)}, permission "
            f"{show(legacy, 30)}): cannot {what}; try again"
        )

    def tell_closed(self, closed: ClosedPromotion, text: str) -> None:
        tell_closed(self._rest, closed.number, text, self._settings)

    def in_team(self, org: str, team: str, login: str) -> bool:
        try:
            with api(f"check membership of {login} in @{org}/{team}", self._settings):
                gh, _ = self._pygithub.get()
                membership = (
                    gh.get_organization(org).get_team_by_slug(team).get_team_membership(login)
                )
        except NotFound:
            return False
        return str(membership.state) == "active"
