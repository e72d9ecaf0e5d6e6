"""A light client for a plain MLflow tracking server: its documented REST API over ``requests``.

Importing ``mlflow`` costs seconds and a hundred-odd MB; a promotion makes a handful of GETs.
For an ``http(s)://`` tracking server this client does what ``MlflowClient`` does for the calls
the registry makes: the same endpoints and parameters, the same credentials from the same
environment variables (and ``~/.mlflow/credentials``), TLS settings, redirects rule and retry
policy (urllib3 ``Retry`` from ``MLFLOW_HTTP_REQUEST_*``), and errors that carry MLflow's error
codes and wording, so ``errors.translate`` words both alike. ``client.choose`` decides which
client a URI gets; the tests run the registry's tests against the real server with both.

It also keeps to the run's deadline (``bot.deadline``): no request waits longer than what is
left of it, and no retry starts after it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

import requests

from bot import deadline
from bot.registry.mlflow import entities
from bot.registry.mlflow.errors import display_uri
from bot.registry.mlflow.session import Attempts, RestError, env_flag, env_int, session

API = "/api/2.0/mlflow"
# MLflow's code for an HTTP status, for an error answer that is not MLflow's JSON.
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    409: "RESOURCE_ALREADY_EXISTS",
    429: "REQUEST_LIMIT_EXCEEDED",
    501: "NOT_IMPLEMENTED",
    503: "TEMPORARILY_UNAVAILABLE",
}


class RestClient:
    """The ``MlflowClient`` methods the registry uses, for an ``http(s)://`` server."""

    def __init__(self, tracking_uri: str, registry_uri: str | None = None) -> None:
        self._tracking = tracking_uri.rstrip("/")
        self._registry = (registry_uri or tracking_uri).rstrip("/")
        self._attempts = Attempts()
        self._session = session(self._attempts)
        self._redirects = env_flag("MLFLOW_ALLOW_HTTP_REDIRECTS", True)
        self._timeout = env_int("MLFLOW_HTTP_REQUEST_TIMEOUT", 120)

    # -- the calls -------------------------------------------------------------------------

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 200_000,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> entities.Page:
        params = {"filter": filter_string, "max_results": max_results, "order_by": order_by}
        found = self._get(self._registry, "/model-versions/search", params, page_token)
        versions = [entities.version(v) for v in found.get("model_versions") or []]
        return entities.Page(versions, found.get("next_page_token"))

    def search_registered_models(
        self, max_results: int = 100, page_token: str | None = None
    ) -> entities.Page:
        found = self._get(
            self._registry, "/registered-models/search", {"max_results": max_results}, page_token
        )
        models = [
            entities.RegisteredModel(str(m.get("name", "")))
            for m in found.get("registered_models") or []
        ]
        return entities.Page(models, found.get("next_page_token"))

    def get_registered_model(self, name: str) -> entities.RegisteredModel:
        found = self._get(self._registry, "/registered-models/get", {"name": name})
        return entities.RegisteredModel(str((found.get("registered_model") or {}).get("name", "")))

    def get_model_version(self, name: str, version: str) -> entities.Version:
        params = {"name": name, "version": str(version)}
        found = self._get(self._registry, "/model-versions/get", params)
        return entities.version(found.get("model_version") or {})

    def get_model_version_by_alias(self, name: str, alias: str) -> entities.Version:
        found = self._get(
            self._registry, "/registered-models/alias", {"name": name, "alias": alias}
        )
        return entities.version(found.get("model_version") or {})

    def get_run(self, run_id: str) -> entities.Run:
        found = self._get(self._tracking, "/runs/get", {"run_id": run_id, "run_uuid": run_id})
        return entities.run(found.get("run") or {})

    def search_runs(
        self, experiment_ids: list[str], filter_string: str = "", max_results: int = 1000
    ) -> list[entities.Run]:
        body = {"experiment_ids": experiment_ids, "filter": filter_string}
        found = self._send(
            "POST", self._tracking, "/runs/search", json_body={**body, "max_results": max_results}
        )
        return [entities.run(r) for r in found.get("runs") or []]

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        body = {"name": name, "alias": alias, "version": str(version)}
        self._send("POST", self._registry, "/registered-models/alias", json_body=body)

    def set_model_version_tag(self, name: str, version: str, key: str, value: str) -> None:
        body = {"name": name, "version": str(version), "key": key, "value": str(value)}
        self._send("POST", self._registry, "/model-versions/set-tag", json_body=body)

    # -- HTTP ------------------------------------------------------------------------------

    def _get(
        self, base: str, path: str, params: dict[str, Any], page_token: str | None = None
    ) -> Mapping[str, Any]:
        if page_token:
            params = {**params, "page_token": page_token}
        query = {k: v for k, v in params.items() if v is not None}
        return self._send("GET", base, path, params=query)

    def _send(self, method: str, base: str, path: str, **kwargs: Any) -> Mapping[str, Any]:
        url, endpoint = f"{base}{API}{path}", f"{API}{path}"
        left = deadline.remaining()
        if left is not None and left <= 0:
            raise self._late(base)
        wait = self._timeout if left is None else min(self._timeout, left)
        if "json_body" in kwargs:
            kwargs["json"] = kwargs.pop("json_body")
        try:
            # verify per request, as MLflow passes it: requests lets REQUESTS_CA_BUNDLE
            # replace only a request's own verify=True, never a session's setting.
            response = self._session.request(
                method,
                url,
                timeout=wait,
                allow_redirects=self._redirects,
                verify=self._session.verify,
                **kwargs,
            )
        except requests.exceptions.RequestException as err:
            left = deadline.remaining()
            if left is not None and left <= 0:
                raise self._late(base) from err
            raise RestError(f"API request to {url} failed with exception {err}") from err
        return _checked(response, endpoint)

    def _late(self, base: str) -> deadline.DeadlineExceeded:
        return deadline.exceeded(
            f"MLflow at {display_uri(base)}",
            self._attempts.last,
            "that the server is up and MLFLOW_TRACKING_URI points at it",
        )


def _checked(response: requests.Response, endpoint: str) -> Mapping[str, Any]:
    """The JSON answer, or MLflow's error for it (``verify_rest_response``'s rules)."""
    text = response.text
    if response.status_code == 200 and text.strip() in ("", "200 OK"):
        return {}
    parsed: object = None
    with contextlib.suppress(ValueError):
        parsed = json.loads(text)
    if response.status_code != 200:
        if isinstance(parsed, dict):
            raise _rest_error(parsed)
        raise RestError(
            f"API request to endpoint {endpoint} failed with error code"
            f" {response.status_code} != 200. Response body: '{text}'",
            STATUS_CODES.get(response.status_code, "INTERNAL_ERROR"),
        )
    if not isinstance(parsed, dict):
        raise RestError(
            "API request to endpoint was successful but the response body was not in a valid"
            f" JSON format. Response body: '{text}'"
        )
    return parsed


def _rest_error(body: Mapping[str, Any]) -> RestError:
    code = str(body.get("error_code") or "INTERNAL_ERROR")
    message = body.get("message", f"Response: {body}")
    if code.isdigit():
        code = STATUS_CODES.get(int(code), "INTERNAL_ERROR")
    elif not code.replace("_", "").isalpha() or not code.isupper():
        code = "INTERNAL_ERROR"
    return RestError(f"{body.get('error_code') or 'INTERNAL_ERROR'}: {message}", code)
