"""Error messages, exactly: they reach the user as one line prefixed with the file name."""

from __future__ import annotations

import pytest

from bot import overlays
from bot.errors import OverlayError, TargetNotFound
from bot.overlays import (
    ConfigMapData,
    ContainerImage,
    GeneratorLiteral,
    JsonPatchValue,
    KustomizeImage,
    YamlPath,
)

KUSTOMIZATION = """\
kind: Kustomization
images:
  - name: model-server
    newTag: v1
  - name: sidecar
    newTag: v2
"""
DUPLICATE_IMAGE = KUSTOMIZATION + "  - name: sidecar\n    newTag: v3\n"
TWO_CONFIGMAPS = """\
kind: ConfigMap
metadata: {name: a}
data: {MODEL_VERSION: "1"}
---
kind: ConfigMap
metadata: {name: b}
data: {MODEL_VERSION: "2"}
"""
GENERATORS = """\
configMapGenerator:
- name: a
  literals: [MODEL_VERSION=1]
- name: b
  literals: [MODEL_VERSION=2, X=1]
"""
VALUES = """\
model:
  name: llama
  version: "3.1"
  list: [1, 2]
image: v1
"""
PATCHES = """\
patches:
- target: {name: a}
  patch: |-
    - op: replace
      path: /data/model_version
      value: "1"
- target: {name: b}
  patch: |-
    - op: remove
      path: /data/model_version
"""
WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: reg/migrate:v1
      containers:
        - name: app
          image: reg/app:v1
        - name: sidecar
          image: reg/sidecar:v1
"""
TRAIN_JOB = """\
---
kind: Job
metadata: {name: train}
spec:
  template:
    spec:
      containers: [{name: trainer, image: reg/trainer:v1}]
"""
ROLLOUT = """\
kind: Rollout
metadata: {name: NAME}
spec:
  template:
    spec:
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.6.3
"""
TWO_ROLLOUTS = ROLLOUT.replace("NAME", "a") + "---\n" + ROLLOUT.replace("NAME", "b")
DEPLOYMENT_SPEC = "kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"

NOT_FOUND: list[tuple[str, overlays.Locator, str]] = [
    (
        KUSTOMIZATION,
        KustomizeImage("inference"),
        "no images[] entry with name 'inference' (found: model-server, sidecar)",
    ),
    (
        "kind: Kustomization\n",
        KustomizeImage("inference"),
        "no images[] entry with name 'inference' (the file has no images)",
    ),
    (
        TWO_CONFIGMAPS,
        ConfigMapData("MODEL_REVISION"),
        "no ConfigMap document with data.MODEL_REVISION",
    ),
    (TWO_CONFIGMAPS, ConfigMapData("MODEL_VERSION", "c"), "no ConfigMap named 'c' (found: a, b)"),
    (
        TWO_CONFIGMAPS.replace('data: {MODEL_VERSION: "2"}', "data: {}"),
        ConfigMapData("MODEL_VERSION", "b"),
        "ConfigMap 'b' has no data.MODEL_VERSION",
    ),
    (
        GENERATORS,
        GeneratorLiteral("MODEL_REVISION"),
        "configMapGenerator has no literal MODEL_REVISION=...",
    ),
    (
        "kind: Kustomization\n",
        GeneratorLiteral("MODEL_VERSION"),
        "configMapGenerator has no literal MODEL_VERSION=...",
    ),
    (
        GENERATORS,
        GeneratorLiteral("MODEL_VERSION", "c"),
        "no configMapGenerator named 'c' (found: a, b)",
    ),
    (GENERATORS, GeneratorLiteral("X", "a"), "configMapGenerator 'a' has no literal X=..."),
    (
        VALUES,
        YamlPath(("model", "revision")),
        "key path model.revision not found: 'model' has no key 'revision'",
    ),
    (
        VALUES,
        YamlPath(("models", "version")),
        "key path models.version not found: no top-level key 'models'",
    ),
    (
        VALUES,
        YamlPath(("model", "list", 5)),
        "key path model.list[5] not found: 'model.list' has no item [5] (it has 2)",
    ),
    (VALUES, YamlPath(("model", "version"), 2), "document 2 not found (the file has 1 document)"),
    (
        "",
        YamlPath(("model", "version")),
        "key path model.version not found: the file has no documents",
    ),
    (
        "---\n",
        YamlPath(("model", "version")),
        "key path model.version not found: the document is empty",
    ),
    (
        "a: 1\n---\nb: 2\n",
        YamlPath(("model", "version")),
        "key path model.version not found: no top-level key 'model' (document 0)",
    ),
    (
        PATCHES,
        JsonPatchValue("/data/other"),
        "no inline JSON 6902 patch has an op with path /data/other",
    ),
    (
        PATCHES,
        JsonPatchValue("/data/model_version", "b"),
        "the op with path /data/model_version in patches[1] has no value",
    ),
    (
        PATCHES,
        JsonPatchValue("/data/model_version", "c"),
        "no inline patch with target name 'c' has an op with path /data/model_version "
        "(ops with that path: target a in patches[0], target b in patches[1])",
    ),
    (
        WEB,
        ContainerImage("vllm"),
        "no container named 'vllm' (found: Deployment/web: app, sidecar, migrate [init])",
    ),
    (
        WEB + TRAIN_JOB,
        ContainerImage("vllm"),
        "no container named 'vllm' "
        "(found: Deployment/web: app, sidecar, migrate [init]; Job/train: trainer)",
    ),
    (
        "kind: Rollout\nmetadata: {name: r}\nspec:\n  workloadRef: {kind: Deployment, name: web}\n",
        ContainerImage("vllm"),
        "no container named 'vllm' (found: Rollout/r: none)",
    ),
    (
        "kind: AnalysisTemplate\n---\nkind: Service\n",
        ContainerImage("vllm", ("Rollout",)),
        "no workload of kind Rollout (found: AnalysisTemplate, Service)",
    ),
    (
        WEB,
        ContainerImage("app", ("Rollout", "StatefulSet")),
        "no workload of kind Rollout or StatefulSet (found: Deployment)",
    ),
    (
        "",
        ContainerImage("vllm"),
        "no workload of kind Deployment, StatefulSet, DaemonSet, Rollout, Job or CronJob "
        "(found: none)",
    ),
    (
        WEB + TRAIN_JOB,
        ContainerImage("app", name="c"),
        "no workload named 'c' (found: Deployment/web, Job/train)",
    ),
    (
        WEB.replace("          image: reg/app:v1\n", ""),
        ContainerImage("app"),
        "container 'app' in Deployment/web has no image",
    ),
]

AMBIGUOUS: list[tuple[str, overlays.Locator, str]] = [
    (
        DUPLICATE_IMAGE,
        KustomizeImage("sidecar"),
        "images[] has 2 entries with name 'sidecar' (lines 5, 7); keep one",
    ),
    (
        TWO_CONFIGMAPS,
        ConfigMapData("MODEL_VERSION"),
        "2 ConfigMap documents have data.MODEL_VERSION (a, b); set name to pick one",
    ),
    (
        GENERATORS,
        GeneratorLiteral("MODEL_VERSION"),
        "2 configMapGenerator entries have the literal MODEL_VERSION=... (a, b); "
        "set generator to pick one",
    ),
    (
        "configMapGenerator:\n- name: a\n  literals: [K=1, K=2]\n",
        GeneratorLiteral("K"),
        "configMapGenerator 'a' has 2 literals K=...; keep one",
    ),
    (
        VALUES + "---\n" + VALUES,
        YamlPath(("model", "version")),
        "key path model.version is in documents 0, 1; set document to pick one",
    ),
    (
        PATCHES,
        JsonPatchValue("/data/model_version"),
        "2 patch ops have path /data/model_version (target a in patches[0], target b in "
        "patches[1]); set target to pick one",
    ),
    ("a: 1\na: 2\n", YamlPath(("a",)), "the document has the key 'a' 2 times (lines 1, 2)"),
    (
        TWO_ROLLOUTS,
        ContainerImage("vllm"),
        "2 workloads have a container named 'vllm' (Rollout/a, Rollout/b); "
        "set the workload name to pick one",
    ),
    (
        ROLLOUT.replace("NAME", "a")
        + "---\n"
        + ROLLOUT.replace("NAME", "a").replace("kind: Rollout", "kind: Deployment"),
        ContainerImage("vllm", name="a"),
        "2 workloads have a container named 'vllm' (Rollout/a, Deployment/a); "
        "they share the name 'a'; set kinds to pick one",
    ),
    (
        ROLLOUT.replace("NAME", "a") + "---\n" + ROLLOUT.replace("NAME", "a"),
        ContainerImage("vllm", name="a"),
        "2 workloads have a container named 'vllm' (Rollout/a, Rollout/a); "
        "they share the name 'a'; keep one",
    ),
    (
        WEB.replace("reg/migrate:v1", "reg/migrate:v1\n        - name: app\n          image: x"),
        ContainerImage("app"),
        "Deployment/web has 2 containers named 'app' (lines 11, 14); keep one",
    ),
]

MALFORMED: list[tuple[str, overlays.Locator, str]] = [
    (
        "a: b: c\n",
        KustomizeImage("inference"),
        "invalid YAML at line 1, column 5: mapping values are not allowed here",
    ),
    (
        "a: [1, 2\n",
        YamlPath(("a",)),
        "invalid YAML at line 2, column 1: expected ',' or ']', but got '<stream end>'",
    ),
    (
        "a: 'x\n",
        ConfigMapData("a"),
        "invalid YAML at line 2, column 1: found unexpected end of stream",
    ),
    (
        "a: \x01\n",
        GeneratorLiteral("a"),
        "invalid YAML at line 1, column 4: character #x0001: special characters are not allowed",
    ),
    (
        "a:\n\t- x\n",
        YamlPath(("a",)),
        "invalid YAML at line 2, column 1: found character '\\t' that cannot start any token",
    ),
    (
        "patches:\n- patch: |-\n    - op: replace\n      path: /x\n      value: [\n",
        JsonPatchValue("/x"),
        "invalid YAML in patches[0].patch at line 6, column 1: "
        "expected the node content, but found '<stream end>'",
    ),
]

WRONG_SHAPE: list[tuple[str, overlays.Locator, str]] = [
    ("images: {name: x}\n", KustomizeImage("inference"), "images is a mapping, not a list"),
    (
        "images:\n- just-a-string\n",
        KustomizeImage("inference"),
        "images[0] is the scalar 'just-a-string', not a mapping",
    ),
    (
        KUSTOMIZATION.replace("newTag: v1", "newTag: {a: 1}"),
        KustomizeImage("model-server"),
        "images[name=model-server].newTag is a mapping, not a scalar",
    ),
    (
        "kind: ConfigMap\ndata: [a]\n",
        ConfigMapData("MODEL_VERSION"),
        "ConfigMap in document 0: data is a list, not a mapping",
    ),
    (
        VALUES,
        YamlPath(("image", "tag")),
        "key path image.tag: 'image' is the scalar 'v1', not a mapping",
    ),
    (VALUES, YamlPath(("model",)), "key path model is a mapping, not a scalar"),
    (VALUES, YamlPath(("model", 0)), "key path model[0]: 'model' is a mapping, not a list"),
    (
        "- a\n",
        YamlPath(("model", "version")),
        "key path model.version: the document is a list, not a mapping",
    ),
    (
        "a: &x 1\nb: *x\n",
        YamlPath(("b",)),
        "the value of 'b' in the document is an alias of an anchor on line 1; "
        "edit the anchored value instead",
    ),
    (
        DEPLOYMENT_SPEC + "      containers: {name: app}\n",
        ContainerImage("app"),
        "Deployment/web: spec.template.spec.containers is a mapping, not a list",
    ),
    (
        DEPLOYMENT_SPEC + "      containers: [app]\n",
        ContainerImage("app"),
        "Deployment/web: spec.template.spec.containers[0] is the scalar 'app', not a mapping",
    ),
    (
        "kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec: [a]\n",
        ContainerImage("app"),
        "CronJob/c: spec.jobTemplate.spec is a list, not a mapping",
    ),
    (
        WEB.replace("image: reg/app:v1", "image: {name: reg/app}"),
        ContainerImage("app"),
        "Deployment/web: containers[name=app].image is a mapping, not a scalar",
    ),
    (
        "kind: Pod\nspec:\n  containers:\n  - {name: a, image: &i r:1}\n  - {name: b, image: *i}\n",
        ContainerImage("b", ("Pod",)),
        "the value of 'image' in Pod in document 0: containers[name=b] is an alias of an anchor "
        "on line 4; edit the anchored value instead",
    ),
]


def _ids(table: list[tuple[str, overlays.Locator, str]]) -> list[str]:
    return [message[:40] for _, _, message in table]


@pytest.mark.parametrize(("text", "loc", "message"), NOT_FOUND, ids=_ids(NOT_FOUND))
def test_missing_targets(text: str, loc: overlays.Locator, message: str) -> None:
    with pytest.raises(TargetNotFound) as err:
        overlays.read(text, loc)
    assert str(err.value) == message
    with pytest.raises(TargetNotFound):
        overlays.write(text, loc, "v9")


@pytest.mark.parametrize(
    ("text", "loc", "message"),
    AMBIGUOUS + MALFORMED + WRONG_SHAPE,
    ids=_ids(AMBIGUOUS + MALFORMED + WRONG_SHAPE),
)
def test_overlay_errors(text: str, loc: overlays.Locator, message: str) -> None:
    with pytest.raises(OverlayError) as err:
        overlays.read(text, loc)
    assert str(err.value) == message
    assert "\n" not in message and "Traceback" not in message and "<unicode string>" not in message
    with pytest.raises(OverlayError):
        overlays.write(text, loc, "v9")


WRITE_ONLY_ERRORS: list[tuple[str, overlays.Locator, str]] = [
    (
        "images:\n- name: a\n  newTag: |\n    v1\n",
        KustomizeImage("a"),
        "the value is a block scalar (|); only one-line scalars are edited, "
        "so rewrite it as a quoted string",
    ),
    (
        "patches:\n- patch: >-\n    [{op: replace, path: /x, value: '1'}]\n",
        JsonPatchValue("/x"),
        "patches[0].patch is a folded scalar; only literal block (patch: |) and one-line "
        "quoted patches can be edited in place",
    ),
    (
        "configMapGenerator:\n- name: a\n  literals: [K=1]\n",
        GeneratorLiteral("K"),
        "cannot write '\"2\"': kustomize strips quotes around literal values",
    ),
    ("- \n", YamlPath((0,)), "the list item is empty; give it a value first"),
    (
        DEPLOYMENT_SPEC
        + "      containers:\n      - name: app\n        image: |-\n          r:v1\n",
        ContainerImage("app"),
        "the value is a block scalar (|); only one-line scalars are edited, "
        "so rewrite it as a quoted string",
    ),
    (
        DEPLOYMENT_SPEC + "      containers:\n      - name: app\n        image: ''\n",
        ContainerImage("app"),
        "the image of container 'app' in Deployment/web is empty; "
        "set the whole image first (part: image)",
    ),
    (
        DEPLOYMENT_SPEC + "      containers:\n      - name: app\n        image:\n",
        ContainerImage("app", part="digest"),
        "cannot write '2' as an image digest: expected sha256: and 64 lowercase hex digits "
        "(or sha384:, sha512:)",
    ),
]


@pytest.mark.parametrize(("text", "loc", "message"), WRITE_ONLY_ERRORS, ids=_ids(WRITE_ONLY_ERRORS))
def test_readable_but_not_writable(text: str, loc: overlays.Locator, message: str) -> None:
    overlays.read(text, loc)  # reading is fine
    value = '"2"' if isinstance(loc, GeneratorLiteral) else "2"
    with pytest.raises(OverlayError) as err:
        overlays.write(text, loc, value)
    assert str(err.value) == message
