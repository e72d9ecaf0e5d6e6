"""Property tests: arbitrary values, generated documents, only the target's bytes change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml as pyyaml  # YAML 1.1 (libyaml), as Kubernetes tooling reads it
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from bot import overlays
from bot.errors import OverlayError
from bot.overlays import ContainerImage, GeneratorLiteral, KustomizeImage, YamlPath
from bot.overlays._imageref import DIGEST, NAME, TAG
from tests.overlays.golden_cases import load, names

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values as a user might have written them, one strategy per quote style. They avoid
# characters whose escaping is a matter of taste, so rendering them back is byte-exact.
_TEXT = "abcxyz0189 .:-_/#'\"\\@!%&*,[]{}?|>=~`éß中"
PLAIN = st.from_regex(r"v[a-z0-9.-]{0,10}", fullmatch=True)
SINGLE = st.text(alphabet=_TEXT, max_size=12)
DOUBLE = st.text(alphabet=_TEXT, max_size=12)
COMMENT = st.text(alphabet="abc xyz:#'\"-", max_size=15)
KEY = st.from_regex(r"k[a-z0-9_]{0,6}", fullmatch=True)


def _quote(value: str, style: str) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


@dataclass
class Doc:
    lines: list[str] = field(default_factory=list)
    values: dict[tuple[str, ...], str] = field(default_factory=dict)
    line_of: dict[tuple[str, ...], int] = field(default_factory=dict)
    style_of: dict[tuple[str, ...], str] = field(default_factory=dict)
    newline: str = "\n"
    bom: bool = False
    final_newline: bool = True

    def text(self) -> str:
        body = self.newline.join(self.lines) + (self.newline if self.final_newline else "")
        return ("\ufeff" if self.bom else "") + body


@st.composite
def scalars(draw: st.DrawFn) -> tuple[str, str]:
    style = draw(st.sampled_from(["", "'", '"']))
    value = draw({"": PLAIN, "'": SINGLE, '"': DOUBLE}[style])
    return value, style


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    doc = Doc(
        newline=draw(st.sampled_from(["\n", "\r\n"])),
        bom=draw(st.booleans()),
        final_newline=draw(st.booleans()),
    )

    def trailing() -> str:
        return f"  # {draw(COMMENT)}" if draw(st.booleans()) else ""

    if draw(st.booleans()):
        doc.lines.append(f"# {draw(COMMENT)}")
    for key in draw(st.lists(KEY, min_size=1, max_size=5, unique=True)):
        if draw(st.booleans()):
            doc.lines.append(f"{' ' * draw(st.integers(0, 2))}# {draw(COMMENT)}")
        shape = draw(st.sampled_from(["scalar", "block", "flow"]))
        if shape == "scalar":
            value, style = draw(scalars())
            doc.values[(key,)], doc.style_of[(key,)] = value, style
            doc.line_of[(key,)] = len(doc.lines)
            doc.lines.append(f"{key}: {_quote(value, style)}{trailing()}")
            continue
        children = draw(st.lists(KEY, min_size=1, max_size=3, unique=True))
        parts = []
        doc.lines.append(f"{key}:{trailing()}" if shape == "block" else "")
        for child in children:
            value, style = draw(scalars())
            if shape == "flow" and style == "":
                value = value.replace(":", "")  # keep the flow context unambiguous
            path = (key, child)
            doc.values[path], doc.style_of[path] = value, style
            if shape == "block":
                doc.line_of[path] = len(doc.lines)
                doc.lines.append(f"  {child}: {_quote(value, style)}{trailing()}")
            else:
                parts.append(f"{child}: {_quote(value, style)}")
        if shape == "flow":
            for child in children:
                doc.line_of[(key, child)] = len(doc.lines) - 1
            doc.lines[-1] = f"{key}: {{{', '.join(parts)}}}{trailing()}"
    return doc


def _flatten(data: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(data, dict):
        out: dict[tuple[str, ...], Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, (*prefix, str(key))))
        return out
    return {prefix: data}


def _load_both(text: str) -> list[dict[tuple[str, ...], Any]]:
    ruamel_data = YAML(typ="safe", pure=True).load(text)
    pyyaml_data = pyyaml.safe_load(text.lstrip("\ufeff"))
    return [_flatten(ruamel_data), _flatten(pyyaml_data)]


def _style_at(text: str, path: tuple[str, ...]) -> str | None:
    node: Node = YAML(typ="rt").compose(text)
    for key in path:
        assert isinstance(node, MappingNode)
        node = next(v for k, v in node.value if k.value == key)
    style: str | None = getattr(node, "style", None)
    return style


@SETTINGS
@given(doc=documents(), data=st.data())
def test_only_the_target_scalar_changes(doc: Doc, data: st.DataObject) -> None:
    text = doc.text()
    assert all(loaded == doc.values for loaded in _load_both(text)), "generator bug"
    path = data.draw(st.sampled_from(sorted(doc.values)))
    new_value = data.draw(st.text(max_size=20))
    loc = YamlPath(path)

    new_text = overlays.write(text, loc, new_value)

    # Every other value is untouched, under YAML 1.2 and YAML 1.1 alike.
    for loaded in _load_both(new_text):
        assert loaded == {**doc.values, path: new_value}
    # Every line but the target's is byte-identical (line endings included).
    old_lines, new_lines = text.splitlines(True), new_text.splitlines(True)
    assert len(old_lines) == len(new_lines)
    target = doc.line_of[path]
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert changed in ([], [target])

    # Writing the old value back restores the bytes, unless the style had to change
    # (plain or single-quoted -> double-quoted), which is then the only difference.
    back = overlays.write(new_text, loc, doc.values[path])
    old_style = doc.style_of[path] or None
    if _style_at(new_text, path) == old_style:
        assert back == text
    else:
        assert old_style in (None, "'") and _style_at(new_text, path) == '"'
        assert _load_both(back) == _load_both(text)


def _safe_for(loc: overlays.Locator, value: str) -> bool:
    # kustomize strips surrounding quotes from literal values; such values are refused.
    quoted = value != "" and (value[0] in "\"'" or value[-1] in "\"'")
    return not (isinstance(loc, GeneratorLiteral) and quoted)


def _refused(loc: overlays.Locator, value: str) -> bool:
    """An image tag, digest or name a container runtime would reject: write must refuse it,
    whichever editor writes it."""
    if isinstance(loc, KustomizeImage):
        pattern = {"newTag": TAG, "digest": DIGEST, "newName": NAME}.get(loc.field)
        too_long = loc.field == "newName" and len(value) > 255
        return pattern is not None and (too_long or not pattern.fullmatch(value))
    if not isinstance(loc, ContainerImage) or loc.part == "image":
        return False
    return not (TAG if loc.part == "tag" else DIGEST).fullmatch(value)


@settings(SETTINGS, max_examples=60)
@given(name=st.sampled_from(names()), value=st.text(max_size=30))
def test_any_value_round_trips_in_every_golden_layout(name: str, value: str) -> None:
    case = load(name)
    assume(_safe_for(case.locator, value))
    if _refused(case.locator, value):
        with pytest.raises(OverlayError, match=r"^cannot write .* as an image (tag|digest|name): "):
            overlays.write(case.input, case.locator, value)
        return
    new_text = overlays.write(case.input, case.locator, value)

    assert overlays.read(new_text, case.locator) == value
    old_lines, new_lines = case.input.splitlines(True), new_text.splitlines(True)
    # A value never adds lines; only a missing image field, once inserted, may add one.
    absent = overlays.read(case.input, case.locator) is None
    assert len(new_lines) - len(old_lines) in ((0, 1) if absent else (0,))
    differing = [line for line in new_lines if line not in old_lines]
    assert len(differing) <= 1
    # The structure is unchanged (same documents, same keys), bar an inserted field.
    if not absent:
        assert _shape(new_text) == _shape(case.input)


def _shape(text: str) -> list[Any]:
    def walk(node: Node) -> Any:
        if isinstance(node, MappingNode):
            return {k.value: walk(v) for k, v in node.value}
        if isinstance(node, SequenceNode):
            return [walk(item) for item in node.value]
        return None

    return [walk(doc) for doc in YAML(typ="rt").compose_all(text)]
