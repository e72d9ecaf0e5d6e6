"""Argo CD API source: ``GET /api/v1/applications/{name}?refresh=normal`` per Application (or
one list call for a label selector), bearer token from the environment, custom CA.

One request per Application per check: the refresh makes Argo CD compare against Git before
it answers, so the bot does not wait a polling interval for the merge to show. 5xx answers
and dropped connections are retried by urllib3's ``Retry``; what a person must fix becomes a
one-line ``UserError`` naming the server or the Application.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bot.cluster import transport
from bot.cluster.application import app_status, check_scope, sources
from bot.cluster.model import AppStatus, Observation, Watch
from bot.errors import RetryableError, UserError

if TYPE_CHECKING:
    import requests

    from bot.cluster.config import ArgoCD

log = logging.getLogger(__name__)

TIMEOUT = (5.0, 30.0)  # connect, read: a refresh may take Argo CD a few seconds
RETRIES = 3
_NEW_TOKEN = "create one with `argocd account generate-token` and store it in"


class ArgoCDSource:
    """A deployment source reading Applications from one Argo CD server."""

    def __init__(
        self,
        config: ArgoCD,
        environ: Mapping[str, str] | None = None,
        backoff: float = 0.5,
    ) -> None:
        self.config = config
        self.server = config.server
        self._token = _token(config, os.environ if environ is None else environ)
        self._verify = _verify(config)
        self._backoff = backoff
        self._session: requests.Session | None = None

    # -- the ClusterSource protocol -------------------------------------------------------

    def observe(self, watch: Watch) -> Observation:
        docs = self._documents()
        apps: list[AppStatus] = []
        for doc in docs:
            status = app_status(doc, watch.repo_url, self.server)
            check_scope(self.server, status.name, sources(doc), watch.repo_url, watch.changed_paths)
            apps.append(status)
        requests_made = 1 if self.config.selector else len(docs)
        return Observation(watch.environment, tuple(apps), requests=requests_made)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    # -- API calls ------------------------------------------------------------------------

    def get_application(self, name: str) -> dict[str, Any]:
        params = {"refresh": "normal", **self._scope_params()}
        doc = self._get(f"/api/v1/applications/{quote(name, safe='')}", params, name)
        return doc

    def list_applications(self, selector: Mapping[str, str]) -> list[dict[str, Any]]:
        query = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        doc = self._get("/api/v1/applications", {"selector": query, **self._scope_params()}, None)
        items = doc.get("items")
        found = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
        if not found:
            raise UserError(
                f"[argocd {self.server}] no Application has the labels {query} (or the token "
                "cannot see them); check argocd.selector, or list argocd.applications by name"
            )
        return found

    def _documents(self) -> list[dict[str, Any]]:
        if self.config.selector:
            return self.list_applications(self.config.selector)
        return [self.get_application(name) for name in self.config.applications or ()]

    def _scope_params(self) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.config.project:
            params["projects"] = self.config.project
        if self.config.app_namespace:
            params["appNamespace"] = self.config.app_namespace
        return params

    def _get(self, path: str, params: dict[str, str], app: str | None) -> dict[str, Any]:
        import requests

        url = self.server + path
        log.debug("GET %s %s", url, params)  # the token travels in a header, never logged
        try:
            # verify per request: a session's verify loses to $REQUESTS_CA_BUNDLE otherwise
            response = self._http().get(url, params=params, timeout=TIMEOUT, verify=self._verify)
        except requests.exceptions.SSLError as err:
            why = transport.why(err)
            raise UserError(
                f"[argocd {self.server}] TLS verification failed ({why}); set argocd.ca_file "
                "to the PEM file of the CA that signed the server certificate"
            ) from None
        except requests.exceptions.ConnectionError as err:
            why = transport.why(err)
            raise UserError(
                f"[argocd {self.server}] unreachable ({why}); check argocd.server, or use "
                "github-status: when the runner cannot reach the cluster"
            ) from None
        except requests.exceptions.RequestException as err:
            raise RetryableError(
                f"[argocd {self.server}] {transport.why(err)}; try again"
            ) from None
        return self._answer(response, app)

    def _answer(self, response: requests.Response, app: str | None) -> dict[str, Any]:
        status = response.status_code
        said = _message(response)
        subject = f"[argocd {self.server}]" + (f" Application {app!r}:" if app else "")
        if status == 401:
            raise UserError(
                f"[argocd {self.server}] the token in ${self.config.token_env} was refused "
                f"({said}); it is wrong or expired: {_NEW_TOKEN} ${self.config.token_env}"
            )
        if status == 403 and app is not None:
            raise UserError(
                f"{subject} permission denied: it does not exist, or the token cannot read it "
                "(Argo CD answers both alike); check argocd.applications, or grant the token's "
                "role `applications, get` on it (argocd.project makes Argo CD answer 404 instead)"
            )
        if status == 403:
            raise UserError(
                f"{subject} the token may not list Applications ({said}); grant its role "
                "`applications, get` in the project of the Applications argocd.selector matches"
            )
        if status == 404 and app is not None:
            raise UserError(
                f"{subject} not found ({said}); check argocd.applications, argocd.project and "
                "argocd.app_namespace"
            )
        if status >= 500:
            raise RetryableError(f"{subject} server error {status} ({said}); try again")
        if status != 200:
            raise UserError(f"{subject} answered {status} ({said}); check argocd.server")
        return _json_object(response, subject)

    def _http(self) -> requests.Session:
        if self._session is None:
            self._session = transport.session(self._token, self._verify, self._backoff, RETRIES)
        return self._session


def _token(config: ArgoCD, environ: Mapping[str, str]) -> str:
    token = environ.get(config.token_env, "").strip()
    if not token:
        raise UserError(
            f"[argocd {config.server}] ${config.token_env} is empty or not set; {_NEW_TOKEN} "
            f"${config.token_env} (or set argocd.token_env to the variable that holds it)"
        )
    return token


def _verify(config: ArgoCD) -> str | bool:
    if config.ca_file is None:
        return True
    path = Path(config.ca_file)
    if not path.is_file():
        raise UserError(
            f"[argocd {config.server}] argocd.ca_file {config.ca_file} does not exist; give the "
            "path of the PEM file of the CA that signed the server certificate"
        )
    return str(path)


def _json_object(response: requests.Response, subject: str) -> dict[str, Any]:
    try:
        doc = response.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        kind = response.headers.get("Content-Type", "no content type")
        raise UserError(
            f"{subject} answered {kind}, not an Argo CD API object; argocd.server must be the "
            "API server's URL (not a login proxy)"
        )
    return doc


def _message(response: requests.Response) -> str:
    """Argo CD's error text (``runtimeError.message``), one short line; untrusted."""
    try:
        doc = response.json()
    except ValueError:
        doc = None
    text = doc.get("message") or doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(text, str) or not text.strip():
        text = f"HTTP {response.status_code}"
    line = " ".join(text.split())
    return line if len(line) <= 120 else line[:119] + "…"
