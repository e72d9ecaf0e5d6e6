"""MLflow's failures as one-line messages that name the fix and never a secret."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

from bot.errors import NotFound, RegistryError, RetryableError
from bot.model import VersionQuery

SECRET_VARS = ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_PASSWORD")
TRANSIENT_CODES = frozenset({"TEMPORARILY_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED"})


class Missing(RegistryError, NotFound):
    """The registry said RESOURCE_DOES_NOT_EXIST (or: alias not found); callers that expect it
    catch it, and anywhere else it is still a one-line user error."""


def display_uri(uri: str) -> str:
    """The URI without credentials, query or fragment."""
    parts = urlsplit(uri)
    if not parts.netloc:
        return uri.split("?", 1)[0]
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def scrub(text: str) -> str:
    """One line, no URL credentials, no token or password values."""
    text = re.sub(r"(\w+://)[^/@\s'\"]+@", r"\1", text.splitlines()[0] if text else "")
    for var in SECRET_VARS:
        secret = os.environ.get(var, "")
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def transport_error(exc: BaseException) -> BaseException | None:
    """The ``requests`` exception behind an MLflow error, if the request never got an answer."""
    import requests

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, requests.RequestException):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def short_reason(exc: BaseException) -> str:
    text = str(exc)
    for pattern in (
        r"\[Errno -?\d+\] ([^\"')]+)",
        r"ResponseError\('([^']+)'\)",
        r"((?:Read|Connect)(?:ion)? timed out)",
        r"(Name or service not known|nodename nor servname provided)",
    ):
        found = re.search(pattern, text)
        if found:
            return found.group(1).strip()
    return scrub(type(exc).__name__ + (f": {text}" if text else ""))[:120]


def translate(query: VersionQuery, exc: BaseException, uri: str) -> Exception:
    """The error to raise for an MLflow failure on a request about ``query``'s model
    (``MlflowException`` or the light client's ``RestError``: both carry MLflow's error code)."""
    transport = transport_error(exc)
    code = getattr(exc, "error_code", None)
    if transport is not None or code in TRANSIENT_CODES:
        reason = short_reason(transport or exc)
        return RetryableError(f"MLflow at {uri} unreachable: {reason}; try again")
    if code == "RESOURCE_DOES_NOT_EXIST" or (
        code == "INVALID_PARAMETER_VALUE" and "not found" in str(exc)
    ):
        return Missing(f"[{query.model}] MLflow at {uri}: {scrub(str(exc))[:200]}")
    reason = scrub(str(exc))[:200]
    return RegistryError(f"[{query.model}] MLflow at {uri} refused a request: {reason}")
