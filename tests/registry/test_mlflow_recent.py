"""``MlflowRegistry.recent``: the newest validated versions with their runs' metrics, for a PR
body's history, against a real MLflow tracking server: one version search, one run search."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from mlflow import MlflowClient

from bot.model import VersionQuery
from bot.registry.mlflow import MlflowRegistry
from bot.registry.mlflow.recent import run_filter
from tests.rig.mlflow_rig import seed_model

VALIDATED = {"validation_status": "passed"}
ACCURACY = (0.80, 0.82, 0.81, 0.85)

pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def _seed(uri: str) -> str:
    name = f"recent-{uuid.uuid4().hex[:8]}"
    specs: list[dict[str, Any]] = [
        {"metrics": {"accuracy": a, "loss": 1 - a}, "tags": {**VALIDATED, "image_tag": f"v{i}"}}
        for i, a in enumerate(ACCURACY, start=1)
    ]
    specs.insert(2, {"metrics": {"accuracy": 0.99}, "tags": {"validation_status": "failed"}})
    seed_model(uri, name, specs)
    return name


def _query(name: str) -> VersionQuery:
    return VersionQuery("fraud", name, validated_tags=VALIDATED, metrics=("accuracy",))


def _counted(monkeypatch: pytest.MonkeyPatch, registry: MlflowRegistry) -> Counter[str]:
    calls: Counter[str] = Counter()
    client = registry._client
    for method in ("search_model_versions", "get_run", "search_runs"):
        original = getattr(client, method)

        def counted(*args: Any, _name: str = method, _fn: Any = original, **kw: Any) -> Any:
            calls[_name] += 1
            return _fn(*args, **kw)

        monkeypatch.setattr(client, method, counted)
    return calls


def test_recent_lists_validated_versions_with_metrics_in_two_searches(
    mlflow_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _seed(mlflow_server.uri)
    registry = MlflowRegistry(mlflow_server.uri)
    query = _query(name)
    candidate = registry.newest_validated(query)
    assert candidate is not None
    registry.complete(query, candidate)  # as a due promotion does first
    calls = _counted(monkeypatch, registry)

    found = registry.recent(query, 8)

    assert [mv.version for mv in found] == ["5", "4", "2", "1"]  # the failed v3 is not listed
    assert [mv.metrics for mv in found] == [{"accuracy": a} for a in reversed(ACCURACY)]
    assert calls == Counter({"search_model_versions": 1, "search_runs": 1})


def test_recent_without_metrics_to_show_reads_no_run(
    mlflow_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _seed(mlflow_server.uri)
    registry = MlflowRegistry(mlflow_server.uri)
    calls = _counted(monkeypatch, registry)
    query = VersionQuery("fraud", name, validated_tags=VALIDATED)
    assert [mv.version for mv in registry.recent(query, 2)] == ["5", "4"]
    assert calls == Counter({"search_model_versions": 1})


def test_a_run_in_another_experiment_leaves_only_its_metrics_out(mlflow_server: Any) -> None:
    name = _seed(mlflow_server.uri)
    client = MlflowClient(mlflow_server.uri, mlflow_server.uri)
    elsewhere = client.create_experiment(f"elsewhere-{uuid.uuid4().hex[:8]}")
    run = client.create_run(elsewhere)
    client.log_metric(run.info.run_id, "accuracy", 0.5)
    client.create_model_version(
        name, run.info.artifact_uri, run_id=run.info.run_id, tags={**VALIDATED, "image_tag": "v9"}
    )
    registry = MlflowRegistry(mlflow_server.uri)
    query = _query(name)
    candidate = registry.newest_validated(query)
    assert candidate is not None and candidate.version == "6"
    registry.complete(query, candidate)
    found = registry.recent(query, 3)
    # The newest's own run is read (complete did); the search covers its experiment only.
    assert [(mv.version, mv.metrics) for mv in found] == [
        ("6", {"accuracy": 0.5}),
        ("5", {}),
        ("4", {}),
    ]


def test_a_client_without_run_search_reads_the_runs_one_by_one(
    mlflow_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _seed(mlflow_server.uri)
    registry = MlflowRegistry(mlflow_server.uri)
    calls = _counted(monkeypatch, registry)
    monkeypatch.delattr(type(registry._client), "search_runs")
    monkeypatch.delattr(registry._client, "search_runs")
    found = registry.recent(_query(name), 3)
    assert [mv.metrics["accuracy"] for mv in found] == [0.85, 0.81, 0.82]
    assert calls == Counter({"search_model_versions": 1, "get_run": 3})


def test_only_well_formed_run_ids_reach_the_filter() -> None:
    good = "0123456789abcdef0123456789abcdef"
    assert run_filter(["x') OR (attributes.run_id LIKE '%", good, good]) == (
        f"attributes.run_id IN ('{good}')"
    )
    assert run_filter(["", "ABC"]) is None
