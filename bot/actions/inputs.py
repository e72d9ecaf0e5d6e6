"""The action's inputs (``INPUT_*``, read once from a mapping) and its event payload (read once
from ``GITHUB_EVENT_PATH``), as plain values."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import UserError

REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
COMMANDS = ("auto", "run", "comment", "status", "rollback", "record", "watch")
# Who started the run. Only ``person`` may pin a version (move backwards, skip the rollback
# hold, soak time, path and gates): the event name cannot say it, since a training pipeline
# starts a workflow_dispatch through the API just as a person does from the form.
TRIGGERS = ("schedule", "person", "pipeline", "webhook")
DEFAULT_TIMEOUT = 180.0


@dataclass(frozen=True)
class Inputs:
    command: str
    config: str
    repository: str | None
    model: str | None
    environment: str | None
    version: str | None
    token: str
    dry_run: bool
    mlflow_tracking_uri: str | None
    run_url: str | None = None  # this workflow run, for replies that point at its log
    trigger: str | None = None  # None: read from the event (never ``person``)
    timeout: float = DEFAULT_TIMEOUT  # seconds all registry calls of the run may take

    @classmethod
    def parse(cls, env: Mapping[str, str]) -> Inputs:
        def get(name: str, default: str = "") -> str:
            return env.get(f"INPUT_{name.upper()}", default).strip()

        command = get("command", "auto") or "auto"
        if command not in COMMANDS:
            raise UserError(
                f"input command: unknown {command!r}; use one of: {', '.join(COMMANDS)}"
            )
        dry_run = get("dry-run", "false").lower()
        if dry_run not in ("true", "false", ""):
            raise UserError(f"input dry-run: expected true or false, got {dry_run!r}")
        trigger = get("trigger").lower() or None
        if trigger is not None and trigger not in TRIGGERS:
            raise UserError(
                f"input trigger: unknown {trigger[:40]!r}; use one of: {', '.join(TRIGGERS)}"
            )
        timeout = _timeout(get("timeout"))
        return cls(
            command=command,
            config=get("config") or ".github/promotion.yml",
            repository=get("repository") or None,
            model=get("model") or None,
            environment=get("environment") or None,
            version=get("version") or None,
            token=get("github-token") or env.get("GITHUB_TOKEN", ""),
            dry_run=dry_run == "true",
            mlflow_tracking_uri=get("mlflow-tracking-uri") or None,
            run_url=_run_url(env),
            trigger=trigger,
            timeout=timeout,
        )


def _timeout(raw: str) -> float:
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise UserError(f"input timeout: expected a number of seconds above 0, got {raw[:20]!r}")
    return seconds


def _run_url(env: Mapping[str, str]) -> str | None:
    server, repository = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    run_id = env.get("GITHUB_RUN_ID", "")
    if not (server and repository and run_id.isdigit() and REPOSITORY.match(repository)):
        return None
    return f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"


@dataclass(frozen=True)
class Event:
    name: str
    payload: Mapping[str, Any]

    @classmethod
    def load(cls, env: Mapping[str, str]) -> Event:
        name = env.get("GITHUB_EVENT_NAME", "workflow_call")
        path = env.get("GITHUB_EVENT_PATH")
        if not path:
            return cls(name, {})
        try:
            payload = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise UserError(
                f"GITHUB_EVENT_PATH {path}: cannot read the event payload: {err}"
            ) from None
        if not isinstance(payload, dict):
            raise UserError(f"GITHUB_EVENT_PATH {path}: the event payload is not a JSON object")
        return cls(name, payload)


def trigger(inputs: Inputs, event: Event) -> str:
    """The explicit input, else the safe reading of the event: automation, never a person."""
    if inputs.trigger is not None:
        return inputs.trigger
    if event.name == "schedule":
        return "schedule"
    if event.name == "repository_dispatch":
        return "webhook"
    return "pipeline"


def resolve(command: str, event: Event) -> str:
    if command != "auto":
        return command
    if event.name == "issue_comment":
        return "comment"
    if event.name == "push":
        return "record"
    return "run"
