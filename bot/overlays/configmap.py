"""``data.<key>`` of a ConfigMap manifest; the file may hold several ``---`` documents."""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from bot.errors import OverlayError, TargetNotFound
from bot.overlays._locators import ConfigMapData
from bot.overlays._splice import Spot, scalar_spot
from bot.overlays._yaml import compose, get, is_null, kind_of, str_of


@dataclass(frozen=True)
class _ConfigMap:
    document: int
    name: str | None
    flow: bool
    hit: tuple[ScalarNode, Node] | None  # the data key and its value, when present

    def label(self) -> str:
        return self.name if self.name is not None else f"document {self.document}"


def describe(loc: ConfigMapData) -> str:
    if loc.name is None:
        return f"data.{loc.key}"
    return f"ConfigMap[name={loc.name}].data.{loc.key}"


def locate(text: str, loc: ConfigMapData) -> Spot:
    configmaps = _configmaps(text, loc.key)
    if loc.name is not None:
        named = [cm for cm in configmaps if cm.name == loc.name]
        if not named:
            found = ", ".join(cm.name or "(unnamed)" for cm in configmaps) or "none"
            raise TargetNotFound(f"no ConfigMap named {loc.name!r} (found: {found})")
        if not any(cm.hit for cm in named):
            raise TargetNotFound(f"ConfigMap {loc.name!r} has no data.{loc.key}")
        configmaps = named
    candidates = [cm for cm in configmaps if cm.hit is not None]
    if not candidates:
        raise TargetNotFound(f"no ConfigMap document with data.{loc.key}")
    if len(candidates) > 1:
        choices = ", ".join(cm.label() for cm in candidates)
        fix = "they share a name; keep one" if loc.name else "set name to pick one"
        raise OverlayError(
            f"{len(candidates)} ConfigMap documents have data.{loc.key} ({choices}); {fix}"
        )
    chosen = candidates[0]
    assert chosen.hit is not None
    key, value = chosen.hit
    return scalar_spot(
        text, key, value, flow=chosen.flow, what=f"data.{loc.key}", aliases=loc.aliases
    )


def _configmaps(text: str, key: str) -> list[_ConfigMap]:
    out: list[_ConfigMap] = []
    for index, doc in enumerate(compose(text)):
        where = f"document {index}"
        if not isinstance(doc, MappingNode) or str_of(doc, "kind", where) != "ConfigMap":
            continue
        metadata = get(doc, "metadata", where)
        name = None
        if metadata is not None and isinstance(metadata[1], MappingNode):
            name = str_of(metadata[1], "name", "metadata")
        data = get(doc, "data", where)
        hit = None
        flow = bool(doc.flow_style)
        if data is not None and not is_null(data[1]):
            if not isinstance(data[1], MappingNode):
                label = repr(name) if name else f"in document {index}"
                raise OverlayError(f"ConfigMap {label}: data is {kind_of(data[1])}, not a mapping")
            hit = get(data[1], key, "data")
            flow = flow or bool(data[1].flow_style)
        out.append(_ConfigMap(index, name, flow, hit))
    return out
