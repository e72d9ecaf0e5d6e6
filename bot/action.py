"""GitHub Actions entry: ``INPUT_*`` and the event payload -> the same library calls as the CLI.

The environment is read once into plain values (``bot.actions.inputs``); the event file is
read once. Outputs, the step summary and annotations go through ``ActionsIO``. Exit codes
match the CLI.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot import deadline, gc_pace, logs
from bot.actions.inputs import REPOSITORY, Event, Inputs, resolve
from bot.actions.io import ActionsIO
from bot.actions.outputs import outputs
from bot.errors import BotError, ConfigError, UserError
from bot.results import Outcome
from bot.text import status, summary


def main(environ: Mapping[str, str] | None = None) -> int:
    gc_pace.for_a_command()
    env = dict(os.environ if environ is None else environ)
    io = ActionsIO(env)
    # The job log shows the bot's progress; RUNNER_DEBUG=1 (a re-run with debug logging)
    # shows everything, the libraries' retries included.
    handler = logs.setup(logs.verbosity(0, env), io.log_handler(), bot_floor=logging.INFO)
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
    finally:
        logs.teardown(handler)
        deadline.start(None)


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
    deadline.start(inputs.timeout)
    ctx = _context(env, inputs)
    from bot.actions import commands

    outcome = commands.dispatch(command, ctx, inputs, event, io)
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
    for name, value in outputs(outcome.results).items():
        io.set_output(name, value)
    io.summary(summary.markdown(outcome.title, outcome.results, outcome.note))
    for error in status.errors(outcome.results):
        io.annotate("error", error)


if __name__ == "__main__":
    sys.exit(main())
