"""Config for the GitOps shapes of real repositories: digest pinning, shared anchors, env
files, registry placeholders, metric directions, deploy wording, and target locations."""

from __future__ import annotations

import json
import textwrap

import jsonschema
import pytest
from ruamel.yaml import YAML

from bot import config, overlays
from bot.config import schema
from bot.errors import ConfigError

HEAD = """\
registries:
  mlflow: {type: mlflow}
models:
  llm:
    environments:
      prod:
        targets:
"""


def parse(targets: str, extra: str = "") -> config.Config:
    return config.parse(HEAD + textwrap.indent(targets, " " * 10) + extra, "promotion.yml")


def problems(targets: str, extra: str = "") -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(targets, extra)
    return info.value.problems


def edits(targets: str) -> list[tuple[overlays.Locator, str]]:
    cfg = parse(targets)
    return [e for t in cfg.models["llm"].environments["prod"].targets for e in t.edits()]


def test_kustomize_image_default_is_a_plain_tag() -> None:
    assert edits("- {kind: kustomize-image, file: k.yaml, image: srv}\n") == [
        (overlays.KustomizeImage("srv", "newTag"), "{image_tag}")
    ]


def test_require_digest_writes_tag_and_digest_as_one_value() -> None:
    assert edits("- {kind: kustomize-image, file: k.yaml, image: srv, require_digest: true}\n") == [
        (
            overlays.KustomizeImage("srv", "newTag@digest", require_digest=True),
            "{image_tag}@{image_digest}",
        )
    ]


def test_tag_and_digest_templates_share_one_slot() -> None:
    # Two slots would let the tag change next to the old digest; one value cannot.
    got = edits(
        "- {kind: kustomize-image, file: k.yaml, image: srv, new_name: 'reg.io/srv',"
        " digest: '{image_digest}'}\n"
    )
    assert got == [
        (overlays.KustomizeImage("srv", "newTag@digest"), "{image_tag}@{image_digest}"),
        (overlays.KustomizeImage("srv", "newName"), "reg.io/srv"),
    ]


def test_digest_alone_stays_a_digest_slot() -> None:
    got = edits(
        "- {kind: kustomize-image, file: k.yaml, image: srv, new_tag: null,"
        " digest: '{image_digest}'}\n"
    )
    assert got == [(overlays.KustomizeImage("srv", "digest"), "{image_digest}")]


@pytest.mark.parametrize(
    "target",
    [
        "{kind: kustomize-image, file: k.yaml, image: srv, aliases: update}",
        "{kind: configmap, file: c.yaml, key: MODEL_VERSION, aliases: update}",
        "{kind: configmap-generator, file: k.yaml, key: MODEL_VERSION, aliases: update}",
        "{kind: yaml, file: values.yaml, path: image.tag, aliases: update}",
        "{kind: container-image, file: d.yaml, container: vllm, aliases: update}",
    ],
)
def test_aliases_update_reaches_the_locator(target: str) -> None:
    for locator, _ in edits(f"- {target}\n"):
        assert locator.aliases == "update"  # type: ignore[union-attr]


def test_aliases_default_is_refuse() -> None:
    for locator, _ in edits("- {kind: yaml, file: values.yaml, path: image.tag}\n"):
        assert locator.aliases == "refuse"  # type: ignore[union-attr]


def test_aliases_value_is_checked() -> None:
    (problem,) = problems("- {kind: yaml, file: v.yaml, path: a, aliases: always}\n")
    assert problem == (
        "promotion.yml:8: models.llm.environments.prod.targets[0].aliases: "
        "input should be 'refuse' or 'update', got 'always'"
    )


def test_json_patch_has_no_aliases() -> None:
    (problem,) = problems("- {kind: json-patch, file: k.yaml, op_path: /data/v, aliases: update}\n")
    assert problem.startswith(
        "promotion.yml:8: models.llm.environments.prod.targets[0].aliases: unknown key 'aliases'"
    )


def test_env_file_target_names_the_env_file() -> None:
    assert edits(
        "- {kind: env-file, file: overlays/prod/params.env, key: MODEL_REVISION,"
        " value: '{tag:model_revision}'}\n"
    ) == [(overlays.EnvFileKey("MODEL_REVISION"), "{tag:model_revision}")]


def test_env_file_key_is_checked() -> None:
    (problem,) = problems("- {kind: env-file, file: p.env, key: 'A=B'}\n")
    assert problem == (
        "promotion.yml:8: models.llm.environments.prod.targets[0].key: invalid env file key "
        "'A=B': no '=' and no blanks around it"
    )


@pytest.mark.parametrize(
    "value", ["{tag:model_revision}", "{run_id}", "{source_uri}", "rev-{tag:git.sha}"]
)
def test_registry_placeholders_are_accepted(value: str) -> None:
    parse(f"- {{kind: yaml, file: v.yaml, path: a, value: '{value}'}}\n")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "{tag}",
            "bad placeholder {tag} in '{tag}'; use {model}, {version}, {image_tag}, "
            "{image_digest}, {run_id}, {source_uri}, {tag:<name>}",
        ),
        (
            "{tag:a!r}",
            "bad placeholder {tag:a!r} in '{tag:a!r}'; name a version tag, "
            "e.g. {tag:model_revision}",
        ),
        (
            "{tag:{x}}",
            "bad placeholder {tag:{x}} in '{tag:{x}}'; name a version tag, "
            "e.g. {tag:model_revision}",
        ),
    ],
)
def test_bad_placeholders(value: str, message: str) -> None:
    (problem,) = problems(f"- {{kind: yaml, file: v.yaml, path: a, value: '{value}'}}\n")
    assert problem == f"promotion.yml:8: models.llm.environments.prod.targets[0].value: {message}"


def test_every_target_knows_its_config_line() -> None:
    cfg = parse(
        "- {kind: yaml, file: v.yaml, path: a}\n"
        "- kind: env-file\n"
        "  file: p.env\n"
        "  key: MODEL_VERSION\n",
        "        clusters:\n"
        "          eu:\n"
        "            targets:\n"
        "              - {kind: yaml, file: eu.yaml, path: a}\n",
    )
    env = cfg.models["llm"].environments["prod"]
    assert [t.origin for t in env.all_targets()] == [
        "promotion.yml:8: models.llm.environments.prod.targets[0]",
        "promotion.yml:9: models.llm.environments.prod.targets[1]",
        "promotion.yml:15: models.llm.environments.prod.clusters.eu.targets[0]",
    ]


METRICS = """\
    metrics:
      - accuracy
      - {name: latency_p99_ms, better: lower, tolerance: 5}
      - name: recall
        better: higher
"""


def test_metrics_take_a_direction_and_keep_plain_names() -> None:
    model = parse("- {kind: yaml, file: v.yaml, path: a}\n", METRICS).models["llm"]
    assert model.metrics == ["accuracy", "latency_p99_ms", "recall"]
    assert [(m.name, m.better, m.tolerance) for m in model.metric_rules()] == [
        ("accuracy", None, 0),
        ("latency_p99_ms", "lower", 5),
        ("recall", "higher", 0),
    ]


def test_gates_may_use_metrics_given_with_a_direction() -> None:
    parse("- {kind: yaml, file: v.yaml, path: a}\n", METRICS + "    gates: ['recall >= 0.8']\n")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{name: a, better: up}", "better: input should be 'higher' or 'lower'"),
        ("{name: a, tolerance: -1}", "tolerance: input should be greater than or equal to 0"),
        ("{better: lower}", "name: field required"),
        ("{name: a, worse: lower}", "worse: extra inputs are not permitted"),
    ],
)
def test_bad_metric_entries(entry: str, message: str) -> None:
    (problem,) = problems("- {kind: yaml, file: v.yaml, path: a}\n", f"    metrics: [{entry}]\n")
    assert problem == f"promotion.yml:9: models.llm.metrics[0]: {message}"


def test_deploy_tool() -> None:
    target = "- {kind: yaml, file: v.yaml, path: a}\n"
    assert parse(target).deploy.tool == "argocd"
    assert parse(target, "deploy: {tool: flux}\n").deploy.tool == "flux"
    (problem,) = problems(target, "deploy: {tool: helm}\n")
    assert problem == (
        "promotion.yml:9: deploy.tool: input should be 'argocd', 'flux' or 'none', got 'helm'"
    )


def test_published_schema_accepts_the_new_keys() -> None:
    text = (
        HEAD + "          - {kind: kustomize-image, file: k.yaml, image: s, require_digest: true}\n"
        "          - {kind: env-file, file: p.env, key: K, value: '{tag:rev}'}\n"
        "          - {kind: yaml, file: v.yaml, path: a, aliases: update}\n"
        + METRICS
        + "deploy: {tool: none}\n"
    )
    published = json.loads(schema.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert published == schema.generate()
    data = YAML(typ="safe").load(text)
    jsonschema.validate(data, published)
    config.parse(text, "promotion.yml")
    data["models"]["llm"]["metrics"][1]["better"] = "up"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, published)
