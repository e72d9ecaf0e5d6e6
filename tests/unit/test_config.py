"""Config loading: strict validation with messages naming file, line, key path and fix."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from bot import config
from bot.config import schema
from bot.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/gitops-repo/.github/promotion.yml"

BASE = """\
registries:
  mlflow: {type: mlflow}
models:
  fraud:
    environments:
      prod:
        targets:
          - {kind: kustomize-image, file: overlays/prod/kustomization.yaml, image: inference}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config.parse(textwrap.dedent(text), "promotion.yml")
    return info.value.problems


def test_example_config_loads_with_defaults() -> None:
    cfg = config.load(EXAMPLE)
    model = cfg.models["fraud-detector"]
    assert model.validated.tags == {"validation_status": "passed"}
    assert model.image.tag_from == "image_tag"
    assert cfg.git.branch_prefix == "promote"
    assert [e for _, e in cfg.pairs()] == ["dev", "staging", "prod"]


def test_minimal_config_defaults() -> None:
    cfg = config.parse(BASE, "promotion.yml")
    target = cfg.models["fraud"].environments["prod"].targets[0]
    assert isinstance(target, config.KustomizeImageTarget)
    assert target.new_tag == "{image_tag}"
    assert cfg.registry_of("fraud") == "mlflow"


ERROR_CASES = [
    (
        "typo in a top-level key",
        BASE + "pull_requests: {}\n",
        [
            "promotion.yml:9: pull_requests: unknown key 'pull_requests'; "
            "did you mean 'pull_request'?"
        ],
    ),
    (
        "typo in a target key",
        BASE.replace("image: inference", "imgae: inference"),
        [
            "promotion.yml:8: models.fraud.environments.prod.targets[0].imgae: "
            "unknown key 'imgae'; did you mean 'image'?",
        ],
    ),
    (
        "unknown target kind",
        BASE.replace("kind: kustomize-image", "kind: kustomize-img"),
        [
            "promotion.yml:8: models.fraud.environments.prod.targets[0]: "
            "unknown kind 'kustomize-img'; did you mean 'kustomize-image'?"
        ],
    ),
    (
        "missing kind",
        BASE.replace("kind: kustomize-image, ", ""),
        ["promotion.yml:8: models.fraud.environments.prod.targets[0]: missing `kind:`; add it"],
    ),
    (
        "bad placeholder",
        BASE.replace("image: inference}", "image: inference, new_tag: 'v{tag}'}"),
        [
            "promotion.yml:8: models.fraud.environments.prod.targets[0].new_tag: bad placeholder "
            "{tag} in 'v{tag}'; use {model}, {version}, {image_tag}, {image_digest}, {run_id}, "
            "{source_uri}, {tag:<name>}"
        ],
    ),
    (
        "path escaping the repository",
        BASE.replace("file: overlays", "file: ../overlays"),
        [
            "promotion.yml:8: models.fraud.environments.prod.targets[0].file: "
            "must be a path inside the repository, got '../overlays/prod/kustomization.yaml'"
        ],
    ),
    (
        "wrong type",
        BASE + "pull_request: {draft: maybe}\n",
        [
            "promotion.yml:9: pull_request.draft: input should be a valid boolean, "
            "unable to interpret input, got 'maybe'"
        ],
    ),
    (
        "unknown registry type",
        BASE.replace("type: mlflow", "type: mlfow"),
        ["promotion.yml:2: registries.mlflow: unknown type 'mlfow'; did you mean 'mlflow'?"],
    ),
    (
        "no environments",
        "registries: {m: {type: mlflow}}\nmodels:\n  fraud: {environments: {}}\n",
        [
            "promotion.yml:3: models.fraud.environments: dictionary should have at least 1 item "
            "after validation, not 0, got {}"
        ],
    ),
    (
        "model name unsafe for a branch",
        BASE.replace("  fraud:", "  'fraud detector':"),
        [
            "promotion.yml:4: models.fraud detector: model name 'fraud detector' must match "
            "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$: it becomes a branch name"
        ],
    ),
    (
        "unknown registry reference",
        BASE.replace("  fraud:\n", "  fraud:\n    registry: other\n"),
        ["promotion.yml:5: models.fraud.registry: unknown registry 'other'; use one of: mlflow"],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_config_errors(name: str, text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_invalid_yaml_names_the_line() -> None:
    assert problems("models:\n  a: [1, 2\n") == [
        "promotion.yml:3: invalid YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_duplicate_keys_are_errors() -> None:
    (problem,) = problems(BASE + "models: {}\n")
    assert problem.startswith("promotion.yml:9: invalid YAML: found duplicate key")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(tmp_path / "nope.yml")
    assert (
        str(info.value)
        == f"{tmp_path / 'nope.yml'}: config file not found; create it or pass --config"
    )


def test_empty_file() -> None:
    assert problems("") == ["promotion.yml: config is empty; see the README for a complete example"]


def test_committed_schema_matches_the_models() -> None:
    assert schema.SCHEMA_PATH.read_text(encoding="utf-8") == schema.render(), (
        "schema/promotion.schema.json is stale: run `python -m bot.config.schema`"
    )


@pytest.mark.parametrize(
    "text",
    [
        BASE,
        EXAMPLE.read_text(encoding="utf-8"),
        BASE + "pull_requests: {}\n",
        BASE.replace("kind: kustomize-image", "kind: nope"),
        BASE + "pull_request: {draft: maybe}\n",
        BASE.replace("image: inference", "imgae: inference"),
        BASE.replace("  fraud:", "  'fraud detector':"),
    ],
)
def test_schema_and_loader_agree(text: str) -> None:
    data = YAML(typ="safe").load(text)
    validator = jsonschema.Draft202012Validator(json.loads(schema.render()))
    schema_ok = not list(validator.iter_errors(data))
    try:
        config.parse(text, "promotion.yml")
        loader_ok = True
    except ConfigError:
        loader_ok = False
    assert schema_ok == loader_ok
