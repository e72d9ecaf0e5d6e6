"""Kustomize ``images:`` entries: the newTag, newName or digest of the entry with a name."""

from __future__ import annotations

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import OverlayError, TargetNotFound
from bot.overlays._locators import KustomizeImage
from bot.overlays._splice import Spot, insert_key, scalar_spot
from bot.overlays._yaml import (
    compose,
    get,
    is_null,
    kind_of,
    line_of,
    one_root_with,
    scalar_value,
    seq_items,
)


def describe(loc: KustomizeImage) -> str:
    return f"images[name={loc.image}].{loc.field}"


def locate(text: str, loc: KustomizeImage) -> Spot:
    root = one_root_with(compose(text), "images")
    images = root[2] if root is not None else None
    if images is None or is_null(images):
        raise TargetNotFound(f"no images[] entry with name {loc.image!r} (the file has no images)")
    if not isinstance(images, SequenceNode):
        raise OverlayError(f"images is {kind_of(images)}, not a list")

    names: list[str] = []
    matches: list[tuple[MappingNode, tuple[ScalarNode, Node]]] = []
    for index, entry in enumerate(seq_items(images, "images")):
        if not isinstance(entry, MappingNode):
            raise OverlayError(f"images[{index}] is {kind_of(entry)}, not a mapping")
        hit = get(entry, "name", f"images[{index}]")
        name = scalar_value(hit[1]) if hit and isinstance(hit[1], ScalarNode) else None
        if hit is None or name is None:
            continue  # kustomize rejects such an entry; it cannot be the one we look for
        names.append(name)
        if name == loc.image:
            matches.append((entry, hit))

    if not matches:
        found = ", ".join(names) or "none"
        raise TargetNotFound(f"no images[] entry with name {loc.image!r} (found: {found})")
    if len(matches) > 1:
        lines = ", ".join(str(line_of(entry)) for entry, _ in matches)
        raise OverlayError(
            f"images[] has {len(matches)} entries with name {loc.image!r} (lines {lines}); keep one"
        )

    entry, name_hit = matches[0]
    where = f"images[name={loc.image}]"
    flow = bool(images.flow_style or entry.flow_style)
    field = get(entry, loc.field, where)
    if field is not None:
        return scalar_spot(text, field[0], field[1], flow=flow, what=describe(loc))

    def add(value: str) -> str:
        # A missing field is added right below `name`, the one key every entry has.
        return insert_key(text, entry, name_hit, loc.field, value, flow=flow)

    return Spot(None, add)
