"""Statuses the cluster posts on GitHub, read as a deployment source.

Two posters are understood (sources in docs/cluster.md):

* Argo CD Notifications' GitHub service: a commit status on the synced revision
  (``status.operationState.syncResult.revision``) whose context is the template's ``label``,
  ``continuous-delivery/<app>`` in its documentation, and optionally a GitHub deployment with
  deployment statuses for an environment;
* Flux's notification-controller with a ``github`` Provider: a commit status per Kustomization
  on the applied revision, context ``<kind>/<name>/<first block of the Provider UID>`` in lower
  case (older releases: ``<kind>/<name>``), state ``success`` or ``failure``, and the event
  reason as description ("reconciliation succeeded", "health check failed").

Parsing is pure; the GitHub calls are made by a ``StatusReader`` the wiring passes in, so this
family never imports the platform one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Protocol

from bot.cluster.model import Observation, StatusReport, Watch
from bot.timestamps import parse as _time

if TYPE_CHECKING:
    from bot.cluster.config import GitHubStatus

ARGOCD = "Argo CD Notifications"
FLUX = "Flux"
_FLUX_CONTEXT = re.compile(r"^(kustomization|helmrelease)/[a-z0-9][-a-z0-9.]*(/[0-9a-f]{8})?$")
# A deployment status "inactive" means a newer deployment to the environment superseded it.
_SUPERSEDED = "inactive"


class StatusReader(Protocol):
    """The GitHub calls this source needs; answers are the REST API's JSON, untrusted."""

    def commit_statuses(self, sha: str) -> Sequence[Mapping[str, Any]]:
        """``GET /repos/{owner}/{repo}/commits/{sha}/statuses`` (every page)."""
        ...

    def deployments(self, sha: str) -> Sequence[Mapping[str, Any]]:
        """``GET /repos/{owner}/{repo}/deployments?sha={sha}``."""
        ...

    def deployment_statuses(self, deployment_id: int) -> Sequence[Mapping[str, Any]]:
        """``GET /repos/{owner}/{repo}/deployments/{id}/statuses``."""
        ...


class GitHubStatusSource:
    """Reads the head of the base branch first (the newest state the cluster reported, and a
    descendant of the merge), then the merge commit itself: at most two shas per check."""

    def __init__(self, config: GitHubStatus, reader: StatusReader) -> None:
        self.config = config
        self.reader = reader

    def observe(self, watch: Watch) -> Observation:
        shas = [watch.head_sha, watch.merge_sha] if watch.head_sha else [watch.merge_sha]
        requests = 0
        for sha in dict.fromkeys(s for s in shas if s):
            reports, cost = self._reports(sha)
            requests += cost
            if reports:
                return Observation(watch.environment, statuses=reports, requests=requests)
        return Observation(watch.environment, requests=requests)

    def _reports(self, sha: str) -> tuple[tuple[StatusReport, ...], int]:
        found: list[StatusReport] = []
        cost = 0
        if self.config.context:
            found += commit_reports(self.reader.commit_statuses(sha), sha, self.config.context)
            cost += 1
        if self.config.deployment_environment:
            glob = self.config.deployment_environment
            deployments = [d for d in self.reader.deployments(sha) if _env_matches(d, glob)]
            cost += 1 + len(deployments)
            for deployment in deployments:
                statuses = self.reader.deployment_statuses(int(deployment["id"]))
                report = deployment_report(deployment, statuses, sha)
                if report is not None:
                    found.append(report)
        return tuple(found), cost


def commit_reports(
    payload: Sequence[Mapping[str, Any]] | Mapping[str, Any], sha: str, context_glob: str
) -> tuple[StatusReport, ...]:
    """The latest status of each context matching the glob, from a list of statuses (newest
    first, several per context) or a combined status (``{"statuses": [...]}``)."""
    raw = payload.get("statuses") if isinstance(payload, Mapping) else payload
    latest: dict[str, Mapping[str, Any]] = {}
    for status in raw if isinstance(raw, list | tuple) else ():
        context = _str(status.get("context")) if isinstance(status, Mapping) else ""
        wanted = bool(context) and fnmatchcase(context, context_glob)
        if wanted and (context not in latest or _newer(status, latest[context])):
            latest[context] = status
    return tuple(_report(c, s, sha) for c, s in sorted(latest.items()))


def deployment_report(
    deployment: Mapping[str, Any], statuses: Sequence[Mapping[str, Any]], sha: str
) -> StatusReport | None:
    """The latest status of one deployment; None if it has none or was superseded."""
    valid = [s for s in statuses if isinstance(s, Mapping) and _str(s.get("state"))]
    if not valid:
        return None
    latest = valid[0]
    for status in valid[1:]:
        if _newer(status, latest):
            latest = status
    if _str(latest.get("state")) == _SUPERSEDED:
        return None
    environment = _str(deployment.get("environment")) or _str(latest.get("environment"))
    report = _report(environment, latest, _str(deployment.get("sha")) or sha)
    # Argo CD Notifications puts the Application's page in environment_url.
    url = _str(latest.get("environment_url")) or report.target_url
    return replace(report, target_url=url, poster=ARGOCD if _argocd_url(url) else report.poster)


def poster(context: str, target_url: str = "") -> str:
    """Who posted a status, from its shape; "" when it matches neither documented shape."""
    if context.startswith("continuous-delivery/") or _argocd_url(target_url):
        return ARGOCD
    return FLUX if _FLUX_CONTEXT.match(context) else ""


def _report(context: str, status: Mapping[str, Any], sha: str) -> StatusReport:
    target = _str(status.get("target_url"))
    return StatusReport(
        context=context,
        state=_str(status.get("state")).lower(),
        sha=sha,
        description=_str(status.get("description")),
        target_url=target,
        updated_at=_time(status.get("updated_at")) or _time(status.get("created_at")),
        poster=poster(context, target),
    )


def _newer(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    def key(s: Mapping[str, Any]) -> tuple[datetime, int]:
        when = _time(s.get("updated_at")) or _time(s.get("created_at")) or datetime.min
        ident = s.get("id")
        return when.replace(tzinfo=None), ident if isinstance(ident, int) else 0

    return key(a) > key(b)


def _env_matches(deployment: Mapping[str, Any], glob: str) -> bool:
    ident = deployment.get("id")
    return isinstance(ident, int) and fnmatchcase(_str(deployment.get("environment")), glob)


def _argocd_url(url: str) -> bool:
    return "/applications/" in url


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
