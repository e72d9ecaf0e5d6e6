"""``action.yml``: a Docker action whose every input and output is described and documented.

The action runs the published image (``docker://``); tests/workflows/test_release.py checks that
its tag is the package version and that the release workflow publishes that image.

The README documents each input and output in its "## Action inputs and outputs" section, in a
table row that starts with the name in backticks (``| `github-token` | ...``); docs/workflows.md
carries the same section.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
README = ROOT / "README.md"
WORKFLOWS_DOC = ROOT / "docs" / "workflows.md"
SECTION = "## Action inputs and outputs"
# The colors GitHub Marketplace accepts for branding.
COLORS = {"white", "black", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"}


def _action() -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


ACTION_DATA = _action()
INPUTS: dict[str, Any] = ACTION_DATA.get("inputs") or {}
OUTPUTS: dict[str, Any] = ACTION_DATA.get("outputs") or {}
NAMES = [("input", n) for n in INPUTS] + [("output", n) for n in OUTPUTS]


def _row(name: str) -> re.Pattern[str]:
    return re.compile(rf"^\|\s*`{re.escape(name)}`\s*\|", re.MULTILINE)


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same level."""
    start = text.find(heading + "\n")
    assert start >= 0, f"no {heading!r} heading"
    level = heading.split(" ", 1)[0]
    rest = text[start + len(heading) :]
    end = re.search(rf"^{level} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def test_action_identity_and_branding() -> None:
    assert ACTION_DATA.get("name")
    assert ACTION_DATA.get("description")
    branding = ACTION_DATA.get("branding") or {}
    assert branding.get("icon"), "branding.icon is missing"
    assert branding.get("color") in COLORS, f"branding.color must be one of {sorted(COLORS)}"


def test_runs_as_a_docker_action_from_the_published_image() -> None:
    """No job builds the Dockerfile: the runner pulls the image the release pushed."""
    runs = ACTION_DATA["runs"]
    assert runs["using"] == "docker"
    assert str(runs["image"]).startswith("docker://ghcr.io/"), runs["image"]
    # The Dockerfile stays: the release builds it, and CI runs `uses: ./` with it.
    assert (ROOT / "Dockerfile").is_file()


def test_the_interface_is_the_documented_one() -> None:
    assert {"command", "config", "model", "environment", "version", "github-token"} <= set(INPUTS)
    assert {"dry-run", "mlflow-tracking-uri"} <= set(INPUTS)
    assert {"pr-url", "pr-number", "promoted", "skipped"} <= set(OUTPUTS)
    # The names peter-evans/create-pull-request users already read.
    assert {"pull-request-operation", "pull-request-branch", "pull-request-head-sha"} <= set(
        OUTPUTS
    )
    assert INPUTS["command"].get("default") == "auto"


@pytest.mark.parametrize(("kind", "name"), NAMES, ids=[f"{k}:{n}" for k, n in NAMES])
def test_has_a_description(kind: str, name: str) -> None:
    spec = (INPUTS if kind == "input" else OUTPUTS)[name] or {}
    assert str(spec.get("description") or "").strip(), f"{kind} {name} has no description"


@pytest.mark.parametrize("name", list(INPUTS))
def test_inputs_are_optional_with_a_default(name: str) -> None:
    """Every input has a default, so a workflow passes only what it needs."""
    spec = INPUTS[name]
    assert spec.get("required") in (None, False), f"input {name} is required"
    assert "default" in spec, f"input {name} has no default"


@pytest.mark.parametrize(("kind", "name"), NAMES, ids=[f"{k}:{n}" for k, n in NAMES])
def test_documented_in_the_readme(kind: str, name: str) -> None:
    readme = README.read_text(encoding="utf-8")
    assert SECTION + "\n" in readme, (
        f"README.md has no {SECTION!r} section: copy it from docs/workflows.md"
    )
    assert _row(name).search(_section(readme, SECTION)), (
        f"README.md's {SECTION!r} section has no table row for the action {kind} `{name}`"
    )


@pytest.mark.parametrize(("kind", "name"), NAMES, ids=[f"{k}:{n}" for k, n in NAMES])
def test_documented_in_docs_workflows(kind: str, name: str) -> None:
    section = _section(WORKFLOWS_DOC.read_text(encoding="utf-8"), SECTION)
    assert _row(name).search(section), f"docs/workflows.md: no row for the {kind} `{name}`"


def test_docs_cover_every_copy_ready_workflow() -> None:
    doc = WORKFLOWS_DOC.read_text(encoding="utf-8")
    for path in sorted((ROOT / "workflows").glob("*.yml")):
        assert f"## {path.name}" in doc, f"docs/workflows.md has no section for {path.name}"
