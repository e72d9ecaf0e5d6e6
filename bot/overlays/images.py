"""Kustomize ``images:`` entries: the newTag, newName or digest of the entry with a name.

Values are checked with the container-image editor's grammar (``_imageref``), so both
editors accept exactly the same tags, digests and names. A digest wins over a tag when
kustomize renders ``name:tag@digest``, so a new tag never leaves the old digest behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import OverlayError, TargetNotFound
from bot.overlays._imageref import check
from bot.overlays._locators import ImageField, KustomizeImage
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

_PART = {"newTag": "tag", "digest": "digest", "newName": "name"}
_PINNED = "newTag@digest"


@dataclass(frozen=True)
class _Entry:
    node: MappingNode
    name_hit: tuple[ScalarNode, Node]
    flow: bool


def describe(loc: KustomizeImage) -> str:
    return f"images[name={loc.image}].{loc.field}"


def locate(text: str, loc: KustomizeImage) -> Spot:
    if loc.field == _PINNED:
        return _pinned_spot(text, loc)
    spot = _field_spot(text, loc, loc.field)
    part = _PART[loc.field]

    def apply(value: str) -> str:
        check(value, part)
        if loc.field == "newTag" and loc.require_digest:
            raise OverlayError(
                f"{describe(loc)}: require_digest is on, so the tag cannot be written alone; "
                "write the tag and digest together (field newTag@digest)"
            )
        new_text = spot.apply(value)
        return _drop_digest(new_text, loc) if loc.field == "newTag" else new_text

    return Spot(spot.current, apply, spot.shared)


def _pinned_spot(text: str, loc: KustomizeImage) -> Spot:
    """``tag@digest`` as one value: both fields set together, or the tag alone with the
    stale digest removed."""
    tag = _field_spot(text, loc, "newTag")
    digest = _field_spot(text, loc, "digest")
    current = None
    if tag.current is not None or digest.current is not None:
        current = (tag.current or "") + ("@" + digest.current if digest.current else "")

    def apply(value: str) -> str:
        new_tag, _, new_digest = value.partition("@")
        check(new_tag, "tag")
        if new_digest:
            check(new_digest, "digest")
        elif loc.require_digest:
            raise OverlayError(
                f"{describe(loc)}: require_digest is on but no digest was given with tag "
                f"{new_tag!r}; publish the image digest with the model version, "
                "or turn require_digest off"
            )
        new_text = tag.apply(new_tag) if new_tag != tag.current else text
        if not new_digest:
            return _drop_digest(new_text, loc)
        if new_digest == digest.current:
            return new_text
        return _field_spot(new_text, loc, "digest").apply(new_digest)

    return Spot(current, apply, tag.shared + digest.shared)


def _field_spot(text: str, loc: KustomizeImage, field: ImageField) -> Spot:
    entry = _entry(text, loc)
    where = f"images[name={loc.image}]"
    hit = get(entry.node, field, where)
    if hit is not None:
        what = f"{where}.{field}"
        return scalar_spot(text, hit[0], hit[1], flow=entry.flow, what=what, aliases=loc.aliases)
    # A missing field goes right below `name`, the one key every entry has; a digest
    # goes below the tag when there is one, where kustomize's own `edit set image` puts it.
    after = entry.name_hit
    if field == "digest":
        after = get(entry.node, "newTag", where) or after

    def add(value: str) -> str:
        return insert_key(text, entry.node, after, field, value, flow=entry.flow)

    return Spot(None, add)


def _drop_digest(text: str, loc: KustomizeImage) -> str:
    """``text`` without the entry's ``digest`` (a null or empty one pins nothing: kept)."""
    entry = _entry(text, loc)
    hit = get(entry.node, "digest", f"images[name={loc.image}]")
    if hit is None or not isinstance(hit[1], ScalarNode) or not scalar_value(hit[1]):
        return text
    key, value = hit
    start, end = int(key.start_mark.index), int(value.end_mark.index)
    if entry.flow:
        return _drop_flow_item(text, entry.node, key, start, end)
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        raise OverlayError(
            f"cannot remove the stale digest on line {line_of(key)}: it shares its line "
            f"with another key; move it to a line of its own"
        )
    if text[end - 1 : end] == "\n":  # a block scalar's end mark is past its line break
        end -= 1
    line_end = text.find("\n", end)
    if line_end == -1:  # the last line, without a final newline: keep it that way
        crlf = text[line_start - 2 : line_start] == "\r\n"
        return text[: max(line_start - (2 if crlf else 1), 0)]
    return text[:line_start] + text[line_end + 1 :]


def _drop_flow_item(text: str, entry: MappingNode, key: Node, start: int, end: int) -> str:
    # `{name: a, newTag: v1, digest: sha256:...}`: take the comma before it with it, or
    # the comma after it when it is the first item.
    index = next(i for i, (k, _) in enumerate(entry.value) if k is key)
    if index > 0:
        return text[: int(entry.value[index - 1][1].end_mark.index)] + text[end:]
    if len(entry.value) > 1:
        return text[:start] + text[int(entry.value[1][0].start_mark.index) :]
    return text[:start] + text[end:]


def _entry(text: str, loc: KustomizeImage) -> _Entry:
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
    return _Entry(entry, name_hit, bool(images.flow_style or entry.flow_style))
