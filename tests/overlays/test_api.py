"""The read/write contract beyond the golden files."""

from __future__ import annotations

import pytest

from bot import overlays
from bot.errors import OverlayError
from bot.overlays import ConfigMapData, GeneratorLiteral, KustomizeImage, YamlPath

# Image digests are checked like the container-image editor's: a real-looking one.
DIGEST = "sha256:" + "ab" * 32
IMAGES = """\
images:
  - name: inference
    newName: reg/inference
    newTag:   # empty: kustomize keeps the base tag
    digest: ~
"""


def test_read_returns_none_for_absent_or_null_image_fields() -> None:
    assert overlays.read(IMAGES, KustomizeImage("inference", "newName")) == "reg/inference"
    assert overlays.read(IMAGES, KustomizeImage("inference", "newTag")) is None
    assert overlays.read(IMAGES, KustomizeImage("inference", "digest")) is None
    assert overlays.read("images: [{name: inference}]\n", KustomizeImage("inference")) is None


def test_read_returns_the_scalar_as_written() -> None:
    text = "a: 1.10\nb: 012\nc: true\nd: 'x'\ne: \"\"\n"
    assert [overlays.read(text, YamlPath((key,))) for key in "abcde"] == [
        "1.10",
        "012",
        "true",
        "x",
        "",
    ]


def test_write_fills_empty_and_null_values() -> None:
    text = overlays.write(IMAGES, KustomizeImage("inference", "newTag"), "v2")
    assert "    newTag: v2   # empty: kustomize keeps the base tag\n" in text
    text = overlays.write(text, KustomizeImage("inference", "digest"), DIGEST)
    assert text.endswith(f"    digest: {DIGEST}\n")


def test_write_returns_the_same_object_when_unchanged() -> None:
    text = "model:\n  version: '3.1'  # keep\n"
    assert overlays.write(text, YamlPath(("model", "version")), "3.1") is text


def test_write_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        overlays.write("a: b\n", YamlPath(("a",)), 3)  # type: ignore[arg-type]


def test_generator_literal_keeps_inner_quotes_and_reads_without_them() -> None:
    text = 'configMapGenerator:\n- name: c\n  literals:\n  - MODEL_VERSION="3.1"\n'
    loc = GeneratorLiteral("MODEL_VERSION")
    assert overlays.read(text, loc) == "3.1"
    assert overlays.write(text, loc, "3.2").endswith('  - MODEL_VERSION="3.2"\n')


def test_generator_literal_value_with_equals_and_spaces() -> None:
    text = "configMapGenerator:\n- name: c\n  literals: [A=1, B=x=y]\n"
    assert overlays.read(text, GeneratorLiteral("B")) == "x=y"
    new = overlays.write(text, GeneratorLiteral("A"), "a, b")
    assert new == 'configMapGenerator:\n- name: c\n  literals: ["A=a, b", B=x=y]\n'


def test_configmap_in_flow_style_document() -> None:
    text = '{kind: ConfigMap, metadata: {name: m}, data: {MODEL_VERSION: "1", X: y}}\n'
    new = overlays.write(text, ConfigMapData("MODEL_VERSION"), "2")
    assert new == '{kind: ConfigMap, metadata: {name: m}, data: {MODEL_VERSION: "2", X: y}}\n'


def test_configmap_ignores_other_kinds() -> None:
    text = "kind: Secret\ndata: {MODEL_VERSION: MQ==}\n---\n"
    text += "kind: ConfigMap\ndata:\n  MODEL_VERSION: '1'\n"
    assert overlays.read(text, ConfigMapData("MODEL_VERSION")) == "1"


def test_image_field_inserted_at_entry_indentation_without_final_newline() -> None:
    text = "images:\n- name: inference  # c"
    new = overlays.write(text, KustomizeImage("inference", "digest"), DIGEST)
    assert new == f"images:\n- name: inference  # c\n  digest: {DIGEST}"


def test_tags_and_anchors_are_kept() -> None:
    text = "a: !!str &x 'v1'  # c\n"
    assert overlays.write(text, YamlPath(("a",)), "v2") == "a: !!str &x 'v2'  # c\n"


def test_flow_mapping_value_with_colon_is_quoted() -> None:
    text = "images: [{name: a, digest: x}]\n"
    new = overlays.write(text, KustomizeImage("a", "digest"), DIGEST)
    assert new == f'images: [{{name: a, digest: "{DIGEST}"}}]\n'


def test_json_patch_in_double_quoted_string() -> None:
    text = (
        'patches:\n- patch: "[{\\"op\\": \\"add\\", \\"path\\": \\"/x\\", \\"value\\": \\"1\\"}]"\n'
    )
    loc = overlays.JsonPatchValue("/x")
    assert overlays.read(text, loc) == "1"
    new = overlays.write(text, loc, 'a"b')
    assert new == (
        'patches:\n- patch: "[{\\"op\\": \\"add\\", \\"path\\": \\"/x\\", '
        '\\"value\\": \\"a\\\\\\"b\\"}]"\n'
    )
    assert overlays.read(new, loc) == 'a"b'


def test_strategic_merge_patches_are_skipped() -> None:
    text = (
        "patches:\n- patch: |-\n    kind: ConfigMap\n    data: {x: '1'}\n"
        "- patch: |-\n    - op: add\n      path: /x\n      value: '2'\n"
    )
    assert overlays.read(text, overlays.JsonPatchValue("/x")) == "2"


def test_self_check_rejects_an_edit_that_does_not_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Simulate a quoting bug: the self-check must catch it rather than write bad YAML.
    monkeypatch.setattr("bot.overlays._splice.render", lambda value, style, flow: value)
    with pytest.raises(OverlayError, match=r"writing 'a: b' would break the file: invalid YAML"):
        overlays.write("k: v\n", YamlPath(("k",)), "a: b")
    with pytest.raises(OverlayError, match=r"^writing '~' did not round-trip \(read back None\)$"):
        overlays.write("k: v\n", YamlPath(("k",)), "~")
