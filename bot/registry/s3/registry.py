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

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.errors import RegistryError
from bot.model import DeploymentRecord, ModelVersion, VersionQuery
from bot.registry.s3 import deployed
from bot.registry.s3.client import Object, make_client, read_object
from bot.registry.s3.errors import Missing, translate
from bot.registry.s3.manifest import (
    Manifest,
    from_manifest,
    manifest_ok,
    newest_first,
    no_alias,
    parse_manifest,
    pointer_ok,
    pointer_version,
    version_key,
)
from bot.untrusted import CONTROL, VERSION, show

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 1 << 20
MAX_POINTER_BYTES = 4096
READ_AHEAD = 16  # parallel manifest GETs when listing several validated versions


class S3Registry:
    """The ``Registry`` for versions kept in an S3 bucket; see the module docstring."""

    def sort_key(self, version: str) -> tuple[Any, ...]:
        return version_key(version)

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
        self._manifests: dict[str, Manifest | None] = {}

    # -- the Registry protocol -------------------------------------------------------------

    def newest_validated(self, query: VersionQuery) -> ModelVersion | None:
        """Manifests: one LIST (a page per 1,000 versions), then one GET per version read,
        newest first, until a validated one. Pointer: one GET."""
        found = self.validated_versions(query, 1)
        return found[0] if found else None

    def get_version(self, query: VersionQuery, version: str) -> ModelVersion | None:
        no_alias(query)
        if not VERSION.fullmatch(version):
            return None
        if self.layout == "pointer":
            pointer = self._pointer(query)
            return pointer if pointer.version == version else None
        manifest = self._manifest(query, version)
        if manifest is None:
            self._require_model(query)
            return None
        return from_manifest(query, version, manifest, self._where(manifest.key))

    def is_validated(self, query: VersionQuery, version: ModelVersion) -> bool:
        no_alias(query)
        if self.layout == "pointer":
            return pointer_ok(query, version.tags)
        return manifest_ok(query, version.tags)

    def complete(self, query: VersionQuery, version: ModelVersion) -> ModelVersion:
        """Manifests carry their metrics: nothing to fetch."""
        del query
        return version

    def validated_versions(self, query: VersionQuery, limit: int) -> list[ModelVersion]:
        """Up to ``limit`` validated versions, newest first. Manifests are read in batches of
        at most the number still needed (so never more GETs than reading one by one), in
        parallel. Pointer layout: the pointer's version, if validated."""
        no_alias(query)
        if limit < 1:
            return []
        if self.layout == "pointer":
            pointer = self._pointer(query)
            return [pointer] if pointer_ok(query, pointer.tags) else []
        found: list[ModelVersion] = []
        for version, manifest, ok in self._read_newest_first(query, self._listed(query), limit):
            if manifest is not None and ok:  # no manifest: an upload still in progress
                found.append(from_manifest(query, version, manifest, self._where(manifest.key)))
        return found

    def recent(self, query: VersionQuery, limit: int) -> list[ModelVersion]:
        """Manifests carry their metrics: the validated versions are the history."""
        return self.validated_versions(query, limit)

    # -- write-back ------------------------------------------------------------------------

    def record_deployment(self, query: VersionQuery, record: DeploymentRecord) -> bool:
        """Write ``<model>/deployed/<environment>.json`` = {version, image_tag, commit, time};
        False (and no PUT) if it already names this version and commit. ``alias`` has no
        meaning on S3 and is not stored."""
        version, environment, commit_sha = record.version, record.environment, record.commit_sha
        deployed.check(query, environment, commit_sha)
        key = deployed.key(self._model_prefix(query), environment)
        try:
            current: bytes | None = self._get(key, MAX_MANIFEST_BYTES).body
        except Missing:
            current = None
        if deployed.says(current, version, commit_sha):
            return False
        self._call(
            self._where(key),
            lambda c: c.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=deployed.body(version, commit_sha, record.when),
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
            self._client_instance = make_client(
                self.bucket, self.endpoint_url, self.region, self._max_attempts, self._timeouts
            )
        return self._client_instance

    def _call(self, where: str, fn: Callable[[Any], Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(self.client)
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, where, self.bucket, self.endpoint_url) from exc

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def _get(self, key: str, limit: int) -> Object:
        """GET one object, reading at most ``limit`` bytes; ``Missing`` if absent."""
        result: Object = self._call(
            self._where(key), lambda c: read_object(c, self.bucket, key, limit)
        )
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
                    if name != deployed.DEPLOYED and VERSION.fullmatch(name):
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

    def _manifest(self, query: VersionQuery, version: str) -> Manifest | None:
        """The parsed manifest of one version (None if the directory has none); cached for
        the life of this instance (one bot run)."""
        key = f"{self._model_prefix(query)}{version}/{MANIFEST}"
        if key not in self._manifests:
            try:
                obj = self._get(key, MAX_MANIFEST_BYTES)
            except Missing:
                self._manifests[key] = None
            else:
                self._manifests[key] = parse_manifest(query, version, obj, self._where(key))
        return self._manifests[key]

    def _read_newest_first(
        self, query: VersionQuery, versions: list[str], wanted: int
    ) -> Iterator[tuple[str, Manifest | None, bool]]:
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
                ok = manifest is not None and manifest_ok(query, manifest.tags)
                needed -= ok
                yield version, manifest, ok

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
        except Missing:
            raise RegistryError(
                f"[{query.model}] pointer object {self._where(key)} not found: check the"
                " registry's pointer_key and prefix"
            ) from None
        return pointer_version(query, obj, self._where(key))
