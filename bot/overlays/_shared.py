"""Which key paths share one scalar through anchors (``&a`` / ``*a``) or merge keys (``<<``).

The composer hands out the anchored node itself wherever it is aliased, so a node reached
by several paths is shared: writing its characters changes the value at every one of them.
Editors call :func:`guard` before writing; it refuses, naming every path, unless the
target's ``aliases`` rule is ``update``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import OverlayError
from bot.overlays._paths import format_path
from bot.overlays._yaml import MERGE_TAG, compose, merge_sources

# A few aliases of aliases multiply paths ("billion laughs"); past this many nodes
# walked, the file is refused rather than walked for ever.
_MAX_VISITS = 200_000
_MAX_DEPTH = 200

Path = tuple[str | int, ...]
Found = tuple[Path, Node | None]


@dataclass(frozen=True)
class Sharing:
    paths: tuple[str, ...]  # every path that reaches the scalar, in document order
    anchor: str | None  # the anchor that makes it shared (on the scalar or an ancestor)
    line: int  # where that anchor is (1-based)


def sharing(text: str, target: Node) -> Sharing | None:
    """How ``target`` (a node of ``compose(text)``) is shared; None when only one path
    reaches it. Cheap for the common file without anchors."""
    if "&" not in text:
        return None
    docs = compose(text)
    walker = _Walker(target)
    for index, doc in enumerate(docs):
        for path, via in walker.walk(doc, ()):
            shown = format_path(path) if path else "the document"
            walker.found.append((f"{shown} (document {index})" if len(docs) > 1 else shown, via))
    if len(walker.found) < 2:
        return None
    anchored = next((via for _, via in walker.found[1:] if via is not None), None)
    anchor = getattr(anchored, "anchor", None) if anchored is not None else None
    line = int(anchored.start_mark.line) + 1 if anchored is not None else 0
    return Sharing(tuple(path for path, _ in walker.found), anchor, line)


def guard(text: str, target: Node, what: str, rule: str) -> tuple[str, ...]:
    """The paths sharing ``target`` (empty when none); raises unless ``rule`` is update."""
    shared = sharing(text, target)
    if shared is None:
        return ()
    if rule != "update":
        source = f"the anchor &{shared.anchor}" if shared.anchor else "an anchor"
        raise OverlayError(
            f"{what} is shared through {source} on line {shared.line} by "
            f"{len(shared.paths)} paths: {', '.join(shared.paths)}; writing it changes them "
            "all: set aliases: update to change every one, or give each its own value"
        )
    return shared.paths


def assess(
    text: str, target: Node, what: str, rule: str
) -> tuple[tuple[str, ...], OverlayError | None]:
    """:func:`guard` at locate time: reading is fine, so a refusal is returned, for the
    write to raise."""
    try:
        return guard(text, target, what, rule), None
    except OverlayError as err:
        return (), err


class _Walker:
    def __init__(self, target: Node) -> None:
        self.target = target
        self.seen: set[int] = set()  # nodes met once: meeting one again means an alias
        self.visits = 0
        self.found: list[tuple[str, Node | None]] = []

    def walk(self, node: Node, path: Path, via: Node | None = None) -> Iterator[Found]:
        """Yield (path, the shared node on the way, or None) for each path to the target."""
        self.visits += 1
        if self.visits > _MAX_VISITS or len(path) > _MAX_DEPTH:
            # Only a node that contains itself (`&a [*a]`) or a blow-up of aliases gets here.
            raise OverlayError("the file has too many aliases to check which values they share")
        if via is None and id(node) in self.seen:
            via = node
        self.seen.add(id(node))
        if node is self.target:
            yield path, via
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                yield from self.walk(item, (*path, index), via)
        elif isinstance(node, MappingNode):
            for key, value, source in _effective_items(node, 0):
                yield from self.walk(value, (*path, key), via or source)


def _effective_items(node: MappingNode, depth: int) -> list[tuple[str, Node, Node | None]]:
    """The mapping's (key, value, merged-from) entries as a loader sees them: its own keys
    (merged-from None), then the keys its merge sources add, the first source winning."""
    out: dict[str, tuple[str, Node, Node | None]] = {}
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.tag != MERGE_TAG:
            out.setdefault(str(key.value), (str(key.value), value, None))
    if depth > _MAX_DEPTH:
        raise OverlayError("the file merges mappings into themselves (<<); remove the loop")
    for source in merge_sources(node):
        for key, value, _ in _effective_items(source, depth + 1):
            out.setdefault(key, (key, value, source))
    return list(out.values())
