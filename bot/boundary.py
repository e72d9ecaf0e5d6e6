"""The one error boundary of every command-line entry (``promote``, ``python -m bot.relay``):
a user error exits 1 with its one line, usage 2, anything unexpected 3."""

from __future__ import annotations

import sys
import traceback

import click

from bot import deadline
from bot.errors import BotError, ConfigError


def run(command: click.Command, argv: list[str] | None, prog_name: str) -> None:
    try:
        _run(command, argv, prog_name)
    finally:
        deadline.start(None)  # the registry deadline is the command's: a later one arms its own


def _run(command: click.Command, argv: list[str] | None, prog_name: str) -> None:
    try:
        command.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as err:
        err.show()
        sys.exit(2)
    except ConfigError as err:
        for problem in err.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    except BotError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    except Exception as err:
        import logging

        if logging.getLogger("bot").isEnabledFor(logging.DEBUG):
            traceback.print_exc()
        click.echo(
            f"unexpected error ({type(err).__name__}): {err}; rerun with -vv and report it",
            err=True,
        )
        sys.exit(3)
