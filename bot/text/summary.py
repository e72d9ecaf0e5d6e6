"""The Actions step summary: one markdown table of results, for the people reading the run."""

from __future__ import annotations

from collections.abc import Sequence

from bot.results import Result
from bot.text import versions
from bot.text.markdown import cell, code
from bot.text.status import detail, icon, name


def markdown(title: str, results: Sequence[Result], note: str = "") -> str:
    lines = [f"### {cell(title)}", ""]
    if note:
        lines += [note, ""]
    if results:
        lines += [
            "| model | environment | status | deployed | candidate | pull request | detail |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [_row(r) for r in results]
    return "\n".join(lines) + "\n"


def _row(r: Result) -> str:
    cand = r.candidate
    pr_number = r.pr_number or (r.open_pr.number if r.open_pr else None)
    pr_url = r.pr_url or (r.open_pr.url if r.open_pr else None)
    pr = f"[#{pr_number}]({pr_url})" if pr_number and pr_url else "—"
    deployed = (
        f"{cell(versions.label(r.deployed.version))} {code(r.deployed.image_tag)}"
        if r.deployed.version
        else "—"
    )
    candidate = f"{cell(versions.label(cand.version))} {code(cand.image_tag)}" if cand else "—"
    return (
        f"| {cell(name(r))} | {cell(r.environment)} | {icon(r.status)} | {deployed} "
        f"| {candidate} | {pr} | {cell(detail(r))} |"
    )
