"""Results -> action outputs (JSON-ready lists) and the step summary (markdown)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.report import cell, code

if TYPE_CHECKING:
    from bot.pipeline import Result

_ICONS = {"opened": "🚀", "updated": "🔁", "planned": "📝", "unchanged": "✔", "failed": "✘"}


def outputs(results: Sequence[Result]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    promoted, skipped = [], []
    for r in results:
        if r.status in ("opened", "updated") and r.candidate is not None:
            promoted.append(
                {
                    "model": r.model,
                    "environment": r.environment,
                    "version": r.candidate.version,
                    "image_tag": r.candidate.image_tag,
                    "pr": {"number": r.pr_number, "url": r.pr_url},
                }
            )
        else:
            skipped.append(
                {
                    "model": r.model,
                    "environment": r.environment,
                    "status": r.status,
                    "reason": r.reason,
                }
            )
    return promoted, skipped


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
        f"v{cell(r.deployed.version)} {code(r.deployed.image_tag)}" if r.deployed.version else "—"
    )
    candidate = f"v{cell(cand.version)} {code(cand.image_tag)}" if cand else "—"
    status = f"{_ICONS.get(r.status, '')} {r.status}"
    return (
        f"| {cell(r.model)} | {cell(r.environment)} | {status} | {deployed} | {candidate} "
        f"| {pr} | {cell(r.reason)} |"
    )
