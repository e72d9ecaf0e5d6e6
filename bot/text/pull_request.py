"""What a promotion says to people: the PR title and body, and the commit message.

Registry values are untrusted: they pass through ``code()``/``cell()`` before reaching
markdown. The machine-read parts (trailers, the hidden marker) come from ``bot.markers``;
the reviewer's aids (callout, metric directions, diff, deploy wording) from ``review``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import markers
from bot.model import Deployed, FileChange, ModelVersion, PromotionId
from bot.policy.gates import Verdict
from bot.text import history, review, versions
from bot.text.markdown import cell, code
from bot.text.review import MetricRule


def title(promo: PromotionId) -> str:
    tag = f" ({promo.image_tag})" if promo.image_tag else ""
    return f"Promote {promo.model} to {promo.environment}: {versions.label(promo.version)}{tag}"


def rollback_title(promo: PromotionId, deployed: Deployed) -> str:
    tag = f" ({promo.image_tag})" if promo.image_tag else ""
    before = versions.label(deployed.version, "the current version")
    return (
        f"Roll back {promo.model} in {promo.environment}: {before} -> "
        f"{versions.label(promo.version)}{tag}"
    )


def commit_message(promo: PromotionId, deployed: Deployed, rollback: bool = False) -> str:
    head = rollback_title(promo, deployed) if rollback else title(promo)
    # Without a version target the overlays cannot say what ran before: say nothing of it.
    before = f" from {versions.label(deployed.version)}" if deployed.version else ""
    lines = [
        head,
        "",
        f"Move {promo.environment}{before} to {versions.label(promo.version)}, image tag and "
        "model version together in one commit.",
        "",
        *markers.trailer_lines(promo, deployed.version if rollback else None),
    ]
    return "\n".join(lines) + "\n"


def body(
    promo: PromotionId,
    candidate: ModelVersion,
    current: ModelVersion | None,
    deployed: Deployed,
    changes: list[FileChange] | tuple[FileChange, ...],
    heading: str = "Promote",
    verdicts: Sequence[Verdict] = (),
    notes: Sequence[str] = (),
    pinned: bool = False,
    *,
    metrics: Sequence[MetricRule] = (),
    deploy: str = "argocd",
    draft: bool = False,
    recent: Sequence[ModelVersion] = (),
) -> str:
    """The PR body: the promotion's ``section`` and its marker."""
    text = section(
        promo,
        candidate,
        current,
        deployed,
        changes,
        heading,
        verdicts,
        notes,
        metrics=metrics,
        deploy=deploy,
        draft=draft,
        recent=recent,
    )
    return f"{text}\n{markers.marker(promo, pinned)}\n"


def section(
    promo: PromotionId,
    candidate: ModelVersion,
    current: ModelVersion | None,
    deployed: Deployed,
    changes: list[FileChange] | tuple[FileChange, ...],
    heading: str = "Promote",
    verdicts: Sequence[Verdict] = (),
    notes: Sequence[str] = (),
    *,
    metrics: Sequence[MetricRule] = (),
    deploy: str = "argocd",
    draft: bool = False,
    recent: Sequence[ModelVersion] = (),
    rollback: bool = True,
) -> str:
    """One promotion, unmarked (a group's body has one per member); ``metrics``
    (``Model.metric_rules()``) mark each delta ✅/⚠️, ``deploy``
    (``Config.deploy.tool``) words the roll-back, ``draft`` adds its callout, ``recent``
    (the newest validated versions with their metrics, newest first) gives the versions
    since the deployed one and each metric's history."""
    listed, complete = history.between(deployed.version, candidate.version, recent)
    preposition = "in" if heading == "Roll back" else "to"
    parts = [
        f"## {heading} {code(promo.model)} {preposition} {code(promo.environment)}",
        "",
        *review.callout(draft, verdicts, notes),
        _versions_table(candidate, current, deployed),
        *[
            table
            for table in (
                review.metrics_table(candidate, current, metrics),
                _gates_table(verdicts),
                history.between_table(deployed.version, listed, complete),
                history.history_table(metrics, recent),
            )
            if table
        ],
        "### Files changed",
        "",
        *[_change_line(change) for change in changes],
        "",
        *review.diff_section(changes),
    ]
    if rollback:  # a group's body says it once, for every member
        line = review.rollback_line(deploy, promo.environment, deployed.version, deployed.image_tag)
        parts += ["### Roll back", "", line, ""]
    return "\n".join(parts)


def _versions_table(
    candidate: ModelVersion, current: ModelVersion | None, deployed: Deployed
) -> str:
    deployed_version = _version_link(deployed.version, current)
    if deployed.version is None:
        deployed_version = "— (no version target)"
    rows = [
        "| | deployed | candidate |",
        "|---|---|---|",
        f"| model version | {deployed_version} | {_version_link(candidate.version, candidate)} |",
        f"| image tag | {code(deployed.image_tag)} | {code(candidate.image_tag)} |",
        f"| source run | {_run_link(current)} | {_run_link(candidate)} |",
    ]
    return "\n".join(rows) + "\n"


def _gates_table(verdicts: Sequence[Verdict]) -> str:
    if not verdicts:
        return ""
    rows = ["### Gates", "", "| gate | candidate | threshold | result |", "|---|---:|---:|:---:|"]
    for v in verdicts:
        mark = "✔" if v.passed else "✘"
        note = f" ({cell(v.note)})" if v.note else ""
        rows.append(
            f"| {code(v.gate.text)} | {_num(v.value)} | {_num(v.threshold)} | {mark}{note} |"
        )
    return "\n".join(rows) + "\n"


def _change_line(change: FileChange) -> str:
    edits = "; ".join(f"{code(e.where)}: {code(e.old)} → {code(e.new)}" for e in change.edits)
    return f"- {code(change.path)}: {edits}"


def _version_link(version: str | None, mv: ModelVersion | None) -> str:
    label = _vlabel(version)
    url = mv.url if mv is not None and mv.version == version else None
    return f"[{label}]({url})" if url and label != "—" else label


def _run_link(mv: ModelVersion | None) -> str:
    if mv is None or not mv.run_id:
        return "—"
    label = code(mv.run_id[:12])
    return f"[{label}]({mv.run_url})" if mv.run_url else label


def _vlabel(version: str | None) -> str:
    return cell(versions.label(version))


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def hold_note(environment: str, version: str) -> str:
    env = code(environment)
    return (
        f"Merging this holds {_vlabel(version)} in {env}: automation will not promote it (or an "
        f"older version) there again until `/promote {cell(environment)} <version>` or "
        f"`/unhold {cell(environment)}`."
    )


def lift_note(environment: str, version: str) -> str:
    return f"Merging this lifts the hold on {_vlabel(version)} in {code(environment)}."


def unhold_title(promo: PromotionId) -> str:
    return f"Lift the hold on {promo.model} {versions.label(promo.version)} in {promo.environment}"


def unhold_message(promo: PromotionId, path: str) -> str:
    return (
        f"{unhold_title(promo)}\n\nRemove the hold from {path}: automation may promote "
        f"{versions.label(promo.version)} and older versions to {promo.environment} again.\n"
    )


def unhold_body(promo: PromotionId, path: str, changes: Sequence[FileChange]) -> str:
    parts = [
        f"## Lift the hold on {code(promo.model)} in {code(promo.environment)}",
        "",
        f"{lift_note(promo.environment, promo.version)} Scheduled runs may then propose "
        f"{_vlabel(promo.version)} or older versions again; nothing else changes.",
        "",
        "### Files changed",
        "",
        *[_change_line(change) for change in changes],
        "",
        markers.marker(promo),
        "",
    ]
    return "\n".join(parts)


def announcement(promo: PromotionId) -> str:
    tag = f" ({code(promo.image_tag)})" if promo.image_tag else ""
    env = cell(promo.environment)
    return (
        f"A newer validated version is out: {_vlabel(promo.version)}{tag}. This PR has a review, "
        "so its commit stays what was reviewed. Comment "
        f"`/promote {env} {cell(promo.version)}` to take {_vlabel(promo.version)} here."
    )


def rejection(promo: PromotionId) -> str:
    """Said once on a promotion PR closed without merging: what is skipped, until when, and
    what undoes it. The command names the model: it is exact whatever else the config holds."""
    tag = f" ({code(promo.image_tag)})" if promo.image_tag else ""
    version = _vlabel(promo.version)
    command = code(f"/promote {promo.environment} {promo.version} {promo.model}")
    return (
        f"Closed without merging: {version}{tag} of {code(promo.model)} is skipped for "
        f"{code(promo.environment)}. Scheduled runs will not propose it there again; a newer "
        "validated version will be proposed as usual.\n\n"
        f"- To promote {version} anyway, comment {command}.\n"
        "- Reopening this PR undoes the skip."
    )
