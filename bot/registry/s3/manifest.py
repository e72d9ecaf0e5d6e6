"""Manifests and pointer objects read from S3, turned into checked model versions.

Everything here is untrusted bucket data: versions, image tags, digests, run ids, metrics and
times are checked before they reach a file or a PR body. No S3 calls: the registry fetches,
this module parses, validates and orders.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bot.errors import RegistryError
from bot.model import ModelVersion, VersionQuery
from bot.registry.s3.client import Object
from bot.untrusted import DIGEST, IMAGE_TAG, RUN_ID, VERSION, show

MAX_TAG_VALUE = 1024


@dataclass(frozen=True)
class Manifest:
    key: str
    data: Mapping[str, Any]
    tags: dict[str, str]  # top-level scalars, overridden by the `tags` object
    last_modified: datetime | None


def version_key(version: str) -> tuple[Any, ...]:
    """Sort key, newest last: PEP 440 versions (which include plain numbers) by their value,
    above any other name, which sort as strings; ties broken by the text."""
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(version), version)
    except InvalidVersion:
        return (0, version)


def newest_first(versions: list[str]) -> list[str]:
    return sorted(versions, key=version_key, reverse=True)


def _norm(key: str) -> str:
    """Metadata keys come back lower-case; ``image-tag`` and ``image_tag`` are the same."""
    return key.lower().replace("-", "_")


def _scalar(value: object) -> str | None:
    """A JSON scalar as the string a tag comparison expects (``true``, ``12``, ``0.5``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    return None


# -- validation rules ---------------------------------------------------------------------


def no_alias(query: VersionQuery) -> None:
    if query.validated_alias is not None:
        raise RegistryError(
            f"[{query.model}] validated.alias is MLflow-only: an S3 registry has no aliases;"
            f" remove models.{query.model}.validated.alias or use validated.tags"
        )


def manifest_ok(query: VersionQuery, tags: Mapping[str, str]) -> bool:
    """Every validated tag must be in the manifest (its ``tags``, else a top-level key)."""
    return all(tags.get(key) == value for key, value in query.validated_tags.items())


def pointer_ok(query: VersionQuery, meta: Mapping[str, str]) -> bool:
    """The pointer is validated unless its metadata contradicts a validated tag."""
    return all(meta.get(_norm(k), v) == v for k, v in query.validated_tags.items())


# -- manifests layout ---------------------------------------------------------------------


def parse_manifest(query: VersionQuery, version: str, obj: Object, where: str) -> Manifest:
    try:
        data = json.loads(obj.body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RegistryError(f"[{query.model}] manifest {where} is not UTF-8 JSON") from None
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "invalid"
        raise RegistryError(
            f"[{query.model}] manifest {where} is not valid JSON: {reason}"
        ) from None
    if not isinstance(data, dict):
        raise RegistryError(f"[{query.model}] manifest {where} is not a JSON object")
    declared = data.get("version")
    if declared is not None and (isinstance(declared, bool) or _scalar(declared) != version):
        raise RegistryError(
            f"[{query.model}] manifest {where} says version {show(declared)}, but lies in"
            f" directory {version!r}: refusing to trust it"
        )
    return Manifest(obj.key, data, _manifest_tags(query, where, data), obj.last_modified)


def from_manifest(
    query: VersionQuery, version: str, manifest: Manifest, where: str
) -> ModelVersion:
    tags = manifest.tags
    image_tag = tags.get(query.image_tag_key)
    if image_tag is None and manifest_ok(query, tags):
        raise RegistryError(
            f"[{query.model}] version {version} ({where}) is validated but has no"
            f" {query.image_tag_key!r}: add it or set models.{query.model}.image.tag_from"
        )
    digest = tags.get(query.image_digest_key or "image_digest")
    run_id = tags.get("run_id") or None
    return _checked_version(
        query,
        version,
        where,
        (image_tag, digest, run_id),
        metrics=_metrics(query, version, where, manifest.data.get("metrics")),
        tags=tags,
        created_ms=_created_ms(query, version, where, manifest),
    )


def _manifest_tags(query: VersionQuery, where: str, data: Mapping[str, Any]) -> dict[str, str]:
    """Top-level scalar fields, overridden by the ``tags`` object, all as strings."""
    tags = {key: text for key, value in data.items() if (text := _scalar(value)) is not None}
    extra = data.get("tags")
    if extra is None:
        return tags
    if not isinstance(extra, dict):
        raise RegistryError(f"[{query.model}] manifest {where}: `tags` must be an object")
    for key, value in extra.items():
        text = _scalar(value)
        if text is None or len(text) > MAX_TAG_VALUE:
            raise RegistryError(
                f"[{query.model}] manifest {where}: tag {show(key)} has a bad value {show(value)}"
            )
        tags[key] = text
    return tags


def _checked_version(
    query: VersionQuery,
    version: str,
    where: str,
    untrusted: tuple[str | None, str | None, str | None],
    **rest: Any,
) -> ModelVersion:
    """A version whose image tag, digest and run id (in that order) passed the rules every
    S3 layout must apply: they reach overlays, branch names and PR bodies."""
    image_tag, digest, run_id = untrusted
    return ModelVersion(
        model=query.model,
        registered_name=query.registered_name,
        version=version,
        image_tag=_checked(query, version, where, "image tag", image_tag, IMAGE_TAG),
        image_digest=_checked(query, version, where, "image digest", digest, DIGEST),
        run_id=_checked(query, version, where, "run_id", run_id, RUN_ID),
        # Checked by scheme when a target writes it (`{source_uri}`), like every tag value.
        source_uri=rest["tags"].get("source_uri") or rest["tags"].get("artifact_uri"),
        description=rest["tags"].get("description"),
        url=where,
        **rest,
    )


def _checked(
    query: VersionQuery,
    version: str,
    where: str,
    what: str,
    value: str | None,
    rule: re.Pattern[str],
) -> str | None:
    if value is not None and not rule.fullmatch(value):
        raise RegistryError(
            f"[{query.model}] version {version} has an invalid {what}: {show(value)}"
            f" (expected {rule.pattern}; {where})"
        )
    return value


def _metrics(query: VersionQuery, version: str, where: str, found: object) -> dict[str, float]:
    if found is None or not query.metrics:
        return {}
    if not isinstance(found, dict):
        raise RegistryError(f"[{query.model}] manifest {where}: `metrics` must be an object")
    metrics: dict[str, float] = {}
    for name in query.metrics:
        if name not in found:
            continue
        value = found[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RegistryError(
                f"[{query.model}] version {version} has a non-numeric metric {name}:"
                f" {show(value)} ({where})"
            )
        metrics[name] = float(value)
    return metrics


def _created_ms(query: VersionQuery, version: str, where: str, manifest: Manifest) -> int | None:
    text = manifest.data.get("created")
    if text is None:
        stamp = manifest.last_modified
        return int(stamp.timestamp() * 1000) if stamp is not None else None
    try:
        if not isinstance(text, str):
            raise ValueError
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00", 1))
    except ValueError:
        raise RegistryError(
            f"[{query.model}] version {version} has an invalid `created` time {show(text)}"
            f" (expected ISO 8601, e.g. 2026-11-01T10:00:00Z; {where})"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp() * 1000)


# -- pointer layout -----------------------------------------------------------------------


def pointer_version(query: VersionQuery, obj: Object, where: str) -> ModelVersion:
    """The version a pointer object names: its metadata ``version``, else its first line."""
    meta = {_norm(k): v for k, v in obj.metadata.items()}
    version = meta.get("version")
    if version is None:
        try:
            lines = obj.body.decode("utf-8-sig").splitlines()
        except UnicodeDecodeError:
            lines = []
        version = lines[0].strip() if lines else ""
    if not VERSION.fullmatch(version):
        raise RegistryError(
            f"[{query.model}] pointer {where} names no valid version:"
            f" {show(version)} (expected {VERSION.pattern} in its metadata `version`"
            " or its first line)"
        )
    image_tag = meta.get(_norm(query.image_tag_key), version)
    digest = meta.get(_norm(query.image_digest_key or "image_digest"))
    created = obj.last_modified
    return _checked_version(
        query,
        version,
        where,
        (image_tag, digest, meta.get("run_id")),
        tags=meta,
        created_ms=int(created.timestamp() * 1000) if created else None,
    )
