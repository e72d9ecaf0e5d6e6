"""Env files read by ``configMapGenerator`` ``envs:``: KEY=value lines, byte-preserving."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import overlays
from bot.errors import OverlayError, TargetNotFound
from bot.overlays import GeneratorLiteral, envfile
from bot.overlays._locators import EnvFileKey

PARAMS = '\ufeff# model server\r\n  MODEL_VERSION=3.1 \r\nMODEL_REVISION="abc"\r\n\r\nURI=s3://b/k?x=1\r\nEMPTY\r\n#MODEL_VERSION=old\r\nLAST=x'


@pytest.mark.parametrize(
    ("key", "current", "expected"),
    [
        ("MODEL_VERSION", "3.1 ", PARAMS.replace("MODEL_VERSION=3.1 ", "MODEL_VERSION=NEW")),
        ("MODEL_REVISION", '"abc"', PARAMS.replace('"abc"', "NEW")),
        ("URI", "s3://b/k?x=1", PARAMS.replace("s3://b/k?x=1", "NEW")),
        ("EMPTY", "", PARAMS.replace("EMPTY\r\n", "EMPTY=NEW\r\n")),
        ("LAST", "x", PARAMS[:-1] + "NEW"),
    ],
)
def test_values_read_as_kustomize_reads_them_and_only_they_change(
    key: str, current: str, expected: str
) -> None:
    # kustomize keeps quotes and trailing blanks, drops leading blanks, the BOM and the CR.
    assert envfile.read(PARAMS, EnvFileKey(key)) == current
    assert envfile.write(PARAMS, EnvFileKey(key), "NEW") == expected


def test_unchanged_value_returns_the_same_text() -> None:
    assert envfile.write(PARAMS, EnvFileKey("LAST"), "x") is PARAMS


@pytest.mark.parametrize(
    ("text", "key", "error", "message"),
    [
        (
            PARAMS,
            "MISSING",
            TargetNotFound,
            "the env file has no MISSING=... line (found: "
            "MODEL_VERSION, MODEL_REVISION, URI, EMPTY, LAST)",
        ),
        ("", "A", TargetNotFound, "the env file has no A=... line (found: none)"),
        (
            "A=1\n# A=2\n  A=3\n",
            "A",
            OverlayError,
            "the env file sets A 2 times (lines 1, 3); keep one",
        ),
    ],
)
def test_errors(text: str, key: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as err:
        envfile.read(text, EnvFileKey(key))
    assert str(err.value) == message


@pytest.mark.parametrize("value", ["a\nB=evil", "a\r", "x\u2028y"])
def test_values_with_line_breaks_are_refused(value: str) -> None:
    with pytest.raises(OverlayError, match=r"an env file value is one line, without line breaks$"):
        envfile.write(PARAMS, EnvFileKey("URI"), value)


@pytest.mark.parametrize("key", ["", "A=B", " A"])
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match=r"^invalid env file key"):
        EnvFileKey(key)


KUSTOMIZATION = """\
configMapGenerator:
- name: model-params
  envs:
  - params.env
  - ../common/cluster.env
- name: legacy
  env: old.env
- name: literal
  literals: [A=1]
"""


def test_env_files_are_found_from_the_kustomization() -> None:
    path = "deploy/overlays/prod/kustomization.yaml"
    assert envfile.env_files(KUSTOMIZATION, path) == [
        "deploy/overlays/prod/params.env",
        "deploy/overlays/common/cluster.env",
        "deploy/overlays/prod/old.env",
    ]
    assert envfile.env_files(KUSTOMIZATION, path, "legacy") == ["deploy/overlays/prod/old.env"]
    assert envfile.env_files("kind: Kustomization\n", path) == []


@pytest.mark.parametrize("bad", ["../../../../etc/passwd", "/etc/model.env"])
def test_env_files_outside_the_repository_are_refused(bad: str) -> None:
    text = f"configMapGenerator:\n- name: p\n  envs: [{bad}]\n"
    with pytest.raises(OverlayError) as err:
        envfile.env_files(text, "deploy/prod/kustomization.yaml")
    assert str(err.value) == (
        f"configMapGenerator 'p': env file {bad!r} is outside the repository; "
        "keep env files next to the kustomization"
    )


def test_generator_not_found_mentions_env_files() -> None:
    # Before: "configMapGenerator has no literal MODEL_VERSION=...", with no word of env files.
    with pytest.raises(TargetNotFound) as err:
        overlays.read(KUSTOMIZATION, GeneratorLiteral("MODEL_VERSION"))
    assert str(err.value) == (
        "configMapGenerator has no literal MODEL_VERSION=... ('model-params' reads params.env, "
        "../common/cluster.env; 'legacy' reads old.env: a key in an env file is set with an "
        "env-file target)"
    )
    with pytest.raises(
        TargetNotFound, match=r"^configMapGenerator 'literal' has no literal B=\.\.\.$"
    ):
        overlays.read(KUSTOMIZATION, GeneratorLiteral("B", "literal"))


# Property: any env file layout, any one-line value: only the value's characters change.
_KEYS = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True)
_VALUES = st.text(st.characters(blacklist_characters="\n\r\x85\u2028\u2029"), max_size=20)


@st.composite
def env_files(draw: st.DrawFn) -> tuple[str, dict[str, str], str]:
    keys = draw(st.lists(_KEYS, min_size=1, max_size=6, unique=True))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = []
    values: dict[str, str] = {}
    for key in keys:
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "# note", "  # indented", "#" + key + "=x"])))
        value = draw(_VALUES)
        lines.append(draw(st.sampled_from(["", " ", "\t"])) + f"{key}={value}")
        values[key] = value
    bom = "\ufeff" if draw(st.booleans()) else ""
    final = newline if draw(st.booleans()) else ""
    return bom + newline.join(lines) + final, values, newline


@settings(max_examples=150, deadline=None)
@given(case=env_files(), data=st.data())
def test_only_the_value_changes(case: tuple[str, dict[str, str], str], data: st.DataObject) -> None:
    text, values, _ = case
    key = data.draw(st.sampled_from(sorted(values)))
    new_value = data.draw(_VALUES)
    out = envfile.write(text, EnvFileKey(key), new_value)
    for other, value in values.items():
        assert envfile.read(out, EnvFileKey(other)) == (new_value if other == key else value)
    old_lines, new_lines = text.split("\n"), out.split("\n")  # kustomize splits on LF only
    assert len(old_lines) == len(new_lines)
    assert sum(a != b for a, b in zip(old_lines, new_lines, strict=True)) <= 1
    assert envfile.write(out, EnvFileKey(key), values[key]) == text
