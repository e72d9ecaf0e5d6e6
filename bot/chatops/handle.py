"""ChatOps: an ``issue_comment`` event -> a checked command -> the same pipeline as ``run``.

Order of events on GitHub: 👀 on receipt, then 🚀 when done or 😕 when refused or failed,
and one reply (a PR link, a table, or a one-line reason). Edited and deleted comments,
comments by bots and ordinary discussion are ignored without a sound.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bot import pipeline
from bot.chatops.parse import Command, Refusal, help_text, parse
from bot.errors import BotError, UserError
from bot.model import Selection
from bot.pipeline import Context
from bot.pipeline.rollback import rollback
from bot.platform import Chat
from bot.results import Outcome, Result
from bot.text import summary
from bot.text.markdown import code

T = TypeVar("T")
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\[bot\])?$")
_WRITERS = ("admin", "maintain", "write")


@dataclass(frozen=True)
class CommentEvent:
    action: str
    body: str
    login: str
    is_bot: bool
    comment_id: int
    issue_number: int

    @classmethod
    def parse(cls, payload: Mapping[str, Any]) -> CommentEvent:
        comment = _object(payload, "comment")
        user = _object(comment, "user", "comment.")
        login = _field(user, "login", str, "comment.user.")
        if not _LOGIN.match(login):
            raise UserError("issue_comment event payload: comment.user.login is not a GitHub login")
        body = comment.get("body")
        return cls(
            action=_field(payload, "action", str),
            body=body if isinstance(body, str) else "",
            login=login,
            is_bot=user.get("type") == "Bot" or login.endswith("[bot]"),
            comment_id=_field(comment, "id", int, "comment."),
            issue_number=_field(_object(payload, "issue"), "number", int, "issue."),
        )


def _object(data: Mapping[str, Any], key: str, prefix: str = "") -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise UserError(f"issue_comment event payload: {prefix}{key} must be an object")
    return value


def _field(data: Mapping[str, Any], key: str, kind: type[T], prefix: str = "") -> T:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        what = "an integer" if kind is int else "a string"
        raise UserError(
            f"issue_comment event payload: {prefix}{key} must be {what}, got {value!r:.40}"
        )
    return value


def handle(ctx: Context, payload: Mapping[str, Any], dry_run: bool = False) -> Outcome:
    event = CommentEvent.parse(payload)
    if event.action != "created":
        return Outcome("ChatOps", note=f"ignored: comment {event.action}")
    if event.is_bot:
        return Outcome("ChatOps", note="ignored: comment by a bot")
    envs = {e for _, e in ctx.config.pairs()}
    command = parse(event.body, envs, list(ctx.config.models))
    if command is None:
        return Outcome("ChatOps", note="ignored: not a command")
    chat = ctx.platform.chat()
    chat.react(event.issue_number, event.comment_id, "eyes")
    refusal = (
        command.message if isinstance(command, Refusal) else _refusal(ctx, chat, event, command)
    )
    if refusal is not None:
        chat.reply(event.issue_number, f"@{event.login} {refusal}")
        chat.react(event.issue_number, event.comment_id, "confused")
        return Outcome("ChatOps", note=f"refused: {refusal}")
    assert isinstance(command, Command)
    return _execute(ctx, chat, event, command, dry_run)


def _refusal(ctx: Context, chat: Chat, event: CommentEvent, command: Command) -> str | None:
    if chat.permission(event.login) not in _WRITERS:
        return f"you need write access to this repository to run `/{command.name}`."
    if command.environment is None:
        return None
    for model in _models(ctx, command):
        allow = ctx.config.models[model].environments[command.environment].allow
        if allow and not _allowed(chat, allow, event.login):
            who = ", ".join(allow)
            return f"only {who} may run `/{command.name}` for {command.environment}."
    return None


def _allowed(chat: Chat, allow: list[str], login: str) -> bool:
    if login.lower() in (a.lower() for a in allow):
        return True
    teams = [a[1:].split("/", 1) for a in allow if a.startswith("@")]
    return any(chat.in_team(org, team, login) for org, team in teams)


def _models(ctx: Context, command: Command) -> list[str]:
    if command.model is not None:
        return [command.model]
    return [m for m, e in ctx.config.pairs() if e == command.environment]


def _execute(
    ctx: Context, chat: Chat, event: CommentEvent, command: Command, dry_run: bool
) -> Outcome:
    try:
        outcome = _run_command(ctx, command, dry_run)
    except BotError as err:
        chat.reply(event.issue_number, f"@{event.login} `/{command.name}` failed: {code(str(err))}")
        chat.react(event.issue_number, event.comment_id, "confused")
        return Outcome(f"/{command.name}", note=str(err), exit_code=1)
    failed = any(r.failed for r in outcome.results)
    chat.reply(event.issue_number, f"@{event.login} {outcome.note}")
    chat.react(event.issue_number, event.comment_id, "confused" if failed else "rocket")
    return Outcome(outcome.title, outcome.results, outcome.note, 1 if failed else 0)


def _run_command(ctx: Context, command: Command, dry_run: bool) -> Outcome:
    if command.name == "help":
        return Outcome("/help", note=help_text())
    if command.name == "status":
        results = pipeline.evaluate(ctx, Selection())
        return Outcome("/status", results, summary.markdown("Promotion status", results))
    assert command.environment is not None
    if command.name == "rollback":
        results = [_rollback(ctx, command)]
    else:
        results = [r for model in _models(ctx, command) for r in _promote(ctx, command, model)]
    if not dry_run:
        results = pipeline.apply(ctx, results)
    return Outcome(f"/{command.name} {command.environment}", results, _reply(results))


def _promote(ctx: Context, command: Command, model: str) -> list[Result]:
    env = command.environment
    assert env is not None
    version, pinned = command.version, command.version is not None
    upstream = ctx.config.models[model].environments[env].upstream
    if version is None and upstream is not None:
        version = pipeline.deployed_version(ctx, model, upstream)
        if version is None:
            raise UserError(f"[{model}/{env}] cannot tell which version {upstream} runs")
    return pipeline.evaluate(ctx, Selection(model, env, version, pinned=pinned))


def _rollback(ctx: Context, command: Command) -> Result:
    models = _models(ctx, command)
    if len(models) != 1:
        raise UserError(
            f"several models run in {command.environment}; name one: `/rollback "
            f"{command.environment} <model>`"
        )
    return rollback(ctx, models[0], str(command.environment))


def _reply(results: list[Result]) -> str:
    lines = []
    for r in results:
        if r.status in ("opened", "updated", "planned"):
            title = r.proposal.title if r.proposal else r.reason
            link = f" {r.pr_url}" if r.pr_url else ""
            lines.append(f"{r.status} {title}{link}")
        else:
            # Reasons can quote registry data: a code span keeps links and @mentions inert.
            lines.append(f"{r.model}/{r.environment}: {code(r.reason)}")
    return "\n".join(lines) if lines else "nothing to do"
