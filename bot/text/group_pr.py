"""What a group's promotion says to people: its title, commit message and PR body.

The body opens with the members (what moves, what stays) and then has one section per member
that moves, rendered by ``pull_request.section`` as for a model that promotes alone. Member
results carry registry values: they reach markdown only through ``code``/``cell``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import markers
from bot.model import PromotionId
from bot.results import Result
from bot.text import review, versions
from bot.text.markdown import cell, code
from bot.text.status import word


def versions_of(kept: Sequence[tuple[str, str | None]]) -> str:
    """The group's version: every member with the version it runs once merged
    (``generator=5,guard=3``); equal strings mean the same promotion."""
    return ",".join(f"{model}={version or '-'}" for model, version in kept)


def _move(r: Result) -> str:
    new = r.candidate.version if r.candidate else None
    before = f"{versions.label(r.deployed.version)} -> " if r.deployed.version else ""
    return f"{r.model} {before}{versions.label(new)}"


def changed(due: Sequence[Result]) -> str:
    """``generator v4 -> v5, guard v2 -> v3``."""
    return ", ".join(_move(r) for r in due)


def title(group: str, environment: str, due: Sequence[Result]) -> str:
    moves = ", ".join(
        f"{r.model} {versions.label(r.candidate.version if r.candidate else None)}" for r in due
    )
    return f"Promote {group} to {environment}: {moves}"


def commit_message(group: str, environment: str, due: Sequence[Result], promo: PromotionId) -> str:
    """One trailer block per member that moves, then the group's block (what the platforms
    read to know the branch is the bot's)."""
    lines = [
        title(group, environment, due),
        "",
        f"Move {environment} to {changed(due)}: the group {group} in one commit, image tags "
        "and model versions together.",
    ]
    for r in due:
        assert r.candidate is not None
        member = PromotionId(r.model, environment, r.candidate.version, r.candidate.image_tag)
        lines += ["", *markers.trailer_lines(member)]
    lines += ["", *markers.group_trailer_lines(promo)]
    return "\n".join(lines) + "\n"


def body(
    group: str,
    environment: str,
    members: Sequence[Result],
    sections: Sequence[str],
    promo: PromotionId,
    draft: bool,
    deploy: str,
) -> str:
    """The members table, each moving member's section, the roll-back line and the marker."""
    gated = [v for r in members for v in r.gates]
    intro = [
        f"## Promote the group {code(group)} to {code(environment)}",
        "",
        *review.callout(draft, gated, ()),
        "Every member below moves in this one commit, or none does. Members that do not move "
        "keep what they run.",
        "",
        "| member | deployed | after merge | status |",
        "|---|---|---|---|",
        *[_row(r) for r in members],
        "",
    ]
    back = review.rollback_line(deploy, environment, None, None)
    return "\n".join(
        [
            *intro,
            *sections,
            "## Roll back",
            "",
            f"{back} Every member goes back together.",
            "",
            markers.marker(promo),
            "",
        ]
    )


def _row(r: Result) -> str:
    moves = r.decision is not None and r.decision.promote and r.candidate is not None
    after = r.candidate.version if moves and r.candidate else r.deployed.version
    said = r.reason if r.reason.startswith(word(r.status)) else f"{word(r.status)}: {r.reason}"
    state = "moves" if moves else cell(said)
    return (
        f"| {code(r.model)} | {cell(versions.label(r.deployed.version))} "
        f"| {cell(versions.label(after))} | {state} |"
    )
