"""``KEY=value`` lines of the env files a ``configMapGenerator`` reads (``envs:``).

The syntax is kustomize's own, not a shell's: one pair per line, split at the first ``=``;
leading blanks, a BOM and a line's trailing CR are ignored; lines starting with ``#`` are
comments; quotes are not removed (``A="1"`` gives the value ``"1"``), nor is ``export``
understood. Only the characters of the one value change: comments, blank lines, CRLF and
a missing final newline stay as written.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from bot.errors import OverlayError, TargetNotFound
from bot.overlays._locators import EnvFileKey
from bot.overlays._splice import LINE_BREAKS, Splice, Spot
from bot.overlays._yaml import compose, get, is_null, kind_of, one_root_with, seq_items, str_of

# Go's unicode.IsSpace, which kustomize trims from the start of each line.
_LEADING_SPACE = re.compile(
    r"[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"
)


@dataclass(frozen=True)
class _Pair:
    line: int  # 1-based
    key: str
    start: int  # offset of the value's first character (or where `=value` goes)
    end: int  # offset past the value, before the line break
    has_equals: bool


def describe(loc: EnvFileKey) -> str:
    return f"envs[{loc.key}]"


def locate(text: str, loc: EnvFileKey) -> Spot:
    pairs = _pairs(text)
    hits = [pair for pair in pairs if pair.key == loc.key]
    if not hits:
        found = ", ".join(dict.fromkeys(pair.key for pair in pairs)) or "none"
        raise TargetNotFound(f"the env file has no {loc.key}=... line (found: {found})")
    if len(hits) > 1:
        lines = ", ".join(str(pair.line) for pair in hits)
        raise OverlayError(
            f"the env file sets {loc.key} {len(hits)} times (lines {lines}); keep one"
        )
    pair = hits[0]

    def apply(value: str) -> str:
        if any(char in LINE_BREAKS for char in value):
            raise OverlayError(
                f"cannot write {value!r} to {loc.key}: an env file value is one line, "
                "without line breaks"
            )
        new = value if pair.has_equals else "=" + value
        return Splice(pair.start, pair.end, new).into(text)

    return Spot(text[pair.start : pair.end], apply)


def read(text: str, loc: EnvFileKey) -> str:
    """The value as kustomize reads it (quotes and trailing blanks included)."""
    return locate(text, loc).current or ""


def write(text: str, loc: EnvFileKey, value: str) -> str:
    """``text`` with only the value of ``loc.key`` replaced; ``text`` itself when unchanged.

    The same contract as the package's ``write``, usable until the package's editor table
    lists this module.
    """
    spot = locate(text, loc)
    if spot.current == value:
        return text
    new_text = spot.apply(value)
    if read(new_text, loc) != value:  # e.g. a value that starts a new `KEY=` is impossible
        raise OverlayError(f"writing {value!r} to {loc.key} did not round-trip")
    return new_text


def _pairs(text: str) -> list[_Pair]:
    out: list[_Pair] = []
    pos = 0
    for number, line in enumerate(text.split("\n"), start=1):
        body = line[:-1] if line.endswith("\r") else line
        start = pos + (1 if number == 1 and body.startswith("\ufeff") else 0)
        blanks = _LEADING_SPACE.match(text, start, pos + len(body))
        start = blanks.end() if blanks else start
        content = text[start : pos + len(body)]
        if content and not content.startswith("#"):
            key, equals, _ = content.partition("=")
            value_start = start + len(key) + len(equals)
            out.append(_Pair(number, key, value_start, pos + len(body), bool(equals)))
        pos += len(line) + 1
    return out


def env_files(text: str, kustomization: str, generator: str | None = None) -> list[str]:
    """The env files the ``configMapGenerator`` entries of a kustomization read (``envs:``
    and the older ``env:``), as repository paths resolved from ``kustomization`` (the
    kustomization file's own repository path); only the generator named ``generator``
    when given. A path that leaves the repository is refused.
    """
    root = one_root_with(compose(text), "configMapGenerator")
    if root is None or is_null(root[2]):
        return []
    if not isinstance(root[2], SequenceNode):
        raise OverlayError(f"configMapGenerator is {kind_of(root[2])}, not a list")
    folder = posixpath.dirname(kustomization)
    out: list[str] = []
    for index, gen in enumerate(seq_items(root[2], "configMapGenerator")):
        where = f"configMapGenerator[{index}]"
        if not isinstance(gen, MappingNode):
            raise OverlayError(f"{where} is {kind_of(gen)}, not a mapping")
        name = str_of(gen, "name", where)
        if generator is not None and name != generator:
            continue
        label = repr(name) if name is not None else where
        for path in declared(gen, where, label):
            out.append(_resolve(folder, path, label))
    return list(dict.fromkeys(out))


def declared(gen: MappingNode, where: str, label: str) -> list[str]:
    """The env files one generator entry declares, as written (``label`` names it)."""
    paths: list[str] = []
    for field in ("envs", "env"):
        hit = get(gen, field, where)
        if hit is None or is_null(hit[1]):
            continue
        node = hit[1]
        items = seq_items(node, f"{where}.{field}") if isinstance(node, SequenceNode) else [node]
        for item in items:
            if not isinstance(item, ScalarNode) or not str(item.value).strip():
                raise OverlayError(f"configMapGenerator {label}: {field} must list file paths")
            paths.append(str(item.value))
    return paths


def _resolve(folder: str, path: str, label: str) -> str:
    joined = posixpath.normpath(posixpath.join(folder, path))
    if posixpath.isabs(path) or joined == ".." or joined.startswith("../"):
        raise OverlayError(
            f"configMapGenerator {label}: env file {path!r} is outside the repository; "
            "keep env files next to the kustomization"
        )
    return joined
