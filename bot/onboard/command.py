"""``promote init``: the click command over ``bot.onboard.init`` (kept light: the scan and the
config models are imported when the command runs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click


@click.command()
@click.option(
    "--repo-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The GitOps repository to scan.",
)
@click.option(
    "--config",
    "config_path",
    default=".github/promotion.yml",
    show_default=True,
    help="Where to write the draft, relative to --repo-dir.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing config.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the draft, write nothing.")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
def init(**kwargs: Any) -> None:
    """Draft a commented config from the overlays and values files found in the repository."""
    from bot import logs

    logs.setup(logs.verbosity(kwargs.pop("verbose"), os.environ))
    from bot.onboard.init import draft_config, write

    repo: Path = kwargs["repo_dir"]
    target = repo / kwargs["config_path"]
    if kwargs["to_stdout"]:
        click.echo(draft_config(repo).text, nl=False)
        return
    summary = write(repo, target, kwargs["force"])
    click.echo(f"wrote {target}: {summary}")
    click.echo("next: review the TODO lines, then run `promote validate --online`")
