"""The parts of a promotion PR body that help a reviewer decide: the callout at the top, the
metrics with the direction of each change, the collapsed diff, and how the change reaches
the cluster. Untrusted values reach markdown only through ``code``/``cell`` or inside a
fence longer than any backtick run they hold.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Protocol

from bot.model import FileChange, ModelVersion
from bot.policy.gates import Verdict
from bot.text import versions
from bot.text.markdown import cell, code

# GitHub refuses bodies over 65,536 characters; the diff gives way first.
DIFF_LIMIT = 30_000
TOOLS = {"argocd": "Argo CD", "flux": "Flux"}


class MetricRule(Protocol):
    """A metric to show (``bot.config.Metric``): its name, which way is better and how far
    the wrong way still counts as fine."""

    @property
    def name(self) -> str: ...

    @property
    def better(self) -> str | None: ...

    @property
    def tolerance(self) -> float: ...


def callout(draft: bool, verdicts: Sequence[Verdict], notes: Sequence[str]) -> list[str]:
    """GitHub alerts for what a reviewer must see first: failed gates, a draft, a hold."""
    out: list[str] = []
    failed = [v for v in verdicts if not v.passed]
    if failed:
        gates = ", ".join(code(v.gate.text) for v in failed)
        out += [
            "> [!WARNING]",
            f"> **{len(failed)} gate{'s' if len(failed) > 1 else ''} failed:** {gates}. "
            "The candidate does not meet the policy; see Gates below before merging.",
            "",
        ]
    if draft:
        why = "because a gate failed" if failed else "as the config asks (`pull_request.draft`)"
        out += [
            "> [!NOTE]",
            f"> This pull request is a draft {why}: mark it ready for review to merge it.",
            "",
        ]
    for note in notes:
        out += ["> [!IMPORTANT]", f"> {note}", ""]
    return out


def metrics_table(
    candidate: ModelVersion, current: ModelVersion | None, rules: Sequence[MetricRule] = ()
) -> str:
    by_name = {rule.name: rule for rule in rules}
    old = current.metrics if current else {}
    names = list(dict.fromkeys([*by_name, *candidate.metrics, *old]))
    names = [n for n in names if n in candidate.metrics or n in old]
    if not names:
        return ""
    old_label = f"deployed ({cell(versions.label(current.version))})" if current else "deployed"
    rows = [
        "### Metrics",
        "",
        f"| metric | {old_label} | candidate ({cell(versions.label(candidate.version))}) | Δ |",
        "|---|---:|---:|---:|",
    ]
    for name in names:
        new_v, old_v = candidate.metrics.get(name), old.get(name)
        delta = _delta(new_v, old_v) + _mark(new_v, old_v, by_name.get(name))
        rows.append(f"| {cell(name)} | {_num(old_v)} | {_num(new_v)} | {delta} |")
    if any(rule.better for rule in rules):
        rows += ["", "✅ better or within tolerance · ⚠️ worse than the tolerance allows"]
    return "\n".join(rows) + "\n"


def _mark(new: float | None, old: float | None, rule: MetricRule | None) -> str:
    if new is None or old is None or rule is None or rule.better is None:
        return ""
    gain = new - old if rule.better == "higher" else old - new
    return " ✅" if gain >= -rule.tolerance else " ⚠️"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _delta(new: float | None, old: float | None) -> str:
    if new is None or old is None:
        return "—"
    diff = new - old
    pct = f" ({diff / old:+.1%})" if old else ""
    return f"{diff:+.4g}{pct}"


def diff_section(changes: Sequence[FileChange]) -> list[str]:
    """Every changed line, in a collapsed section (a removed digest line shows as removed)."""
    if not changes:
        return []
    text = "".join(_unified(change) for change in changes)
    if len(text) > DIFF_LIMIT:
        text = text[:DIFF_LIMIT].rsplit("\n", 1)[0] + "\n… (diff cut; see Files changed)\n"
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return [
        "<details><summary>Diff</summary>",
        "",
        f"{fence}diff",
        text.rstrip("\n"),
        fence,
        "",
        "</details>",
        "",
    ]


def _unified(change: FileChange) -> str:
    old = change.old_text.splitlines(keepends=True)
    new = change.new_text.splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{change.path}", f"b/{change.path}", lineterm="")
    # Line ends (CRLF, a missing final newline) are the file's; the diff shows lines.
    return "".join(line.rstrip("\r\n") + "\n" for line in lines)


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def rollback_line(tool: str, environment: str, version: str | None, image_tag: str | None) -> str:
    """How reverting the merge brings the environment back, in the words of its deploy tool."""
    if version:
        back = cell(versions.label(version))
    elif image_tag:
        back = f"image tag {code(image_tag)}"
    else:
        back = "what it declared before this merge"
    revert = (
        "Revert this pull request's merge commit (GitHub's **Revert** button opens the revert PR)"
    )
    env = code(environment)
    if tool in TOOLS:
        verb = "syncs" if tool == "argocd" else "reconciles"
        return f"{revert}; {TOOLS[tool]} then {verb} {env} back to {back}."
    return f"{revert}; {env} then declares {back} again, once your deployment applies it."


def edit_lines(changes: Sequence[FileChange]) -> list[str]:
    """Plain text for `promote plan`: one line per changed value, every path an anchor
    carries along included (the diff shows only the anchor's line)."""
    return [
        f"  {e.file}: {e.where}: {e.old if e.old is not None else '(none)'} -> {e.new}"
        for change in changes
        for e in change.edits
    ]
