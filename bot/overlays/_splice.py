"""Rendering a value as a YAML scalar and splicing it into the original text.

The editors never re-dump a document: they replace the characters of one scalar (or insert
one ``key: value``), so comments, order, indentation, line endings and BOMs stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from bot.errors import OverlayError
from bot.overlays import _shared
from bot.overlays._yaml import kind_of, scalar_value

STR_TAG = "tag:yaml.org,2002:str"

# Everything YAML 1.1 treats as a line break; a rendered scalar must contain none of them.
LINE_BREAKS = "\n\r\x85\u2028\u2029"

# Kubernetes tooling reads YAML 1.1 (go-yaml v2: `yes`, `on`, `012`), ruamel defaults
# to 1.2: a plain scalar must be a string under both.
_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))

# Deliberately narrow: plain is kept only for boring values (tags, versions, paths).
# In flow context `:` is left out because older libyaml-based parsers reject `a:b` there.
# Quotes are fine after the first character (KEY="v" literals stay plain).
_PLAIN_BLOCK = re.compile(r"[A-Za-z0-9_./+-][A-Za-z0-9_./+@~=:'\" -]*")
_PLAIN_FLOW = re.compile(r"[A-Za-z0-9_./+-][A-Za-z0-9_./+@~='\" -]*")

# Shapes some YAML parser somewhere reads as a number, bool, null or date; ruamel's
# resolvers catch most, this catches the rest (e.g. go-yaml's `y`, `1_000`, `0b1`).
_TYPED = re.compile(
    r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?0[xXoObB][0-9a-fA-F_]+"
    r"|[-+]?[0-9][0-9_]*(?::[0-9_]+)+(?:\.[0-9_]*)?"
    r"|[-+]?\.(?:inf|nan)"
    r"|y|n|yes|no|true|false|on|off|null|~",
    re.IGNORECASE,
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


@dataclass(frozen=True)
class Spot:
    """A located target: its current value and how to produce the edited text.

    ``shared`` lists every key path a write changes when the scalar is shared through an
    anchor or merge key (and the locator allows that); it is empty otherwise.
    """

    current: str | None
    apply: Callable[[str], str]
    shared: tuple[str, ...] = ()


@dataclass(frozen=True)
class Splice:
    """Replace ``text[start:end]`` with ``new``."""

    start: int
    end: int
    new: str

    def into(self, text: str) -> str:
        return text[: self.start] + self.new + text[self.end :]


def printable(char: str) -> bool:
    """YAML's printable set, minus the characters that some parsers treat as breaks or BOM."""
    code = ord(char)
    if char in "\u2028\u2029\ufeff":
        return False
    return (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def double_quoted(value: str) -> str:
    """A double-quoted scalar that loads back as exactly ``value``, on one line."""
    out: list[str] = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif printable(char):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def single_quoted_ok(value: str) -> bool:
    # A line break inside single quotes folds to a space, so such values go double-quoted.
    return all(printable(char) for char in value)


def plain_ok(value: str, *, flow: bool) -> bool:
    """Whether ``value`` can be written unquoted and still load as exactly this string."""
    pattern = _PLAIN_FLOW if flow else _PLAIN_BLOCK
    if not pattern.fullmatch(value) or value[-1] in " :" or ": " in value:
        return False
    if value.startswith("-") and (len(value) == 1 or value[1] == " "):
        return False
    if _TYPED.fullmatch(value) or _DATE.match(value):
        return False
    if any(r.resolve(ScalarNode, value, (True, False)) != STR_TAG for r in _RESOLVERS):
        return False
    return _loads_back_plain(value, flow)


def _loads_back_plain(value: str, flow: bool) -> bool:
    # The final word: put it where it will live (block or flow) and parse it.
    doc = f"{{k: {value}}}\n" if flow else f"k: {value}\n"
    try:
        nodes = list(YAML(typ="rt").compose_all(doc))
    except YAMLError:
        return False
    if len(nodes) != 1 or not isinstance(nodes[0], MappingNode) or len(nodes[0].value) != 1:
        return False
    node = nodes[0].value[0][1]
    return (
        isinstance(node, ScalarNode)
        and node.style is None
        and node.tag == STR_TAG
        and node.value == value
    )


def render(value: str, style: str | None, *, flow: bool) -> str:
    """``value`` as a one-line scalar, keeping ``style`` when that is safe.

    Plain stays plain and single-quoted stays single-quoted only when the value survives
    that style unchanged; anything else becomes double-quoted, which can hold any string.
    """
    if style == "'" and single_quoted_ok(value):
        out = "'" + value.replace("'", "''") + "'"
    elif style is None and plain_ok(value, flow=flow):
        out = value
    else:
        out = double_quoted(value)
    if any(char in LINE_BREAKS for char in out):  # defensive: would let a value add lines
        raise OverlayError(f"internal error: rendered value {value!r} spans lines")
    return out


def scalar_splice(
    text: str, node: ScalarNode, key: Node | None, value: str, *, flow: bool
) -> Splice:
    """The splice making ``node`` (a value after ``key``, or a list item) hold ``value``."""
    if node.style in ("|", ">"):
        raise OverlayError(
            f"the value is a block scalar ({node.style}); only one-line scalars are edited, "
            "so rewrite it as a quoted string"
        )
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    if node.style is None and node.value == "" and start >= end:
        return _fill_empty(text, key, value, flow=flow)
    pos = _skip_properties(text, start, end)
    if pos >= end:
        raise OverlayError(
            f"the value on line {int(node.start_mark.line) + 1} has a tag or anchor but no "
            "content; give it a value first"
        )
    quote = node.style if node.style in ("'", '"') else None
    found = pos < end and (quote is None or (text[pos] == quote and text[end - 1] == quote))
    if not found or (quote is None and text[pos] in "'\"&!"):
        raise OverlayError(f"cannot locate the scalar on line {int(node.start_mark.line) + 1}")
    return Splice(pos, end, render(value, node.style, flow=flow))


def _fill_empty(text: str, key: Node | None, value: str, *, flow: bool) -> Splice:
    # An empty value (`newTag:`) has no characters; its marks point at the next token,
    # possibly on another line, so the value goes right after the key's colon instead.
    if key is None:
        raise OverlayError("the list item is empty; give it a value first")
    pos = int(key.end_mark.index)
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    if not text.startswith(":", pos):
        raise OverlayError(
            f"cannot find the ':' after the key on line {int(key.end_mark.line) + 1}"
        )
    return Splice(pos + 1, pos + 1, " " + render(value, None, flow=flow))


def _skip_properties(text: str, pos: int, end: int) -> int:
    # A node's start mark includes its anchor (&a) and tag (!t); keep those bytes.
    while pos < end and text[pos] in "&!":
        while pos < end and text[pos] not in " \t\r\n":
            pos += 1
        while pos < end and text[pos] in " \t\r\n#":
            if text[pos] == "#":  # a comment between the tag and the value
                while pos < end and text[pos] not in "\r\n":
                    pos += 1
            else:
                pos += 1
    return pos


def insert_key(
    text: str,
    mapping: MappingNode,
    after: tuple[Node, Node],
    key: str,
    value: str,
    *,
    flow: bool,
) -> str:
    """Add ``key: value`` to ``mapping`` right after the ``after`` (key, value) pair."""
    after_key, after_value = after
    pos = int(after_value.end_mark.index)
    if mapping.flow_style:
        return text[:pos] + f", {key}: {render(value, None, flow=True)}" + text[pos:]
    # Block style: a new line below, at the same indentation as the anchor key, ending
    # with the same line break the file uses there (CRLF stays CRLF).
    eol = pos
    while eol < len(text) and text[eol] not in "\r\n":
        eol += 1
    if text.startswith("\r\n", eol):
        newline = "\r\n"
    elif eol < len(text):
        newline = text[eol]
    else:
        newline = "\r\n" if "\r\n" in text else "\n"
    indent = " " * int(after_key.start_mark.column)
    line = f"{key}: {render(value, None, flow=flow)}"
    return text[:eol] + newline + indent + line + text[eol:]


def scalar_spot(
    text: str, key: Node | None, node: Node, *, flow: bool, what: str, aliases: str = "refuse"
) -> Spot:
    """A Spot for a scalar that exists (``what`` names it in messages).

    A scalar shared through an anchor or a merge key can be read; writing it is refused
    unless ``aliases`` is ``update`` (see ``_shared.guard``).
    """
    if not isinstance(node, ScalarNode):
        raise OverlayError(f"{what} is {kind_of(node)}, not a scalar")
    shared, refusal = _shared.assess(text, node, what, aliases)

    def apply(value: str) -> str:
        if refusal is not None:
            raise refusal
        return scalar_splice(text, node, key, value, flow=flow).into(text)

    return Spot(scalar_value(node), apply, shared)
