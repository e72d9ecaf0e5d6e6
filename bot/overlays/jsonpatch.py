"""The ``value`` of one op of an inline JSON 6902 patch in a kustomization.yaml.

The patch is a YAML (or JSON) list held in a string, usually a literal block::

    patches:
      - target: {kind: ConfigMap, name: model-config}
        patch: |-
          - op: replace
            path: /data/model_version
            value: "3.1"

The string is parsed on its own; to splice into the file, each character of the string is
mapped back to its offset in the file, which is exact for literal blocks (``|``).
One-line quoted strings (``patch: '[{"op": ...}]'``) map too once their escapes are decoded;
other styles (plain, folded, multi-line quoted) can be read but not written.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import OverlayError, TargetNotFound
from bot.overlays._locators import JsonPatchValue
from bot.overlays._splice import LINE_BREAKS, Spot, double_quoted, scalar_splice
from bot.overlays._yaml import (
    Where,
    compose,
    get,
    is_null,
    kind_of,
    line_col,
    one_root_with,
    scalar_value,
    seq_items,
    str_of,
)

_FIELDS = ("patches", "patchesJson6902")
# YAML's double-quoted escapes (the \x, \u and \U forms are handled in _unescape).
_ESCAPED = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_STYLE_NAMES = {None: "a plain", "'": "a single-quoted", '"': "a double-quoted", ">": "a folded"}


@dataclass(frozen=True)
class _Inner:
    """The patch text, and for each of its characters the offset in the file (plus the end)."""

    text: str
    offsets: tuple[int, ...] | None  # None: the patch cannot be edited in place
    why: str  # when offsets is None: what kind of scalar the patch is
    quote: str | None = None  # the outer quote style, which spliced pieces must be escaped for


@dataclass(frozen=True)
class _Op:
    where: str  # e.g. "patches[0]"
    target: str | None
    inner: _Inner
    flow: bool
    value: tuple[ScalarNode, Node] | None  # the op's `value` key and node

    def label(self) -> str:
        return f"target {self.target} in {self.where}" if self.target else self.where


def describe(loc: JsonPatchValue) -> str:
    target = f"target={loc.target_name}," if loc.target_name is not None else ""
    return f"patch[{target}path={loc.op_path}].value"


def locate(text: str, loc: JsonPatchValue) -> Spot:
    ops = _ops(text, loc.op_path)
    if loc.target_name is not None:
        mine = [op for op in ops if op.target == loc.target_name]
        if not mine:
            others = ", ".join(op.label() for op in ops)
            hint = f" (ops with that path: {others})" if others else ""
            raise TargetNotFound(
                f"no inline patch with target name {loc.target_name!r} has an op with path "
                f"{loc.op_path}{hint}"
            )
        ops = mine
    if not ops:
        raise TargetNotFound(f"no inline JSON 6902 patch has an op with path {loc.op_path}")
    if len(ops) > 1:
        labels = ", ".join(op.label() for op in ops)
        distinct = len({(op.where, op.target) for op in ops}) == len(ops)
        fix = "set target to pick one" if distinct and loc.target_name is None else "keep one"
        raise OverlayError(f"{len(ops)} patch ops have path {loc.op_path} ({labels}); {fix}")

    op = ops[0]
    if op.value is None:
        raise TargetNotFound(f"the op with path {loc.op_path} in {op.where} has no value")
    key, node = op.value
    if not isinstance(node, ScalarNode):
        raise OverlayError(
            f"the value of the op with path {loc.op_path} in {op.where} is {kind_of(node)}, "
            "not a scalar"
        )

    def apply(value: str) -> str:
        offsets = op.inner.offsets
        if offsets is None:
            raise OverlayError(
                f"{op.where}.patch is {op.inner.why} scalar; only literal block (patch: |) "
                "and one-line quoted patches can be edited in place"
            )
        splice = scalar_splice(op.inner.text, node, key, value, flow=op.flow)
        new = _requote(splice.new, op.inner.quote)
        return text[: offsets[splice.start]] + new + text[offsets[splice.end] :]

    return Spot(scalar_value(node), apply)


def _ops(text: str, op_path: str) -> list[_Op]:
    """Every op with ``op_path`` in every inline patch of the kustomization."""
    docs = compose(text)
    out: list[_Op] = []
    for field in _FIELDS:
        root = one_root_with(docs, field)
        if root is None or is_null(root[2]):
            continue
        patches = root[2]
        if not isinstance(patches, SequenceNode):
            raise OverlayError(f"{field} is {kind_of(patches)}, not a list")
        for index, item in enumerate(seq_items(patches, field)):
            where = f"{field}[{index}]"
            if not isinstance(item, MappingNode):
                raise OverlayError(f"{where} is {kind_of(item)}, not a mapping")
            patch = get(item, "patch", where)
            if patch is None or not isinstance(patch[1], ScalarNode) or is_null(patch[1]):
                continue  # a patch in a separate file (`path:`) is not inline
            target = get(item, "target", where)
            name = None
            if target is not None and isinstance(target[1], MappingNode):
                name = str_of(target[1], "name", f"{where}.target")
            out.extend(_ops_in(text, where, name, patch[1], op_path))
    return out


def _ops_in(
    text: str, where: str, target: str | None, patch: ScalarNode, op_path: str
) -> list[_Op]:
    inner = _inner(text, patch)
    what = f"invalid YAML in {where}.patch"
    position = _in_file(text, inner.offsets) if inner.offsets is not None else None
    if position is None:
        what += " (line and column within the patch)"
    docs = compose(inner.text, position, what)
    if len(docs) != 1 or not isinstance(docs[0], SequenceNode):
        return []  # a strategic merge patch (a mapping), not a list of JSON 6902 ops
    out: list[_Op] = []
    for index, op in enumerate(seq_items(docs[0], f"{where}.patch")):
        here = f"{where}.patch[{index}]"
        if isinstance(op, MappingNode) and str_of(op, "path", here) == op_path:
            flow = bool(docs[0].flow_style or op.flow_style)
            out.append(_Op(where, target, inner, flow, get(op, "value", here)))
    return out


def _in_file(text: str, offsets: tuple[int, ...]) -> Where:
    """Point errors in the patch string at the file's line and column."""

    def position(index: int) -> tuple[int, int]:
        return line_col(text, offsets[min(index, len(offsets) - 1)])

    return position


def _inner(text: str, node: ScalarNode) -> _Inner:
    value = str(node.value)
    if node.style == "|":
        return _literal_block(text, node, value)
    if node.style in ("'", '"'):
        return _quoted_line(text, node, value)
    return _Inner(value, None, _STYLE_NAMES.get(node.style, "an unusual"))


def _literal_block(text: str, node: ScalarNode, value: str) -> _Inner:
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    header_end = text.find("\n", text.find("|", start), end)
    chars: list[str] = []
    offsets: list[int] = []
    indent: int | None = None
    pos = header_end + 1 if header_end != -1 else end
    while pos < end:
        newline = text.find("\n", pos, end)
        line_end = newline + 1 if newline != -1 else end
        body = text[pos:line_end].rstrip("\r\n")
        if indent is None and body.strip(" "):
            indent = len(body) - len(body.lstrip(" "))  # the first content line sets it
        if body.strip(" "):
            if indent is None or not body.startswith(" " * indent):
                return _Inner(value, None, "an unevenly indented block")
            skip = indent
        else:
            skip = min(len(body), indent if indent is not None else len(body))
        chars.extend(text[pos + skip : line_end])
        offsets.extend(range(pos + skip, line_end))
        pos = line_end
    offsets.append(end)
    rebuilt = "".join(chars)
    # The rebuilt text must be exactly what YAML loads (up to line endings and chomping);
    # anything else (an explicit indentation indicator, say) is read-only.
    if rebuilt.replace("\r\n", "\n").rstrip("\n") != value.rstrip("\n"):
        return _Inner(value, None, "a block")
    return _Inner(rebuilt, tuple(offsets), "")


def _quoted_line(text: str, node: ScalarNode, value: str) -> _Inner:
    # One-line quoted patches ('[{"op": ...}]') map character by character once the
    # escapes ('' or backslash sequences) are decoded; multi-line ones fold, so stay read-only.
    quote = str(node.style)
    end = int(node.end_mark.index) - 1  # the closing quote
    pos = text.find(quote, int(node.start_mark.index), end) + 1
    if pos == 0 or any(char in LINE_BREAKS for char in text[pos:end]):
        return _Inner(value, None, f"a multi-line {_STYLE_NAMES[quote][2:]}")
    chars: list[str] = []
    offsets: list[int] = []
    while pos < end:
        if quote == "'" and text.startswith("''", pos):
            char, size = "'", 2
        elif quote == '"' and text[pos] == "\\":
            char, size = _unescape(text, pos)
        else:
            char, size = text[pos], 1
        chars.append(char)
        offsets.append(pos)
        pos += size
    offsets.append(end)
    decoded = "".join(chars)
    if decoded != value:
        return _Inner(value, None, f"an unusually escaped {_STYLE_NAMES[quote][2:]}")
    return _Inner(decoded, tuple(offsets), "", quote)


def _unescape(text: str, pos: int) -> tuple[str, int]:
    """The character a double-quoted escape at ``pos`` stands for, and the escape's length."""
    code = text[pos + 1 : pos + 2]
    if code in _ESCAPED:
        return _ESCAPED[code], 2
    digits = {"x": 2, "u": 4, "U": 8}.get(code, 0)
    hex_part = text[pos + 2 : pos + 2 + digits]
    if digits and len(hex_part) == digits and all(c in string.hexdigits for c in hex_part):
        return chr(int(hex_part, 16)), 2 + digits
    return "\ufffd", 2  # unknown: the decoded text will not match and the patch stays read-only


def _requote(piece: str, quote: str | None) -> str:
    """Encode a spliced piece of the patch for the outer scalar it lives in."""
    if quote == "'":
        return piece.replace("'", "''")
    if quote == '"':
        return double_quoted(piece)[1:-1]
    return piece
