"""Values shared through anchors and merge keys, and tabs before comments."""

from __future__ import annotations

import pytest

from bot import overlays
from bot.errors import OverlayError
from bot.overlays import (
    ConfigMapData,
    ContainerImage,
    GeneratorLiteral,
    KustomizeImage,
    YamlPath,
    shared_paths,
)

ANCHORED = """\
image:
  tag: &tag v5  # the one place to bump
worker:
  image:
    tag: *tag
sidecars: [*tag]
"""


def test_an_anchored_value_is_refused_naming_every_path() -> None:
    # Before: both `image.tag` and its aliases changed, and the plan listed one change.
    with pytest.raises(OverlayError) as err:
        overlays.write(ANCHORED, YamlPath(("image", "tag")), "v6")
    assert str(err.value) == (
        "key path image.tag is shared through the anchor &tag on line 2 by 3 paths: "
        "image.tag, worker.image.tag, sidecars[0]; writing it changes them all: "
        "set aliases: update to change every one, or give each its own value"
    )
    assert overlays.read(ANCHORED, YamlPath(("image", "tag"))) == "v5"  # reading is fine


def test_an_anchored_value_is_written_when_asked_and_every_path_reported() -> None:
    loc = YamlPath(("image", "tag"), aliases="update")
    out = overlays.write(ANCHORED, loc, "v6")
    assert out == ANCHORED.replace("&tag v5", "&tag v6")
    assert shared_paths(ANCHORED, loc) == ("image.tag", "worker.image.tag", "sidecars[0]")


def test_an_unshared_value_next_to_anchors_is_written() -> None:
    text = ANCHORED + "model: {version: '1'}\n"
    assert overlays.write(text, YamlPath(("model", "version")), "2").endswith("{version: '2'}\n")
    assert shared_paths(text, YamlPath(("model", "version"))) == ()


def test_a_shared_container_image_is_refused() -> None:
    text = (
        "kind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n"
        "      initContainers:\n      - {name: warm, image: &img reg/app:v1}\n"
        "      containers:\n      - {name: app, image: *img}\n"
    )
    with pytest.raises(OverlayError) as err:
        overlays.write(text, ContainerImage("warm"), "v2")
    assert "by 2 paths: spec.template.spec.initContainers[0].image, " in str(err.value)
    loc = ContainerImage("warm", aliases="update")
    assert overlays.write(text, loc, "v2").count("reg/app:v2") == 1
    assert shared_paths(text, loc) == (
        "spec.template.spec.initContainers[0].image",
        "spec.template.spec.containers[0].image",
    )


def test_anchored_configmap_and_image_fields() -> None:
    text = "kind: ConfigMap\ndata:\n  A: &v '1'\n  B: *v\n"
    with pytest.raises(OverlayError, match=r"^data\.A is shared through the anchor &v"):
        overlays.write(text, ConfigMapData("A"), "2")
    assert overlays.write(text, ConfigMapData("A", aliases="update"), "2") == text.replace(
        "'1'", "'2'"
    )
    images = "images:\n- name: a\n  newTag: &t v1\n- name: b\n  newTag: *t\n"
    with pytest.raises(OverlayError, match=r"by 2 paths: images\[0\]\.newTag, images\[1\]\.newTag"):
        overlays.write(images, KustomizeImage("a"), "v2")


MERGED = """\
defaults: &defaults
  image:
    repository: vllm/vllm-openai
  replicas: 1
  version: "1.0"
chat:
  <<: *defaults
  version: "2.0"
embed:
  <<: [*defaults, {replicas: 3}]
"""


def test_merge_keys_are_resolved_for_reading() -> None:
    # Before: "key path chat.image.repository not found".
    assert overlays.read(MERGED, YamlPath(("chat", "image", "repository"))) == "vllm/vllm-openai"
    assert overlays.read(MERGED, YamlPath(("chat", "version"))) == "2.0"  # its own key wins
    assert overlays.read(MERGED, YamlPath(("embed", "replicas"))) == "1"  # the first source wins
    assert overlays.read(MERGED, YamlPath(("embed", "version"))) == "1.0"


def test_an_edit_of_a_shared_base_is_refused() -> None:
    with pytest.raises(OverlayError) as err:
        overlays.write(MERGED, YamlPath(("embed", "version")), "3.0")
    assert str(err.value) == (
        "key path embed.version is shared through the anchor &defaults on line 1 by 2 paths: "
        "defaults.version, embed.version; writing it changes them all: "
        "set aliases: update to change every one, or give each its own value"
    )
    # A key the mapping sets itself is its own: written as usual.
    out = overlays.write(MERGED, YamlPath(("chat", "version")), "2.1")
    assert out == MERGED.replace('"2.0"', '"2.1"')


def test_a_shared_base_is_written_when_asked() -> None:
    loc = YamlPath(("chat", "image", "repository"), aliases="update")
    assert shared_paths(MERGED, loc) == (
        "defaults.image.repository",
        "chat.image.repository",
        "embed.image.repository",
    )
    out = overlays.write(MERGED, loc, "vllm/vllm-openai-rocm")
    assert out == MERGED.replace("vllm/vllm-openai", "vllm/vllm-openai-rocm")


def test_an_alias_blow_up_is_refused_not_walked() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        text += f"{level}: &{level} [{', '.join([f'*{previous}'] * 10)}]\n"
    text += "v: &v x\nw: *v\n"
    with pytest.raises(OverlayError, match=r"too many aliases"):
        overlays.write(text, YamlPath(("v",), aliases="update"), "y")


TABS = [
    ("newTag: '1.0'\t# bumped\n", ("newTag",), "newTag: '1.1'\t# bumped\n"),
    ("a: 1.0\t# c\nb: v1\t\t# d\n", ("b",), "a: 1.0\t# c\nb: v2\t\t# d\n"),
    ('a: "v1"\t\nb: x\t \t# d\r\n', ("a",), 'a: "v2"\t\nb: x\t \t# d\r\n'),
    ("m: {a: v1}\t# c\n", ("m", "a"), "m: {a: v2}\t# c\n"),
    ("\t# a comment line\nm: v1\n", ("m",), "\t# a comment line\nm: v2\n"),
]


@pytest.mark.parametrize(("text", "path", "expected"), TABS, ids=[t for t, _, _ in TABS])
def test_a_tab_before_a_comment_is_accepted_and_kept(
    text: str, path: tuple[str, ...], expected: str
) -> None:
    # Before: "invalid YAML at line 1, column 14: found character '\t' that cannot start any
    # token", although YAML allows tabs as separators and kustomize reads the file.
    old = overlays.read(text, YamlPath(path))
    new_value = {"1.0": "1.1", "v1": "v2"}[str(old)]
    assert overlays.write(text, YamlPath(path), new_value) == expected


def test_a_tab_in_a_quoted_value_is_content_and_a_tab_as_indentation_is_an_error() -> None:
    assert overlays.read("a: 'x\t# not a comment'\n", YamlPath(("a",))) == "x\t# not a comment"
    with pytest.raises(OverlayError, match=r"line 3, column 1: found character '\\t'"):
        overlays.read("a:\n\t# c\n\tb: 1\n", YamlPath(("a", "b")))


def test_kustomization_with_a_tab_before_a_comment() -> None:
    text = "images:\n- name: a\n  newTag: '1.0'\t# bumped\n"
    assert overlays.write(text, KustomizeImage("a"), "1.1") == text.replace("1.0", "1.1")


def test_a_path_may_pass_through_an_alias() -> None:
    text = "base: &base\n  image: {tag: v1}\ntokenizer:\n  image: *base\nlist: [&i {tag: v1}, *i]\n"
    # Before: "the value of 'image' in 'tokenizer' is an alias of an anchor on line 1".
    assert overlays.read(text, YamlPath(("tokenizer", "image", "image", "tag"))) == "v1"
    assert overlays.read(text, YamlPath(("list", 1, "tag"))) == "v1"
    with pytest.raises(OverlayError, match=r"by 2 paths: list\[0\]\.tag, list\[1\]\.tag;"):
        overlays.write(text, YamlPath(("list", 1, "tag")), "v2")
    loc = YamlPath(("tokenizer", "image", "image", "tag"), aliases="update")
    assert overlays.write(text, loc, "v2") == text.replace("{tag: v1}\ntok", "{tag: v2}\ntok")


def test_an_anchored_generator_literal_is_refused_unless_asked() -> None:
    text = (
        "configMapGenerator:\n- name: a\n  literals: [&v MODEL_VERSION=1]\n"
        "secretGenerator:\n- name: s\n  literals: [*v]\n"
    )
    with pytest.raises(OverlayError) as err:
        overlays.write(text, GeneratorLiteral("MODEL_VERSION"), "2")
    assert str(err.value).startswith(
        "configMapGenerator[].literals[MODEL_VERSION] is shared through the anchor &v on line 3 "
        "by 2 paths: configMapGenerator[0].literals[0], secretGenerator[0].literals[0];"
    )
    loc = GeneratorLiteral("MODEL_VERSION", aliases="update")
    assert overlays.write(text, loc, "2") == text.replace("=1", "=2")
