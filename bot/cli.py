"""``promote``: the command-line shell over ``bot.pipeline``.

Exit codes: 0 ok, 1 user/config error (or a promotion that failed), 2 usage, 3 unexpected.
Heavy clients (mlflow, github) are imported only by the adapters that need them, and
`promote --help` imports click and the command definitions only (tests/architecture).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot import boundary, deadline, gc_pace
from bot.errors import BotError, ConfigError
from bot.onboard.command import init
from bot.relay.commands import relay, webhooks
from bot.watch_cli import watch

if TYPE_CHECKING:
    from bot.settings import Settings

TIMEOUT = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=180,
    show_default=True,
    help="Seconds all registry calls of the run may take together; then one error line.",
)


def _common(fn: Any) -> Any:
    options = [
        click.option(
            "--config",
            "config_path",
            default=".github/promotion.yml",
            show_default=True,
            help="Promotion config, relative to --repo-dir.",
        ),
        click.option(
            "--repo-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("."),
            show_default=True,
            help="Local GitOps repository.",
        ),
        click.option(
            "--github-repo",
            envvar="GITHUB_REPOSITORY",
            default=None,
            help="owner/name; with GITHUB_TOKEN set, work on GitHub instead of locally.",
        ),
        click.option(
            "--platform",
            default="auto",
            show_default=True,
            callback=_platform_choice,
            # The names are not listed here: --help would have to import every platform's table.
            help="auto, or a platform name (github, local, or a plugin's). auto: GitHub when"
            " GITHUB_TOKEN is set.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Machine-readable output."),
        TIMEOUT,
        click.option("-v", "--verbose", count=True, help="More logging (-vv for debug)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _platform_choice(ctx: click.Context, param: click.Parameter, value: str) -> str:
    # Checked against the table when the command runs, so a platform registered in
    # ``PLATFORMS`` (a plugin, or a test's) is accepted without touching the CLI.
    from bot.platform import PLATFORMS

    if value != "auto" and value not in PLATFORMS:
        choices = ", ".join(repr(c) for c in ["auto", *PLATFORMS])
        raise click.BadParameter(f"{value!r} is not one of {choices}.")
    return value


def _settings(kwargs: dict[str, Any], writes: bool = False) -> Settings:
    _logging(kwargs.pop("verbose"))
    deadline.start(kwargs.pop("timeout"))
    from bot.settings import Settings

    return Settings(
        config_path=kwargs.pop("config_path"),
        repo_dir=kwargs.pop("repo_dir"),
        github_repo=kwargs.pop("github_repo"),
        platform=kwargs.pop("platform"),
        writes=writes,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="model-promotion-bot")
def cli() -> None:
    """Promote validated ML model versions through GitOps pull requests.

    \b
    Exit codes:
      0  done; nothing failed (blocked, held or waiting promotions are not failures)
      1  a config, input or registry problem to fix, or a promotion that failed
      2  usage: an unknown command or option
      3  unexpected error (a bug: rerun with -vv and report it)
    """


@cli.command()
@_common
@click.option("--model", help="Only this model.")
@click.option("--env", "environment", help="Only this environment.")
@click.option("--version", "version", help="Promote this registry version (needs --model).")
@click.option("--group", help="Only this group (`groups:`): its members in one commit and PR.")
@click.option("--dry-run", is_flag=True, help="Decide and print, write nothing.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the PR title and body (markdown) to this file.",
)
def run(**kwargs: Any) -> None:
    """Poll the registry and open or update one PR per promotion."""
    as_json, dry_run, out = kwargs.pop("as_json"), kwargs.pop("dry_run"), kwargs.pop("output")
    selection = _selection(kwargs)
    ctx = _connect(_settings(kwargs, writes=not dry_run))
    from bot import pipeline

    results = _checked(pipeline.evaluate(ctx, selection))
    if not dry_run:
        results = _checked(pipeline.apply(ctx, results))
    _output().emit_run(results, ctx.platform.name, as_json, out)
    _exit_for(results)


@cli.command("plan")
@_common
@click.option("--model", help="Only this model.")
@click.option("--env", "environment", help="Only this environment.")
@click.option("--version", "version", help="Plan this registry version (needs --model).")
@click.option("--group", help="Only this group (`groups:`): its members' changes together.")
def plan_cmd(**kwargs: Any) -> None:
    """Print the unified diff `run` would commit, per model/environment; writes nothing."""
    as_json = kwargs.pop("as_json")
    selection = _selection(kwargs)
    ctx = _connect(_settings(kwargs))
    from bot import pipeline

    results = _checked(pipeline.evaluate(ctx, selection))
    _output().emit_plan(results, as_json)
    _exit_for(results)


@cli.command()
@_common
@click.option("--model", help="Only this model.")
@click.option("--group", help="Only this group and its members.")
@click.option(
    "--webhooks", is_flag=True, help="Also say whether the registry webhook is installed."
)
def status(**kwargs: Any) -> None:
    """Table: model x environment -> declared version/tag, newest validated, open PR."""
    as_json, webhooks_too = kwargs.pop("as_json"), kwargs.pop("webhooks")
    selection = _selection({"model": kwargs.pop("model"), "group": kwargs.pop("group")})
    ctx = _connect(_settings(kwargs))
    from bot import pipeline

    results = _checked(pipeline.evaluate(ctx, selection))
    _output().emit_status(results, as_json)
    if webhooks_too and not as_json:
        from bot.relay.commands import webhook_lines

        for line in webhook_lines(ctx.config):
            click.echo(line)
    _output().report_errors(results)
    _exit_for(results)


@cli.command()
@_common
@click.option("--after", help="The pushed commit (default: the base branch's newest commit).")
@click.option("--before", help="The base branch before the push (default: --after's parent).")
@click.option(
    "--depth",
    type=click.IntRange(1, 500),
    default=None,
    help="Ignored (kept for old workflows): what changed is read from the files now.",
)
def record(**kwargs: Any) -> None:
    """After merge: record in the registry which version each environment runs.

    Reads each environment's overlays at --after and at --before: a version newly declared
    there, and validated in the registry, is recorded. Commit messages are not read."""
    as_json, after, before = kwargs.pop("as_json"), kwargs.pop("after"), kwargs.pop("before")
    kwargs.pop("depth")
    ctx = _connect(_settings(kwargs))
    from bot.pipeline import record as recording

    push = recording.last_commit(ctx)
    if after is not None:
        push = recording.Push(after, before)
    found, failed = recording.deployments(ctx, push)
    results = _checked(failed + recording.record(ctx, found))
    _output().emit_run(results, "record", as_json, None)
    _exit_for(results)


@cli.command()
@_common
@click.option(
    "--online",
    is_flag=True,
    help="Also check the registry (reachable, models and validated versions exist) and "
    "that the token can write contents and pull requests.",
)
def validate(**kwargs: Any) -> None:
    """Check the config and that every target file, entry and key exists."""
    as_json, online = kwargs.pop("as_json"), kwargs.pop("online")
    settings = _settings(kwargs)
    try:
        ctx = _connect(settings)
    except BotError as err:
        if as_json:  # a script asked for JSON: it gets JSON, whatever failed
            problems = err.problems if isinstance(err, ConfigError) else [str(err)]
            _output().emit_validate(problems, None, as_json)
        raise
    from bot import pipeline

    problems = pipeline.validate(ctx)
    if online:
        from bot.onboard.online import check

        problems += check(ctx, os.environ, settings.github_repo)
    _output().emit_validate(problems, ctx.config, as_json)
    if problems:
        raise ConfigError(problems)


def _output() -> Any:
    from bot.text import cli as output  # only once there is something to print

    return output


def _connect(settings: Settings) -> Any:
    from bot.pipeline import connect

    return connect(settings)


def _selection(kwargs: dict[str, Any]) -> Any:
    from bot.model import Selection

    return Selection(
        kwargs.pop("model", None),
        kwargs.pop("environment", None),
        kwargs.pop("version", None),
        group=kwargs.pop("group", None),
    )


def _checked(results: list[Any]) -> list[Any]:
    """The results, unless the registry deadline passed: then its one line ends the command
    (every unit after it failed with the same line), and nothing more is written."""
    late = deadline.fired()
    if late is not None:
        raise late
    return results


def _exit_for(results: list[Any]) -> None:
    if any(r.failed or r.lost for r in results):
        sys.exit(1)


def _logging(verbose: int) -> None:
    from bot import logs

    logs.setup(logs.verbosity(verbose, os.environ))


cli.add_command(init)
cli.add_command(relay)
cli.add_command(watch)
cli.add_command(webhooks)


def main(argv: list[str] | None = None) -> None:
    """Entry point with the one error boundary: user error 1, usage 2, unexpected 3."""
    gc_pace.for_a_command()
    boundary.run(cli, argv, "promote")
