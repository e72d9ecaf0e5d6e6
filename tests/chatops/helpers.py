"""A ChatOps conversation on the rig: the GitHub fake, a real Git repository and a real MLflow
server; comments are answered by ``bot.chatops.handle`` over the real GitHub platform."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.chatops import handle
from bot.pipeline import connect
from bot.results import Outcome
from bot.settings import Settings
from tests.rig.fake_github import FakeGitHub
from tests.rig.github_rig import github_env
from tests.rig.repos import commit_all, make_gitops_repo

WRITER = "alice"
RUN_URL = "https://github.com/acme/gitops/actions/runs/123456"
CONFIG = ".github/promotion.yml"
_MARKER = re.compile(r"\n*<!-- model-promotion-bot:comment [^>]* -->\n?\Z")


class Conversation:
    def __init__(self, tmp: Path, fake: FakeGitHub, model: str) -> None:
        self.tmp, self.fake = tmp, fake
        self.repo = make_gitops_repo(tmp / "workspace", registered_model=model)
        fake.permissions.update({WRITER: "write"})
        fake.seed(self.repo)
        self.bot_logins: set[str] = set()

    def env(self, **extra: str) -> dict[str, str]:
        # No backoff: fault tests would otherwise sleep through the client's retries.
        return {**github_env(self.fake), "PROMOTE_GITHUB_RETRY_BACKOFF": "0", **extra}

    def commit(self, path: str, text: str, message: str) -> None:
        target = self.repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        commit_all(self.repo, message)
        self.fake.seed(self.repo)

    def say(
        self,
        body: str,
        login: str = WRITER,
        issue: int | None = None,
        run_url: str | None = RUN_URL,
        **env: str,
    ) -> tuple[Outcome | Exception, dict[str, Any]]:
        """Post ``body`` as ``login`` and let the bot answer it, as the action would: what
        ``handle`` returned, or what it raised once it had answered."""
        if issue is None:
            issue = self.fake.open_issue("Promotions")["number"]
        created = self.fake.add_comment(issue, login, body)
        payload = {
            "action": "created",
            "issue": {"number": issue},
            "comment": {"id": created["id"], "body": body, "user": {"login": login}},
        }
        settings = Settings(repo_dir=self.repo, github_repo="acme/gitops", platform="github")
        ctx = connect(settings, self.env(**env))
        try:
            return handle(ctx, payload, run_url=run_url), payload
        except Exception as err:  # the entry point's boundary would report it
            return err, payload

    def reactions(self, payload: dict[str, Any]) -> list[str]:
        return [r["content"] for r in self.fake.reactions.get(payload["comment"]["id"], [])]

    def replies(self, payload: dict[str, Any]) -> list[str]:
        """The bot's comments after ``payload``'s, without their hidden marker."""
        comments = self.fake.comments.get(payload["issue"]["number"], [])
        after = [c for c in comments if c["id"] > payload["comment"]["id"]]
        return [_MARKER.sub("", c["body"]) for c in after]

    def raw_replies(self, payload: dict[str, Any]) -> list[str]:
        comments = self.fake.comments.get(payload["issue"]["number"], [])
        return [c["body"] for c in comments if c["id"] > payload["comment"]["id"]]

    def open_pulls(self) -> list[dict[str, Any]]:
        return [p for p in self.fake.pulls.values() if p["state"] == "open"]
