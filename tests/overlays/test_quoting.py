"""Quoting: a written value always loads back as exactly that string, in every context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml as pyyaml  # YAML 1.1 (libyaml), as Kubernetes tooling reads it
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bot import overlays
from bot.overlays._splice import plain_ok, render

PLAIN_DECISIONS = [
    # stays plain
    ("v1.2.0", False, True),
    ("1.2.3", False, True),
    ("3.1-70b-instruct", False, True),
    ("registry.example.com/ml/inference", False, True),
    ("sha256:abc123", False, True),
    ("MODEL_VERSION=3.1", False, True),
    ("a b", False, True),
    ("-rc1", False, True),
    ("it's", False, True),
    ('MODEL_VERSION="3.1"', False, True),
    # would load as something else than this string somewhere
    ("1.10", False, False),
    ("0.6e3", False, False),
    ("1e3", False, False),
    ("012", False, False),
    ("1_000", False, False),
    ("0x1F", False, False),
    ("1:20", False, False),
    (".inf", False, False),
    ("true", False, False),
    ("yes", False, False),
    ("No", False, False),
    ("on", False, False),
    ("y", False, False),
    ("null", False, False),
    ("~", False, False),
    ("2024-06-01", False, False),
    ("=", False, False),
    ("<<", False, False),
    # would not parse, or parse differently
    ("", False, False),
    ("-", False, False),
    ("- x", False, False),
    ("a: b", False, False),
    ("a #b", False, False),
    ("a:", False, False),
    (" a", False, False),
    ("a ", False, False),
    ("@a", False, False),
    ("!a", False, False),
    ("&a", False, False),
    ("*a", False, False),
    ("%a", False, False),
    ("'a'", False, False),
    ('"a"', False, False),
    ("a\nb", False, False),
    ("[a]", False, False),
    ("{a}", False, False),
    ("a,b", False, False),
    # flow context: no ':' at all (older libyaml rejects `a:b` there)
    ("sha256:abc123", True, False),
    ("v1.2.0", True, True),
]


@pytest.mark.parametrize(("value", "flow", "plain"), PLAIN_DECISIONS)
def test_plain_decisions(value: str, flow: bool, plain: bool) -> None:
    assert plain_ok(value, flow=flow) is plain


@pytest.mark.parametrize(
    ("style", "value", "rendered"),
    [
        (None, "v2", "v2"),
        (None, "1.10", '"1.10"'),
        ("'", "v2", "'v2'"),
        ("'", "it's", "'it''s'"),
        ("'", "a\nb", '"a\\nb"'),  # a line break cannot live in single quotes on one line
        ('"', "v2", '"v2"'),
        ('"', 'say "hi" \\o/', '"say \\"hi\\" \\\\o/"'),
        ('"', "tab\tcr\r\x00\x07\x85\u2028\ufeff", '"tab\\tcr\\r\\0\\x07\\x85\\u2028\\ufeff"'),
        ('"', "é中😀", '"é中😀"'),
    ],
)
def test_render(style: str | None, value: str, rendered: str) -> None:
    assert render(value, style, flow=False) == rendered


# Where a rendered scalar may end up, and how to get it back out of the loaded data.
_BLOCK: list[tuple[str, Callable[[Any], Any]]] = [
    ("k: {}\n", lambda data: data["k"]),
    ("- {}\n", lambda data: data[0]),
    ("a:\n  k: {}  # c\n", lambda data: data["a"]["k"]),
]
_FLOW: list[tuple[str, Callable[[Any], Any]]] = [
    ("{{k: {}}}\n", lambda data: data["k"]),
    ("[{}]\n", lambda data: data[0]),
    ("k: [x, {}, y]\n", lambda data: data["k"][1]),
]


def _loaded(text: str, pick: Callable[[Any], Any]) -> list[Any]:
    return [pick(YAML(typ="safe", pure=True).load(text)), pick(pyyaml.safe_load(text))]


@settings(max_examples=200, deadline=None)
@given(
    value=st.text(max_size=20),
    style=st.sampled_from([None, "'", '"']),
    flow=st.booleans(),
)
def test_any_value_loads_back_exactly(value: str, style: str | None, flow: bool) -> None:
    rendered = render(value, style, flow=flow)
    assert "\n" not in rendered and "\r" not in rendered
    for template, pick in _FLOW if flow else _BLOCK:
        text = template.format(rendered)
        assert _loaded(text, pick) == [value, value], text


@settings(max_examples=100, deadline=None)
@given(value=st.text(max_size=20))
def test_values_cannot_inject_keys(value: str) -> None:
    text = "image:\n  tag: v1  # the tag\n  pullPolicy: Always\n"
    new_text = overlays.write(text, overlays.YamlPath(("image", "tag")), value)
    assert pyyaml.safe_load(new_text) == {"image": {"tag": value, "pullPolicy": "Always"}}
    assert new_text.endswith("  # the tag\n  pullPolicy: Always\n")
