"""ContainerImage: image references split into parts, and the contract beyond the goldens."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import overlays
from bot.errors import OverlayError
from bot.overlays import ContainerImage
from bot.overlays._imageref import TAG, ImageRef
from bot.overlays._locators import ImagePart

SHA_A = "sha256:" + "a" * 64
SHA_B = "sha256:" + "b" * 64

PARSED = [
    ("ubuntu", "ubuntu", None, None),
    ("ubuntu:22.04", "ubuntu", "22.04", None),
    ("docker.io/library/ubuntu:22.04", "docker.io/library/ubuntu", "22.04", None),
    ("localhost:5000/ml/inference", "localhost:5000/ml/inference", None, None),
    ("localhost:5000/ml/inference:1.2", "localhost:5000/ml/inference", "1.2", None),
    ("[::1]:5000/ml/inference:v1", "[::1]:5000/ml/inference", "v1", None),
    (f"reg/inference@{SHA_A}", "reg/inference", None, SHA_A),
    (f"reg:443/inference:v1@{SHA_A}", "reg:443/inference", "v1", SHA_A),
    ("", "", None, None),
]


@pytest.mark.parametrize(("image", "repository", "tag", "digest"), PARSED)
def test_image_references_split_into_parts_and_join_back(
    image: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = ImageRef.parse(image)
    assert (ref.repository, ref.tag, ref.digest) == (repository, tag, digest)
    assert str(ref) == image


def _workload(image: str) -> str:
    return (
        "kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
        f"      containers:\n      - name: app\n        image: {image}  # keep\n"
    )


WRITES = [
    # (image, part, value, new image)
    ("reg/app", "tag", "v2", "reg/app:v2"),
    ("localhost:5000/app", "tag", "v2", "localhost:5000/app:v2"),
    ("localhost:5000/app:v1", "tag", "v2", "localhost:5000/app:v2"),
    (f"reg/app:v1@{SHA_A}", "tag", "v2", "reg/app:v2"),  # the stale digest goes
    (f"reg/app@{SHA_A}", "tag", "v2", "reg/app:v2"),
    ("reg/app:v1", "digest", SHA_B, f"reg/app:v1@{SHA_B}"),
    (f"reg/app:v1@{SHA_A}", "digest", SHA_B, f"reg/app:v1@{SHA_B}"),
    (f"localhost:5000/app@{SHA_A}", "digest", SHA_B, f"localhost:5000/app@{SHA_B}"),
    ("reg/app:v1", "image", "other/app:v9", "other/app:v9"),
]


@pytest.mark.parametrize(("image", "part", "value", "new_image"), WRITES)
def test_write_sets_one_part_of_the_image(
    image: str, part: ImagePart, value: str, new_image: str
) -> None:
    loc = ContainerImage("app", part=part)
    assert overlays.write(_workload(image), loc, value) == _workload(new_image)


def test_writing_the_current_tag_keeps_the_digest() -> None:
    text = _workload(f"reg/app:v1@{SHA_A}")
    assert overlays.read(text, ContainerImage("app")) == "v1"
    assert overlays.write(text, ContainerImage("app"), "v1") is text


def test_read_returns_none_for_a_missing_part_or_a_null_image() -> None:
    assert overlays.read(_workload("localhost:5000/app"), ContainerImage("app")) is None
    text = _workload("reg/app:v1")
    assert overlays.read(text, ContainerImage("app", part="digest")) is None
    assert overlays.read(text, ContainerImage("app", part="image")) == "reg/app:v1"
    assert overlays.read(_workload("~"), ContainerImage("app", part="image")) is None


def test_a_flow_mapping_image_is_quoted_when_it_gains_a_colon() -> None:
    text = "kind: Pod\nspec: {containers: [{name: app, image: reg/app}]}\n"
    new = overlays.write(text, ContainerImage("app", ("Pod",)), "v2")
    assert new == 'kind: Pod\nspec: {containers: [{name: app, image: "reg/app:v2"}]}\n'


@pytest.mark.parametrize(
    ("part", "value", "message"),
    [
        (
            "tag",
            "v 1",
            "cannot write 'v 1' as an image tag: a tag is 1 to 128 letters, digits, "
            "'_', '.' or '-', and does not start with '.' or '-'",
        ),
        ("tag", "v1@" + SHA_A, None),
        ("tag", "-rc1", None),
        ("tag", "a" * 129, None),
        (
            "digest",
            "sha256:abc",
            "cannot write 'sha256:abc' as an image digest: expected sha256: and 64 lowercase "
            "hex digits (or sha384:, sha512:)",
        ),
        ("digest", "@" + SHA_A, None),
        ("digest", SHA_A.upper(), None),
    ],
)
def test_invalid_tags_and_digests_are_refused(
    part: ImagePart, value: str, message: str | None
) -> None:
    with pytest.raises(OverlayError, match=r"^cannot write .* as an image ") as err:
        overlays.write(_workload("reg/app:v1"), ContainerImage("app", part=part), value)
    if message is not None:
        assert str(err.value) == message


DESCRIBED = [
    (
        ContainerImage("vllm", ("Rollout",), "inference-llama-70b"),
        "Rollout/inference-llama-70b.containers[name=vllm].image (tag)",
    ),
    (ContainerImage("vllm", ("Rollout",)), "Rollout.containers[name=vllm].image (tag)"),
    (
        ContainerImage("vllm", name="inference", part="digest"),
        "inference.containers[name=vllm].image (digest)",
    ),
    (ContainerImage("vllm", part="image"), "containers[name=vllm].image"),
]


@pytest.mark.parametrize(("loc", "text"), DESCRIBED)
def test_describe(loc: ContainerImage, text: str) -> None:
    assert overlays.describe(loc) == text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"part": "newTag"}, "image part must be one of image, tag, digest"),
        ({"container": ""}, "empty container name"),
        ({"kinds": "Rollout"}, "kinds must be a list of kinds, e.g. [Rollout], not a string"),
        ({"kinds": ()}, "kinds is empty"),
        (
            {"kinds": ("Rollout", "InferenceService")},
            "unsupported workload kind 'InferenceService'; supported: Deployment, StatefulSet, "
            "DaemonSet, ReplicaSet, Rollout, Job, CronJob, Pod",
        ),
    ],
)
def test_invalid_locators(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as err:
        ContainerImage(**{"container": "vllm", **kwargs})  # type: ignore[arg-type]
    assert str(err.value) == message


def test_kinds_from_config_become_a_tuple() -> None:
    loc = ContainerImage("vllm", ["Rollout"])  # type: ignore[arg-type]
    assert loc.kinds == ("Rollout",)
    assert loc == ContainerImage("vllm", ("Rollout",))
    assert len({loc, ContainerImage("vllm", ("Rollout",))}) == 1


# Image references as found in manifests: optional registry host (with a port), a path,
# an optional tag and an optional digest.
HOSTS = st.one_of(
    st.just(""),
    st.from_regex(r"[a-z][a-z0-9-]{0,8}(\.[a-z0-9]{1,5}){0,2}(:[0-9]{1,5})?/", fullmatch=True),
)
PATHS = st.from_regex(
    r"[a-z][a-z0-9]{0,6}([._-][a-z0-9]{1,4})?(/[a-z][a-z0-9]{0,6}){0,2}", fullmatch=True
)
TAGS = st.from_regex(TAG.pattern.replace("{0,127}", "{0,15}"), fullmatch=True)
DIGESTS = st.from_regex(r"sha256:[a-f0-9]{64}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(
    host=HOSTS,
    path=PATHS,
    tag=st.none() | TAGS,
    digest=st.none() | DIGESTS,
    quote=st.sampled_from(["", "'", '"']),
    part=st.sampled_from(["tag", "digest"]),
    data=st.data(),
)
def test_only_the_part_written_changes(
    host: str,
    path: str,
    tag: str | None,
    digest: str | None,
    quote: str,
    part: ImagePart,
    data: st.DataObject,
) -> None:
    image = str(ImageRef(host + path, tag, digest))
    text = (
        "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
        f"      - name: app\n        image: {quote}{image}{quote}\n"
        f"      - name: sidecar\n        image: {image}\n"
    )
    loc = ContainerImage("app", part=part)
    assert overlays.read(text, loc) == (tag if part == "tag" else digest)
    value = data.draw(TAGS if part == "tag" else DIGESTS)

    new_text = overlays.write(text, loc, value)

    new_image = overlays.read(new_text, ContainerImage("app", part="image"))
    assert new_image is not None
    new_ref = ImageRef.parse(new_image)
    assert new_ref.repository == host + path
    if part == "tag":
        assert new_ref.tag == value
        assert new_ref.digest == (digest if value == tag else None)
    else:
        assert (new_ref.tag, new_ref.digest) == (tag, value)
    assert overlays.read(new_text, ContainerImage("sidecar", part="image")) == image
    old_lines, new_lines = text.splitlines(), new_text.splitlines()
    assert [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b] in (
        [],
        [6],
    )
