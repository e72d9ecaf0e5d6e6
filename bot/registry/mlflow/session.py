"""The HTTP side of the light MLflow client: a ``requests`` session set up as MLflow sets up
its own for an http(s) tracking server (retry policy, credentials, TLS), bounded by the run's
deadline."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from bot import __version__, deadline
from bot.registry.mlflow.errors import short_reason

RETRY_CODES = frozenset({408, 429, 500, 502, 503, 504})  # as MLflow's request_utils


class RestError(Exception):
    """An MLflow error: ``error_code`` as MLflow names it, the message as MLflow words it."""

    def __init__(self, message: str, error_code: str = "INTERNAL_ERROR") -> None:
        super().__init__(message)
        self.error_code = error_code


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        return default if raw is None else int(raw)
    except ValueError:
        raise RestError(
            f"{name}={raw!r} is not a whole number", "INVALID_PARAMETER_VALUE"
        ) from None


def env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.lower() in ("true", "1")


def _retry_settings() -> dict[str, Any]:
    """MLflow's retry policy, from its variables, with its limits."""
    retries = env_int("MLFLOW_HTTP_REQUEST_MAX_RETRIES", 7)
    limit = env_int("_MLFLOW_HTTP_REQUEST_MAX_RETRIES_LIMIT", 10)
    factor = env_int("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", 2)
    factor_limit = env_int("_MLFLOW_HTTP_REQUEST_MAX_BACKOFF_FACTOR_LIMIT", 120)
    if retries > limit:
        raise RestError(
            f"The configured max_retries value ({retries}) is in excess of the maximum"
            f" allowable retries ({limit})",
            "INVALID_PARAMETER_VALUE",
        )
    if retries < 0:
        raise RestError(
            f"The max_retries value must be either 0 a positive integer. Got {retries}",
            "INVALID_PARAMETER_VALUE",
        )
    if factor > factor_limit or factor < 0:
        raise RestError(
            f"The configured backoff_factor value ({factor}) is outside 0..{factor_limit}",
            "INVALID_PARAMETER_VALUE",
        )
    jitter = float(os.environ.get("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER") or 1.0)
    return {
        "total": retries,
        "connect": retries,
        "read": retries,
        "redirect": retries,
        "status": retries,
        "status_forcelist": RETRY_CODES,
        "backoff_factor": factor,
        "backoff_jitter": jitter,
        "raise_on_status": True,
        "respect_retry_after_header": env_flag("MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER", True),
        "allowed_methods": None,  # MLflow retries every method, POSTs included
    }


class Attempts:
    """The last failure seen by the retries, for the deadline's message."""

    last: str | None = None


def _retry_class(attempts: Attempts) -> type[Retry]:
    class DeadlineRetry(Retry):
        """urllib3's Retry that notes each failure and starts no retry past the deadline."""

        def increment(
            self,
            method: str | None = None,
            url: str | None = None,
            response: Any = None,
            error: Exception | None = None,
            _pool: Any = None,
            _stacktrace: Any = None,
        ) -> DeadlineRetry:
            if error is not None:
                attempts.last = short_reason(error)
            elif response is not None:
                attempts.last = f"HTTP {response.status}"
            left = deadline.remaining()
            if left is not None and left <= 0:
                reason = error or ResponseError(attempts.last or "no answer")
                raise MaxRetryError(_pool, url or "", reason)
            return super().increment(method, url, response, error, _pool, _stacktrace)

        def get_backoff_time(self) -> float:
            wait = super().get_backoff_time()
            left = deadline.remaining()
            return wait if left is None else min(wait, left)

    return DeadlineRetry


def _credentials() -> tuple[str | None, str | None]:
    """Username and password as MLflow reads them: the environment, else its credentials file."""
    user, password = (
        os.environ.get("MLFLOW_TRACKING_USERNAME"),
        os.environ.get("MLFLOW_TRACKING_PASSWORD"),
    )
    path = Path(os.path.expanduser("~/.mlflow/credentials"))
    if (not user or not password) and path.exists():
        import configparser  # only when the file is there: most runs never read it

        parser = configparser.ConfigParser()
        parser.read(path)
        if "mlflow" in parser:
            user = user or parser["mlflow"].get("mlflow_tracking_username")
            password = password or parser["mlflow"].get("mlflow_tracking_password")
    return user, password


def session(attempts: Attempts) -> requests.Session:
    """A session with MLflow's retry policy, credentials and TLS settings."""
    http = requests.Session()
    adapter = HTTPAdapter(max_retries=_retry_class(attempts)(**_retry_settings()))
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    http.headers["User-Agent"] = f"model-promotion-bot/{__version__}"
    user, password = _credentials()
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if user and password:
        pair = base64.standard_b64encode(f"{user}:{password}".encode()).decode()
        http.headers["Authorization"] = f"Basic {pair}"
    elif token:
        http.headers["Authorization"] = f"Bearer {token}"
    cert = os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH")
    http.verify = cert or not env_flag("MLFLOW_TRACKING_INSECURE_TLS", False)
    if os.environ.get("MLFLOW_TRACKING_CLIENT_CERT_PATH"):
        http.cert = os.environ["MLFLOW_TRACKING_CLIENT_CERT_PATH"]
    return http
