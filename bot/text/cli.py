"""What the CLI prints: human tables and diffs, or JSON with ``--json``.

Errors go to stderr once each: a registry that is down fails every environment of a model
with the same message, which is printed once with the units it stopped.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bot.results import Result, why
from bot.text import review, versions
from bot.text.status import detail, errors, mark, name

if TYPE_CHECKING:
    from bot.config import Config


def result_dict(r: Result) -> dict[str, Any]:
    cand = r.candidate
    return {
        "model": r.model,
        "group": r.group,
        "environment": r.environment,
        "cluster": r.cluster,
        "status": r.status,
        "healthy": r.healthy,
        "reason": r.reason,
        "why": why(r),
        "deployed": {"version": r.deployed.version, "image_tag": r.deployed.image_tag},
        "candidate": (
            {"version": cand.version, "image_tag": cand.image_tag, "url": cand.url}
            if cand
            else None
        ),
        "branch": r.proposal.branch if r.proposal else None,
        "head_sha": r.head_sha,
        "pr": _pr(r),
    }


def _pr(r: Result) -> dict[str, Any] | None:
    if r.pr_number is not None or r.pr_url is not None:
        return {"number": r.pr_number, "url": r.pr_url}
    if r.open_pr is not None:
        return {"number": r.open_pr.number, "url": r.open_pr.url, "branch": r.open_pr.branch}
    return None


def diff_of(r: Result) -> str:
    if r.proposal is None:
        return ""
    out: list[str] = []
    for change in r.proposal.changes:
        out.extend(
            difflib.unified_diff(
                change.old_text.splitlines(keepends=True),
                change.new_text.splitlines(keepends=True),
                fromfile=f"a/{change.path}",
                tofile=f"b/{change.path}",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def emit_run(results: list[Result], platform: str, as_json: bool, out: Path | None) -> None:
    if as_json:
        click.echo(json.dumps([result_dict(r) for r in results], indent=2))
    else:
        _table(
            ["MODEL", "ENV", "STATUS", "DETAIL"],
            [[name(r), r.environment, mark(r.status), _detail(r)] for r in results],
        )
        if platform == "local":
            for r in results:
                if r.proposal is not None and not r.failed and r.status != "up-to-date":
                    click.echo(f"\n{_pr_text(r)}")
    report_errors(results)
    if out is not None:
        texts = [_pr_text(r) for r in results if r.proposal is not None]
        out.write_text("\n\n".join(texts), encoding="utf-8")


def report_errors(results: list[Result]) -> None:
    for error in errors(results):
        click.echo(f"error: {error}", err=True)


def _pr_text(r: Result) -> str:
    assert r.proposal is not None
    return f"# {r.proposal.title}\n\nBranch: `{r.proposal.branch}`\n\n{r.body()}"


def _detail(r: Result) -> str:
    if r.failed:
        return "see the error below"
    where = r.pr_url or (f"branch {r.proposal.branch}" if r.proposal else "")
    return f"{detail(r)} {where}".strip()


def emit_plan(results: list[Result], as_json: bool) -> None:
    if as_json:
        items = [{**result_dict(r), "diff": diff_of(r)} for r in results]
        click.echo(json.dumps(items, indent=2))
        return
    for r in results:
        if not r.failed:
            click.echo(f"# {name(r)}/{r.environment}: {mark(r.status)}: {detail(r)}")
            click.echo(diff_of(r), nl=False)
            if r.proposal is not None:
                lines = review.edit_lines(r.proposal.changes)
                click.echo("".join(f"{line}\n" for line in lines), nl=False)
    report_errors(results)


def emit_status(results: list[Result], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([result_dict(r) for r in results], indent=2))
        return
    rows: list[list[str]] = []
    for r in results:
        cand = r.candidate
        pr = _pr(r)
        rows.append(
            [
                name(r),
                r.environment,
                _v(r.deployed.version),
                r.deployed.image_tag or "-",
                _v(cand.version if cand else None),
                (cand.image_tag or "-") if cand else "-",
                (f"#{pr['number']}" if pr and pr.get("number") else pr.get("branch", "-"))
                if pr
                else "-",
                mark(r.status),
                _why(r),
            ]
        )
    _table(["MODEL", "ENV", "DEPLOYED", "TAG", "NEWEST", "TAG", "OPEN PR", "STATUS", "WHY"], rows)


def _why(r: Result) -> str:
    if r.failed:
        return "see the error below"  # printed once on stderr, for every unit it stopped
    return "" if r.healthy else detail(r)


def emit_validate(problems: list[str], config: Config | None, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"ok": not problems, "problems": problems}, indent=2))
    elif not problems and config is not None:
        targets = sum(
            len(e.targets) for m in config.models.values() for e in m.environments.values()
        )
        click.echo(f"ok: {len(config.models)} model(s), {targets} target(s) checked")


def _v(version: str | None) -> str:
    return versions.label(version, "-")


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
