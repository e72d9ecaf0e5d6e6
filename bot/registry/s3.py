"""S3 registry source: model versions as objects in a bucket (AWS S3 or an S3-compatible store).

Two layouts, keys under the registry's ``prefix`` (``<model>`` is the registered model name):

- ``manifests``: ``<model>/<version>/manifest.json`` per version. One paginated LIST of the
  version "directories" (``Delimiter="/"``), sorted newest first, then manifests are read
  newest first until one is validated: usually one GET. Directory names that are not valid
  versions, and ``deployed/`` (write-back records), are skipped.
- ``pointer``: one object (``pointer_key``, default ``<model>/latest.txt``) whose metadata
  ``version`` (or else the first line of its body) names the current version: one GET.

``record_deployment`` writes ``<model>/deployed/<environment>.json`` and writes nothing when
the record already says the same. Everything read from the bucket is untrusted: versions,
image tags, digests and run ids are checked before they reach a file or a PR body.

``boto3`` is imported on first use; credentials come from the default chain (environment,
profile, web identity / OIDC role, instance role). Retries are botocore's ``standard`` mode:
``max_attempts`` total attempts (default: ``AWS_MAX_ATTEMPTS`` if set, else 5).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.errors import RegistryError, RetryableError
from bot.model import ModelVersion, VersionQuery

VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,255}")
ENVIRONMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
COMMIT = re.compile(r"[0-9a-f]{7,64}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

MANIFEST = "manifest.json"
DEPLOYED = "deployed"
MAX_MANIFEST_BYTES = 1 << 20
MAX_POINTER_BYTES = 4096
MAX_TAG_VALUE = 1024
DEFAULT_ATTEMPTS = 5
READ_AHEAD = 16  # parallel manifest GETs when listing several validated versions

MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
AUTH_CODES = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "AccountProblem",
        "ExpiredToken",
        "InvalidAccessKeyId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "TokenRefreshRequired",
        "403",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "RequestLimitExceeded",
        "RequestTimeout",
        "ServiceUnavailable",
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
    }
)
TRANSPORT_REASONS = {
    "EndpointConnectionError": "could not connect",
    "ConnectTimeoutError": "connect timed out",
    "ReadTimeoutError": "read timed out",
    "ConnectionClosedError": "connection closed",
    "ProxyConnectionError": "proxy connection failed",
    "ResponseStreamingError": "connection broke while reading",
    "IncompleteReadError": "connection broke while reading",
}
CREDENTIAL_ERRORS = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "CredentialRetrievalError",
        "TokenRetrievalError",
        "SSOTokenLoadError",
        "UnauthorizedSSOTokenError",
        "ProfileNotFound",
    }
)


class _Missing(RegistryError):
    """The object does not exist; callers that expect it catch it."""


def show(value: object, limit: int = 60) -> str:
    """A registry value fit for a one-line message: repr, truncated."""
    # ascii(): a look-alike letter (Cyrillic а in "betа") shows as \u0430, not as "a".
    text = ascii(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def display_endpoint(url: str | None) -> str:
    """The endpoint for messages: no credentials, query or fragment; AWS S3 by default."""
    if not url:
        return "AWS S3"
    parts = urlsplit(re.sub(r"//[^/?#]*@", "//", url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


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


@dataclass(frozen=True)
class _Object:
    key: str
    body: bytes
    metadata: Mapping[str, str]
    last_modified: datetime | None


@dataclass(frozen=True)
class _Manifest:
    key: str
    data: Mapping[str, Any]
    tags: dict[str, str]  # top-level scalars, overridden by the `tags` object
    last_modified: datetime | None


class S3Registry:
    """The ``Registry`` for versions kept in an S3 bucket; see the module docstring."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        layout: str = "manifests",
        pointer_key: str = "{model}/latest.txt",
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
        *,
        max_attempts: int | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
    ) -> None:
        if layout not in ("manifests", "pointer"):
            raise RegistryError(f"S3 layout must be manifests or pointer, got {show(layout)}")
        self.bucket = bucket
        # "registry" and "registry/" both mean the folder registry/.
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.layout = layout
        self.pointer_key = pointer_key
        self.endpoint_url = endpoint_url
        self.region = region
        self._max_attempts = max_attempts
        self._timeouts = (connect_timeout, read_timeout)
        self._client_instance: Any = client
        self._manifests: dict[str, _Manifest | None] = {}

    # -- the Registry protocol -------------------------------------------------------------

    def newest_validated(self, query: VersionQuery) -> ModelVersion | None:
        """Manifests: one LIST (a page per 1,000 versions), then one GET per version read,
        newest first, until a validated one. Pointer: one GET."""
        found = self.validated_versions(query, 1)
        return found[0] if found else None

    def get_version(self, query: VersionQuery, version: str) -> ModelVersion | None:
        _no_alias(query)
        if not VERSION.fullmatch(version):
            return None
        if self.layout == "pointer":
            pointer = self._pointer(query)
            return pointer if pointer.version == version else None
        manifest = self._manifest(query, version)
        if manifest is None:
            self._require_model(query)
            return None
        return self._from_manifest(query, version, manifest)

    def is_validated(self, query: VersionQuery, version: ModelVersion) -> bool:
        _no_alias(query)
        if self.layout == "pointer":
            return _pointer_ok(query, version.tags)
        return _manifest_ok(query, version.tags)

    def complete(self, query: VersionQuery, version: ModelVersion) -> ModelVersion:
        """Manifests carry their metrics: nothing to fetch."""
        del query
        return version

    def validated_versions(self, query: VersionQuery, limit: int) -> list[ModelVersion]:
        """Up to ``limit`` validated versions, newest first. Manifests are read in batches of
        at most the number still needed (so never more GETs than reading one by one), in
        parallel. Pointer layout: the pointer's version, if validated."""
        _no_alias(query)
        if limit < 1:
            return []
        if self.layout == "pointer":
            pointer = self._pointer(query)
            return [pointer] if _pointer_ok(query, pointer.tags) else []
        found: list[ModelVersion] = []
        for version, manifest, ok in self._read_newest_first(query, self._listed(query), limit):
            if manifest is not None and ok:  # no manifest: an upload still in progress
                found.append(self._from_manifest(query, version, manifest))
        return found

    # -- write-back ------------------------------------------------------------------------

    def record_deployment(
        self,
        query: VersionQuery,
        version: ModelVersion,
        environment: str,
        commit_sha: str,
        alias: str,
        when: str,
    ) -> bool:
        """Write ``<model>/deployed/<environment>.json`` = {version, image_tag, commit, time};
        False (and no PUT) if it already names this version and commit. ``alias`` has no
        meaning on S3 and is not stored."""
        del alias
        if not ENVIRONMENT.fullmatch(environment):
            raise RegistryError(f"[{query.model}] invalid environment name {show(environment)}")
        if not COMMIT.fullmatch(commit_sha):
            raise RegistryError(f"[{query.model}] invalid commit SHA {show(commit_sha)}")
        key = f"{self._model_prefix(query)}{DEPLOYED}/{environment}.json"
        try:
            current = self._get(key, MAX_MANIFEST_BYTES)
        except _Missing:
            current = None
        if current is not None:
            try:
                record = json.loads(current.body)
            except (ValueError, UnicodeDecodeError):
                record = None  # our own record, damaged: rewrite it
            if (
                isinstance(record, dict)
                and record.get("version") == version.version
                and record.get("commit") == commit_sha
            ):
                return False
        record = {
            "version": version.version,
            "image_tag": version.image_tag,
            "commit": commit_sha,
            "time": when,
        }
        self._call(
            self._where(key),
            lambda c: c.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=(json.dumps(record, indent=2) + "\n").encode(),
                ContentType="application/json",
                Metadata={"version": version.version, "commit": commit_sha},
            ),
        )
        return True

    # -- S3 calls --------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The boto3 S3 client (created on first use unless one was passed in)."""
        if self._client_instance is None:
            import boto3
            from botocore.config import Config
            from botocore.exceptions import BotoCoreError

            retries: dict[str, Any] = {"mode": "standard"}
            if self._max_attempts is not None:
                retries["total_max_attempts"] = self._max_attempts
            elif not os.environ.get("AWS_MAX_ATTEMPTS"):
                retries["total_max_attempts"] = DEFAULT_ATTEMPTS
            config = Config(
                retries=retries,
                connect_timeout=self._timeouts[0],
                read_timeout=self._timeouts[1],
                user_agent_extra="model-promotion-bot",
                # S3-compatible stores (MinIO, Ceph) rarely resolve bucket.host names.
                s3={"addressing_style": "path"} if self.endpoint_url else None,
            )
            try:
                self._client_instance = boto3.session.Session().client(
                    "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config
                )
            except ValueError:  # e.g. an endpoint_url that is not a URL
                raise RegistryError(
                    f"S3 registry: endpoint_url {display_endpoint(self.endpoint_url)!r} is not"
                    " a valid URL: use e.g. https://minio.example.com:9000"
                ) from None
            except BotoCoreError as exc:  # e.g. AWS_PROFILE names no profile
                raise self._translate(exc, f"s3://{self.bucket}") from exc
        return self._client_instance

    def _call(self, where: str, fn: Callable[[Any], Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(self.client)
        except (BotoCoreError, ClientError) as exc:
            raise self._translate(exc, where) from exc

    def _translate(self, exc: Exception, where: str) -> Exception:
        endpoint = display_endpoint(self.endpoint_url)
        name = type(exc).__name__
        response = getattr(exc, "response", None)
        if isinstance(response, dict):  # ClientError: S3 answered
            error = response.get("Error") or {}
            meta = response.get("ResponseMetadata") or {}
            code = str(error.get("Code") or "")
            status = int(meta.get("HTTPStatusCode") or 0)
            attempts = int(meta.get("RetryAttempts") or 0) + 1
            if code in MISSING_CODES:
                return _Missing(f"S3 object {where} not found")
            if code == "NoSuchBucket":
                return RegistryError(
                    f"S3 bucket {self.bucket!r} does not exist at {endpoint}: check the"
                    " registry's bucket (and endpoint_url/region)"
                )
            if code in AUTH_CODES or status in (401, 403):
                return RegistryError(
                    f"S3 at {endpoint} refused access to {where} ({code or status}): check the"
                    " credentials (role, profile or AWS_* variables) and that they allow"
                    " s3:ListBucket and s3:GetObject on the bucket (s3:PutObject on deployed/)"
                )
            if code in TRANSIENT_CODES or status == 429 or status >= 500:
                return RetryableError(
                    f"S3 at {endpoint} throttled or failed on {where} ({code or status})"
                    f" after {attempts} attempt{'s' if attempts > 1 else ''}; try again"
                )
            message = CONTROL.sub(" ", str(error.get("Message") or ""))[:160]
            return RegistryError(
                f"S3 at {endpoint} refused a request on {where}: {code or status} {message}"
            )
        if name in TRANSPORT_REASONS:
            return RetryableError(
                f"S3 at {endpoint} unreachable ({TRANSPORT_REASONS[name]}); try again"
            )
        if name == "SSLError":
            return RegistryError(f"S3 at {endpoint}: TLS failed; check endpoint_url and CA")
        if name in CREDENTIAL_ERRORS:
            return RegistryError(
                f"no usable AWS credentials for S3 ({name}): configure a role"
                " (aws-actions/configure-aws-credentials), a profile or AWS_ACCESS_KEY_ID"
                " and AWS_SECRET_ACCESS_KEY"
            )
        if name == "NoRegionError":
            return RegistryError("no AWS region for S3: set the registry's region or AWS_REGION")
        return RegistryError(f"S3 at {endpoint}: {name} on {where}")

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def _get(self, key: str, limit: int) -> _Object:
        """GET one object, reading at most ``limit`` bytes; ``_Missing`` if absent."""

        def get(client: Any) -> _Object:
            response = client.get_object(Bucket=self.bucket, Key=key)
            body = response["Body"]
            try:
                data = body.read(limit + 1)
            finally:
                body.close()
            if len(data) > limit:
                raise RegistryError(f"S3 object {self._where(key)} is over {limit} bytes")
            metadata = {str(k): str(v) for k, v in (response.get("Metadata") or {}).items()}
            stamp = response.get("LastModified")
            return _Object(key, data, metadata, stamp if isinstance(stamp, datetime) else None)

        result: _Object = self._call(self._where(key), get)
        return result

    def _model_prefix(self, query: VersionQuery) -> str:
        name = query.registered_name
        segments = name.split("/")
        if CONTROL.search(name) or any(s in ("", ".", "..") for s in segments):
            raise RegistryError(
                f"[{query.model}] registered model name {show(name)} cannot be an S3 key"
                f" folder: check models.{query.model}.registered_model"
            )
        return f"{self.prefix}{name}/"

    def _listed(self, query: VersionQuery) -> list[str]:
        """Every version directory of the model, newest first (one LIST per 1,000)."""
        base = self._model_prefix(query)
        names: list[str] = []
        anything = False

        def pages(client: Any) -> None:
            nonlocal anything
            paginator = client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=base, Delimiter="/"):
                anything = anything or bool(page.get("Contents") or page.get("CommonPrefixes"))
                for entry in page.get("CommonPrefixes") or ():
                    name = str(entry.get("Prefix", ""))[len(base) : -1]
                    if name != DEPLOYED and VERSION.fullmatch(name):
                        names.append(name)

        self._call(self._where(base), pages)
        if not anything:
            raise self._no_model(query, base)
        return newest_first(names)

    def _require_model(self, query: VersionQuery) -> None:
        """Raise the 'no such model' RegistryError unless anything exists under its folder."""
        base = self._model_prefix(query)
        page = self._call(
            self._where(base),
            lambda c: c.list_objects_v2(Bucket=self.bucket, Prefix=base, MaxKeys=1),
        )
        if not page.get("KeyCount") and not page.get("Contents"):
            raise self._no_model(query, base)

    def _no_model(self, query: VersionQuery, base: str) -> RegistryError:
        return RegistryError(
            f"[{query.model}] no versions under {self._where(base)}: check"
            f" models.{query.model}.registered_model and the registry's prefix"
        )

    # -- manifests layout ------------------------------------------------------------------

    def _manifest(self, query: VersionQuery, version: str) -> _Manifest | None:
        """The parsed manifest of one version (None if the directory has none); cached for
        the life of this instance (one bot run)."""
        key = f"{self._model_prefix(query)}{version}/{MANIFEST}"
        if key not in self._manifests:
            try:
                obj = self._get(key, MAX_MANIFEST_BYTES)
            except _Missing:
                self._manifests[key] = None
            else:
                self._manifests[key] = self._parse_manifest(query, version, obj)
        return self._manifests[key]

    def _parse_manifest(self, query: VersionQuery, version: str, obj: _Object) -> _Manifest:
        where = self._where(obj.key)
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
        return _Manifest(obj.key, data, _manifest_tags(query, where, data), obj.last_modified)

    def _read_newest_first(
        self, query: VersionQuery, versions: list[str], wanted: int
    ) -> Iterator[tuple[str, _Manifest | None, bool]]:
        """(version, manifest, validated) in ``versions`` order. Each batch of GETs (run in
        parallel) is at most as large as the number of validated versions still ``wanted``,
        so there are never more GETs than reading one at a time; ``wanted == 1`` is exactly
        that."""
        index, needed = 0, wanted
        while index < len(versions) and needed > 0:
            batch = versions[index : index + min(needed, READ_AHEAD)]
            index += len(batch)
            if len(batch) == 1:
                results = [self._manifest(query, batch[0])]
            else:
                with ThreadPoolExecutor(max_workers=len(batch)) as pool:
                    results = list(pool.map(lambda v: self._manifest(query, v), batch))
            for version, manifest in zip(batch, results, strict=True):
                ok = manifest is not None and _manifest_ok(query, manifest.tags)
                needed -= ok
                yield version, manifest, ok

    def _from_manifest(
        self, query: VersionQuery, version: str, manifest: _Manifest
    ) -> ModelVersion:
        where = self._where(manifest.key)
        tags = manifest.tags
        image_tag = tags.get(query.image_tag_key)
        if image_tag is None and _manifest_ok(query, tags):
            raise RegistryError(
                f"[{query.model}] version {version} ({where}) is validated but has no"
                f" {query.image_tag_key!r}: add it or set models.{query.model}.image.tag_from"
            )
        digest = tags.get(query.image_digest_key or "image_digest")
        run_id = tags.get("run_id") or None
        return ModelVersion(
            model=query.model,
            registered_name=query.registered_name,
            version=version,
            image_tag=_checked(query, version, where, "image tag", image_tag, IMAGE_TAG),
            image_digest=_checked(query, version, where, "image digest", digest, DIGEST),
            run_id=_checked(query, version, where, "run_id", run_id, RUN_ID),
            metrics=_metrics(query, version, where, manifest.data.get("metrics")),
            tags=tags,
            created_ms=_created_ms(query, version, where, manifest),
            url=where,
        )

    # -- pointer layout --------------------------------------------------------------------

    def _pointer(self, query: VersionQuery) -> ModelVersion:
        try:
            key = self.prefix + self.pointer_key.format_map({"model": query.registered_name})
        except (KeyError, ValueError, IndexError):
            raise RegistryError(
                f"S3 registry: pointer_key {show(self.pointer_key)} may only use {{model}}"
            ) from None
        try:
            obj = self._get(key, MAX_POINTER_BYTES)
        except _Missing:
            raise RegistryError(
                f"[{query.model}] pointer object {self._where(key)} not found: check the"
                " registry's pointer_key and prefix"
            ) from None
        where = self._where(key)
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
        return ModelVersion(
            model=query.model,
            registered_name=query.registered_name,
            version=version,
            image_tag=_checked(query, version, where, "image tag", image_tag, IMAGE_TAG),
            image_digest=_checked(query, version, where, "image digest", digest, DIGEST),
            run_id=_checked(query, version, where, "run_id", meta.get("run_id"), RUN_ID),
            tags=meta,
            created_ms=int(created.timestamp() * 1000) if created else None,
            url=where,
        )


# -- validation rules and untrusted data --------------------------------------------------


def _no_alias(query: VersionQuery) -> None:
    if query.validated_alias is not None:
        raise RegistryError(
            f"[{query.model}] validated.alias is MLflow-only: an S3 registry has no aliases;"
            f" remove models.{query.model}.validated.alias or use validated.tags"
        )


def _manifest_ok(query: VersionQuery, tags: Mapping[str, str]) -> bool:
    """Every validated tag must be in the manifest (its ``tags``, else a top-level key)."""
    return all(tags.get(key) == value for key, value in query.validated_tags.items())


def _pointer_ok(query: VersionQuery, meta: Mapping[str, str]) -> bool:
    """The pointer is validated unless its metadata contradicts a validated tag."""
    return all(meta.get(_norm(k), v) == v for k, v in query.validated_tags.items())


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


def _created_ms(query: VersionQuery, version: str, where: str, manifest: _Manifest) -> int | None:
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
