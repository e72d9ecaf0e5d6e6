"""``settle``: has the cluster taken the merged promotion, refused it, or not said yet?

Pure: the observation is gathered first (``observe``), this decides once. Ancestry is asked
of the caller (``is_ancestor``), who has the Git history; the clock is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.cluster.model import (
    AppStatus,
    Decision,
    Expectation,
    Observation,
    Outcome,
    StatusReport,
    Verdict,
)

IsAncestor = Callable[[str, str], bool]  # is_ancestor(a, b): is commit a an ancestor of b?

FAILED_PHASES = frozenset({"Failed", "Error"})
RUNNING_PHASES = frozenset({"Running", "Terminating"})
OK_STATES = frozenset({"success"})
FAILED_STATES = frozenset({"failure", "error"})
_CLIP = 160  # cluster and status texts are untrusted and unbounded: one short line each


def settle(
    observation: Observation, expected: Expectation, is_ancestor: IsAncestor, now: datetime
) -> Decision:
    """One decision for the environment: OK only when every Application (or status context)
    is; failed as soon as one fails; unknown once ``expected.timeout`` has passed since the
    merge without either."""
    contains = _contains(expected.merge_sha, is_ancestor)
    verdicts = [app_verdict(app, expected, contains, now) for app in observation.apps]
    verdicts += [status_verdict(s, expected, contains, now) for s in observation.statuses]
    return _combine(verdicts, expected, now)


def app_verdict(
    app: AppStatus, expected: Expectation, contains: Callable[[str], bool], now: datetime
) -> Verdict:
    merge = _short(expected.merge_sha)
    on_rev = contains(app.revision)
    op_on_rev = contains(app.operation_revision) if app.operation_revision else on_rev
    if app.operation_phase in FAILED_PHASES and op_on_rev:
        why = f"sync operation {app.operation_phase}: {_clip(app.operation_message)}"
        return Verdict(app.name, Outcome.FAILED, why.rstrip(": "))
    if not on_rev:
        at = _short(app.revision) or "no revision"
        return _pending(app.name, f"Argo CD is at {at}, which does not contain {merge} yet")
    if app.operation_phase in RUNNING_PHASES:
        return _pending(app.name, f"sync {app.operation_phase.lower()} to {merge}")
    if app.sync_status != "Synced":
        return _pending(app.name, f"{app.sync_status or 'no sync status'} at {merge}")
    # Health before the sync is the old version's; once Synced to the merge it is ours.
    if app.health == "Degraded":
        why = "Degraded" + (f": {_clip(app.health_message)}" if app.health_message else "")
        return Verdict(app.name, Outcome.FAILED, f"Synced to {merge} but {why}")
    if app.health != "Healthy":
        return _pending(app.name, f"Synced to {merge}, health {app.health or 'not reported'}")
    missing = [image for image in expected.images if not _runs(image, app.images)]
    if missing:
        runs = ", ".join(app.images) or "no images"
        why = f"Synced and Healthy but not running {', '.join(missing)} (runs {runs})"
        return _pending(app.name, _clip(why))
    since = _since(app.health_since, expected, now)
    return Verdict(app.name, Outcome.OK, f"Synced to {merge} and Healthy", since)


def status_verdict(
    status: StatusReport, expected: Expectation, contains: Callable[[str], bool], now: datetime
) -> Verdict:
    who = status.poster or "the cluster"
    said = f"{who} reports {status.state}" + (
        f": {_clip(status.description)}" if status.description else ""
    )
    if not contains(status.sha):
        at = _short(status.sha)
        return _pending(status.context, f"{said} on {at}, which does not contain the merge")
    if status.state in OK_STATES:
        return Verdict(status.context, Outcome.OK, said, _since(status.updated_at, expected, now))
    if status.state in FAILED_STATES:
        return Verdict(status.context, Outcome.FAILED, said)
    return _pending(status.context, said)


def _combine(verdicts: Sequence[Verdict], expected: Expectation, now: datetime) -> Decision:
    failed = [v for v in verdicts if v.outcome is Outcome.FAILED]
    if failed:
        return Decision(Outcome.FAILED, _join(failed), tuple(verdicts))
    if verdicts and all(v.outcome is Outcome.OK for v in verdicts):
        since = max((v.since for v in verdicts if v.since is not None), default=None)
        return Decision(Outcome.OK, _join(verdicts), tuple(verdicts), since)
    waiting = [v for v in verdicts if v.outcome is not Outcome.OK]
    reason = _join(waiting) if waiting else "nothing reported for this environment yet"
    if now - expected.merged_at >= expected.timeout:
        minutes = int(expected.timeout.total_seconds() // 60)
        reason = f"not settled {minutes} min after the merge: {reason}"
        return Decision(Outcome.UNKNOWN, reason, tuple(verdicts))
    return Decision(Outcome.PENDING, reason, tuple(verdicts))


def _contains(merge_sha: str, is_ancestor: IsAncestor) -> Callable[[str], bool]:
    """Whether a revision the cluster reports includes the merge commit."""
    merge = merge_sha.lower()

    def contains(revision: str) -> bool:
        rev = revision.strip().lower()
        return bool(rev) and (rev == merge or is_ancestor(merge, rev))

    return contains


def _since(reported: datetime | None, expected: Expectation, now: datetime) -> datetime:
    """When the environment became healthy on our revision. A transition time from before
    the merge belongs to the previous version (health never left Healthy during the rollout):
    then the first time we saw it settled is the honest, later bound."""
    if reported is not None and reported >= expected.merged_at:
        return min(reported, now)
    return now


def _runs(image: str, running: Sequence[str]) -> bool:
    wanted = _normal_image(image)
    return any(_normal_image(r) == wanted for r in running)


def _normal_image(ref: str) -> str:
    # Docker Hub references are written with or without their implied registry and library/.
    ref = ref.strip()
    for prefix in ("docker.io/", "index.docker.io/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
    return ref[len("library/") :] if ref.startswith("library/") else ref


def _pending(name: str, reason: str) -> Verdict:
    return Verdict(name, Outcome.PENDING, reason)


def _join(verdicts: Sequence[Verdict]) -> str:
    return "; ".join(f"{v.name}: {v.reason}" for v in verdicts)


def _short(sha: str) -> str:
    return sha.strip()[:7]


def _clip(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _CLIP else line[: _CLIP - 1] + "…"
