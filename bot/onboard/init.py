"""``promote init``: a commented draft config from what ``scan`` finds.

The draft is complete enough that ``promote validate`` accepts it as written (every target
points at a file and key that exist), and honest about what a scan cannot know: the name in
the registry and the validation rule are marked TODO. It is checked against the config
models before it is returned, so a draft never fails to load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import parse
from bot.config.schema import SCHEMA_URL
from bot.errors import ConfigError, UserError
from bot.onboard.scan import ENVIRONMENTS, Finding, scan


@dataclass(frozen=True)
class Draft:
    text: str
    summary: str


def draft_config(repo: Path) -> Draft:
    findings = scan(repo)
    if not findings:
        raise UserError(
            f"{repo}: no overlay or values file in an environment directory (overlays/<env>/, "
            "values-<env>.yaml...) holds a model version or an inference image; write "
            ".github/promotion.yml by hand (see docs/onboarding.md)"
        )
    models = _group(findings)
    text = render(models)
    try:
        parse(text, "draft")
    except ConfigError as err:  # a scanner bug, never the user's: say so plainly
        raise RuntimeError(f"promote init drafted an invalid config: {err}") from None
    envs = sorted({f.environment for f in findings}, key=_env_rank)
    files = len({f.file for f in findings})
    summary = (
        f"{len(models)} model(s), {len(envs)} environment(s) ({', '.join(envs)}), "
        f"{len(findings)} target(s) in {files} file(s)"
    )
    return Draft(text, summary)


def write(repo: Path, target: Path, force: bool) -> str:
    """Draft and write ``target``, all or nothing; an existing config only with ``force``."""
    if target.exists() and not force:
        raise UserError(f"{target}: a config exists already; pass --force to overwrite it")
    made = draft_config(repo)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(made.text, encoding="utf-8")
    partial.replace(target)  # a rename: never a half-written config
    return made.summary


def _group(findings: list[Finding]) -> dict[str, dict[str, list[Finding]]]:
    models: dict[str, dict[str, list[Finding]]] = {}
    for f in findings:
        models.setdefault(f.app, {}).setdefault(f.environment, []).append(f)
    return {
        app: dict(sorted(envs.items(), key=lambda item: _env_rank(item[0])))
        for app, envs in sorted(models.items())
    }


def _env_rank(env: str) -> tuple[int, str]:
    return (ENVIRONMENTS.index(env) if env in ENVIRONMENTS else len(ENVIRONMENTS), env)


def render(models: dict[str, dict[str, list[Finding]]]) -> str:
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        "# Drafted by `promote init` from the overlays and values files of this repository.",
        "# Review each TODO, then run `promote validate --online` (registry and token checks).",
        "version: 1",
        "",
        "registries:",
        "  mlflow:",
        "    type: mlflow",
        "    # tracking_uri: https://mlflow.example.com   # default: $MLFLOW_TRACKING_URI",
        "",
        "models:",
    ]
    for app, envs in models.items():
        lines += _model(app, envs)
    return "\n".join(lines) + "\n"


def _model(app: str, envs: dict[str, list[Finding]]) -> list[str]:
    sets_image = any(f.sets == "image" for fs in envs.values() for f in fs)
    lines = [
        f"  {_scalar(app)}:",
        f"    registered_model: {_scalar(app)}   # TODO: the model's name in the registry",
        "    validated:",
        "      tags: {validation_status: passed}   # TODO: the tag your validation sets",
    ]
    if sets_image:
        lines += [
            "    image:",
            "      tag_from: image_tag   # the version tag that holds the inference image tag",
        ]
    lines.append("    environments:")
    previous = None
    for env, found in envs.items():
        lines.append(f"      {_scalar(env)}:")
        if previous is not None:
            lines.append(f"        # from: {previous}   # promote only what {previous} runs")
        lines.append("        targets:")
        for f in found:
            lines.append(f"          # found {_comment(f.found)}")
            lines += _target(f.target)
        previous = env
    return lines


def _target(target: dict[str, Any]) -> list[str]:
    items = list(target.items())
    first_key, first = items[0]
    out = [f"          - {first_key}: {_scalar(first)}"]
    out += [f"            {key}: {_scalar(value)}" for key, value in items[1:]]
    return out


def _scalar(value: Any) -> str:
    # JSON strings are YAML double-quoted scalars: any name or template reads back as written.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text and all(c.isalnum() or c in "-_./" for c in text) and not text[0].isdigit():
        return text
    return json.dumps(text)


def _comment(text: str) -> str:
    return " ".join(text.split())[:100]
