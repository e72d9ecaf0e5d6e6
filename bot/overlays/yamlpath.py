"""Any scalar by key path, e.g. Helm values ``model.version`` or ``servers[0].image.tag``."""

from __future__ import annotations

from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from bot.errors import OverlayError, TargetNotFound, UserError
from bot.overlays._locators import YamlPath
from bot.overlays._paths import format_path
from bot.overlays._splice import Spot, scalar_spot
from bot.overlays._yaml import compose, get, is_null, kind_of, lookup, seq_items

# What walking a path ends on: the key node (None for a list item), the node, flow context.
_Found = tuple[Node | None, Node, bool]


def describe(loc: YamlPath) -> str:
    path = format_path(loc.path)
    return path if loc.document is None else f"{path} (document {loc.document})"


def locate(text: str, loc: YamlPath) -> Spot:
    docs = compose(text)
    shown = format_path(loc.path)
    if loc.document is not None:
        if loc.document >= len(docs):
            count = f"{len(docs)} document" + ("" if len(docs) == 1 else "s")
            raise TargetNotFound(f"document {loc.document} not found (the file has {count})")
        indexes = [loc.document]
    else:
        indexes = list(range(len(docs)))

    found: list[tuple[int, _Found]] = []
    errors: list[UserError] = []
    for index in indexes:
        try:
            found.append((index, _walk(docs[index], loc.path)))
        except (TargetNotFound, OverlayError) as err:
            # With several documents searched, say which one the message is about.
            errors.append(type(err)(f"{err} (document {index})") if len(indexes) > 1 else err)
    if not found:
        # A path that exists but runs into the wrong kind of node says more than "missing".
        shaped = [err for err in errors if isinstance(err, OverlayError)]
        if errors:
            raise (shaped or errors)[0]
        raise TargetNotFound(f"key path {shown} not found: the file has no documents")
    if len(found) > 1:
        numbers = ", ".join(str(index) for index, _ in found)
        raise OverlayError(f"key path {shown} is in documents {numbers}; set document to pick one")
    key, node, flow = found[0][1]
    return scalar_spot(text, key, node, flow=flow, what=f"key path {shown}", aliases=loc.aliases)


def _walk(doc: Node, path: tuple[str | int, ...]) -> _Found:
    shown = format_path(path)
    key: Node | None = None
    node = doc
    flow = False
    for depth, part in enumerate(path):
        here = format_path(path[:depth])
        name = repr(here) if here else "the document"
        if isinstance(part, str):
            if depth == 0 and is_null(node):
                raise TargetNotFound(f"key path {shown} not found: the document is empty")
            if not isinstance(node, MappingNode):
                raise OverlayError(f"key path {shown}: {name} is {kind_of(node)}, not a mapping")
            # Only the last step must not be an alias: a path may pass through one (its
            # target is then shared, which the write refuses unless aliases: update).
            last = depth == len(path) - 1
            hit = get(node, part, name) if last else lookup(node, part, name)
            if hit is None:
                if depth == 0:
                    raise TargetNotFound(f"key path {shown} not found: no top-level key {part!r}")
                raise TargetNotFound(f"key path {shown} not found: {name} has no key {part!r}")
            flow = flow or bool(node.flow_style)
            key, node = hit
        else:
            if not isinstance(node, SequenceNode):
                raise OverlayError(f"key path {shown}: {name} is {kind_of(node)}, not a list")
            items = seq_items(node, here or "the document", through=depth < len(path) - 1)
            if part >= len(items):
                raise TargetNotFound(
                    f"key path {shown} not found: {name} has no item [{part}] (it has {len(items)})"
                )
            flow = flow or bool(node.flow_style)
            key, node = None, items[part]
    return key, node, flow
