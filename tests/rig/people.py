"""People acting on the GitHub fake, for tests: reviewers, maintainers, contributors.

Each ``Person`` has a token of their own (never the bot's) and does everything through the
fake's REST API, as a person's browser or ``git push`` would reach GitHub:

    alice = Person.join(fake, "alice")            # a writer; "admin" to change settings
    alice.approve(pr)                             # reviews
    alice.merge(pr, "squash")                     # merge | squash | rebase
    alice.close(pr); alice.reopen(pr)
    alice.edit("main", PROD, "...")               # a hand commit (a conflicting base change)
    alice.amend("promote/x/prod", {PROD: "..."})  # rewrite the bot's commit, force-push

A refusal raises ``Refused`` with GitHub's status and body, so a test can assert either.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from tests.rig.fake_github import FakeGitHub


class Refused(Exception):
    """GitHub answered 4xx/5xx; ``status`` and ``body`` are its answer."""

    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"{status} {message}")
        self.status, self.body = status, body


@dataclass
class Person:
    fake: FakeGitHub
    login: str
    token: str
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def __post_init__(self) -> None:
        self.session.headers["Authorization"] = f"token {self.token}"

    @classmethod
    def join(cls, fake: FakeGitHub, login: str, permission: str = "write") -> Person:
        """Give ``login`` a token and a role on the repository (admin | maintain | write |
        triage | read)."""
        token = f"ghp_{login}_{secrets.token_hex(8)}"
        with fake.lock:
            fake.users[token] = login
            fake.permissions[login] = permission
        return cls(fake, login, token)

    # -- plumbing -------------------------------------------------------------------------

    def call(self, method: str, path: str, **body: Any) -> Any:
        """One REST call on the repository (``path`` below ``/repos/{owner}/{repo}``)."""
        url = f"{self.fake.repo_api}{path}"
        response = self.session.request(method, url, json=body or None, timeout=30)
        data = response.json() if response.content else None
        if response.status_code >= 400:
            raise Refused(response.status_code, data)
        return data

    @property
    def identity(self) -> dict[str, str]:
        """The identity of commits made on this person's own machine."""
        return {"name": self.login, "email": f"{self.login}@people.example"}

    # -- reviews --------------------------------------------------------------------------

    def approve(self, number: int, body: str = "") -> dict[str, Any]:
        return self._review(number, "APPROVE", body)

    def request_changes(self, number: int, body: str = "Please change this.") -> dict[str, Any]:
        return self._review(number, "REQUEST_CHANGES", body)

    def comment_review(self, number: int, body: str) -> dict[str, Any]:
        return self._review(number, "COMMENT", body)

    def _review(self, number: int, event: str, body: str) -> dict[str, Any]:
        review: dict[str, Any] = self.call(
            "POST", f"/pulls/{number}/reviews", event=event, body=body
        )
        return review

    def dismiss(self, number: int, review_id: int, message: str = "Stale.") -> dict[str, Any]:
        path = f"/pulls/{number}/reviews/{review_id}/dismissals"
        review: dict[str, Any] = self.call("PUT", path, message=message, event="DISMISS")
        return review

    def reviews(self, number: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call("GET", f"/pulls/{number}/reviews?per_page=100")
        return found

    # -- pull requests --------------------------------------------------------------------

    def merge(
        self,
        number: int,
        method: str = "merge",
        sha: str | None = None,
        title: str | None = None,
        message: str | None = None,
    ) -> str:
        """Merge as the button does; the new base tip's sha."""
        body: dict[str, Any] = {"merge_method": method}
        for key, value in (("sha", sha), ("commit_title", title), ("commit_message", message)):
            if value is not None:
                body[key] = value
        return str(self.call("PUT", f"/pulls/{number}/merge", **body)["sha"])

    def close(self, number: int) -> dict[str, Any]:
        pull: dict[str, Any] = self.call("PATCH", f"/pulls/{number}", state="closed")
        return pull

    def reopen(self, number: int) -> dict[str, Any]:
        pull: dict[str, Any] = self.call("PATCH", f"/pulls/{number}", state="open")
        return pull

    def pull(self, number: int) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"/pulls/{number}")
        return found

    def comment(self, number: int, body: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("POST", f"/issues/{number}/comments", body=body)
        return found

    def settings(self, **values: Any) -> dict[str, Any]:
        """Change repository settings (admins only), e.g. ``squash_merge_commit_message``."""
        repo: dict[str, Any] = self.call("PATCH", "", **values)
        return repo

    # -- commits --------------------------------------------------------------------------

    def edit(self, branch: str, path: str, text: str, message: str | None = None) -> str:
        """A commit changing one file on top of ``branch``, pushed (fast-forward only)."""
        return self.commit(branch, {path: text}, message or f"Edit {path}")

    def commit(self, branch: str, files: dict[str, str | None], message: str) -> str:
        """One commit on top of ``branch`` writing ``files`` (None deletes), pushed."""
        tip = self._tip(branch)
        sha = self._write(tip["tree"]["sha"], [tip["sha"]], files, message, self.identity)
        self.call("PATCH", f"/git/refs/heads/{branch}", sha=sha)
        return sha

    def amend(
        self,
        branch: str,
        files: dict[str, str | None],
        keep_author: bool = True,
        message: str | None = None,
    ) -> str:
        """``git commit --amend`` of the branch's tip and a force-push: same parents, the
        tip's tree with ``files`` changed; the author is kept (``--no-edit``) or becomes
        this person (``--reset-author``); the committer is this person either way."""
        tip = self._tip(branch)
        author = {k: tip["author"][k] for k in ("name", "email", "date")}
        parents = [p["sha"] for p in tip["parents"]]
        sha = self._write(
            tip["tree"]["sha"],
            parents,
            files,
            tip["message"] if message is None else message,
            author if keep_author else self.identity,
        )
        self.call("PATCH", f"/git/refs/heads/{branch}", sha=sha, force=True)
        return sha

    def delete_branch(self, branch: str) -> None:
        self.call("DELETE", f"/git/refs/heads/{branch}")

    def _tip(self, branch: str) -> dict[str, Any]:
        ref = self.call("GET", f"/git/ref/heads/{branch}")
        tip: dict[str, Any] = self.call("GET", f"/git/commits/{ref['object']['sha']}")
        return tip

    def _write(
        self,
        base_tree: str,
        parents: list[str],
        files: dict[str, str | None],
        message: str,
        author: dict[str, str],
    ) -> str:
        entries = []
        for path, text in files.items():
            entry: dict[str, Any] = {"path": path, "mode": "100644", "type": "blob"}
            if text is None:
                entry["sha"] = None
            else:
                content = base64.b64encode(text.encode()).decode()
                blob = self.call("POST", "/git/blobs", content=content, encoding="base64")
                entry["sha"] = blob["sha"]
            entries.append(entry)
        tree = self.call("POST", "/git/trees", base_tree=base_tree, tree=entries)
        commit = self.call(
            "POST",
            "/git/commits",
            message=message,
            tree=tree["sha"],
            parents=parents,
            author=author,
            committer=self.identity,
        )
        return str(commit["sha"])
