"""The ``image`` of a named container in a workload manifest (Deployment, Rollout, CronJob...).

The file may hold several ``---`` documents (a Rollout next to its AnalysisTemplate, say);
only documents of the wanted kinds are searched, in ``containers`` and ``initContainers``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from bot.errors import OverlayError, TargetNotFound
from bot.overlays import _shared
from bot.overlays._imageref import part_of, with_part
from bot.overlays._locators import POD_SPEC_PATHS, ContainerImage
from bot.overlays._splice import Spot, scalar_splice
from bot.overlays._yaml import (
    compose,
    get,
    is_null,
    kind_of,
    line_of,
    scalar_value,
    seq_items,
    str_of,
)

_LISTS = ("containers", "initContainers")


@dataclass(frozen=True)
class _Container:
    name: str
    node: MappingNode
    flow: bool
    init: bool

    def label(self) -> str:
        return f"{self.name} [init]" if self.init else self.name


@dataclass(frozen=True)
class _Workload:
    kind: str
    name: str | None
    label: str  # Kind/name, or "Kind in document N" when unnamed
    containers: list[_Container]


def describe(loc: ContainerImage) -> str:
    kind = loc.kinds[0] if len(loc.kinds) == 1 else ""
    workload = "/".join(part for part in (kind, loc.name or "") if part)
    prefix = f"{workload}." if workload else ""
    suffix = "" if loc.part == "image" else f" ({loc.part})"
    return f"{prefix}containers[name={loc.container}].image{suffix}"


def locate(text: str, loc: ContainerImage) -> Spot:
    workload, container = _pick(_workloads(text, loc), loc)
    where = f"{workload.label}: containers[name={container.name}]"
    hit = get(container.node, "image", where)
    if hit is None:
        raise TargetNotFound(f"container {container.name!r} in {workload.label} has no image")
    key, node = hit
    if not isinstance(node, ScalarNode):
        raise OverlayError(f"{where}.image is {kind_of(node)}, not a scalar")
    image = scalar_value(node)
    what = f"the image of container {container.name!r} in {workload.label}"
    # An image anchored once and aliased by other containers is common; writing it
    # changes every one, so that needs the explicit `aliases: update`.
    shared, refusal = _shared.assess(text, node, what, loc.aliases)

    def apply(value: str) -> str:
        new_image = with_part(image, loc.part, value, what)
        if refusal is not None:
            raise refusal
        return scalar_splice(text, node, key, new_image, flow=container.flow).into(text)

    return Spot(part_of(image, loc.part), apply, shared)


def _pick(workloads: list[_Workload], loc: ContainerImage) -> tuple[_Workload, _Container]:
    if loc.name is not None:
        named = [w for w in workloads if w.name == loc.name]
        if not named:
            found = ", ".join(w.label for w in workloads)
            raise TargetNotFound(f"no workload named {loc.name!r} (found: {found})")
        workloads = named
    hits = [(w, [c for c in w.containers if c.name == loc.container]) for w in workloads]
    hits = [(w, named_here) for w, named_here in hits if named_here]
    if not hits:
        found = "; ".join(
            f"{w.label}: {', '.join(c.label() for c in w.containers) or 'none'}" for w in workloads
        )
        raise TargetNotFound(f"no container named {loc.container!r} (found: {found})")
    if len(hits) > 1:
        raise _ambiguous([w for w, _ in hits], loc)
    workload, containers = hits[0]
    if len(containers) > 1:
        lines = ", ".join(str(line) for line in sorted(line_of(c.node) for c in containers))
        raise OverlayError(
            f"{workload.label} has {len(containers)} containers named {loc.container!r} "
            f"(lines {lines}); keep one"
        )
    return workload, containers[0]


def _ambiguous(workloads: list[_Workload], loc: ContainerImage) -> OverlayError:
    labels = ", ".join(w.label for w in workloads)
    if loc.name is None:
        fix = "set the workload name to pick one"
    elif len({w.kind for w in workloads}) == len(workloads):
        fix = f"they share the name {loc.name!r}; set kinds to pick one"
    else:
        fix = f"they share the name {loc.name!r}; keep one"
    return OverlayError(
        f"{len(workloads)} workloads have a container named {loc.container!r} ({labels}); {fix}"
    )


def _workloads(text: str, loc: ContainerImage) -> list[_Workload]:
    out: list[_Workload] = []
    other_kinds: list[str] = []
    for index, doc in enumerate(compose(text)):
        if not isinstance(doc, MappingNode):
            continue
        kind = str_of(doc, "kind", f"document {index}")
        if kind not in loc.kinds:
            if kind is not None and kind not in other_kinds:
                other_kinds.append(kind)
            continue
        name = _name(doc, index)
        label = f"{kind}/{name}" if name is not None else f"{kind} in document {index}"
        spec = _pod_spec(doc, POD_SPEC_PATHS[kind], label)
        containers = _containers(spec, POD_SPEC_PATHS[kind], label) if spec else []
        out.append(_Workload(kind, name, label, containers))
    if not out:
        kinds = list(loc.kinds)
        wanted = ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0]
        found = ", ".join(other_kinds) or "none"
        raise TargetNotFound(f"no workload of kind {wanted} (found: {found})")
    return out


def _name(doc: MappingNode, index: int) -> str | None:
    metadata = get(doc, "metadata", f"document {index}")
    if metadata is None or not isinstance(metadata[1], MappingNode):
        return None
    return str_of(metadata[1], "name", "metadata")


def _pod_spec(doc: MappingNode, path: tuple[str, ...], label: str) -> MappingNode | None:
    """The pod spec at ``path``; None when a step is absent or null (e.g. a Rollout with
    a ``workloadRef`` instead of a template): such a workload has no containers."""
    node = doc
    for depth, key in enumerate(path):
        where = f"{label}: {'.'.join(path[:depth])}" if depth else label
        hit = get(node, key, where)
        if hit is None or is_null(hit[1]):
            return None
        if not isinstance(hit[1], MappingNode):
            shown = ".".join(path[: depth + 1])
            raise OverlayError(f"{label}: {shown} is {kind_of(hit[1])}, not a mapping")
        node = hit[1]
    return node


def _containers(spec: MappingNode, path: tuple[str, ...], label: str) -> list[_Container]:
    out: list[_Container] = []
    for field in _LISTS:
        shown = f"{label}: {'.'.join((*path, field))}"
        hit = get(spec, field, f"{label}: {'.'.join(path)}")
        if hit is None or is_null(hit[1]):
            continue
        items = hit[1]
        if not isinstance(items, SequenceNode):
            raise OverlayError(f"{shown} is {kind_of(items)}, not a list")
        for index, item in enumerate(seq_items(items, shown)):
            if not isinstance(item, MappingNode):
                raise OverlayError(f"{shown}[{index}] is {kind_of(item)}, not a mapping")
            name = str_of(item, "name", f"{shown}[{index}]")
            if name is not None:  # the API server rejects a nameless container
                flow = bool(items.flow_style or item.flow_style)
                out.append(_Container(name, item, flow, field == "initContainers"))
    return out
