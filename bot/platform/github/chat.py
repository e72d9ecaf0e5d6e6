"""ChatOps calls on GitHub: reactions, replies, and who may run a command."""

from __future__ import annotations

from typing import Any

from bot.errors import NotFound
from bot.platform.github.client import api
from bot.platform.github.settings import GitHubSettings


class GitHubChat:
    """Comment-side calls for ChatOps (``bot.platform.Chat``) on one repository."""

    def __init__(self, gh: Any, repo: Any, settings: GitHubSettings) -> None:
        self._gh = gh
        self._repo = repo
        self._settings = settings

    def react(self, issue_number: int, comment_id: int, content: str) -> None:
        with api(f"react to comment {comment_id}", self._settings):
            issue = self._repo.get_issue(issue_number)
            issue.get_comment(comment_id).create_reaction(content)

    def reply(self, issue_number: int, body: str) -> str:
        with api(f"reply on #{issue_number}", self._settings):
            comment = self._repo.get_issue(issue_number).create_comment(body)
        return str(comment.html_url)

    def permission(self, login: str) -> str:
        """admin | maintain | write | triage | read | none."""
        with api(f"read the permission of {login}", self._settings):
            data = self._repo.get_collaborator_role_name(login)
        return str(data)

    def in_team(self, org: str, team: str, login: str) -> bool:
        try:
            with api(f"check membership of {login} in @{org}/{team}", self._settings):
                membership = (
                    self._gh.get_organization(org).get_team_by_slug(team).get_team_membership(login)
                )
        except NotFound:
            return False
        return str(membership.state) == "active"
