"""ChatOps: an ``issue_comment`` event -> a checked command -> the same pipeline as ``run``.

Order of events on GitHub: 👀 on receipt, then 🚀 when done or 😕 when refused or failed,
and one reply (a PR link, a table, or a one-line reason). Once the 👀 is there, every
failure ends the same way, whatever raised it: 😕 and one reply naming the failure in one
line, with a link to the workflow run; never a traceback, never a 👀 left alone. The error is
then raised again, so the entry point's error boundary logs the same line and sets the exit
code. Edited and deleted comments, comments by bots and ordinary discussion are ignored
without a sound.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from bot import pipeline
from bot.chatops import groups as chat_groups
from bot.chatops import reply
from bot.chatops.parse import Command, Refusal, help_text, parse
from bot.errors import UserError
from bot.model import Selection
from bot.pipeline import Context
from bot.pipeline.rollback import rollback
from bot.pipeline.unhold import unhold
from bot.platform import Chat
from bot.results import Outcome, Result
from bot.text import summary

log = logging.getLogger(__name__)
T = TypeVar("T")
# Up to 39 letters, digits, '-' and '_' (Enterprise Managed Users are handle_shortcode, the
# setup user shortcode_admin), not starting with either; Apps comment as name[bot].
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,38}(\[bot\])?$")
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


def handle(
    ctx: Context,
    payload: Mapping[str, Any],
    dry_run: bool = False,
    *,
    run_url: str | None = None,
) -> Outcome:
    """Answer one ``issue_comment`` event; ``run_url`` (the workflow run) is linked from a
    failure's reply. A failure is answered on the comment, then raised as it came."""
    event = CommentEvent.parse(payload)
    if event.action != "created":
        return Outcome("ChatOps", note=f"ignored: comment {event.action}")
    if event.is_bot:
        return Outcome("ChatOps", note="ignored: comment by a bot")
    envs = {e for _, e in ctx.config.pairs()}
    command = parse(event.body, envs, list(ctx.config.models), list(ctx.config.groups))
    if command is None:
        return Outcome("ChatOps", note="ignored: not a command")
    talk = _Talk(ctx.platform.chat(), event)
    try:
        return _answer(ctx, talk, command, dry_run)
    except Exception as err:
        # After the 👀 every failure gets its answer on the comment; then it goes on to the
        # entry point's error boundary, which puts the same line in the run's log and exit code.
        name = command.name if isinstance(command, Command) else "command"
        _failed(talk, name, err, run_url)
        raise


class _Talk:
    """The conversation on one comment: remembers whether the one reply went out, so a
    failure after it adds the 😕 and no second reply."""

    def __init__(self, chat: Chat, event: CommentEvent) -> None:
        self.chat, self.event = chat, event
        self.replied = False

    def react(self, content: str) -> None:
        self.chat.react(self.event.issue_number, self.event.comment_id, content)

    def reply(self, text: str) -> None:
        self.chat.reply(self.event.issue_number, f"@{self.event.login} {text}")
        self.replied = True


def _answer(ctx: Context, talk: _Talk, command: Command | Refusal, dry_run: bool) -> Outcome:
    talk.react("eyes")
    refusal = (
        command.message
        if isinstance(command, Refusal)
        else _refusal(ctx, talk.chat, talk.event, command)
    )
    if refusal is not None:
        talk.reply(refusal)
        talk.react("confused")
        return Outcome("ChatOps", note=f"refused: {refusal}")
    assert isinstance(command, Command)
    outcome = _run_command(ctx, command, dry_run)
    failed = any(r.failed or r.lost for r in outcome.results)
    talk.reply(outcome.note)
    talk.react("confused" if failed else "rocket")
    return Outcome(outcome.title, outcome.results, outcome.note, 1 if failed else 0)


def _failed(talk: _Talk, name: str, err: Exception, run_url: str | None) -> None:
    log.debug("/%s failed", name, exc_info=True)
    text = reply.failure(name, err, run_url)
    # Best effort: GitHub may be what failed; the run's log says so either way.
    if not talk.replied:
        _try(lambda: talk.reply(text), name)
    _try(lambda: talk.react("confused"), name)


def _try(step: Callable[[], None], name: str) -> None:
    try:
        step()
    except Exception:
        log.warning("could not tell the requester that /%s failed", name, exc_info=True)


def _refusal(ctx: Context, chat: Chat, event: CommentEvent, command: Command) -> str | None:
    if chat.permission(event.login) not in _WRITERS:
        return f"you need write access to this repository to run `/{command.name}`."
    if command.environment is None:
        return None
    if (grouped := chat_groups.refusal(ctx, command)) is not None:
        return grouped
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
    if (members := chat_groups.members(ctx, command)) is not None:
        return members
    if command.model is not None:
        return [command.model]
    return [m for m, e in ctx.config.pairs() if e == command.environment]


def _run_command(ctx: Context, command: Command, dry_run: bool) -> Outcome:
    if command.name == "help":
        return Outcome("/help", note=help_text())
    if command.name == "status":
        results = pipeline.evaluate(ctx, Selection())
        # The table quotes registry text: no one in it may be mentioned.
        table = reply.quiet(summary.markdown("Promotion status", results))
        return Outcome("/status", results, table)
    assert command.environment is not None
    env = command.environment
    if command.name == "rollback":
        results = [_open_pr(ctx, _rollback(ctx, command))]
    elif command.name == "unhold":
        results = [_open_pr(ctx, unhold(ctx, _one_model(ctx, command), command.environment))]
    else:
        alone = [] if command.group else chat_groups.alone(ctx, env, _models(ctx, command))
        results = [r for model in alone for r in _promote(ctx, command, model)]
        if command.model is None:
            results += chat_groups.promote(ctx, command)
    if not dry_run:
        results = pipeline.apply(ctx, results)
    return Outcome(f"/{command.name} {command.environment}", results, reply.results(results))


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
    return rollback(ctx, _one_model(ctx, command), str(command.environment))


def _open_pr(ctx: Context, result: Result) -> Result:
    """``result`` knowing the PR its branch already has. When that PR proposes the same thing,
    asking again changes nothing and says where it is."""
    if result.proposal is None or result.open_pr is not None:
        return result
    found = ctx.platform.open_promotions(ctx.config.git.branch_prefix)
    open_pr = found.get(result.proposal.branch)
    if open_pr is not None and open_pr.promotion == result.proposal.promotion:
        reason = f"already proposed in #{open_pr.number}"
        return replace(
            result, status="up-to-date", reason=reason, proposal=None, pr_url=open_pr.url
        )
    return replace(result, open_pr=open_pr)


def _one_model(ctx: Context, command: Command) -> str:
    models = _models(ctx, command)
    if len(models) != 1:
        env = command.environment
        raise UserError(f"several models run in {env}; name one: `/{command.name} {env} <model>`")
    return models[0]
