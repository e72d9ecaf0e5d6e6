"""Argo CD Application documents, read without I/O: status for ``settle`` and sources for the
scope check. The document is untrusted: wrong types read as absent, never as a crash."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from bot import timestamps
from bot.cluster.model import AppStatus
from bot.errors import UserError


@dataclass(frozen=True)
class Source:
    """One entry of ``spec.source`` / ``spec.sources``."""

    repo_url: str
    path: str = ""
    target_revision: str = ""
    ref: str = ""  # multi-source: a values-only source others refer to as $ref


def sources(doc: Mapping[str, Any]) -> tuple[Source, ...]:
    spec = _dict(doc.get("spec"))
    raw = _list(spec.get("sources")) or [spec.get("source")]
    return tuple(_source(s) for s in raw if isinstance(s, Mapping) and _str(s.get("repoURL")))


def app_status(doc: Mapping[str, Any], repo_url: str, ui_base: str = "") -> AppStatus:
    """The status fields ``settle`` reads. For a multi-source Application the revision is the
    one of the first source in ``repo_url`` (``status.sync.revisions`` follows the sources)."""
    name = _str(_dict(doc.get("metadata")).get("name"))
    status = _dict(doc.get("status"))
    sync, health = _dict(status.get("sync")), _dict(status.get("health"))
    operation = _dict(status.get("operationState"))
    result = _dict(operation.get("syncResult"))
    index = _our_index(sources(doc), repo_url)
    op_revisions = _list(result.get("revisions")) or _list(
        _dict(_dict(operation.get("operation")).get("sync")).get("revisions")
    )
    op_single = _str(result.get("revision")) or _str(
        _dict(_dict(operation.get("operation")).get("sync")).get("revision")
    )
    return AppStatus(
        name=name,
        sync_status=_str(sync.get("status")),
        revision=_pick(_list(sync.get("revisions")), index) or _str(sync.get("revision")),
        health=_str(health.get("status")),
        health_message=_str(health.get("message")),
        health_since=timestamps.parse(health.get("lastTransitionTime")),
        operation_phase=_str(operation.get("phase")),
        operation_message=_str(operation.get("message")),
        operation_revision=_pick(op_revisions, index) or op_single,
        images=tuple(i for i in _list(_dict(status.get("summary")).get("images")) if _str(i)),
        url=_ui_url(ui_base, name, doc, status),
    )


def _ui_url(ui_base: str, name: str, doc: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    """The Application's page; apps outside the control plane's namespace are addressed as
    ``<namespace>/<name>``."""
    if not ui_base or not name:
        return ""
    namespace = _str(_dict(doc.get("metadata")).get("namespace"))
    home = _str(status.get("controllerNamespace"))
    ref = f"{namespace}/{name}" if namespace and home and namespace != home else name
    return f"{ui_base}/applications/{quote(ref, safe='/')}"


def check_scope(
    server: str, app: str, deployed: Sequence[Source], repo_url: str, changed: Sequence[str]
) -> None:
    """Raise if the Application deploys none of the files the promotion changed: watching it
    would record a version as deployed on the word of an unrelated application."""
    ours = canonical_repo(repo_url)
    same_repo = [s for s in deployed if canonical_repo(s.repo_url) == ours]
    if any(_covers(s, changed) for s in same_repo):
        return
    where = ", ".join(f"{s.repo_url} {s.path or '(root)'}" for s in deployed) or "no Git source"
    files = ", ".join(changed[:3]) + (" …" if len(changed) > 3 else "")
    raise UserError(
        f"[argocd {server}] Application {app!r} deploys {where}, not the files this promotion "
        f"changed ({files} in {repo_url}); point argocd.applications at the Application that "
        "deploys them"
    )


def canonical_repo(url: str) -> str:
    """``host/owner/repo`` in lower case: https, ssh and scp-like forms, with or without
    ``.git`` or a trailing slash, name the same repository."""
    url = url.strip()
    scp = re.match(r"^(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)$", url)
    if scp and "://" not in url:
        host, path = scp.group(1), scp.group(2)
    else:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        host, path = parts.hostname or "", parts.path
    path = path.strip("/").removesuffix(".git").strip("/")
    return f"{host.lower()}/{path.lower()}"


def _covers(source: Source, changed: Sequence[str]) -> bool:
    if source.ref and not source.path:
        return True  # a values source: its files are referenced as $ref/<path>, anywhere
    base = source.path.strip().strip("/")
    if base in ("", "."):
        return True
    return any(p.strip("/") == base or p.strip("/").startswith(base + "/") for p in changed)


def _our_index(deployed: Sequence[Source], repo_url: str) -> int:
    ours = canonical_repo(repo_url)
    return next((i for i, s in enumerate(deployed) if canonical_repo(s.repo_url) == ours), 0)


def _source(raw: Mapping[str, Any]) -> Source:
    return Source(
        _str(raw.get("repoURL")),
        _str(raw.get("path")),
        _str(raw.get("targetRevision")),
        _str(raw.get("ref")),
    )


def _pick(values: list[Any], index: int) -> str:
    return _str(values[index]) if index < len(values) else ""


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
