"""Parsing overlay text into ruamel node trees, and walking them with clear errors.

Only the composer is used: nodes carry start/end marks (character offsets into the text),
which is what lets the editors splice bytes instead of re-dumping documents.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scanner import ScannerError

from bot.errors import OverlayError

NULL_TAG = "tag:yaml.org,2002:null"
MERGE_TAG = "tag:yaml.org,2002:merge"

# Blanks then a comment or the end of the line: where a tab is only a separator.
_COMMENT_OR_EOL = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r\n|[\r\n]|$)")
_TAB_PROBLEM = "found character '\\t' that cannot start any token"

# Maps an offset in the parsed text to a (line, column) pair, both 1-based, in the file.
Where = Callable[[int], tuple[int, int]]


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


@functools.lru_cache(maxsize=32)
def _compose_all(text: str) -> tuple[Node, ...]:
    # A promotion reads, edits and re-checks the same few files several times; node trees
    # are only read (marks and values), never changed, so one parse per text is enough.
    parsed = text
    while True:
        try:
            return tuple(YAML(typ="rt").compose_all(parsed))
        except ScannerError as err:
            blanked = _blank_separator_tab(parsed, err)
            if blanked is None:
                raise
            parsed = blanked


def _blank_separator_tab(text: str, err: ScannerError) -> str | None:
    """``text`` with the tab the scanner stopped at turned into a space, when that tab only
    separates a value from a comment or the end of the line (``newTag: '1.0'<TAB># c``).

    YAML and kustomize accept such a tab; ruamel refuses it. The scanner stops only between
    tokens, never inside a scalar, and a space has the same length, so every offset still
    points into the original text, which is the one edited: the output keeps the tab.
    """
    mark = err.problem_mark
    if mark is None or _TAB_PROBLEM not in str(err.problem):
        return None
    index = int(mark.index)
    if text[index : index + 1] != "\t" or not _COMMENT_OR_EOL.match(text, index):
        return None
    return text[:index] + " " + text[index + 1 :]


def compose(text: str, where: Where | None = None, what: str = "invalid YAML") -> list[Node]:
    """All documents of ``text`` as node trees (an empty document is a null scalar)."""
    try:
        return list(_compose_all(text))
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = " ".join(str(err.problem or err.context or "syntax error").split())
        if mark is None:
            raise OverlayError(f"{what}: {problem}") from None
        line, col = where(mark.index) if where else (mark.line + 1, mark.column + 1)
        raise OverlayError(f"{what} at line {line}, column {col}: {problem}") from None
    except YAMLError as err:
        # ReaderError (a control character) carries an offset instead of a mark.
        position = getattr(err, "position", None)
        reason = getattr(err, "reason", None) or "unreadable text"
        char = getattr(err, "character", None)
        detail = f"character #x{char:04x}: {reason}" if isinstance(char, int) else str(reason)
        if isinstance(position, int):
            line, col = where(position) if where else line_col(text, position)
            raise OverlayError(f"{what} at line {line}, column {col}: {detail}") from None
        raise OverlayError(f"{what}: {' '.join(str(err).split())}") from None


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style is None and node.tag == NULL_TAG


def scalar_value(node: ScalarNode) -> str | None:
    """The scalar's string as written (``1.10`` stays ``1.10``); None for a null."""
    return None if is_null(node) else str(node.value)


def kind_of(node: Node) -> str:
    """What a node is, for messages: 'a list', 'a mapping', "the scalar '3.1'", 'null'."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if is_null(node):
        return "null"
    value = str(node.value)
    shown = value if len(value) <= 40 else value[:37] + "..."
    return f"the scalar {shown!r}"


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


def is_alias_of_earlier(node: Node, after: int) -> bool:
    """True when ``node`` was reached through an alias (``*name``).

    The composer hands out the anchored node itself, whose marks point at the anchor,
    which always comes before the alias; a child that starts before its key (or before
    the previous list item) is therefore an alias. Editing it would change the anchor.
    """
    return int(node.start_mark.index) < after


def get(node: MappingNode, key: str, where: str) -> tuple[ScalarNode, Node] | None:
    """The (key node, value node) of ``key``, None when absent, for a value to edit or
    descend into: an aliased value (``key: *anchor``) is refused, as editing it would
    change the anchor and every other alias of it.
    """
    hit = _find(node, key, where)
    if hit is not None and is_alias_of_earlier(hit[1], int(hit[0].end_mark.index)):
        raise OverlayError(
            f"the value of {key!r} in {where} is an alias of an anchor on line "
            f"{line_of(hit[1])}; edit the anchored value instead"
        )
    return hit


def lookup(node: MappingNode, key: str, where: str) -> tuple[ScalarNode, Node] | None:
    """Like :func:`get`, for a value only passed through: an alias is fine there."""
    return _find(node, key, where)


def _find(
    node: MappingNode, key: str, where: str, seen: frozenset[int] = frozenset()
) -> tuple[ScalarNode, Node] | None:
    # Duplicate keys are an error rather than a silent pick: loaders disagree on the winner.
    found = [
        (k, v)
        for k, v in node.value
        if isinstance(k, ScalarNode) and k.tag != MERGE_TAG and str(k.value) == key
    ]
    if len(found) > 1:
        lines = ", ".join(str(line_of(k)) for k, _ in found)
        raise OverlayError(f"{where} has the key {key!r} {len(found)} times (lines {lines})")
    if found:
        return found[0]
    # Keys of the merged mappings (`<<: *base`, or `<<: [*a, *b]` where the first wins)
    # count when the mapping does not set them itself. Whether writing there is allowed
    # is decided where the edit is made: the scalar belongs to the shared base.
    for source in merge_sources(node):
        if id(source) not in seen:
            hit = _find(source, key, where, seen | {id(node)})
            if hit is not None:
                return hit
    return None


def merge_sources(node: MappingNode) -> list[MappingNode]:
    """The mappings that ``node`` merges with ``<<``, in order of precedence."""
    out: list[MappingNode] = []
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.tag == MERGE_TAG:
            items = value.value if isinstance(value, SequenceNode) else [value]
            out += [item for item in items if isinstance(item, MappingNode)]
    return out


def str_of(node: MappingNode, key: str, where: str) -> str | None:
    """A scalar child's string (aliases allowed: it is only read), or None when the key
    is absent, null or not a scalar."""
    hit = _find(node, key, where)
    if hit is None or not isinstance(hit[1], ScalarNode):
        return None
    return scalar_value(hit[1])


def seq_items(node: SequenceNode, where: str, *, through: bool = False) -> list[Node]:
    """The items of a list, refusing items that are aliases (see ``is_alias_of_earlier``)
    unless the caller only passes ``through`` them."""
    if through:
        return list(node.value)
    out: list[Node] = []
    previous_end = int(node.start_mark.index)
    for index, item in enumerate(node.value):
        if is_alias_of_earlier(item, previous_end):
            raise OverlayError(
                f"{where}[{index}] is an alias of an anchor on line {line_of(item)}; "
                "edit the anchored value instead"
            )
        previous_end = int(item.end_mark.index)
        out.append(item)
    return out


def roots_with(docs: list[Node], key: str) -> list[tuple[int, MappingNode, ScalarNode, Node]]:
    """Documents whose root mapping has ``key``: (document index, root, key node, value)."""
    out: list[tuple[int, MappingNode, ScalarNode, Node]] = []
    for index, doc in enumerate(docs):
        if isinstance(doc, MappingNode):
            hit = get(doc, key, "the document")
            if hit is not None:
                out.append((index, doc, hit[0], hit[1]))
    return out


def one_root_with(docs: list[Node], key: str) -> tuple[MappingNode, ScalarNode, Node] | None:
    """The single document with a top-level ``key`` (a kustomization has one document)."""
    found = roots_with(docs, key)
    if len(found) > 1:
        numbers = ", ".join(str(index) for index, *_ in found)
        raise OverlayError(f"several documents ({numbers}) have a top-level {key!r} key")
    return (found[0][1], found[0][2], found[0][3]) if found else None
