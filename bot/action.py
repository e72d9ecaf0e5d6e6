"""GitHub Actions entry: ``INPUT_*`` and the event payload -> the same library calls as the CLI.

The environment is read once into plain values (``bot.actions.inputs``); the event file is
read once. Outputs, the step summary and annotations go through ``ActionsIO``. Exit codes
match the CLI.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.actions.inputs import REPOSITORY, Event, Inputs, resolve
from bot.actions.io import ActionsIO
from bot.actions.outputs import outputs
from bot.errors import BotError, ConfigError, UserError
from bot.results import Outcome
from bot.text import summary


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
    from bot.actions import commands

    outcome = commands.dispatch(command, ctx, inputs, event)
    _report(io, outcome)
    return outcome.exit_code


def _context(env: dict[str, str], inputs: Inputs) -> Any:
    from bot.pipeline import connect
    from bot.settings import Settings

    if inputs.repository is not None and not REPOSITORY.match(inputs.repository):
        raise UserError(f"input repository must be owner/name, got {inputs.repository[:60]!r}")
    repository = inputs.repository or env.get("GITHUB_REPOSITORY", "")
    settings = Settings(
        config_path=inputs.config,
        repo_dir=Path(env.get("GITHUB_WORKSPACE") or "."),
        github_repo=repository,
        platform="github",
    )
    return connect(settings, {**env, "GITHUB_TOKEN": inputs.token})


def _report(io: ActionsIO, outcome: Outcome) -> None:
    promoted, skipped = outputs(outcome.results)
    first = next((p for p in promoted if p["pr"]), None)
    io.set_output("pr-url", first["pr"]["url"] or "" if first else "")
    io.set_output("pr-number", str(first["pr"]["number"] or "") if first else "")
    io.set_output("promoted", json.dumps(promoted))
    io.set_output("skipped", json.dumps(skipped))
    io.summary(summary.markdown(outcome.title, outcome.results, outcome.note))
    for reason in dict.fromkeys(r.reason for r in outcome.results if r.failed):
        io.annotate("error", reason)


if __name__ == "__main__":
    sys.exit(main())
