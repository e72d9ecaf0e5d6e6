"""Promotion policy on the rig: promotion path, soak time, gates, selection, clusters,
and the registry write-back after merge. Local Git repository, real MLflow server."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from bot import state
from tests.e2e.helpers import VALIDATED, run_cli
from tests.rig.mlflow_rig import MlflowServer, seed_model
from tests.rig.repos import IDENT, commit_all, git, make_gitops_repo

OVERLAYS = "applications/inference-server/overlays"
CONFIG = ".github/promotion.yml"


class Repo:
    def __init__(
        self,
        tmp: Path,
        uri: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        self.uri, self.monkeypatch, self.capsys = uri, monkeypatch, capsys
        self.name = f"policy-{uuid.uuid4().hex[:8]}"
        seed_model(
            uri,
            self.name,
            [
                {
                    "metrics": {"accuracy": 0.89, "precision": 0.80, "latency_p99_ms": 140.0},
                    "tags": {**VALIDATED, "image_tag": "v1.3.0"},
                    "aliases": ["champion"],
                },
                {
                    "metrics": {"accuracy": 0.91, "precision": 0.84, "latency_p99_ms": 120.0},
                    "tags": {**VALIDATED, "image_tag": "v1.4.0"},
                },
                {
                    "metrics": {"accuracy": 0.95, "precision": 0.70, "latency_p99_ms": 90.0},
                    "tags": {**VALIDATED, "image_tag": "v2.0.0-rc1"},
                },
            ],
        )
        self.path = make_gitops_repo(tmp / "gitops", registered_model=self.name)

    def configure(self, old: str, new: str) -> None:
        config = self.path / CONFIG
        text = config.read_text()
        assert old in text, old
        config.write_text(text.replace(old, new, 1))
        commit_all(self.path, "configure")

    def run(self, *args: str) -> Any:
        argv = [args[0], "--repo-dir", str(self.path), *args[1:]]
        return run_cli(argv, {"MLFLOW_TRACKING_URI": self.uri}, self.monkeypatch, self.capsys)

    def results(self, *args: str) -> dict[str, dict[str, Any]]:
        outcome = self.run(*args, "--json")
        assert outcome.code in (0, 1), outcome.err
        return {
            r["environment"] + (f"@{r.get('cluster')}" if r.get("cluster") else ""): r
            for r in outcome.json()
        }

    def deploy(
        self, env: str, version: str, tag: str, hours_ago: float = 0, message: str = ""
    ) -> None:
        """Edit an environment's overlays on main, as a merged promotion would."""
        kust = self.path / OVERLAYS / env / "kustomization.yaml"
        text = kust.read_text()
        for old in ("v1.3.0", "v1.4.0", "v2.0.0-rc1"):
            text = text.replace(f"newTag: {old}", f"newTag: {tag}").replace(
                f'newTag: "{old}"', f'newTag: "{tag}"'
            )
        kust.write_text(text)
        if env == "dev":
            kust.write_text(kust.read_text().replace("MODEL_VERSION=1", f"MODEL_VERSION={version}"))
        else:
            cm = self.path / OVERLAYS / env / "model-config.yaml"
            cm.write_text(
                cm.read_text().replace("'1'", f"'{version}'").replace('"1"', f'"{version}"')
            )
        stamp = f"@{int(time.time() - hours_ago * 3600)} +0000"
        env_vars = {**os.environ, **IDENT, "GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp}
        git(self.path, "add", "-A")
        subprocess.run(
            ["git", "-C", str(self.path), "commit", "-qm", message or f"deploy {env} v{version}"],
            env=env_vars,
            check=True,
        )


@pytest.fixture
def repo(
    tmp_path: Path,
    mlflow_server: MlflowServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Repo:
    return Repo(tmp_path, mlflow_server.uri, monkeypatch, capsys)


def test_newest_validated_is_the_default(repo: Repo) -> None:
    assert repo.results("plan", "--env", "prod")["prod"]["candidate"]["version"] == "3"


def test_promotion_path_takes_what_upstream_runs(repo: Repo) -> None:
    repo.configure("      prod:\n", "      prod:\n        from: staging\n")
    assert repo.results("plan", "--env", "prod")["prod"]["reason"] == "up to date: v1 (v1.3.0)"
    repo.deploy("staging", "2", "v1.4.0")
    prod = repo.results("plan", "--env", "prod")["prod"]
    assert (prod["status"], prod["candidate"]["version"]) == ("planned", "2")


def test_soak_time_is_measured_from_the_upstream_commit(repo: Repo) -> None:
    repo.configure("      prod:\n", "      prod:\n        from: staging\n        soak_hours: 24\n")
    repo.deploy("staging", "2", "v1.4.0", hours_ago=2)
    prod = repo.results("plan", "--env", "prod")["prod"]
    assert (prod["status"], prod["healthy"]) == ("waiting", False)
    assert prod["reason"].startswith("soaking: 2.0 h of 24 h in staging")
    assert 21.9 < prod["why"]["hours_left"] <= 22.0
    repo.deploy("dev", "2", "v1.4.0")  # later, unrelated commits change nothing
    repo.path.joinpath("README.md").write_text("notes\n")
    commit_all(repo.path, "docs")
    again = repo.results("plan", "--env", "prod")["prod"]
    assert again["reason"].startswith("soaking: 2.0 h of 24 h in staging")


def test_a_commit_message_alone_holds_nothing(repo: Repo) -> None:
    """Trailers are for people: a commit that only claims a rollback holds no version back."""
    trailers = "Model: fraud-detector\nModel-Version: 2\nEnvironment: prod\nRollback-Of: 3\n"
    message = f"Roll back fraud-detector in prod: v3 -> v2\n\n{trailers}"
    repo.deploy("prod", "2", "v1.4.0", hours_ago=2, message=message)
    prod = repo.results("plan", "--env", "prod")["prod"]
    assert (prod["status"], prod["candidate"]["version"]) == ("planned", "3")


def test_the_state_file_holds_through_later_hand_edits(repo: Repo) -> None:
    """The hold lives in the state file: a later human edit of the version file, made long
    after, keeps it (the newest commit of the file is no longer what decides)."""
    repo.deploy("prod", "2", "v1.4.0", hours_ago=48)
    state_file = repo.path / ".github" / "promotion-state.yml"
    state_file.write_text(state.with_hold(None, "s", state.Hold("fraud-detector", "prod", "3")))
    commit_all(repo.path, "Roll back prod (squashed: the message says nothing)")
    config = repo.path / OVERLAYS / "prod" / "model-config.yaml"
    config.write_text(config.read_text() + "# batch size 32 -> 64, by hand\n")
    commit_all(repo.path, "Tune prod by hand")
    prod = repo.results("plan", "--env", "prod")["prod"]
    assert (prod["status"], prod["candidate"]["version"]) == ("held", "3")
    assert prod["reason"].startswith("held: v3 was rolled back in prod")
    assert prod["why"] == {"held_version": "3"}
    pinned = repo.results("plan", "--env", "prod", "--model", "fraud-detector", "--version", "3")
    assert pinned["prod"]["status"] == "planned"


def test_a_second_rollback_goes_further_back_never_forward(repo: Repo) -> None:
    from bot.pipeline import connect
    from bot.pipeline.rollback import rollback
    from bot.settings import Settings

    repo.deploy("prod", "2", "v1.4.0")
    repo.deploy("prod", "3", "v2.0.0-rc1")
    state_file = repo.path / ".github" / "promotion-state.yml"
    state_file.write_text(state.with_hold(None, "s", state.Hold("fraud-detector", "prod", "3")))
    repo.deploy("prod", "2", "v1.4.0", message="Roll back prod: v3 -> v2")
    repo.monkeypatch.setenv("MLFLOW_TRACKING_URI", repo.uri)
    ctx = connect(Settings(repo_dir=repo.path, platform="local"), {})
    second = rollback(ctx, "fraud-detector", "prod")
    assert second.proposal is not None
    assert second.proposal.promotion.version == "1"  # older than v2; never v3 again
    (held,) = [c for c in second.proposal.changes if c.path.endswith("promotion-state.yml")]
    assert "version: '2'" in held.new_text and "version: '3'" not in held.new_text


def test_soak_time_over(repo: Repo) -> None:
    repo.configure("      prod:\n", "      prod:\n        from: staging\n        soak_hours: 24\n")
    repo.deploy("staging", "2", "v1.4.0", hours_ago=30)
    assert repo.results("plan", "--env", "prod")["prod"]["status"] == "planned"


def test_soak_needs_from(repo: Repo) -> None:
    repo.configure("      prod:\n", "      prod:\n        soak_hours: 24\n")
    outcome = repo.run("plan")
    assert outcome.code == 1
    assert (
        "environments.prod.soak_hours: needs `from:`: soak time is measured upstream" in outcome.err
    )


@pytest.mark.parametrize(
    ("gates", "status", "reason"),
    [
        ("[accuracy >= 0.9]", "planned", "v1 -> v3"),
        (
            "[accuracy >= 0.99]",
            "blocked",
            "gates failed: accuracy >= 0.99 (accuracy 0.95, threshold 0.99)",
        ),
        (
            "['precision >= deployed - 0.05']",
            "blocked",
            "gates failed: precision >= deployed - 0.05 (precision 0.7, threshold 0.75)",
        ),
        ("['latency_p99_ms <= deployed * 1.10', 'accuracy > deployed']", "planned", "v1 -> v3"),
    ],
)
def test_metric_gates(repo: Repo, gates: str, status: str, reason: str) -> None:
    repo.configure("      prod:\n", f"      prod:\n        gates: {gates}\n")
    prod = repo.results("plan", "--env", "prod")["prod"]
    assert (prod["status"], prod["reason"]) == (status, reason)


def test_failed_gate_opens_a_draft_when_configured(repo: Repo) -> None:
    repo.configure(
        "      prod:\n",
        "      prod:\n        gates: [accuracy >= 0.99]\n        on_gate_failure: draft\n",
    )
    outcome = repo.run("run", "--env", "prod")
    assert outcome.code == 0, outcome.err
    assert "| `accuracy >= 0.99` | 0.95 | 0.99 | ✘ |" in outcome.out
    assert "(draft PR)" in outcome.out


def test_gate_on_unlisted_metric_is_a_config_error(repo: Repo) -> None:
    repo.configure("      prod:\n", "      prod:\n        gates: ['f1 >= 0.5']\n")
    outcome = repo.run("plan")
    assert outcome.code == 1
    assert "gate metric of 'f1 >= 0.5' is not in `metrics:`; add it" in outcome.err


@pytest.mark.parametrize(
    ("select", "version"),
    [
        ("{strategy: semver, range: '>=1.3,<1.4'}", "1"),
        ("{strategy: semver, range: '>=1.0'}", "2"),  # 2.0.0-rc1 is a pre-release
        ("{ignore_tags: ['*-rc*']}", "2"),
        ("{ignore_versions: ['3', '2']}", "1"),
        ("{strategy: alias, alias: champion}", "1"),
    ],
)
def test_version_selection(repo: Repo, select: str, version: str) -> None:
    repo.configure("    metrics:", f"    select: {select}\n    metrics:")
    prod = repo.results("plan", "--env", "prod")["prod"]
    assert prod["candidate"]["version"] == version


CLUSTERS = """      prod:
        clusters:
          us:
            targets:
              - kind: kustomize-image
                file: clusters/us/kustomization.yaml
                image: model-inference-server
          eu:
            targets:
              - kind: kustomize-image
                file: clusters/eu/kustomization.yaml
                image: model-inference-server
"""


def _clusters(repo: Repo, split: bool) -> None:
    for name in ("us", "eu"):
        path = repo.path / "clusters" / name / "kustomization.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(
            f"resources:\n  - ../../{OVERLAYS}/prod\nimages:\n"
            "  - name: model-inference-server\n    newTag: v1.3.0\n"
        )
    config = repo.path / CONFIG
    text = config.read_text()
    head, _, _ = text.partition("      prod:\n")
    body = CLUSTERS + ("        split_clusters: true\n" if split else "")
    config.write_text(head + body)
    commit_all(repo.path, "clusters")


def test_multi_cluster_one_commit(repo: Repo) -> None:
    _clusters(repo, split=False)
    assert repo.run("run", "--env", "prod").code == 0
    changed = git(repo.path, "diff", "--name-only", "main", "promote/fraud-detector/prod").split()
    assert changed == ["clusters/eu/kustomization.yaml", "clusters/us/kustomization.yaml"]


def test_multi_cluster_one_pr_per_cluster(repo: Repo) -> None:
    _clusters(repo, split=True)
    outcome = repo.run("run", "--env", "prod")
    assert outcome.code == 0, outcome.err
    assert "Promote fraud-detector to prod: v3 (v2.0.0-rc1) [us]" in outcome.out
    for name in ("us", "eu"):
        changed = git(
            repo.path, "diff", "--name-only", "main", f"promote/fraud-detector/prod--{name}"
        )
        assert changed.split() == [f"clusters/{name}/kustomization.yaml"]


def test_record_after_merge_sets_alias_and_tag_once(repo: Repo) -> None:
    from mlflow import MlflowClient

    assert repo.run("run", "--env", "prod").code == 0
    git(repo.path, "merge", "-q", "--no-ff", "-m", "Merge promotion", "promote/fraud-detector/prod")
    merged = git(repo.path, "rev-parse", "HEAD").strip()
    first = repo.results("record")
    assert first["prod"]["status"] == "recorded"
    client = MlflowClient(repo.uri)
    version = client.get_model_version_by_alias(repo.name, "prod")
    assert version.version == "3"
    # Recorded as of the pushed commit: what the overlays declare there, not what a message says.
    assert version.tags["deployed.prod"] == merged
    again = repo.results("record")
    assert again["prod"]["status"] == "up-to-date"


ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: inference-llama-70b
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v1.3.0 # served model image
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: model-quality-check
"""


def test_rollout_container_image_and_json_patch_in_one_commit(repo: Repo) -> None:
    prod = repo.path / OVERLAYS / "prod"
    (prod / "rollout.yaml").write_text(ROLLOUT)
    kust = prod / "kustomization.yaml"
    kust.write_text(
        kust.read_text().replace(
            "      - op: replace\n        path: /spec/replicas\n        value: 4\n",
            "      - op: replace\n        path: /spec/replicas\n        value: 4\n"
            '      - op: replace\n        path: /data/model_version\n        value: "1"\n',
        )
    )
    commit_all(repo.path, "rollout")
    text = (repo.path / CONFIG).read_text()
    head, _, _ = text.partition("      prod:\n")
    (repo.path / CONFIG).write_text(
        head
        + f"""      prod:
        targets:
          - kind: container-image
            file: {OVERLAYS}/prod/rollout.yaml
            container: vllm
          - kind: json-patch
            file: {OVERLAYS}/prod/kustomization.yaml
            op_path: /data/model_version
"""
    )
    commit_all(repo.path, "configure")
    assert repo.run("run", "--env", "prod").code == 0
    diff = git(repo.path, "diff", "-U0", "main", "promote/fraud-detector/prod")
    changed = [
        line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed == [
        '-        value: "1"',
        '+        value: "3"',
        "-          image: vllm/vllm-openai:v1.3.0 # served model image",
        "+          image: vllm/vllm-openai:v2.0.0-rc1 # served model image",
    ]


def test_drift_is_shown_and_a_promotion_path_never_carries_it(repo: Repo) -> None:
    """The overlays run v3 with an image the registry does not give for v3."""
    repo.deploy("staging", "3", "v9.9.9")
    staging = repo.results("plan", "--env", "staging")["staging"]
    assert staging["reason"].startswith(
        "drift: the overlays run v3 with image tag v9.9.9; the registry says v2.0.0-rc1"
    )
    repo.configure("      prod:\n", "      prod:\n        from: staging\n")
    prod = repo.results("plan", "--env", "prod")["prod"]
    assert prod["status"] == "failed"
    assert (
        "staging runs v3 with image tag v9.9.9, but the registry's image tag for v3 is "
        in (prod["reason"])
    )
