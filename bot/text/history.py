"""Release notes for a model: the versions between the deployed one and the candidate, with
the registry's descriptions, and a compact history of each configured metric as a text
sparkline (GitHub renders it without image hosting). Pure: the pipeline reads the versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from bot.model import ModelVersion
from bot.text import versions
from bot.text.markdown import cell, code
from bot.text.review import MetricRule

BARS = "▁▂▃▄▅▆▇█"
DESCRIPTION_LIMIT = 120


def between(
    deployed: str | None, candidate: str, newest_first: Sequence[ModelVersion]
) -> tuple[list[ModelVersion], bool]:
    """The versions after ``deployed`` up to ``candidate`` (newest first), and whether the
    list reaches the deployed version (False: older ones were not listed)."""
    out: list[ModelVersion] = []
    started = False
    for mv in newest_first:
        if mv.version == candidate:
            started = True
        if mv.version == deployed:
            return out, True
        if started:
            out.append(mv)
    return out, deployed is None


def between_table(deployed: str | None, listed: Sequence[ModelVersion], complete: bool) -> str:
    if not listed:
        return ""
    since = f" since {cell(versions.label(deployed))}" if deployed else ""
    rows = [
        f"### Versions{since}",
        "",
        "| version | image tag | registered | description |",
        "|---|---|---|---|",
    ]
    for mv in listed:
        label = cell(versions.label(mv.version))
        link = (
            f"[{label}]({mv.url})"
            if mv.url and mv.url.startswith(("https://", "http://"))
            else label
        )
        rows.append(f"| {link} | {code(mv.image_tag)} | {_date(mv.created_ms)} | {_text(mv)} |")
    if not complete:
        rows += ["", "Older versions since the deployed one are not listed."]
    return "\n".join(rows) + "\n"


def history_table(rules: Sequence[MetricRule], newest_first: Sequence[ModelVersion]) -> str:
    """One row per configured metric: its values over the listed versions, oldest first."""
    ordered = list(reversed(newest_first))
    rows = []
    for rule in rules:
        points = [mv.metrics[rule.name] for mv in ordered if rule.name in mv.metrics]
        if len(points) < 2:
            continue
        better = {"higher": " ↑", "lower": " ↓"}.get(rule.better or "", "")
        rows.append(
            f"| {cell(rule.name)}{better} | `{sparkline(points)}` | {_num(min(points))} "
            f"| {_num(max(points))} | {_num(points[-1])} |"
        )
    if not rows:
        return ""
    first, last = ordered[0].version, ordered[-1].version
    span = f"{cell(versions.label(first))} → {cell(versions.label(last))}"
    head = [
        f"### Metric history ({len(ordered)} validated versions, {span})",
        "",
        "| metric | trend | min | max | latest |",
        "|---|---|---:|---:|---:|",
    ]
    return "\n".join([*head, *rows]) + "\n"


def sparkline(points: Sequence[float]) -> str:
    low, high = min(points), max(points)
    if high == low:
        return BARS[len(BARS) // 2] * len(points)
    scale = (len(BARS) - 1) / (high - low)
    return "".join(BARS[round((p - low) * scale)] for p in points)


def _text(mv: ModelVersion) -> str:
    text = " ".join((mv.description or "").split())
    if not text:
        return "—"
    if len(text) > DESCRIPTION_LIMIT:
        text = text[: DESCRIPTION_LIMIT - 1] + "…"
    # Free text from the registry: an @name in a PR body would notify that user or team. A
    # zero-width space after the @ keeps it readable and the mention dead.
    return cell(text).replace("@", "@\u200b")


def _date(created_ms: int | None) -> str:
    if created_ms is None:
        return "—"
    return datetime.fromtimestamp(created_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def _num(value: float) -> str:
    return f"{value:.4g}"
