"""``configMapGenerator[].literals[]`` items ``KEY=value`` in a kustomization.yaml."""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from bot.errors import OverlayError, TargetNotFound
from bot.overlays import _shared, envfile
from bot.overlays._locators import GeneratorLiteral
from bot.overlays._splice import Spot, scalar_splice
from bot.overlays._yaml import (
    compose,
    get,
    is_null,
    kind_of,
    one_root_with,
    scalar_value,
    seq_items,
    str_of,
)

_QUOTES = "\"'"


@dataclass(frozen=True)
class _Generator:
    label: str  # its name, or its position when it has none (for lists of choices)
    name: str | None
    flow: bool
    hits: tuple[ScalarNode, ...]  # the literals whose key is the one looked for
    env_files: tuple[str, ...] = ()  # what its `envs:` (or `env:`) reads, as written

    def title(self) -> str:
        return repr(self.name) if self.name is not None else self.label


def describe(loc: GeneratorLiteral) -> str:
    which = f"[name={loc.generator}]" if loc.generator is not None else "[]"
    return f"configMapGenerator{which}.literals[{loc.key}]"


def locate(text: str, loc: GeneratorLiteral) -> Spot:
    generators = _generators(text, loc.key)
    if loc.generator is not None:
        named = [gen for gen in generators if gen.name == loc.generator]
        if not named:
            found = ", ".join(gen.label for gen in generators) or "none"
            raise TargetNotFound(f"no configMapGenerator named {loc.generator!r} (found: {found})")
        if not any(gen.hits for gen in named):
            raise TargetNotFound(
                f"configMapGenerator {loc.generator!r} has no literal {loc.key}=..."
                + _env_hint(named)
            )
        generators = named
    with_key = [gen for gen in generators if gen.hits]
    if not with_key:
        raise TargetNotFound(
            f"configMapGenerator has no literal {loc.key}=..." + _env_hint(generators)
        )
    if len(with_key) > 1:
        choices = ", ".join(gen.label for gen in with_key)
        raise OverlayError(
            f"{len(with_key)} configMapGenerator entries have the literal {loc.key}=... "
            f"({choices}); set generator to pick one"
        )
    gen = with_key[0]
    if len(gen.hits) > 1:
        raise OverlayError(
            f"configMapGenerator {gen.title()} has {len(gen.hits)} literals {loc.key}=...; keep one"
        )
    item = gen.hits[0]
    key, raw = str(item.value).split("=", 1)
    current = _unquote(raw)
    # kustomize strips one pair of surrounding quotes from a literal's value: keep them.
    quote = raw[0] if current != raw else ""
    shared, refusal = _shared.assess(text, item, describe(loc), loc.aliases)

    def apply(value: str) -> str:
        if refusal is not None:
            raise refusal
        if value and (value[0] in _QUOTES or value[-1] in _QUOTES):
            raise OverlayError(
                f"cannot write {value!r}: kustomize strips quotes around literal values"
            )
        literal = f"{key}={quote}{value}{quote}"
        return scalar_splice(text, item, None, literal, flow=gen.flow).into(text)

    return Spot(current, apply, shared)


def _env_hint(generators: list[_Generator]) -> str:
    # The key may well be in an env file: say so, and which target kind edits it.
    readers = [gen for gen in generators if gen.env_files]
    if not readers:
        return ""
    listed = "; ".join(f"{gen.title()} reads {', '.join(gen.env_files)}" for gen in readers)
    return f" ({listed}: a key in an env file is set with an env-file target)"


def _unquote(raw: str) -> str:
    """What kustomize makes of a literal's value part (removeQuotes in api/kv)."""
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in _QUOTES:
        return raw[1:-1]
    return raw


def _generators(text: str, key: str) -> list[_Generator]:
    root = one_root_with(compose(text), "configMapGenerator")
    if root is None or is_null(root[2]):
        return []
    generators = root[2]
    if not isinstance(generators, SequenceNode):
        raise OverlayError(f"configMapGenerator is {kind_of(generators)}, not a list")
    out: list[_Generator] = []
    for index, gen in enumerate(seq_items(generators, "configMapGenerator")):
        where = f"configMapGenerator[{index}]"
        if not isinstance(gen, MappingNode):
            raise OverlayError(f"{where} is {kind_of(gen)}, not a mapping")
        name = str_of(gen, "name", where)
        label = name if name is not None else where
        literals = get(gen, "literals", where)
        flow = bool(generators.flow_style or gen.flow_style)
        hits: list[ScalarNode] = []
        if literals is not None and not is_null(literals[1]):
            items = literals[1]
            if not isinstance(items, SequenceNode):
                raise OverlayError(
                    f"configMapGenerator {name!r}: literals is {kind_of(items)}, not a list"
                    if name is not None
                    else f"{where}.literals is {kind_of(items)}, not a list"
                )
            flow = flow or bool(items.flow_style)
            for item in seq_items(items, f"{where}.literals"):
                if not isinstance(item, ScalarNode):
                    continue
                literal = scalar_value(item)
                if literal is not None and "=" in literal and literal.split("=", 1)[0] == key:
                    hits.append(item)
        env_files = tuple(envfile.declared(gen, where, repr(name) if name else where))
        out.append(_Generator(label, name, flow, tuple(hits), env_files))
    return out
