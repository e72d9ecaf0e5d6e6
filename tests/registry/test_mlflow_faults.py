"""MLflow faults through the fault proxy in front of the real MLflow server, with both clients
(the light REST client and MlflowClient): the same retries, the same errors.

MLflow's own client retries (urllib3) per ``MLFLOW_HTTP_REQUEST_MAX_RETRIES`` and
``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR``; the factor is read as an integer, so the fastest
setting is 0 (with ``MLFLOW_HTTP_REQUEST_BACKOFF_JITTER=0``). What outlives the retries is a
``RetryableError`` from ``bot.registry.mlflow``.
"""

from __future__ import annotations

import uuid

import pytest

from bot.errors import RetryableError
from bot.model import VersionQuery
from bot.registry.mlflow import MlflowRegistry
from bot.registry.mlflow.client import SWITCH
from tests.rig.fault_proxy import FaultProxy
from tests.rig.mlflow_rig import MlflowServer, seed_model

VALIDATED = {"validation_status": "passed"}
SEARCH = "GET /api/2.0/mlflow/model-versions/search"


@pytest.fixture(params=["rest", "mlflow"])
def model(
    mlflow_server: MlflowServer, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> str:
    monkeypatch.setenv(SWITCH, "mlflow" if request.param == "mlflow" else "auto")
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    name = f"faults-{uuid.uuid4().hex[:8]}"
    seed_model(
        mlflow_server.uri,
        name,
        [{"metrics": None, "tags": {**VALIDATED, "image_tag": "v1.0.0"}}],
    )
    return name


def _query(name: str) -> VersionQuery:
    return VersionQuery("fraud-detector", name, VALIDATED)


@pytest.mark.parametrize("status", [502, 503])
def test_5xx_is_retried_by_mlflow(mlflow_server: MlflowServer, model: str, status: int) -> None:
    with FaultProxy(mlflow_server.uri) as proxy:
        proxy.answer(status, times=2, match=SEARCH)
        found = MlflowRegistry(proxy.url).newest_validated(_query(model))
    assert found is not None and (found.version, found.image_tag) == ("1", "v1.0.0")
    searches = [r.outcome for r in proxy.requests if SEARCH.endswith(r.target.split("?")[0])]
    assert searches == [str(status), str(status), "forwarded"]


def test_connection_resets_are_retried_by_mlflow(mlflow_server: MlflowServer, model: str) -> None:
    with FaultProxy(mlflow_server.uri) as proxy:
        proxy.reset(times=2, match=SEARCH)
        found = MlflowRegistry(proxy.url).newest_validated(_query(model))
    assert found is not None and (found.version, found.image_tag) == ("1", "v1.0.0")
    assert proxy.count("reset") == 2


def test_persistent_5xx_is_retryable(mlflow_server: MlflowServer, model: str) -> None:
    with FaultProxy(mlflow_server.uri) as proxy:
        proxy.answer(503, times=100)
        with pytest.raises(RetryableError) as caught:
            MlflowRegistry(proxy.url).newest_validated(_query(model))
    assert proxy.count("503") == 3  # one request and two retries
    assert str(caught.value) == (
        f"MLflow at {proxy.url} unreachable: too many 503 error responses; try again"
    )
    assert caught.value.exit_code == 1


def test_the_retry_budget_follows_mlflows_setting(
    mlflow_server: MlflowServer, model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "4")
    with FaultProxy(mlflow_server.uri) as proxy:
        proxy.answer(503, times=4, match=SEARCH)
        found = MlflowRegistry(proxy.url).newest_validated(_query(model))
    assert found is not None
    assert proxy.count("503") == 4


def test_unreachable_mlflow_is_retryable(model: str) -> None:
    proxy = FaultProxy("127.0.0.1:9")
    with proxy:
        url = proxy.url
    # Stopped: nothing listens on its port any more.
    with pytest.raises(RetryableError) as caught:
        MlflowRegistry(url).newest_validated(_query(model))
    assert str(caught.value) == f"MLflow at {url} unreachable: Connection refused; try again"
