"""Key paths (``parse_path``) and target descriptions (``describe``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import overlays
from bot.overlays import (
    ConfigMapData,
    GeneratorLiteral,
    JsonPatchValue,
    KustomizeImage,
    YamlPath,
    format_path,
    parse_path,
)


@pytest.mark.parametrize(
    ("dotted", "path"),
    [
        ("model.version", ("model", "version")),
        ("image.tag", ("image", "tag")),
        ("servers[0].image.tag", ("servers", 0, "image", "tag")),
        ("a.b[0][12].c", ("a", "b", 0, 12, "c")),
        ('a."x.y".b', ("a", "x.y", "b")),
        ('"x.y"', ("x.y",)),
        ('"a \\"q\\" \\\\"[1]', ('a "q" \\', 1)),
        ('""', ("",)),
        ("[0].name", (0, "name")),
        ("MODEL_VERSION", ("MODEL_VERSION",)),
        ("with-dash.and_underscore", ("with-dash", "and_underscore")),
    ],
)
def test_parse_path(dotted: str, path: tuple[str | int, ...]) -> None:
    assert parse_path(dotted) == path


@pytest.mark.parametrize(
    ("dotted", "message"),
    [
        ("", "invalid key path '': empty; expected e.g. model.version"),
        ("  ", "invalid key path '': empty; expected e.g. model.version"),
        ("a..b", "invalid key path 'a..b': empty key at position 3"),
        (".a", "invalid key path '.a': empty key at position 1"),
        ("a.", "invalid key path 'a.': trailing '.' at position 2"),
        (
            "a[x]",
            "invalid key path 'a[x]': list index must be a non-negative integer, "
            "got [x] at position 2",
        ),
        (
            "a[-1]",
            "invalid key path 'a[-1]': list index must be a non-negative integer, "
            "got [-1] at position 2",
        ),
        ("a[1", "invalid key path 'a[1': unclosed '[' at position 2"),
        ("a.[1]", "invalid key path 'a.[1]': empty key at position 3"),
        ('a."b', "invalid key path 'a.\"b': unterminated quoted key at position 3"),
        (
            'a."b"c',
            "invalid key path 'a.\"b\"c': expected '.' or '[' after a quoted key at position 6",
        ),
        ('a"b', "invalid key path 'a\"b': unexpected '\"' (quote keys like \"x.y\") at position 2"),
        ("a]b", "invalid key path 'a]b': unexpected ']' (quote keys like \"x.y\") at position 2"),
        ("a[0]b", "invalid key path 'a[0]b': expected '.' or '[' but found 'b' at position 5"),
    ],
)
def test_parse_path_errors(dotted: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_path(dotted)
    assert str(err.value) == message


_PARTS = st.one_of(st.integers(0, 99), st.text(max_size=8))


@settings(max_examples=300, deadline=None)
@given(path=st.lists(_PARTS, min_size=1, max_size=5).map(tuple))
def test_format_then_parse_is_identity(path: tuple[str | int, ...]) -> None:
    # A bare key cannot follow an index without a dot and vice versa, so any tuple works.
    assert parse_path(format_path(path)) == path


@pytest.mark.parametrize(
    ("loc", "text"),
    [
        (KustomizeImage("inference"), "images[name=inference].newTag"),
        (KustomizeImage("inference", "digest"), "images[name=inference].digest"),
        (ConfigMapData("MODEL_VERSION"), "data.MODEL_VERSION"),
        (
            ConfigMapData("MODEL_VERSION", "model-config"),
            "ConfigMap[name=model-config].data.MODEL_VERSION",
        ),
        (GeneratorLiteral("MODEL_VERSION"), "configMapGenerator[].literals[MODEL_VERSION]"),
        (
            GeneratorLiteral("MODEL_VERSION", "cfg"),
            "configMapGenerator[name=cfg].literals[MODEL_VERSION]",
        ),
        (YamlPath(("model", "version")), "model.version"),
        (YamlPath(("servers", 0, "image", "tag")), "servers[0].image.tag"),
        (YamlPath(("a", "x.y")), 'a."x.y"'),
        (YamlPath(("model", "version"), 1), "model.version (document 1)"),
        (JsonPatchValue("/data/model_version"), "patch[path=/data/model_version].value"),
        (
            JsonPatchValue("/data/v", "model-config"),
            "patch[target=model-config,path=/data/v].value",
        ),
    ],
)
def test_describe(loc: overlays.Locator, text: str) -> None:
    assert overlays.describe(loc) == text


def test_locator_validation() -> None:
    with pytest.raises(ValueError, match="image field must be one of newTag, newName, digest"):
        KustomizeImage("inference", "tag")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty key path"):
        YamlPath(())
