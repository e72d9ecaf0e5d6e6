"""Shared pieces for the bad-input and secrets tests.

- ``Edit``: a change to a file of the GitOps repository (replace text, write, delete), applied
  and committed before the bot runs;
- ``ActionRig``: the action entry (``bot.action.main``) run in-process against the GitHub fake
  with its own ``$GITHUB_OUTPUT`` / ``$GITHUB_STEP_SUMMARY`` files and event payload file;
- ``local_snapshot``: everything the bot could write to a local repository, to compare.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.action import main as action_main
from tests.rig.fake_github import FakeGitHub
from tests.rig.repos import EXAMPLE_REPO, commit_all, git

CONFIG = ".github/promotion.yml"
OVERLAYS = "applications/inference-server/overlays"
WRITER = "alice"
REACTIONS = "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"
COMMENT = "POST /repos/{owner}/{repo}/issues/{number}/comments"


@dataclass(frozen=True)
class Edit:
    """``old`` -> ``new`` once in ``path``; ``old=None`` writes ``new`` as the whole file and
    ``new=None`` deletes the file."""

    path: str
    old: str | None
    new: str | bytes | None

    def apply(self, repo: Path) -> None:
        target = repo / self.path
        if self.new is None:
            target.unlink()
        elif self.old is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(self.new, bytes):
                target.write_bytes(self.new)
            else:
                target.write_text(self.new, encoding="utf-8")
        else:
            text = target.read_text(encoding="utf-8")
            assert self.old in text, f"{self.path} has no {self.old!r}"
            assert isinstance(self.new, str)
            target.write_text(text.replace(self.old, self.new, 1), encoding="utf-8")


def replace(path: str, old: str, new: str) -> Edit:
    return Edit(path, old, new)


def write(path: str, text: str | bytes) -> Edit:
    return Edit(path, None, text)


def delete(path: str) -> Edit:
    return Edit(path, None, None)


def second_model() -> Edit:
    """A second model, churn, with the same environments: the config has two models."""
    text = (EXAMPLE_REPO / CONFIG).read_text(encoding="utf-8")
    block = text[text.index("models:\n") + len("models:\n") :]
    block = block.replace("  fraud-detector:", "  churn:", 1)
    block = block.replace("registered_model: fraud-detector", "registered_model: churn", 1)
    return replace(CONFIG, "models:\n", "models:\n" + block)


def apply_edits(repo: Path, edits: tuple[Edit, ...]) -> None:
    for edit in edits:
        edit.apply(repo)
    if edits:
        commit_all(repo, "edit for the test")


def local_snapshot(repo: Path) -> str:
    """Refs, HEAD, index and working tree (untracked and ignored files included)."""
    return "\n".join(
        [
            git(repo, "for-each-ref"),
            git(repo, "rev-parse", "HEAD"),
            git(repo, "status", "--porcelain", "--ignored", "--untracked-files=all"),
        ]
    )


@dataclass
class ActionRun:
    code: int
    out: str  # stdout: workflow commands
    err: str
    output: str  # $GITHUB_OUTPUT
    summary: str  # $GITHUB_STEP_SUMMARY

    def lines(self) -> list[str]:
        return self.out.splitlines()

    def errors(self) -> list[str]:
        return [line for line in self.lines() if line.startswith("::error")]


class ActionRig:
    """The action entry against the GitHub fake, with a checkout as ``GITHUB_WORKSPACE``."""

    def __init__(self, tmp: Path, fake: FakeGitHub, repo: Path, token: str) -> None:
        self.tmp, self.fake, self.repo, self.token = tmp, fake, repo, token
        self.output, self.summary = tmp / "github-output.txt", tmp / "step-summary.md"
        self.event_path = tmp / "event.json"
        fake.permissions.update({WRITER: "write"})

    def env(self, event_name: str, payload: Any = None, **inputs: str) -> dict[str, str]:
        """``payload``: an object (written as JSON), ``str``/``bytes`` (written verbatim), or
        ``None`` (the file is not created)."""
        if isinstance(payload, bytes):
            self.event_path.write_bytes(payload)
        elif isinstance(payload, str):
            self.event_path.write_text(payload, encoding="utf-8")
        elif payload is not None:
            self.event_path.write_text(json.dumps(payload), encoding="utf-8")
        env = {
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(self.event_path),
            "GITHUB_REPOSITORY": self.fake.full_name,
            "GITHUB_API_URL": self.fake.base_url,
            "GITHUB_WORKSPACE": str(self.repo),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "PROMOTE_GITHUB_REQUEST_INTERVAL": "0",
            "PROMOTE_GITHUB_WRITE_INTERVAL": "0",
            "INPUT_GITHUB-TOKEN": self.token,
            "INPUT_COMMAND": "auto",
        }
        env.update({f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()})
        return env

    def run(self, env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> ActionRun:
        for path in (self.output, self.summary):
            path.write_text("", encoding="utf-8")
        capsys.readouterr()
        code = action_main(env)
        captured = capsys.readouterr()
        return ActionRun(
            code,
            captured.out,
            captured.err,
            self.output.read_text(encoding="utf-8"),
            self.summary.read_text(encoding="utf-8"),
        )

    def comment(self, body: str, login: str = WRITER, issue: int | None = None) -> dict[str, Any]:
        """A real comment in the fake, and the ``issue_comment`` payload GitHub would send."""
        if issue is None:
            issue = self.fake.open_issue("Promotions")["number"]
        created = self.fake.add_comment(issue, login, body)
        return {
            "action": "created",
            "issue": {"number": issue, "title": "Promotions"},
            "comment": {"id": created["id"], "body": body, "user": {"login": login}},
            "repository": {"full_name": self.fake.full_name},
            "sender": {"login": login},
        }

    def replies(self, payload: dict[str, Any]) -> list[str]:
        """Comments on the payload's issue made by someone else than the commenter."""
        login = payload["comment"]["user"]["login"]
        comments = self.fake.comments.get(payload["issue"]["number"], [])
        # The hidden marker that makes a reply idempotent is not part of what people read.
        marker = re.compile(r"\n*<!-- model-promotion-bot:comment [^>]* -->\n?\Z")
        return [marker.sub("", c["body"]) for c in comments if c["user"] != login]

    def reactions(self, payload: dict[str, Any]) -> list[str]:
        return [r["content"] for r in self.fake.reactions.get(payload["comment"]["id"], [])]
