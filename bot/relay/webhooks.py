"""The relay's webhook in MLflow: install it (create or update by name) and report its state.

MLflow keeps webhooks only with a SQL backend (``mlflow server --backend-store-uri
postgresql://…`` or sqlite) and records no delivery history, so the time of the last
delivery comes from the relay itself: its ``/healthz`` beside the webhook URL. The commands
wrap their MLflow calls in ``mlflow_errors``, so a setup mistake is one line, not a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.errors import UserError
from bot.relay.names import HEALTH_PATH, MIN_SECRET, SECRET_ENV, WEBHOOK_PATH

EVENTS = ("model_version.created", "model_version_tag.set", "model_version_alias.created")
DESCRIPTION = "model-promotion-bot relay: registry events -> GitHub repository_dispatch"


@dataclass(frozen=True)
class Installed:
    action: str  # "created", "updated", or "would create" / "would update" in a dry run
    webhook_id: str
    url: str


@dataclass(frozen=True)
class State:
    name: str
    installed: bool
    url: str = ""
    status: str = ""  # ACTIVE or DISABLED
    missing_events: tuple[str, ...] = ()
    last_delivery: str | None = None
    relay: str = ""  # what /healthz said, or why it could not be asked

    def line(self) -> str:
        """One line for `promote status` and `promote webhooks status`."""
        if not self.installed:
            return f"webhook {self.name}: not installed; run `promote webhooks install`"
        parts = [f"webhook {self.name}: {self.status.lower()} -> {self.url}"]
        if self.missing_events:
            parts.append(f"missing events {', '.join(self.missing_events)}")
        parts.append(f"last delivery {self.last_delivery or 'none seen'} ({self.relay})")
        return "; ".join(parts)


def webhook_url(url: str) -> str:
    """The relay's address as given, with the webhook path added when only a host is given."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"--url must be the relay's http(s) URL, got {url[:100]!r}")
    if parts.path in ("", "/"):
        return url.rstrip("/") + WEBHOOK_PATH
    return url


def secret_from(env: Mapping[str, str]) -> str:
    secret = env.get(SECRET_ENV, "")
    if len(secret) < MIN_SECRET:
        raise UserError(
            f"{SECRET_ENV} must hold the webhook secret (at least {MIN_SECRET} characters), "
            "the same value the relay reads; e.g. `openssl rand -hex 32`"
        )
    return secret


def install(client: Any, name: str, url: str, secret: str, dry_run: bool = False) -> Installed:
    existing = find(client, name)
    if dry_run:
        action = "would update" if existing is not None else "would create"
        return Installed(action, existing.webhook_id if existing else "", url)
    fields = {"url": url, "events": list(EVENTS), "secret": secret, "description": DESCRIPTION}
    if existing is None:
        made = client.create_webhook(name=name, status="ACTIVE", **fields)
        return Installed("created", str(made.webhook_id), url)
    client.update_webhook(existing.webhook_id, status="ACTIVE", **fields)
    return Installed("updated", str(existing.webhook_id), url)


def find(client: Any, name: str) -> Any:
    token = None
    while True:
        page = client.list_webhooks(max_results=100, page_token=token)
        found = next((w for w in page if w.name == name), None)
        if found is not None or not page.token:
            return found
        token = page.token


def state(client: Any, name: str, probe_timeout: float = 3.0) -> State:
    hook = find(client, name)
    if hook is None:
        return State(name, installed=False)
    events = {str(getattr(e, "value", None) or _event_text(e)) for e in hook.events}
    missing = tuple(e for e in EVENTS if e not in events)
    status = str(getattr(hook.status, "value", hook.status))
    last, relay = _probe(hook.url, probe_timeout)
    return State(name, True, hook.url, status, missing, last, relay)


def _event_text(event: Any) -> str:
    return f"{event.entity.value}.{event.action.value}"


def _probe(url: str, timeout: float) -> tuple[str | None, str]:
    """Ask the relay behind the webhook URL when it last received a delivery."""
    if not url.endswith(WEBHOOK_PATH):
        return None, "not a relay URL; cannot ask it"
    import requests

    health = url[: -len(WEBHOOK_PATH)] + HEALTH_PATH
    try:
        answer = requests.get(health, timeout=timeout)
        data = answer.json()
    except (requests.RequestException, ValueError) as err:
        return None, f"relay unreachable: {type(err).__name__}"
    if not isinstance(data, dict):
        return None, "relay answered something else"
    last = data.get("last_delivery")
    return (str(last) if last else None), f"relay {data.get('status', answer.status_code)}"


@contextlib.contextmanager
def mlflow_errors(where: str) -> Iterator[None]:
    """MLflow's failures as one line naming the server: no traceback for a setup mistake."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except MlflowException as err:
        message = str(err.message).splitlines()[0][:300]
        raise UserError(f"MLflow at {where}: webhooks: {message}") from None
