"""``promote watch``: follow merged promotions into the cluster (see bot.pipeline.watch).

A command of its own module, added to the ``promote`` group by ``bot.cli``; it does not import
``bot.cli`` (which imports it), so it carries its own copy of the common options it needs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot import deadline


@click.command("watch")
@click.option("--config", "config_path", default=".github/promotion.yml", show_default=True,
              help="Promotion config, relative to --repo-dir.")  # fmt: skip
@click.option("--repo-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Local GitOps repository.")  # fmt: skip
@click.option("--github-repo", envvar="GITHUB_REPOSITORY", default=None, help="owner/name.")
@click.option("--platform", default="auto", show_default=True,
              help="auto, or a platform name; watch needs pull requests (github).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=180,
              show_default=True, help="Seconds all registry calls may take together.")  # fmt: skip
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
def watch(
    config_path: str,
    repo_dir: Path,
    github_repo: str | None,
    platform: str,
    as_json: bool,
    timeout: float,
    verbose: int,
) -> None:
    """After merge: follow each merged promotion into the cluster.

    For each environment with follow: (Argo CD API or the statuses the cluster posts), asks
    once whether the newest merged promotion is synced, healthy and running its image. Once
    settled: a GitHub deployment and its status on the merge commit, a comment on the PR,
    the registry write-back (record_on: healthy), and on failure a ready /rollback (or the
    rollback PR with on_failure: rollback). Pending promotions are asked again next run."""
    import logging

    from bot.settings import Settings

    logging.getLogger("bot").setLevel(logging.WARNING - 10 * min(verbose, 2))
    deadline.start(timeout)
    from bot.pipeline import connect
    from bot.pipeline.watch import run_watch
    from bot.text import cli as output

    settings = Settings(config_path, repo_dir, github_repo, platform)
    ctx = connect(settings)
    results = run_watch(ctx, checkout=repo_dir if repo_dir.is_dir() else None)
    late = deadline.fired()
    if late is not None:  # the registry's deadline passed: its one line, not one per unit
        raise late
    if not results and not as_json:
        click.echo("watch: no merged promotion waits for its environment")
    output.emit_run(results, "watch", as_json, None)
    if any(r.failed for r in results):
        sys.exit(1)
