"""GitHub Actions entry: ``INPUT_*`` and the event payload -> the same library calls as the CLI.

The environment is read once into plain values here; the event file is read once. Outputs,
the step summary and annotations go through ``ActionsIO``. Exit codes match the CLI.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import summary
from bot.actions_io import ActionsIO
from bot.errors import BotError, ConfigError, UserError

_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
COMMANDS = ("auto", "run", "comment", "status", "rollback", "record")


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
        )


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


def resolve(command: str, event: Event) -> str:
    if command != "auto":
        return command
    if event.name == "issue_comment":
        return "comment"
    if event.name == "push":
        return "record"
    return "run"


def main(environ: Mapping[str, str] | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    io = ActionsIO(env)
    try:
        return _main(env, io)
    except ConfigError as err:
        for problem in err.problems:
            io.annotate("error", problem)
        return 1
    except BotError as err:
        io.annotate("error", str(err))
        return err.exit_code
    except Exception as err:
        io.annotate("error", f"unexpected error ({type(err).__name__}): {err}; please report it")
        return 3


def _main(env: dict[str, str], io: ActionsIO) -> int:
    inputs = Inputs.parse(env)
    io.mask(inputs.token)
    event = Event.load(env)
    command = resolve(inputs.command, event)
    if not inputs.token:
        raise UserError(
            "input github-token is empty; pass ${{ secrets.GITHUB_TOKEN }} or an App token"
        )
    if inputs.mlflow_tracking_uri:
        # MLflow reads its settings from the process environment.
        os.environ["MLFLOW_TRACKING_URI"] = inputs.mlflow_tracking_uri
    ctx = _context(env, inputs)
    from bot import action_commands

    outcome = action_commands.dispatch(command, ctx, inputs, event)
    _report(io, outcome)
    return outcome.exit_code


def _context(env: dict[str, str], inputs: Inputs) -> Any:
    from bot.settings import Settings, build_context

    if inputs.repository is not None and not _REPOSITORY.match(inputs.repository):
        raise UserError(f"input repository must be owner/name, got {inputs.repository[:60]!r}")
    repository = inputs.repository or env.get("GITHUB_REPOSITORY", "")
    settings = Settings(
        config_path=inputs.config,
        repo_dir=Path(env.get("GITHUB_WORKSPACE") or "."),
        github_repo=repository,
        platform="github",
    )
    return build_context(settings, {**env, "GITHUB_TOKEN": inputs.token})


def _report(io: ActionsIO, outcome: Any) -> None:
    promoted, skipped = summary.outputs(outcome.results)
    first = next((p for p in promoted if p["pr"]), None)
    io.set_output("pr-url", first["pr"]["url"] or "" if first else "")
    io.set_output("pr-number", str(first["pr"]["number"] or "") if first else "")
    io.set_output("promoted", json.dumps(promoted))
    io.set_output("skipped", json.dumps(skipped))
    io.summary(summary.markdown(outcome.title, outcome.results, outcome.note))
    for reason in dict.fromkeys(r.reason for r in outcome.results if r.status == "failed"):
        io.annotate("error", reason)


if __name__ == "__main__":
    sys.exit(main())
