"""ChatOps calls on GitHub: reactions, replies, and who may run a command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import UserError
from bot.platform.github_api import api

if TYPE_CHECKING:
    from bot.platform.github import GitHubPlatform


class GitHubChat:
    """Comment-side calls for ChatOps: reactions, replies and who may do what."""

    def __init__(self, platform: GitHubPlatform) -> None:
        self._repo = platform._repo
        self._gh = platform._gh
        self._settings = platform.settings

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
        from github import GithubException

        try:
            with api(f"check membership of {login} in @{org}/{team}", self._settings):
                membership = (
                    self._gh.get_organization(org).get_team_by_slug(team).get_team_membership(login)
                )
        except UserError as err:
            if isinstance(err.__cause__, GithubException) and err.__cause__.status == 404:
                return False
            raise
        return str(membership.state) == "active"
