"""The one call the relay makes to GitHub: ``repository_dispatch`` on the configured repository.

Credentials come from the environment: a GitHub App (``PROMOTE_GITHUB_APP_ID`` and its private
key), whose installation token PyGithub mints and refreshes itself, or a plain ``GITHUB_TOKEN``.
PyGithub's own retries are off: the relay answers MLflow with a 5xx instead, and MLflow's
retries (with backoff) resend the delivery, so no request waits for minutes on GitHub.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import UserError

EVENT_TYPE = "model-validated"
DEFAULT_API_URL = "https://api.github.com"
APP_ID = "PROMOTE_GITHUB_APP_ID"
APP_KEY = "PROMOTE_GITHUB_APP_PRIVATE_KEY"
APP_KEY_FILE = "PROMOTE_GITHUB_APP_PRIVATE_KEY_FILE"
APP_INSTALLATION = "PROMOTE_GITHUB_APP_INSTALLATION_ID"


class DispatchFailed(Exception):
    """GitHub did not accept the dispatch; ``str()`` is safe to log (no token)."""


@dataclass(frozen=True)
class Credentials:
    token: str = ""
    app_id: str = ""
    private_key: str = ""
    installation_id: int | None = None

    @property
    def kind(self) -> str:
        return "GitHub App" if self.app_id else "token"


def credentials(env: Mapping[str, str]) -> Credentials:
    """The App when one is configured, else GITHUB_TOKEN; a one-line error when neither is."""
    app_id = env.get(APP_ID, "").strip()
    if not app_id:
        token = env.get("GITHUB_TOKEN", "").strip()
        if not token:
            raise UserError(
                f"no GitHub credentials: set {APP_ID} and {APP_KEY} (or {APP_KEY_FILE}) "
                "for a GitHub App, or GITHUB_TOKEN"
            )
        return Credentials(token=token)
    key = _private_key(env)
    raw_installation = env.get(APP_INSTALLATION, "").strip()
    if raw_installation and not raw_installation.isdigit():
        raise UserError(f"{APP_INSTALLATION} must be a number, got {raw_installation[:40]!r}")
    installation = int(raw_installation) if raw_installation else None
    return Credentials(app_id=app_id, private_key=key, installation_id=installation)


def _private_key(env: Mapping[str, str]) -> str:
    key, path = env.get(APP_KEY, "").strip(), env.get(APP_KEY_FILE, "").strip()
    if not key and path:
        try:
            key = Path(path).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise UserError(f"{APP_KEY_FILE} {path}: cannot read: {err.strerror}") from None
    if "PRIVATE KEY-----" not in key:
        raise UserError(f"{APP_ID} is set but {APP_KEY} (or {APP_KEY_FILE}) holds no PEM key")
    return key


@dataclass(frozen=True)
class Target:
    repository: str  # owner/name
    api_url: str = DEFAULT_API_URL
    write_interval: float = 1.0  # GitHub asks for a pause between content-creating requests
    timeout: int = 10


class Dispatcher:
    """Thread-safe; the client (and, for an App, the installation) is set up on first use."""

    def __init__(self, target: Target, creds: Credentials) -> None:
        self.target, self._creds = target, creds
        self._client: Any = None
        self._lock = threading.Lock()

    def check(self) -> None:
        """Fail at start-up, not at the first delivery, on a key PyGithub cannot sign with."""
        if self._creds.app_id:
            try:
                self._app_auth().create_jwt()
            except Exception as err:  # cryptography/PyJWT raise several types for a bad key
                raise UserError(
                    f"{APP_KEY}: cannot sign with this key ({type(err).__name__})"
                ) from None

    def send(self, model: str, version: str, delivery_id: str) -> None:
        body = {
            "event_type": EVENT_TYPE,
            "client_payload": {"model": model, "version": version, "delivery_id": delivery_id},
        }
        url = f"/repos/{self.target.repository}/dispatches"
        try:
            # The requester raises on any non-2xx answer, with its status; PyGithub's
            # create_repository_dispatch would only say "not 204".
            self._github().requester.requestJsonAndCheck("POST", url, input=body)
        except DispatchFailed:
            raise
        except Exception as err:
            raise DispatchFailed(_describe(err)) from None

    def _github(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            return self._client

    def _connect(self) -> Any:
        from github import Auth, Github

        auth: Any = Auth.Token(self._creds.token)
        if self._creds.app_id:
            auth = self._app_auth().get_installation_auth(self._installation())
        return Github(
            base_url=self.target.api_url,
            auth=auth,
            retry=None,
            timeout=self.target.timeout,
            seconds_between_requests=None,
            seconds_between_writes=self.target.write_interval or None,
            lazy=True,
        )

    def _app_auth(self) -> Any:
        from github import Auth

        return Auth.AppAuth(self._creds.app_id, self._creds.private_key)

    def _installation(self) -> int:
        if self._creds.installation_id is not None:
            return self._creds.installation_id
        from github import GithubIntegration

        owner, name = self.target.repository.split("/")
        app = GithubIntegration(
            auth=self._app_auth(), base_url=self.target.api_url, timeout=self.target.timeout
        )
        try:
            return int(app.get_repo_installation(owner, name).id)
        except Exception as err:
            raise DispatchFailed(
                f"no installation of the App on {owner}/{name}: {_describe(err)}"
            ) from None


def _describe(err: Exception) -> str:
    status = getattr(err, "status", None)
    if status is not None:
        data = getattr(err, "data", None)
        message = data.get("message") if isinstance(data, dict) else None
        return f"GitHub answered {status}" + (f": {str(message)[:200]}" if message else "")
    return f"{type(err).__name__}: {str(err)[:200]}"
