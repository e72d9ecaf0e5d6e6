"""Kustomize ``images:`` entries: digest pinning, and one value grammar for both image editors."""

from __future__ import annotations

import pytest

from bot import overlays
from bot.errors import OverlayError
from bot.overlays import ContainerImage, KustomizeImage
from tests.overlays.test_golden import changed_lines

OLD = "sha256:" + "1" * 64
NEW = "sha256:" + "2" * 64
PINNED = f"""\
kind: Kustomization
images:
  - name: inference  # the model server
    newName: registry.example.com/ml/inference
    newTag: v1.3.0
    digest: {OLD}  # pinned by CI
  - name: sidecar
    newTag: v9
"""


def test_a_new_tag_removes_the_stale_digest_line() -> None:
    # Before: newTag changed and the digest stayed, so kustomize rendered
    # inference:v1.4.0@sha256:111... and the runtime kept pulling the old image.
    out = overlays.write(PINNED, KustomizeImage("inference"), "v1.4.0")
    assert out == PINNED.replace("v1.3.0", "v1.4.0").replace(
        f"    digest: {OLD}  # pinned by CI\n", ""
    )
    assert overlays.read(out, KustomizeImage("inference", "digest")) is None
    # Both changes are diff lines the plan shows: the tag line, and the removed digest line.
    assert changed_lines(PINNED, out) == ([5, 6], [5])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"images:\r\n- name: a\r\n  newTag: v1\r\n  digest: {OLD}\r\n",
            "images:\r\n- name: a\r\n  newTag: v2\r\n",
        ),
        (f"images:\n- name: a\n  newTag: v1\n  digest: {OLD}", "images:\n- name: a\n  newTag: v2"),
        (
            f"images:\r\n- name: a\r\n  digest: {OLD}\r\n  newTag: v1",
            "images:\r\n- name: a\r\n  newTag: v2",
        ),
        (
            f"images: [{{name: a, newTag: v1, digest: '{OLD}'}}, {{name: b}}]\n",
            "images: [{name: a, newTag: v2}, {name: b}]\n",
        ),
        (
            f"images: [{{digest: '{OLD}', name: a, newTag: v1}}]\n",
            "images: [{name: a, newTag: v2}]\n",
        ),
        (f"images:\n- name: a\n  digest: {OLD}\n", "images:\n- name: a\n  newTag: v2\n"),
        # A null or empty digest pins nothing and stays as written.
        (
            "images:\n- name: a\n  newTag: v1\n  digest: ~\n",
            "images:\n- name: a\n  newTag: v2\n  digest: ~\n",
        ),
    ],
    ids=["crlf", "no-final-newline", "digest-first-crlf", "flow", "flow-first", "insert", "null"],
)
def test_stale_digest_removed_in_every_layout(text: str, expected: str) -> None:
    assert overlays.write(text, KustomizeImage("a"), "v2") == expected


def test_tag_and_digest_written_together_in_place() -> None:
    loc = KustomizeImage("inference", "newTag@digest")
    assert overlays.read(PINNED, loc) == f"v1.3.0@{OLD}"
    out = overlays.write(PINNED, loc, f"v1.4.0@{NEW}")
    assert out == PINNED.replace("v1.3.0", "v1.4.0").replace(OLD, NEW)
    assert changed_lines(PINNED, out) == ([5, 6], [5, 6])
    # Without a digest, the tag is set and the stale digest removed.
    assert overlays.write(PINNED, loc, "v1.4.0") == overlays.write(
        PINNED, KustomizeImage("inference"), "v1.4.0"
    )


def test_a_digest_is_added_below_the_tag() -> None:
    text = "images:\n- name: a  # c\n  newName: reg/a\n  newTag: v1\n"
    out = overlays.write(text, KustomizeImage("a", "newTag@digest"), f"v2@{NEW}")
    assert out == f"images:\n- name: a  # c\n  newName: reg/a\n  newTag: v2\n  digest: {NEW}\n"


def test_require_digest_refuses_a_tag_alone() -> None:
    pinned = KustomizeImage("inference", "newTag@digest", require_digest=True)
    with pytest.raises(OverlayError) as err:
        overlays.write(PINNED, pinned, "v1.4.0")
    assert str(err.value) == (
        "images[name=inference].newTag@digest: require_digest is on but no digest was given "
        "with tag 'v1.4.0'; publish the image digest with the model version, "
        "or turn require_digest off"
    )
    with pytest.raises(OverlayError, match=r"require_digest is on, so the tag cannot be written"):
        overlays.write(PINNED, KustomizeImage("inference", require_digest=True), "v1.4.0")
    assert overlays.write(PINNED, pinned, f"v1.4.0@{NEW}").count(NEW) == 1


# Values a runtime refuses, and the one message both image editors give for each.
TAG_RULE = "a tag is 1 to 128 letters, digits, '_', '.' or '-', and does not start with '.' or '-'"
DIGEST_RULE = "expected sha256: and 64 lowercase hex digits (or sha384:, sha512:)"
BAD_TAGS = ["", "v 2", "v2\n", "v2\nnewName: evil", "-v2", ".v2", "v2@x", "x" * 129, "é"]
BAD_DIGESTS = ["latest", "", "sha256:ab", "sha256:" + "A" * 64, f"{OLD} ", "md5:" + "1" * 32]
BAD_NAMES = [
    "",
    "Reg/App",
    "reg/app:v1",
    "reg/app@" + OLD,
    "reg app",
    "reg//app",
    "/app",
    "a" * 256,
]


@pytest.mark.parametrize("value", BAD_TAGS)
def test_bad_tags_are_refused_by_both_editors(value: str) -> None:
    message = f"cannot write {value!r} as an image tag: {TAG_RULE}"
    with pytest.raises(OverlayError) as kustomize:
        overlays.write(PINNED, KustomizeImage("sidecar"), value)
    with pytest.raises(OverlayError) as container:
        overlays.write(WORKLOAD, ContainerImage("app"), value)
    assert str(kustomize.value) == str(container.value) == message


@pytest.mark.parametrize("value", BAD_DIGESTS)
def test_bad_digests_are_refused_by_both_editors(value: str) -> None:
    message = f"cannot write {value!r} as an image digest: {DIGEST_RULE}"
    with pytest.raises(OverlayError) as kustomize:
        overlays.write(PINNED, KustomizeImage("inference", "digest"), value)
    with pytest.raises(OverlayError) as container:
        overlays.write(WORKLOAD, ContainerImage("app", part="digest"), value)
    assert str(kustomize.value) == str(container.value) == message


@pytest.mark.parametrize("value", BAD_NAMES)
def test_bad_names_are_refused(value: str) -> None:
    with pytest.raises(
        OverlayError, match=r"as an image name: an image name is \[host\[:port\]/\]"
    ):
        overlays.write(PINNED, KustomizeImage("inference", "newName"), value)


@pytest.mark.parametrize(
    "value",
    [
        "reg/app",
        "registry.example.com:5000/ml/llm-serving",
        "localhost/a__b",
        "[::1]:5000/x",
        "a.b-c",
    ],
)
def test_good_names_are_written(value: str) -> None:
    out = overlays.write(PINNED, KustomizeImage("inference", "newName"), value)
    assert overlays.read(out, KustomizeImage("inference", "newName")) == value


def test_pinned_values_are_checked_too() -> None:
    loc = KustomizeImage("inference", "newTag@digest")
    with pytest.raises(OverlayError, match=r"^cannot write 'latest' as an image digest"):
        overlays.write(PINNED, loc, "v2@latest")
    with pytest.raises(OverlayError, match=r"^cannot write 'v 2' as an image tag"):
        overlays.write(PINNED, loc, f"v 2@{NEW}")


WORKLOAD = """\
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: app
        image: reg/app:v1
"""
