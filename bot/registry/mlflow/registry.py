"""MLflow Model Registry source.

Finds versions with one server-side search (``name`` and validated tags in the filter, newest
first, one result) or, when the rule names an alias, with one alias lookup. Search results
carry no aliases, so the alias is never checked on them. Everything the registry returns is
untrusted: version numbers, image tags and digests are checked before they reach a file.

The client is chosen on first use (``client``): a light REST client for a plain http(s)
tracking server, ``MlflowClient`` (imported only then) for anything else. Either way MLflow's
retry settings apply (``MLFLOW_HTTP_REQUEST_MAX_RETRIES``, ``..._BACKOFF_FACTOR``,
``..._TIMEOUT``), credentials come from MLflow's usual environment variables, and every call
keeps to the run's deadline (``bot.deadline``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

from bot import deadline
from bot.errors import RegistryError
from bot.model import DeploymentRecord, ModelVersion, VersionQuery
from bot.registry.mlflow.client import Connection, connect
from bot.registry.mlflow.errors import Missing, display_uri, translate
from bot.registry.mlflow.filters import (
    checked_version,
    digest_of,
    image_tag_of,
    meets_rule,
    metrics_of,
    search_filter,
)
from bot.registry.mlflow.recent import with_metrics
from bot.untrusted import MLFLOW_VERSION, show

if TYPE_CHECKING:
    from mlflow.entities import Run
    from mlflow.entities.model_registry import ModelVersion as MlflowVersion

T = TypeVar("T")
SEARCH_AHEAD = 5  # versions a candidate search returns: 1 is the candidate, the rest are cached


class MlflowRegistry:
    """The ``Registry`` for MLflow (OSS tracking server, or any store ``MlflowClient`` takes)."""

    def sort_key(self, version: str) -> tuple[Any, ...]:
        # MLflow numbers versions in the order it creates them.
        return (int(version),) if version.isdigit() else (-1, version)

    def __init__(
        self,
        tracking_uri: str | None = None,
        registry_uri: str | None = None,
        ui_url: str | None = None,
    ) -> None:
        self._tracking_uri = tracking_uri
        self._registry_uri = registry_uri
        self._ui_url = ui_url.rstrip("/") if ui_url else None
        self._connection: Connection | None = None
        self._runs: dict[str, Run | None] = {}
        # Versions a search returned this run, by (registered name, version): a promotion
        # looks up the deployed version next, and it is usually among the newest validated.
        self._found: dict[tuple[str, str], MlflowVersion] = {}

    # -- the Registry protocol -------------------------------------------------------------

    def newest_validated(self, query: VersionQuery) -> ModelVersion | None:
        """One search (newest first, a few results), or one alias lookup. The source run
        (metrics, links) is fetched only by ``complete``, when a promotion is due: a poll that
        finds nothing new costs one request per model. The older results spare the deployed
        version's lookup when a promotion is due (``get_version``).

        Versions found by search have no ``aliases`` (MLflow does not return them there).
        """
        if query.validated_alias is not None:
            found = self._by_alias(query, query.validated_alias)
            if found is None or not meets_rule(query, dict(found.tags), tuple(found.aliases)):
                return None
            return self._build(query, found, fetch_run=False)
        page = self._call(
            query,
            self._client.search_model_versions,
            filter_string=search_filter(query),
            order_by=["version_number DESC"],
            max_results=SEARCH_AHEAD,
        )
        if not page:
            self._require_model(query)
            return None
        checked = [self._searched(query, mv) for mv in page]  # verifies and caches them all
        return self._build(query, checked[0], fetch_run=False)

    def get_version(self, query: VersionQuery, version: str) -> ModelVersion | None:
        if not MLFLOW_VERSION.fullmatch(version):
            raise RegistryError(
                f"[{query.model}] version {show(version)}: MLflow versions are digits, e.g. 2"
            )
        found_by_search = self._found.get((query.registered_name, version))
        # Search results carry no aliases: only a rule without one may reuse them.
        if found_by_search is not None and query.validated_alias is None:
            return self._build(query, found_by_search)
        try:
            found = self._call(
                query, self._client.get_model_version, query.registered_name, version
            )
        except Missing:
            self._require_model(query)
            return None
        return self._build(query, found)

    def is_validated(self, query: VersionQuery, version: ModelVersion) -> bool:
        return meets_rule(query, version.tags, version.aliases)

    def complete(self, query: VersionQuery, version: ModelVersion) -> ModelVersion:
        """The version with its source run's metrics and links (one request, cached)."""
        if not version.run_id or not (query.metrics or self._ui):
            return version
        run = self._run(query, version.run_id)
        return replace(version, metrics=metrics_of(query, run), run_url=self._run_url(run))

    def validated_versions(self, query: VersionQuery, limit: int) -> list[ModelVersion]:
        """Up to ``limit`` validated versions, newest first, in one search; runs not fetched."""
        if query.validated_alias is not None:
            one = self.newest_validated(query)
            return [one] if one is not None else []
        page = self._call(
            query,
            self._client.search_model_versions,
            filter_string=search_filter(query),
            order_by=["version_number DESC"],
            max_results=limit,
        )
        if not page:
            self._require_model(query)
        return [self._build(query, self._searched(query, mv), fetch_run=False) for mv in page]

    def recent(self, query: VersionQuery, limit: int) -> list[ModelVersion]:
        """``validated_versions`` with their runs' metrics (``recent.with_metrics``): one
        search for the versions, one for the runs this instance has not fetched yet."""
        search = getattr(self._client, "search_runs", None)
        return with_metrics(
            self.validated_versions(query, limit),
            query.metrics,
            self._runs,
            lambda run_id: self._run(query, run_id),
            None if search is None else lambda **kw: self._call(query, search, **kw),
        )

    def record_deployment(self, query: VersionQuery, record: DeploymentRecord) -> bool:
        """Point ``alias`` at the version and tag it ``deployed.<env>=<sha>``; False if both
        were already so (idempotent: a re-delivered push event writes nothing)."""
        # MLflow stamps its own update time: ``record.when`` is not stored.
        name, number = query.registered_name, record.version.version
        alias, environment, commit_sha = record.alias, record.environment, record.commit_sha
        found = self._call(query, self._client.get_model_version, name, number)
        changed = False
        if alias not in (found.aliases or ()):
            self._call(query, self._client.set_registered_model_alias, name, alias, number)
            changed = True
        key = f"deployed.{environment}"
        if (found.tags or {}).get(key) != commit_sha:
            self._call(query, self._client.set_model_version_tag, name, number, key, commit_sha)
            changed = True
        return changed

    # -- MLflow calls ----------------------------------------------------------------------

    @property
    def _client(self) -> Any:
        return self._connect().client

    def _connect(self) -> Connection:
        if self._connection is None:
            if self._tracking_uri is None and not os.environ.get("MLFLOW_TRACKING_URI"):
                # MLflow would fall back to ./mlflow.db and create it in the working directory.
                raise RegistryError(
                    "no MLflow tracking URI: set MLFLOW_TRACKING_URI or the registry's tracking_uri"
                )
            self._connection = connect(self._tracking_uri, self._registry_uri)
        return self._connection

    @property
    def _uri(self) -> str:
        """The registry URI, for messages."""
        env = os.environ.get
        uri = self._registry_uri or env("MLFLOW_REGISTRY_URI") or self._tracking_uri
        return display_uri(uri or env("MLFLOW_TRACKING_URI") or "")

    def _call(self, query: VersionQuery, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        connection = self._connect()
        try:
            if connection.light:  # keeps to the deadline itself, and says what it last saw
                return fn(*args, **kwargs)
            return deadline.bounded(
                lambda: fn(*args, **kwargs),
                f"MLflow at {self._uri}",
                "that the server is up and MLFLOW_TRACKING_URI points at it",
            )
        except connection.errors as exc:
            raise translate(query, exc, self._uri) from exc

    def _require_model(self, query: VersionQuery) -> None:
        """Raise the 'not found' RegistryError unless the registered model exists."""
        try:
            self._call(query, self._client.get_registered_model, query.registered_name)
        except Missing:
            raise RegistryError(
                f"[{query.model}] registered model {query.registered_name!r} not found in MLflow"
                f" at {self._uri}: check models.{query.model}.registered_model"
            ) from None

    def _by_alias(self, query: VersionQuery, alias: str) -> MlflowVersion | None:
        try:
            found: MlflowVersion = self._call(
                query, self._client.get_model_version_by_alias, query.registered_name, alias
            )
            return found
        except Missing:
            self._require_model(query)
            return None

    def _searched(self, query: VersionQuery, mv: MlflowVersion) -> MlflowVersion:
        """Trust, but verify: a store that ignored the filter must not promote anything."""
        tags = dict(mv.tags or {})
        if mv.name != query.registered_name or not meets_rule(query, tags, ()):
            raise RegistryError(
                f"[{query.model}] MLflow at {self._uri} answered the validated-version search"
                f" with version {show(str(mv.version))} of {show(mv.name)}, which does not match"
                " the filter: refusing to trust its search results"
            )
        self._found[(query.registered_name, str(mv.version))] = mv
        return mv

    def _run(self, query: VersionQuery, run_id: str) -> Run | None:
        """The source run, once per instance; a missing or unreadable run is just absent."""
        if run_id not in self._runs:
            try:
                self._runs[run_id] = self._call(query, self._client.get_run, run_id)
            except RegistryError:  # not found, or refused: the metrics are informational
                self._runs[run_id] = None
        return self._runs[run_id]

    # -- building the result ---------------------------------------------------------------

    def _build(
        self, query: VersionQuery, mv: MlflowVersion, fetch_run: bool = True
    ) -> ModelVersion:
        version = checked_version(query, mv.version)
        tags = {str(k): str(v) for k, v in (mv.tags or {}).items()}
        aliases = tuple(str(a) for a in (mv.aliases or ()))
        run_id = mv.run_id or None
        wanted = fetch_run and (query.metrics or self._ui)
        run = self._run(query, run_id) if run_id and wanted else None
        return ModelVersion(
            model=query.model,
            registered_name=query.registered_name,
            version=version,
            image_tag=image_tag_of(query, version, tags, aliases),
            image_digest=digest_of(query, version, tags),
            run_id=run_id,
            source_uri=str(mv.source) if mv.source else None,
            metrics=metrics_of(query, run),
            tags=tags,
            created_ms=int(mv.creation_timestamp) if mv.creation_timestamp else None,
            aliases=aliases,
            url=self._version_url(query.registered_name, version),
            run_url=self._run_url(run),
            description=str(mv.description) if mv.description else None,
        )

    @property
    def _ui(self) -> str | None:
        if self._ui_url:
            return self._ui_url
        uri = self._tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or ""
        if urlsplit(uri).scheme in ("http", "https"):
            return display_uri(uri).rstrip("/")
        return None

    def _version_url(self, name: str, version: str) -> str | None:
        ui = self._ui
        return f"{ui}/#/models/{quote(name, safe='')}/versions/{version}" if ui else None

    def _run_url(self, run: Run | None) -> str | None:
        ui = self._ui
        if ui is None or run is None:
            return None
        experiment, run_id = (
            quote(str(run.info.experiment_id), safe=""),
            quote(run.info.run_id, safe=""),
        )
        return f"{ui}/#/experiments/{experiment}/runs/{run_id}"
