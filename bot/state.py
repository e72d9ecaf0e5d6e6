"""The promotion state file (``.github/promotion-state.yml`` by default): what the bot must
remember that the overlays cannot say, kept where people review it.

Today that is the rollback holds. A hold is one line of a block sequence, so the bot adds or
removes exactly that line and every other byte of the file stays as people wrote it; a hand
edit that reformats an entry still parses. Merge commits, squashes, rebases, hand edits of
the overlays and later commits all keep it, which commit messages cannot promise.

    holds:
    - {model: fraud-detector, environment: prod, version: '6'}

Pure: text in, text out. The file is untrusted like any other input: a bad entry is a
one-line error naming the file and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.errors import UserError
from bot.untrusted import VERSION, show

DEFAULT_PATH = ".github/promotion-state.yml"
HEADER = (
    "# Promotion state, kept by model-promotion-bot and reviewed in its pull requests.\n"
    "# holds: set by /rollback. Automation does not promote the held version (or an older\n"
    "# one) to that environment again; `/promote <env> <version>` or `/unhold <env>` lifts it.\n"
)


@dataclass(frozen=True)
class Hold:
    model: str
    environment: str
    version: str

    def line(self, indent: str = "") -> str:
        # Names and versions match VERSION (no quotes, no spaces): single quotes are safe,
        # and keep a version like 1.10 a string.
        return (
            f"{indent}- {{model: {self.model}, environment: {self.environment}, "
            f"version: '{self.version}'}}\n"
        )


def holds(text: str | None, source: str) -> list[Hold]:
    """Every hold the file declares (none when the file does not exist)."""
    return [hold for hold, _ in _entries(text, source)]


def held(text: str | None, source: str, model: str, environment: str) -> str | None:
    found = [
        h.version for h in holds(text, source) if (h.model, h.environment) == (model, environment)
    ]
    return found[-1] if found else None


def with_hold(text: str | None, source: str, hold: Hold) -> str:
    """The file with ``hold`` for its model and environment (replacing one there was)."""
    base = without_hold(text, source, hold.model, hold.environment) or ""
    return _append(base, source, hold)


def without_hold(text: str | None, source: str, model: str, environment: str) -> str | None:
    """The file without the hold of ``model`` in ``environment``; unchanged when it has none."""
    if text is None:
        return None
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()
    for hold, (first, last) in _entries(text, source):
        if (hold.model, hold.environment) == (model, environment):
            drop.update(range(first, last + 1))
    return "".join(line for i, line in enumerate(lines) if i not in drop)


def _append(text: str, source: str, hold: Hold) -> str:
    data = _load(text, source)
    lines = text.splitlines(keepends=True)
    seq = data.get("holds") if isinstance(data, dict) else None
    if not text.strip():
        return HEADER + "holds:\n" + hold.line()
    if not isinstance(data, dict) or "holds" not in data:
        return _insert(lines, len(lines), "holds:\n" + hold.line())
    key_line: int = getattr(data, "lc").key("holds")[0]  # noqa: B009 (ruamel's line info)
    if not seq:
        # `holds:` with nothing, or `holds: []`: the key line becomes a block sequence.
        indent = _indent(lines[key_line])
        ending = "\n" if lines[key_line].endswith("\n") else ""
        lines[key_line] = f"{indent}holds:\n"
        return _insert(lines, key_line + 1, hold.line(indent).rstrip("\n") + ending)
    ranges = [span for _, span in _entries(text, source)]
    if not ranges:
        raise UserError(f"{source}: holds: write it as a block list (`- {{...}}` lines)")
    last = ranges[-1][1]
    indent = _indent(lines[ranges[-1][0]])
    return _insert(lines, last + 1, hold.line(indent))


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" "))]


def _insert(lines: list[str], at: int, text: str) -> str:
    """``lines`` with ``text`` inserted before line ``at``; a file without a final newline
    keeps none, unless the text goes after its last line."""
    newline = "\r\n" if any(line.endswith("\r\n") for line in lines) else "\n"
    if at == len(lines) and lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
        text = text.rstrip("\n")
    return "".join([*lines[:at], text.replace("\n", newline), *lines[at:]])


def _entries(text: str | None, source: str) -> list[tuple[Hold, tuple[int, int]]]:
    """Each hold with the 0-based first and last line of its entry."""
    if text is None or not text.strip():
        return []
    data = _load(text, source)
    if data is None:
        return []
    if not isinstance(data, dict):
        raise UserError(f"{source}: the state file must be a mapping with `holds:`")
    seq = data.get("holds")
    if seq is None:
        return []
    if not isinstance(seq, list):
        raise UserError(f"{source}: holds: must be a list of {{model, environment, version}}")
    lines = text.splitlines()
    starts = [seq.lc.item(i)[0] for i in range(len(seq))] if hasattr(seq, "lc") else []
    found = []
    for index, item in enumerate(seq):
        hold = _hold(item, source, index)
        first = starts[index] if starts else 0
        dash = len(lines[first]) - len(lines[first].lstrip(" "))
        found.append((hold, (first, _last_line(lines, first, dash))))
    return found


def _last_line(lines: list[str], first: int, dash_col: int) -> int:
    """The last line of a sequence entry that starts on ``first``: continuation lines are
    indented past its dash (blank and comment lines between entries are left alone)."""
    last = first
    for i in range(first + 1, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(lines[i]) - len(lines[i].lstrip(" ")) <= dash_col:
            break
        last = i
    return last


def _hold(item: Any, source: str, index: int) -> Hold:
    where = f"{source}: holds[{index}]"
    if not isinstance(item, dict):
        raise UserError(f"{where}: must be {{model, environment, version}}")
    values = {}
    for key in ("model", "environment", "version"):
        value = item.get(key)
        if value is None or not VERSION.fullmatch(str(value)):
            raise UserError(f"{where}.{key}: missing or invalid ({show(value)}); fix or remove it")
        values[key] = str(value)
    return Hold(values["model"], values["environment"], values["version"])


def _load(text: str, source: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="rt").load(text)
    except YAMLError as err:
        raise UserError(f"{source}: invalid YAML: {str(err).splitlines()[0]}") from None
