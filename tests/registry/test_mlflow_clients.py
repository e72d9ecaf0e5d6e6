"""The light REST client and MlflowClient side by side, against the real MLflow server.

Each test makes the same registry call once with each client and compares what comes back:
versions, errors (missing model, missing version, missing alias, refusals and non-MLflow error
pages from a proxy in front of the server), search pages, tags with odd characters, write-back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from mlflow import MlflowClient

from bot.model import DeploymentRecord, ModelVersion, VersionQuery
from bot.registry.mlflow import MlflowRegistry
from bot.registry.mlflow.client import SWITCH, connect, light_allowed
from bot.registry.mlflow.names import registered_names
from bot.registry.mlflow.rest import RestClient
from tests.registry.test_mlflow import _Server
from tests.rig.mlflow_rig import MlflowServer, seed_model

VALIDATED = {"validation_status": "passed"}
ODD = {
    "validation_status": "passed",
    "image_tag": "v1.0.0",
    "note": "naïve café ✓ = & ? # % + 'quoted' \"double\"",
    "with space": "tab\there",
    "empty": "",
}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_TRACKING_TOKEN", SWITCH):
        monkeypatch.delenv(name, raising=False)


@contextmanager
def client(kind: str) -> Iterator[None]:
    saved = os.environ.get(SWITCH)
    os.environ[SWITCH] = "mlflow" if kind == "mlflow" else "auto"
    try:
        yield
    finally:
        os.environ.pop(SWITCH, None) if saved is None else os.environ.update({SWITCH: saved})


def both(call: Callable[[MlflowRegistry], Any], uri: str) -> tuple[Any, Any]:
    """``call`` with a fresh registry on each client: (light, MlflowClient) results, where an
    exception is (its type name, its message)."""
    seen = []
    for kind in ("rest", "mlflow"):
        with client(kind):
            registry = MlflowRegistry(uri)
            try:
                seen.append(call(registry))
            except Exception as err:
                seen.append((type(err).__name__, str(err)))
            assert registry._connect().light is (kind == "rest")
    return seen[0], seen[1]


def query(name: str, **kwargs: Any) -> VersionQuery:
    kwargs.setdefault("validated_tags", VALIDATED)
    kwargs.setdefault("metrics", ("accuracy",))
    return VersionQuery(model="fraud", registered_name=name, **kwargs)


def plain(version: ModelVersion | None) -> dict[str, Any] | None:
    return None if version is None else asdict(version)


@pytest.fixture
def model(mlflow_server: MlflowServer) -> str:
    name = f"both-{uuid.uuid4().hex[:8]}"
    seed_model(
        mlflow_server.uri,
        name,
        [
            {"tags": {**VALIDATED, "image_tag": "v0.9.0"}, "metrics": {"accuracy": 0.8}},
            {"tags": ODD, "metrics": {"accuracy": 0.9}, "aliases": ["champion"]},
            {"tags": {"validation_status": "failed", "image_tag": "v2.0.0"}, "metrics": None},
        ],
    )
    return name


def test_the_same_versions(mlflow_server: MlflowServer, model: str) -> None:
    uri = mlflow_server.uri
    for call in (
        lambda r: plain(r.newest_validated(query(model))),
        lambda r: plain(r.complete(query(model), r.newest_validated(query(model)))),
        lambda r: plain(r.get_version(query(model), "2")),
        lambda r: plain(r.get_version(query(model), "3")),
        lambda r: plain(r.newest_validated(query(model, validated_alias="champion"))),
        lambda r: [plain(v) for v in r.validated_versions(query(model), 10)],
        lambda r: plain(r.newest_validated(query(model, validated_tags={"note": ODD["note"]}))),
    ):
        light, mlflow = both(call, uri)
        assert light == mlflow
        assert light is not None and light != []
    found = both(lambda r: plain(r.get_version(query(model), "2")), uri)[0]
    assert found["tags"] == ODD and found["aliases"] == ("champion",)


@pytest.mark.parametrize(
    "call",
    [
        lambda r, m: r.newest_validated(query(f"{m}-nope")),
        lambda r, m: r.get_version(query(f"{m}-nope"), "1"),
        lambda r, m: r.get_version(query(m), "99"),
        lambda r, m: r.newest_validated(query(m, validated_alias="nobody")),
        lambda r, m: r.newest_validated(query(f"{m}-nope", validated_alias="x")),
        lambda r, m: r.record_deployment(query(m), record(m, "99", "prod")),
    ],
    ids=["no-model", "no-model-version", "no-version", "no-alias", "no-model-alias", "write"],
)
def test_the_same_missing(mlflow_server: MlflowServer, model: str, call: Any) -> None:
    light, mlflow = both(lambda r: call(r, model), mlflow_server.uri)
    assert light == mlflow


def record(name: str, version: str, environment: str) -> DeploymentRecord:
    mv = ModelVersion("fraud", name, version, "v1")
    return DeploymentRecord(
        mv, environment, "a" * 40, "deployed-" + environment, "2026-01-01T00:00:00Z"
    )


def test_the_same_write_back(mlflow_server: MlflowServer, model: str) -> None:
    uri = mlflow_server.uri
    done = []
    for kind, environment in (("rest", "prod"), ("mlflow", "staging")):
        with client(kind):
            registry = MlflowRegistry(uri)
            done.append(registry.record_deployment(query(model), record(model, "2", environment)))
            done.append(registry.record_deployment(query(model), record(model, "2", environment)))
    assert done == [True, False, True, False]
    check = MlflowClient(uri).get_model_version(model, "2")
    assert {"deployed-prod", "deployed-staging", "champion"} <= set(check.aliases)
    assert check.tags["deployed.prod"] == check.tags["deployed.staging"] == "a" * 40


def test_the_same_search_pages(mlflow_server: MlflowServer, model: str) -> None:
    pages: dict[str, list[list[str]]] = {}
    for kind in ("rest", "mlflow"):
        with client(kind):
            api = connect(mlflow_server.uri, None).client
            token, seen = None, []
            while True:
                page = api.search_model_versions(
                    f"name='{model}'", max_results=2, order_by=["version_number DESC"],
                    page_token=token,
                )  # fmt: skip
                seen.append([str(mv.version) for mv in page])
                token = page.token
                if not token:
                    break
            pages[kind] = seen
    assert pages["rest"] == pages["mlflow"] == [["3", "2"], ["1"]]


def test_the_same_names(mlflow_server: MlflowServer, model: str) -> None:
    light, mlflow = both(lambda r: registered_names(mlflow_server.uri), mlflow_server.uri)
    assert light == mlflow and model in light


# -- answers that are not MLflow's ------------------------------------------------------------


def _answer(status: int, body: str, content_type: str) -> Callable[[BaseHTTPRequestHandler], None]:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return handle


PERMISSION = json.dumps({"error_code": "PERMISSION_DENIED", "message": "no READ on fraud"})
GONE = json.dumps({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "gone"})
ODD_CODE = json.dumps({"error_code": "WHATEVER", "message": "odd"})
ANSWERS = {
    "403-json": (403, PERMISSION, "application/json"),
    "401-html": (401, "<html>sign in</html>", "text/html"),
    "404-html": (404, "<html>not here</html>", "text/html"),
    "404-json": (404, GONE, "application/json"),
    "400-odd-code": (400, ODD_CODE, "application/json"),
    "200-not-json": (200, "<html>a login page</html>", "text/html"),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(ANSWERS))
def test_the_same_errors_for_answers_that_are_not_mlflows(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with _Server(_answer(*ANSWERS[kind])) as url:
        for call in (
            lambda r: plain(r.get_version(query("fraud"), "1")),
            lambda r: plain(r.newest_validated(query("fraud"))),
        ):
            light, mlflow = both(call, url)
            assert light == mlflow
            assert isinstance(light, tuple) and light[0] in ("RegistryError", "Missing")
            assert "\n" not in light[1]


def test_credentials_are_sent_as_mlflow_sends_them(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str | None] = []

    def handle(handler: BaseHTTPRequestHandler) -> None:
        seen.append(handler.headers.get("Authorization"))
        _answer(404, PERMISSION, "application/json")(handler)

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with _Server(handle) as url:
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "tok-abcdef")
        both(lambda r: r.get_version(query("fraud"), "1"), url)
        monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "bot")
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "pa55")
        both(lambda r: r.get_version(query("fraud"), "1"), url)
    assert seen == ["Bearer tok-abcdef"] * 2 + ["Basic Ym90OnBhNTU="] * 2


# -- which client ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "tracking", "light"),
    [
        ({}, "http://mlflow:5000", True),
        ({}, "https://mlflow.example.com", True),
        ({}, "sqlite:///x.db", False),
        ({}, "file:///tmp/mlruns", False),
        ({}, "databricks", False),
        ({"MLFLOW_REGISTRY_URI": "sqlite:///r.db"}, "http://mlflow:5000", False),
        ({"MLFLOW_TRACKING_AUTH": "my-plugin"}, "http://mlflow:5000", False),
        ({"MLFLOW_TRACKING_AWS_SIGV4": "true"}, "https://mlflow.example.com", False),
        ({"MLFLOW_WORKSPACE": "team-a"}, "http://mlflow:5000", False),
        ({SWITCH: "mlflow"}, "http://mlflow:5000", False),
        ({SWITCH: "MLflow "}, "http://mlflow:5000", False),
    ],
)
def test_which_client(
    env: dict[str, str], tracking: str, light: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert light_allowed(tracking, None) is light


def test_a_wrong_switch_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SWITCH, "requests")
    with pytest.raises(Exception, match=rf"^{SWITCH}='requests': use one of auto, mlflow"):
        light_allowed("http://mlflow:5000", None)


def test_a_promotion_against_a_server_does_not_import_mlflow(
    mlflow_server: MlflowServer, model: str
) -> None:
    script = (
        "import sys\n"
        "from bot.model import VersionQuery\n"
        "from bot.registry.mlflow import MlflowRegistry\n"
        f"q = VersionQuery('fraud', {model!r}, {VALIDATED!r}, metrics=('accuracy',))\n"
        f"r = MlflowRegistry({mlflow_server.uri!r})\n"
        "v = r.complete(q, r.newest_validated(q))\n"
        "print(v.version, v.image_tag, v.metrics['accuracy'], 'mlflow' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["2", "v1.0.0", "0.9", "False"], done.stderr
    assert isinstance(RestClient, type)
