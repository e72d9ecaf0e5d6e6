"""The corpus: real-shaped GitOps repositories, ``corpus/<case>/``.

Each case holds ``input/`` (a small repository: kustomizations with their bases, env files,
manifests or Helm values), ``expected/`` (every edited file after all edits) and
``case.json``:

- ``edits``: in order, each a target as in the promotion config (``kind`` and its fields,
  ``file`` relative to ``input/``), the ``value`` to write, and ``diff``: the 1-based lines
  this edit removes (``-``) from the file and adds (``+``), nothing else;
- ``render``: how ``kubectl kustomize`` builds the case (a folder with a kustomization, or
  a list of manifests to build as resources), or null for Helm values;
- ``rendered``: for rendered cases, every leaf that differs between the builds before and
  after the edits, as ``[Kind/name, key path, before, after]``;
- ``values``: for Helm values, every leaf that differs in the loaded values (merge keys
  and aliases resolved), as ``[key path, before, after]``.

Files are read as bytes and decoded without newline translation, so CRLF, a BOM and a
missing final newline reach the editors exactly as they are on disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import overlays
from bot.overlays import envfile
from bot.overlays._locators import EnvFileKey
from tests.overlays.golden_cases import locator_of

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Edit:
    file: str
    target: dict[str, Any]  # kind and fields, as in the config
    value: str
    removed: list[int]
    added: list[int]


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    root: Path
    render: str | list[str] | None
    edits: list[Edit]
    rendered: list[list[str]]
    values: list[list[str]]

    @property
    def input(self) -> Path:
        return self.root / "input"

    def text(self, file: str) -> str:
        return read_text(self.input / file)

    def expected(self, file: str) -> str:
        return read_text(self.root / "expected" / file)

    def edited_files(self) -> list[str]:
        return list(dict.fromkeys(edit.file for edit in self.edits))


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def names() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if (p / "case.json").exists())


def load(name: str) -> Case:
    root = CORPUS / name
    data = json.loads(read_text(root / "case.json"))
    edits = [
        Edit(
            file=raw["file"],
            target={k: v for k, v in raw.items() if k not in ("file", "value", "diff")},
            value=raw["value"],
            removed=raw["diff"]["-"],
            added=raw["diff"]["+"],
        )
        for raw in data["edits"]
    ]
    return Case(
        name=name,
        description=data["description"],
        root=root,
        render=data.get("render"),
        edits=edits,
        rendered=data.get("rendered", []),
        values=data.get("values", []),
    )


def read(text: str, target: dict[str, Any]) -> str | None:
    """The target's value: the package's editors, or the env file editor for ``env-file``."""
    if target["kind"] == "env-file":
        return envfile.read(text, EnvFileKey(target["key"]))
    return overlays.read(text, locator_of(target))


def write(text: str, target: dict[str, Any], value: str) -> str:
    if target["kind"] == "env-file":
        return envfile.write(text, EnvFileKey(target["key"]), value)
    return overlays.write(text, locator_of(target), value)


def apply(case: Case) -> list[tuple[Edit, str, str]]:
    """Every edit in order, as (edit, text before, text after); a file's edits chain."""
    texts: dict[str, str] = {}
    out: list[tuple[Edit, str, str]] = []
    for edit in case.edits:
        before = texts.get(edit.file) or case.text(edit.file)
        after = write(before, edit.target, edit.value)
        texts[edit.file] = after
        out.append((edit, before, after))
    return out
