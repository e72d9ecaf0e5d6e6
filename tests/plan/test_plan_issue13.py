"""Planning real-shaped overlays: digest pins, shared anchors, env files, registry
placeholders checked before they reach a file, and target errors naming the config line."""

from __future__ import annotations

import re
import textwrap

import pytest

from bot import config, plan, template
from bot.errors import UserError
from bot.model import ModelVersion

HEAD = """\
registries:
  mlflow: {type: mlflow}
models:
  llm:
    environments:
      prod:
        targets:
"""
OLD = "sha256:" + "a" * 64
NEW = "sha256:" + "b" * 64
KUSTOMIZATION = f"""\
resources:
- ../../base
images:
- name: vllm
  newTag: v1.0.0 # pinned below
  digest: {OLD}
configMapGenerator:
- name: model-params
  envs:
  - params.env
"""
VALUES = """\
serving:
  image:
    tag: &tag v1.0.0
tokenizer:
  image:
    tag: *tag
guard:
  <<: &base {storageUri: 's3://models/llm/1'}
judge: {<<: *base}
"""
PARAMS = "# weights and revision\r\nMODEL_VERSION=1\r\n\r\nMODEL_REVISION=abc123\r\nX=1"
FILES = {"k.yaml": KUSTOMIZATION, "values.yaml": VALUES, "params.env": PARAMS}


REVISION = "{kind: env-file, file: params.env, key: MODEL_REVISION, value: '{tag:model_revision}'}"


def slots(targets: str) -> list[plan.Slot]:
    cfg = config.parse(HEAD + textwrap.indent(targets, " " * 10), "promotion.yml")
    return plan.slots(cfg.models["llm"].environments["prod"].targets)


def version(**kw: object) -> ModelVersion:
    base: dict[str, object] = {
        "model": "llm",
        "registered_name": "llm",
        "version": "2",
        "image_tag": "v1.1.0",
        "tags": {"model_revision": "def456", "validation_status": "passed"},
        "run_id": "0123456789abcdef",
        "source_uri": "s3://models/llm/2",
    }
    return ModelVersion(**{**base, **kw})  # type: ignore[arg-type]


def changed(targets: str, mv: ModelVersion) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    out = plan.changes(slots(targets), FILES, mv.values())
    return {c.path: (c.new_text, [(e.where, e.new) for e in c.edits]) for c in out}


def test_new_tag_removes_the_stale_digest() -> None:
    text, edits = changed("- {kind: kustomize-image, file: k.yaml, image: vllm}\n", version())[
        "k.yaml"
    ]
    assert text == KUSTOMIZATION.replace("v1.0.0", "v1.1.0").replace(f"  digest: {OLD}\n", "")
    assert edits == [("images[name=vllm].newTag", "v1.1.0")]


def test_digest_from_the_registry_is_written_with_the_tag() -> None:
    target = "- {kind: kustomize-image, file: k.yaml, image: vllm, require_digest: true}\n"
    text, edits = changed(target, version(image_digest=NEW))["k.yaml"]
    assert text == KUSTOMIZATION.replace("v1.0.0", "v1.1.0").replace(OLD, NEW)
    assert edits == [("images[name=vllm].newTag@digest", f"v1.1.0@{NEW}")]


def test_require_digest_refuses_a_version_without_digest() -> None:
    target = "- {kind: kustomize-image, file: k.yaml, image: vllm, require_digest: true}\n"
    with pytest.raises(UserError) as info:
        plan.changes(slots(target), FILES, version().values())
    assert str(info.value) == (
        "promotion.yml:8: models.llm.environments.prod.targets[0]: k.yaml: "
        "images[name=vllm].newTag@digest: images[name=vllm].newTag@digest: require_digest is "
        "on but no digest was given with tag 'v1.1.0'; publish the image digest with the "
        "model version, or turn require_digest off"
    )


def test_digest_pinned_entry_still_tells_the_deployed_tag() -> None:
    target = "- {kind: kustomize-image, file: k.yaml, image: vllm, require_digest: true}\n"
    assert plan.deployed(slots(target), FILES).image_tag == "v1.0.0"
    unpinned = {"k.yaml": KUSTOMIZATION.replace(f"  digest: {OLD}\n", "")}
    assert plan.deployed(slots(target), unpinned).image_tag == "v1.0.0"


def test_anchored_value_is_refused_naming_every_path() -> None:
    with pytest.raises(UserError) as info:
        changed("- {kind: yaml, file: values.yaml, path: serving.image.tag}\n", version())
    assert str(info.value) == (
        "promotion.yml:8: models.llm.environments.prod.targets[0]: values.yaml: "
        "serving.image.tag: key path serving.image.tag is shared through the anchor &tag on "
        "line 3 by 2 paths: serving.image.tag, tokenizer.image.tag; writing it changes them "
        "all: set aliases: update to change every one, or give each its own value"
    )


def test_aliases_update_lists_every_changed_path() -> None:
    target = (
        "- {kind: yaml, file: values.yaml, path: serving.image.tag, aliases: update,"
        " value: '{image_tag}'}\n"
    )
    text, edits = changed(target, version())["values.yaml"]
    assert text == VALUES.replace("&tag v1.0.0", "&tag v1.1.0")
    assert edits == [
        ("serving.image.tag", "v1.1.0"),
        ("tokenizer.image.tag (shares serving.image.tag)", "v1.1.0"),
    ]


def test_merge_key_value_is_read_and_its_edit_refused() -> None:
    target = "- {kind: yaml, file: values.yaml, path: guard.storageUri, value: '{source_uri}'}\n"
    assert plan.read_slot(slots(target)[0], FILES) == "s3://models/llm/1"
    with pytest.raises(UserError, match="shared through the anchor &base"):
        changed(target, version())


def test_env_file_keeps_crlf_comments_and_missing_newline() -> None:
    targets = (
        "- {kind: env-file, file: params.env, key: MODEL_VERSION}\n"
        "- {kind: env-file, file: params.env, key: MODEL_REVISION, value: '{tag:model_revision}'}\n"
    )
    text, edits = changed(targets, version())["params.env"]
    assert text == PARAMS.replace("VERSION=1", "VERSION=2").replace("abc123", "def456")
    assert edits == [("envs[MODEL_VERSION]", "2"), ("envs[MODEL_REVISION]", "def456")]
    assert plan.deployed(slots(targets), FILES).version == "1"


def test_run_id_and_source_uri_placeholders() -> None:
    targets = (
        "- {kind: yaml, file: values.yaml, path: serving.image.tag, aliases: update,"
        " value: 'run-{run_id}'}\n"
    )
    _, edits = changed(targets, version(run_id="0123456789abcdef"))["values.yaml"]
    assert edits[0] == ("serving.image.tag", "run-0123456789abcdef")


@pytest.mark.parametrize(
    ("target", "mv", "message"),
    [
        (
            REVISION,
            version(tags={}),
            "version '2' of 'llm' has no tag 'model_revision' for {tag:model_revision}; set the "
            "tag on the version in the registry, or remove the placeholder from the target",
        ),
        (
            REVISION,
            version(tags={"model_revision": "def 456\nX=evil"}),
            "version '2' of 'llm': tag 'model_revision' has the value 'def 456\\nX=evil', which "
            "cannot be written for {tag:model_revision}: a tag is 1 to 128 letters, digits, "
            "'_', '.' or '-', and does not start with '.' or '-'",
        ),
        (
            "{kind: env-file, file: params.env, key: X, value: '{source_uri}'}",
            version(source_uri="file:///etc/passwd"),
            "version '2' of 'llm': source URI 'file:///etc/passwd' cannot be written for "
            "{source_uri}: expected a URI with scheme s3, gs, https, models and no blanks or "
            "quotes",
        ),
        (
            "{kind: env-file, file: params.env, key: X, value: '{source_uri}'}",
            version(source_uri="http://mirror/llm"),
            "version '2' of 'llm': source URI 'http://mirror/llm' cannot be written for "
            "{source_uri}: expected a URI with scheme s3, gs, https, models and no blanks or "
            "quotes",
        ),
        (
            "{kind: env-file, file: params.env, key: X, value: '{source_uri}'}",
            version(source_uri=None),
            "version '2' of 'llm' has no source_uri for {source_uri}; the registry does not "
            "record one for it: remove the placeholder from the target",
        ),
        (
            "{kind: env-file, file: params.env, key: X, value: '{run_id}'}",
            version(run_id=None),
            "version '2' of 'llm' has no run_id for {run_id}; the registry does not record one "
            "for it: remove the placeholder from the target",
        ),
    ],
)
def test_missing_or_malformed_registry_value_writes_nothing(
    target: str, mv: ModelVersion, message: str
) -> None:
    # The first target is fine: the error must still stop the whole plan, not half of it.
    targets = f"- {{kind: env-file, file: params.env, key: MODEL_VERSION}}\n- {target}\n"
    with pytest.raises(UserError) as info:
        plan.changes(slots(targets), FILES, mv.values())
    assert str(info.value) == (
        "promotion.yml:9: models.llm.environments.prod.targets[1]: params.env: "
        f"envs[{target.split('key: ')[1].split(',')[0]}]: {message}"
    )


@pytest.mark.parametrize(
    "uri", ["s3://b/m/2", "gs://b/m", "https://hf.co/org/m/resolve/abc", "models:/llm/2"]
)
def test_allowed_uri_schemes(uri: str) -> None:
    assert template.checked("source_uri", {"source_uri": uri}) == uri
    target = "- {kind: env-file, file: params.env, key: X, value: '{source_uri}'}\n"
    out = plan.changes(slots(target), FILES, version(source_uri=uri).values())
    assert out[0].new_text.endswith(f"X={uri}")


def test_every_broken_target_is_listed_with_its_config_line() -> None:
    targets = (
        "- {kind: yaml, file: values.yaml, path: serving.image.tag, aliases: update}\n"
        "- {kind: yaml, file: values.yaml, path: serving.model.version}\n"
        "- {kind: env-file, file: params.env, key: MISSING}\n"
        "- {kind: yaml, file: gone.yaml, path: a}\n"
    )
    assert plan.problems(slots(targets), {**FILES, "gone.yaml": None}) == [
        "promotion.yml:9: models.llm.environments.prod.targets[1]: values.yaml: "
        "serving.model.version: key path serving.model.version not found: 'serving' has no "
        "key 'model'",
        "promotion.yml:10: models.llm.environments.prod.targets[2]: params.env: "
        "envs[MISSING]: the env file has no MISSING=... line (found: MODEL_VERSION, "
        "MODEL_REVISION, X)",
        "promotion.yml:11: models.llm.environments.prod.targets[3]: gone.yaml: file not "
        "found on the base branch; fix the target's `file`",
    ]


def test_values_expose_every_version_tag() -> None:
    values = version().values()
    assert values["tag:model_revision"] == "def456"
    assert values["run_id"] == "0123456789abcdef"
    assert values["source_uri"] == "s3://models/llm/2"
    assert "run_id" not in version(run_id=None).values()


@pytest.mark.parametrize(
    "uri", ["https:/host/x", "s3:///key", "s3://", "models:", "s3://b/a b", "s3://b/'x'", "S3"]
)
def test_uris_without_a_place_are_refused(uri: str) -> None:
    with pytest.raises(UserError, match=re.escape("cannot be written for {source_uri}")):
        template.checked("source_uri", {"source_uri": uri, "version": "2"})
