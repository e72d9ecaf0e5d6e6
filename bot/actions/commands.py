"""What each action command does, over the same library calls as the CLI."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot import pipeline
from bot.actions.inputs import Event, Inputs, trigger
from bot.actions.io import ActionsIO
from bot.errors import UserError
from bot.model import Selection
from bot.pipeline import Context, record
from bot.pipeline.record import Push
from bot.pipeline.rollback import rollback
from bot.results import Outcome, Result, exit_code
from bot.text.status import detail, mark
from bot.untrusted import VERSION


def dispatch(command: str, ctx: Context, inputs: Inputs, event: Event, io: ActionsIO) -> Outcome:
    if command == "comment":
        if event.name != "issue_comment":
            raise UserError(f"command comment needs an issue_comment event, got {event.name}")
        from bot.chatops import handle

        return handle(ctx, event.payload, inputs.dry_run, run_url=inputs.run_url)
    if command == "status":
        results = _evaluate(ctx, Selection(inputs.model, group=inputs.group), io)
        results = _publish(ctx, results, io, dry_run=True)  # status only shows
        return Outcome("Promotion status", results, exit_code=exit_code(results))
    if command == "rollback":
        return _rollback(ctx, inputs, io)
    if command == "record":
        return _record(ctx, inputs, event)
    if command == "watch":
        from bot.pipeline.watch import outcome

        return outcome(ctx, Path(os.environ.get("GITHUB_WORKSPACE") or "."))
    return _run(ctx, inputs, event, io)


def selection(ctx: Context, inputs: Inputs, event: Event) -> Selection:
    """Action inputs first; a registry webhook's ``client_payload`` fills what they leave."""
    payload: Mapping[str, Any] = {}
    if event.name == "repository_dispatch":
        raw = event.payload.get("client_payload") or {}
        if not isinstance(raw, dict):
            raise UserError("repository_dispatch event: client_payload must be an object")
        payload = raw
    # A webhook's version is only a hint: anyone who can dispatch can write one, so the
    # registry is read again and the usual policy picks the candidate (a forged or replayed
    # dispatch can trigger nothing the policy would not). It must still look like a version.
    hint = _field(payload, "version")
    if hint is not None and not VERSION.fullmatch(hint):
        raise UserError(f"version must be a registry version number, got {hint[:40]!r}")
    model = inputs.model or _field(payload, "model")
    if hint is not None and model is None and len(ctx.config.models) > 1:
        raise UserError(
            "client_payload.version needs client_payload.model: the config has several models"
        )
    # A person choosing a version (input trigger: person) may move backwards or lift a
    # rollback hold; automation (a schedule, a webhook, a training pipeline) may not.
    return Selection(
        model,
        inputs.environment or _field(payload, "environment"),
        inputs.version,
        pinned=trigger(inputs, event) == "person" and inputs.version is not None,
        origin="input",
        group=inputs.group or _field(payload, "group"),
    )


def _field(payload: Mapping[str, Any], name: str) -> str | None:
    value = payload.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise UserError(f"repository_dispatch event: client_payload.{name} must be a string")
    return str(value)


def _evaluate(ctx: Context, sel: Selection, io: ActionsIO) -> list[Result]:
    # The reads for every unit overlap (see ``pipeline.reads.warm``): one section for them.
    with io.group("Read the registry and the repository, and decide"):
        return pipeline.evaluate(ctx, sel)


def _publish(ctx: Context, results: list[Result], io: ActionsIO, dry_run: bool) -> list[Result]:
    """One job-log section per model/environment: what was published and how it ended."""
    out = []
    for result in results:
        with io.group(_label(result)):
            done = result if dry_run else pipeline.apply(ctx, [result])[0]
            link = f" {done.pr_url}" if done.pr_url else ""
            io.line(f"{mark(done.status)}: {detail(done)}{link}")
        out.append(done)
    return out


def _label(r: Result) -> str:
    return f"{r.model}/{r.environment}" + (f" [{r.cluster}]" if r.cluster else "")


def _run(ctx: Context, inputs: Inputs, event: Event, io: ActionsIO) -> Outcome:
    results = _evaluate(ctx, selection(ctx, inputs, event), io)
    results = _publish(ctx, results, io, inputs.dry_run)
    title = "Model promotion (dry run)" if inputs.dry_run else "Model promotion"
    return Outcome(title, results, exit_code=exit_code(results))


def _rollback(ctx: Context, inputs: Inputs, io: ActionsIO) -> Outcome:
    env = inputs.environment
    models = [m for m, e in ctx.config.pairs() if e == env and inputs.model in (None, m)]
    if env is None or len(models) != 1:
        raise UserError(
            "command rollback needs input environment (and model, if several run there)"
        )
    with io.group(f"Find the version to roll back to in {env}"):
        results = [rollback(ctx, models[0], env)]
    results = _publish(ctx, results, io, inputs.dry_run)
    return Outcome("Rollback", results, exit_code=exit_code(results))


def _record(ctx: Context, inputs: Inputs, event: Event) -> Outcome:
    """A push to the base branch: what the overlays declare now that they did not before."""
    if event.name != "push":
        push = record.last_commit(ctx)
    else:
        base = ctx.config.git.base_branch or _default_branch(event.payload)
        if event.payload.get("ref") != f"refs/heads/{base}":
            return Outcome("Record deployments", note=f"ignored: not a push to {base}")
        push = _push(event.payload)
    found, failed = record.deployments(ctx, push)
    if inputs.dry_run:
        return Outcome("Record deployments (dry run)", note=f"{len(found)} deployment(s) found")
    results = failed + record.record(ctx, found)
    return Outcome("Record deployments", results, exit_code=exit_code(results))


def _default_branch(payload: Mapping[str, Any]) -> str:
    repo = payload.get("repository")
    branch = repo.get("default_branch") if isinstance(repo, dict) else None
    if not isinstance(branch, str):
        raise UserError("push event payload: missing repository.default_branch")
    return branch


def _commits(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    commits = payload.get("commits")
    if not isinstance(commits, list) or not all(
        isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("message"), str)
        for c in commits
    ):
        raise UserError("push event payload: commits must be a list of {id, message}")
    return commits


_SHA = re.compile(r"[0-9a-f]{40}")
# GitHub lists at most this many commits in a push payload; with as many, the list may be cut
# short, so the changed paths are not trusted and every environment is read.
_LISTED = 20


def _push(payload: Mapping[str, Any]) -> Push:
    commits = _commits(payload)
    after, before = payload.get("after"), payload.get("before")
    if not isinstance(after, str) or not _SHA.fullmatch(after):
        raise UserError("push event payload: after must be a commit SHA")
    if before is not None and (not isinstance(before, str) or not _SHA.fullmatch(before)):
        raise UserError("push event payload: before must be a commit SHA")
    touched: frozenset[str] | None = None
    if 0 < len(commits) < _LISTED:
        paths = [
            path
            for c in commits
            for key in ("added", "modified", "removed")
            for path in (c.get(key) or [])
            if isinstance(path, str)
        ]
        if all("modified" in c for c in commits):
            touched = frozenset(paths)
    # A new branch's push has no "before" (GitHub sends forty zeros): then every version its
    # overlays declare counts as new, which records nothing twice.
    known = before is not None and set(before) != {"0"}
    return Push(after, before if known else None, touched)
