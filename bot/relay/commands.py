"""Click commands: ``promote relay`` (serve) and ``promote webhooks install|status``.

Light to import: waitress, PyGithub and MLflow load inside the commands that use them.
``python -m bot.relay`` runs ``relay`` with the same error boundary as ``promote``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from bot.errors import BotError
from bot.relay.names import DEFAULT_NAME


@click.command("relay")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=".github/promotion.yml",
    show_default=True,
    help="Promotion config (a mounted file): which models and validation rules to match.",
)
@click.option(
    "--repository",
    envvar="GITHUB_REPOSITORY",
    help="owner/name of the GitOps repository, the only one dispatched to.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option(
    "--dispatch-slots",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Deliveries talking to GitHub at once; the next ones wait up to 5 s, then get 503.",
)
@click.option(
    "--replay-window",
    type=click.IntRange(30, 3600),
    default=300,
    show_default=True,
    help="Seconds a delivery's signed timestamp may be away from now.",
)
@click.option("--dry-run", is_flag=True, help="Verify and filter, log what would be dispatched.")
def relay(**kwargs: Any) -> None:
    """Receive MLflow registry webhooks and trigger the promotion workflow on GitHub.

    Secrets come from the environment: PROMOTE_RELAY_SECRET (shared with the MLflow
    webhook), and GITHUB_TOKEN or PROMOTE_GITHUB_APP_ID with PROMOTE_GITHUB_APP_PRIVATE_KEY.
    """
    _log_to_stderr()
    from bot.relay.build import build

    app = build(dict(os.environ), **kwargs)
    from bot.relay.serve import serve

    serve(app, kwargs["host"], kwargs["port"], kwargs["threads"])


@click.group("webhooks")
def webhooks() -> None:
    """The relay's webhook in MLflow."""


def _mlflow_options(fn: Any) -> Any:
    fn = click.option("--name", default=DEFAULT_NAME, show_default=True, help="Webhook name.")(fn)
    return click.option(
        "--tracking-uri",
        envvar="MLFLOW_TRACKING_URI",
        required=True,
        help="MLflow tracking server (default: $MLFLOW_TRACKING_URI).",
    )(fn)


@webhooks.command("install")
@_mlflow_options
@click.option("--url", required=True, help="The relay's public https URL.")
@click.option("--dry-run", is_flag=True, help="Say whether it would create or update.")
def install(tracking_uri: str, name: str, url: str, dry_run: bool) -> None:
    """Create or update (by name) the webhook that sends registry events to the relay.

    The secret is read from PROMOTE_RELAY_SECRET; rerunning is safe.
    """
    from bot.relay import webhooks as hooks

    secret, target = hooks.secret_from(os.environ), hooks.webhook_url(url)
    with hooks.mlflow_errors(tracking_uri):
        done = hooks.install(_client(tracking_uri), name, target, secret, dry_run)
    ident = f" ({done.webhook_id})" if done.webhook_id else ""
    click.echo(f"{done.action} webhook {name}{ident} -> {done.url}")


@webhooks.command("status")
@_mlflow_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(tracking_uri: str, name: str, as_json: bool) -> None:
    """Whether the webhook is installed, and when the relay last received a delivery."""
    state = webhook_state(tracking_uri, name)
    click.echo(json.dumps(vars(state), indent=2) if as_json else state.line())
    if not state.installed:
        sys.exit(1)


def webhook_state(tracking_uri: str, name: str = DEFAULT_NAME) -> Any:
    """For `promote status`: a ``bot.relay.webhooks.State`` whose ``line()`` is one row."""
    from bot.relay import webhooks as hooks

    with hooks.mlflow_errors(tracking_uri):
        return hooks.state(_client(tracking_uri), name)


def webhook_lines(config: Any, name: str = DEFAULT_NAME) -> list[str]:
    """One line per MLflow registry of the config: is the relay's webhook installed, and
    when did it last deliver. A registry that cannot be asked says why, on its line."""
    lines = []
    for key, registry in config.registries.items():
        if registry.type != "mlflow":
            continue
        uri = registry.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "")
        try:
            lines.append(f"{key}: {webhook_state(uri, name).line()}")
        except BotError as err:
            lines.append(f"{key}: webhook state unknown: {err}")
    return lines


def _client(tracking_uri: str) -> Any:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def _log_to_stderr() -> None:
    # One line per delivery is the relay's record of what it did: INFO is on by default.
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("bot.relay").setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> None:
    """``python -m bot.relay``: the relay command with promote's exit codes (1 user, 3 bug)."""
    from bot import boundary

    boundary.run(relay, argv, "python -m bot.relay")
