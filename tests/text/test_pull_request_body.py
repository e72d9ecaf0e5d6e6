"""The PR body a reviewer decides from, element by element, against golden files
(`UPDATE_GOLDEN=1` rewrites them; review the diff before committing)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot import config, markers
from bot.model import Deployed, Edit, FileChange, ModelVersion, PromotionId
from bot.policy import gates
from bot.text import pull_request, versions

GOLDEN = Path(__file__).parent / "golden"
OLD_DIGEST = "sha256:" + "a" * 64
KUSTOMIZATION = f"images:\n- name: vllm\n  newTag: v1.4.0\n  digest: {OLD_DIGEST}\n"
VALUES = "serving:\n  image:\n    tag: &tag v1.4.0\ntokenizer:\n  image:\n    tag: *tag\n"
CHANGES = (
    FileChange(
        "overlays/prod/kustomization.yaml",
        KUSTOMIZATION,
        "images:\n- name: vllm\n  newTag: v1.5.0\n",
        (Edit("overlays/prod/kustomization.yaml", "images[name=vllm].newTag", "v1.4.0", "v1.5.0"),),
    ),
    FileChange(
        "values.yaml",
        VALUES,
        VALUES.replace("v1.4.0", "v1.5.0"),
        (
            Edit("values.yaml", "serving.image.tag", "v1.4.0", "v1.5.0"),
            Edit(
                "values.yaml", "tokenizer.image.tag (shares serving.image.tag)", "v1.4.0", "v1.5.0"
            ),
        ),
    ),
)
PROMO = PromotionId("llm", "prod", "3", "v1.5.0")
METRICS = config.parse(
    """\
registries: {mlflow: {type: mlflow}}
models:
  llm:
    metrics:
      - {name: accuracy, better: higher}
      - {name: latency_p99_ms, better: lower, tolerance: 5}
      - {name: recall, better: higher, tolerance: 0.001}
      - throughput
    environments:
      prod:
        targets: [{kind: yaml, file: values.yaml, path: serving.image.tag}]
""",
    "promotion.yml",
).models["llm"]


def _mv(version: str, tag: str, metrics: dict[str, float]) -> ModelVersion:
    return ModelVersion(
        "llm",
        "llm",
        version,
        tag,
        run_id="abcdef1234567890",
        metrics=metrics,
        url=f"https://mlflow.example/#/models/llm/versions/{version}",
        run_url="https://mlflow.example/#/runs/abcdef1234567890",
    )


CANDIDATE = _mv(
    "3", "v1.5.0", {"accuracy": 0.93, "latency_p99_ms": 120.0, "recall": 0.7995, "throughput": 51}
)
CURRENT = _mv(
    "2", "v1.4.0", {"accuracy": 0.91, "latency_p99_ms": 150.0, "recall": 0.80, "throughput": 48}
)


def _verdicts(passed: bool) -> list[gates.Verdict]:
    gate = gates.parse("accuracy >= 0.95")
    return [gates.Verdict(gate, passed, 0.93, 0.95)]


def check(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_failed_gate_draft_directions_and_diff() -> None:
    text = pull_request.body(
        PROMO,
        CANDIDATE,
        CURRENT,
        Deployed("2", "v1.4.0"),
        CHANGES,
        verdicts=_verdicts(False),
        metrics=METRICS.metric_rules(),
        draft=True,
    )
    check("failed_gate_draft", text)
    assert markers.parse_marker(text) == PROMO


def test_config_draft_and_flux() -> None:
    text = pull_request.body(
        PROMO,
        CANDIDATE,
        CURRENT,
        Deployed("2", "v1.4.0"),
        CHANGES[:1],
        verdicts=_verdicts(True),
        draft=True,
        deploy="flux",
    )
    check("config_draft_flux", text)


def test_rollback_with_hold_callout() -> None:
    text = pull_request.body(
        PromotionId("llm", "prod", "2", "v1.4.0"),
        CURRENT,
        CANDIDATE,
        Deployed("3", "v1.5.0"),
        CHANGES[:1],
        heading="Roll back",
        notes=[pull_request.hold_note("prod", "3")],
    )
    check("rollback_hold", text)


def test_no_version_target_and_no_deploy_tool() -> None:
    promo = PromotionId("llm", "prod", "v2.16.0", "v2.16.0")
    cand = _mv("v2.16.0", "v2.16.0", {})
    text = pull_request.body(
        promo, cand, None, Deployed(None, "v2.15.0"), CHANGES[:1], deploy="none"
    )
    check("no_version_target", text)
    message = pull_request.commit_message(promo, Deployed(None, "v2.15.0"))
    assert message.splitlines()[:3] == [
        "Promote llm to prod: v2.16.0 (v2.16.0)",
        "",
        "Move prod to v2.16.0, image tag and model version together in one commit.",
    ]
    assert "vv" not in text + message
    assert "unknown version" not in message


@pytest.mark.parametrize(
    ("tool", "line"),
    [
        ("argocd", "Argo CD then syncs `prod` back to v2."),
        ("flux", "Flux then reconciles `prod` back to v2."),
        ("none", "`prod` then declares v2 again, once your deployment applies it."),
    ],
)
def test_rollback_wording_follows_the_deploy_tool(tool: str, line: str) -> None:
    text = pull_request.body(PROMO, CANDIDATE, CURRENT, Deployed("2", "v1"), [], deploy=tool)
    assert line in text
    assert ("Argo CD" in text) == (tool == "argocd")


@pytest.mark.parametrize(
    ("deployed", "back"),
    [
        (Deployed(None, "v1.4.0"), "back to image tag `v1.4.0`."),
        (Deployed(None, None), "back to what it declared before this merge."),
    ],
)
def test_rollback_without_a_version_target(deployed: Deployed, back: str) -> None:
    text = pull_request.body(PROMO, CANDIDATE, None, deployed, [])
    assert back in text
    assert "—." not in text


def test_diff_fence_outlasts_backticks_in_the_file() -> None:
    evil = FileChange("a.yaml", "x: 1\n", "x: '````'\n</details>\n", ())
    text = pull_request.body(PROMO, CANDIDATE, CURRENT, Deployed("2", "v1"), [evil])
    assert "`````diff\n" in text
    assert "+x: '````'\n+</details>\n`````\n" in text


def test_metric_marks() -> None:
    text = pull_request.body(
        PROMO, CANDIDATE, CURRENT, Deployed("2", "v1"), [], metrics=METRICS.metric_rules()
    )
    assert "| accuracy | 0.91 | 0.93 | +0.02 (+2.2%) ✅ |" in text
    assert "| latency\\_p99\\_ms | 150 | 120 | -30 (-20.0%) ✅ |" in text
    assert "| recall | 0.8 | 0.7995 | -0.0005 (-0.1%) ✅ |" in text  # within tolerance
    assert "| throughput | 48 | 51 | +3 (+6.2%) |" in text  # no direction: no mark
    worse = _mv("3", "v1.5.0", {"accuracy": 0.90, "latency_p99_ms": 156.0, "recall": 0.79})
    text = pull_request.body(
        PROMO, worse, CURRENT, Deployed("2", "v1"), [], metrics=METRICS.metric_rules()
    )
    assert "| accuracy | 0.91 | 0.9 | -0.01 (-1.1%) ⚠️ |" in text
    assert "| latency\\_p99\\_ms | 150 | 156 | +6 (+4.0%) ⚠️ |" in text
    assert "| recall | 0.8 | 0.79 | -0.01 (-1.3%) ⚠️ |" in text


@pytest.mark.parametrize(
    ("version", "label"),
    [("3", "v3"), ("1.4.0", "v1.4.0"), ("v2.16.0", "v2.16.0"), ("rc-7", "rc-7"), (None, "—")],
)
def test_version_labels(version: str | None, label: str) -> None:
    assert versions.label(version) == label


@pytest.mark.parametrize(
    ("version", "branch", "shown"),
    [
        ("3", "promote/fraud/prod", "v3"),
        ("generator=3,guard=2", "promote/llm+group/prod", "generator v3, guard v2"),
        ("generator=v1.2,guard=-", "promote/llm+group/prod", "generator v1.2, guard —"),
        ("a=1", "promote/a/prod", "a=1"),  # a model's own version, whatever it holds
    ],
)
def test_a_branch_names_its_versions(version: str, branch: str, shown: str) -> None:
    assert versions.of_branch(version, branch) == shown
