"""Loading the golden cases: ``golden/<case>/{input.yaml, expected.yaml, edit.json}``.

``edit.json`` holds the target as in the promotion config (``kind`` plus its fields, e.g.
``{"kind": "kustomize-image", "image": "inference", "field": "newTag"}``), the ``value`` to
write, and ``diff``: the 1-based line numbers the edit removes from the input (``-``) and
adds to the output (``+``); nothing else may differ.

Files are read as bytes and decoded without newline translation, so CRLF, a BOM and a
missing final newline reach the editors exactly as they are on disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot import overlays

GOLDEN = Path(__file__).parent / "golden"


@dataclass(frozen=True)
class Case:
    name: str
    input: str
    expected: str
    locator: overlays.Locator
    value: str
    removed: list[int]  # 1-based input lines the edit changes
    added: list[int]  # 1-based expected lines the edit produces


def locator_of(edit: dict[str, Any]) -> overlays.Locator:
    """The locator an ``edit.json`` describes (same kinds and fields as the config)."""
    kind = edit["kind"]
    aliases = edit.get("aliases", "refuse")
    if kind == "kustomize-image":
        field = edit.get("field", "newTag")
        return overlays.KustomizeImage(
            edit["image"], field, edit.get("require_digest", False), aliases
        )
    if kind == "configmap":
        return overlays.ConfigMapData(edit["key"], edit.get("name"), aliases)
    if kind == "configmap-generator":
        return overlays.GeneratorLiteral(edit["key"], edit.get("generator"), aliases)
    if kind == "yaml":
        path = overlays.parse_path(edit["path"])
        return overlays.YamlPath(path, edit.get("document"), aliases)
    if kind == "json-patch":
        return overlays.JsonPatchValue(edit["op_path"], edit.get("target"))
    if kind == "container-image":
        loc = overlays.ContainerImage(edit["container"], name=edit.get("name"), aliases=aliases)
        if "kinds" in edit:
            loc = replace(loc, kinds=tuple(edit["kinds"]))
        return replace(loc, part=edit.get("part", "tag"))
    raise ValueError(f"unknown kind {kind!r}")


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def load(name: str) -> Case:
    folder = GOLDEN / name
    edit = json.loads(read_text(folder / "edit.json"))
    expected = folder / "expected.yaml"
    return Case(
        name=name,
        input=read_text(folder / "input.yaml"),
        expected=read_text(expected) if expected.exists() else "",
        locator=locator_of(edit),
        value=edit["value"],
        removed=edit["diff"]["-"],
        added=edit["diff"]["+"],
    )


def names() -> list[str]:
    return sorted(p.name for p in GOLDEN.iterdir() if (p / "edit.json").exists())
