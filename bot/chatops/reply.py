"""The words of ChatOps replies: results, failures, and markdown that mentions no one.

A reply is a GitHub comment, so an ``@name`` in it notifies that user or team. The only
mention a reply should make is of the person who asked; registry text (a reason, a status
table cell) must not reach anyone else, whatever it contains. ``quiet`` makes that so for
any markdown, whoever rendered it.
"""

from __future__ import annotations

import re

from bot.errors import BotError
from bot.results import Result
from bot.text.markdown import code

# GitHub's mention filter wants a name right after the @ sign: a zero-width space there keeps
# the text readable and the mention dead.
_ZWSP = "\u200b"
_RUN_URL = re.compile(r"https?://[A-Za-z0-9.:-]+/[A-Za-z0-9._~/%-]*")
_OPENED = ("opened", "updated", "planned")


def quiet(markdown: str) -> str:
    """``markdown`` with every ``@mention`` outside code spans made inert, and every ``&``
    written as ``&amp;`` (``&#64;name`` would otherwise render as a mention)."""
    out: list[str] = []
    i, n = 0, len(markdown)
    while i < n:
        char = markdown[i]
        if char == "\\" and i + 1 < n:
            # An escaped @ still renders as @; an escaped & is no entity.
            out.append(markdown[i : i + 2] + (_ZWSP if markdown[i + 1] == "@" else ""))
            i += 2
        elif char == "`":
            end = _code_span_end(markdown, i)
            out.append(markdown[i:end])
            i = end
        else:
            inert = char == "@" and markdown[i + 1 : i + 2] == _ZWSP  # quiet already
            out.append(char if inert else {"@": "@" + _ZWSP, "&": "&amp;"}.get(char, char))
            i += 1
    return "".join(out)


def _code_span_end(text: str, start: int) -> int:
    """Where the code span opening at ``start`` ends (CommonMark: the next run of exactly as
    many backticks); just past the run when nothing closes it."""
    run = len(text[start:]) - len(text[start:].lstrip("`"))
    closing = re.compile(f"(?<!`)`{{{run}}}(?!`)")
    found = closing.search(text, start + run)
    return found.end() if found else start + run


def results(items: list[Result]) -> str:
    """One line per result: the PR it opened, or why nothing was opened."""
    lines = []
    for r in items:
        if r.status in _OPENED:
            # A group's member moves in the group's PR: named, with what it moves.
            title = r.proposal.title if r.proposal else f"{r.model}/{r.environment}: {r.reason}"
            link = f" {r.pr_url}" if r.pr_url else ""
            lines.append(f"{r.status} {title}{link}")
        else:
            # Reasons can quote registry data: a code span keeps links and @mentions inert.
            link = f" {r.pr_url}" if r.pr_url else ""
            lines.append(f"{r.model}/{r.environment}: {code(r.reason)}{link}")
    return quiet("\n".join(lines)) if lines else "nothing to do"


def failure(command: str, err: Exception, run_url: str | None) -> str:
    """One line: which command failed, why (the bot's own message, or the kind of bug), and
    where the run's log is."""
    if isinstance(err, BotError):
        why = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    else:
        # Not the bot's own message: the text could hold anything, so only the kind is shown.
        why = f"unexpected error ({type(err).__name__}); please report it"
    link = f"; see the [workflow run]({run_url})" if run_url and _RUN_URL.fullmatch(run_url) else ""
    return f"`/{command}` failed: {code(why)}{link}"
