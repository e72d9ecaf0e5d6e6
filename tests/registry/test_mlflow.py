"""MlflowRegistry against a real MLflow tracking server, both ways (the light REST client and
MlflowClient, ``MODEL_PROMOTION_MLFLOW_CLIENT=mlflow``), and against a plain sqlite store."""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from mlflow import MlflowClient

from bot.errors import RegistryError, RetryableError
from bot.model import ModelVersion, VersionQuery
from bot.registry.mlflow import SEARCH_AHEAD, MlflowRegistry, display_uri, scrub
from bot.registry.mlflow.client import SWITCH
from bot.registry.mlflow.rest import RestClient
from tests.rig.mlflow_rig import free_port, seed_model

VALIDATED = {"validation_status": "passed"}
FAILED = {"validation_status": "failed"}
METRICS = {"accuracy": 0.91, "precision": 0.84, "latency_p99_ms": 120.0}

# MLflow's own sqlite store trips an SQLAlchemy deprecation on first use; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def sqlite_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One sqlite store for the session (creating its tables takes a few seconds)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow-sqlite') / 'mlflow.db'}"


def use_client(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``rest``: the light client (the default for http); ``mlflow``: MlflowClient."""
    if kind == "mlflow":
        monkeypatch.setenv(SWITCH, "mlflow")
    else:
        monkeypatch.delenv(SWITCH, raising=False)


@pytest.fixture(params=["rest", "mlflow"])
def client(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """For the tests that talk HTTP only: each runs with both clients."""
    use_client(request.param, monkeypatch)
    return str(request.param)


@pytest.fixture(params=["server-rest", "server-mlflow", "sqlite"])
def uri(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param.startswith("server"):
        use_client(request.param.split("-")[1], monkeypatch)
        return str(request.getfixturevalue("mlflow_server").uri)
    return str(request.getfixturevalue("sqlite_uri"))


def unique(prefix: str = "fraud") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def query(name: str, **kwargs: Any) -> VersionQuery:
    kwargs.setdefault("validated_tags", VALIDATED)
    kwargs.setdefault("metrics", ("accuracy", "latency_p99_ms"))
    return VersionQuery(model="fraud-detector", registered_name=name, **kwargs)


def version(tags: dict[str, str], image_tag: str | None = None, **spec: Any) -> dict[str, Any]:
    spec.setdefault("metrics", METRICS)
    extra = {} if image_tag is None else {"image_tag": image_tag}
    return {"tags": {**tags, **extra}, **spec}


class Spy:
    """Counts calls of the client methods (both clients, all instances) and keeps their kwargs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        for cls in (MlflowClient, RestClient):
            for name in names:
                monkeypatch.setattr(cls, name, self._wrap(name, getattr(cls, name)))

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def spy(client: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return original(client, *args, **kwargs)

        return spy

    def count(self, name: str) -> int:
        return sum(1 for called, _ in self.calls if called == name)


# -- choosing the version -----------------------------------------------------------------


def test_newest_validated_skips_a_newer_unvalidated_version(uri: str) -> None:
    name = unique()
    seed_model(
        uri,
        name,
        [
            version(VALIDATED, "v1.3.0"),
            version(VALIDATED, "v1.4.0", metrics={"accuracy": 0.93, "latency_p99_ms": 110.0}),
            version(FAILED, "v1.5.0-rc1"),
        ],
    )
    registry = MlflowRegistry(uri)
    found = registry.newest_validated(query(name))
    assert found is not None
    assert (found.model, found.registered_name) == ("fraud-detector", name)
    assert (found.version, found.image_tag, found.image_digest) == ("2", "v1.4.0", None)
    assert found.metrics == {}  # the run is read only when a promotion is due
    full = registry.complete(query(name), found)
    assert full.metrics == {"accuracy": 0.93, "latency_p99_ms": 110.0}
    assert found.tags == {"validation_status": "passed", "image_tag": "v1.4.0"}
    assert found.run_id and isinstance(found.created_ms, int) and found.created_ms > 0


def test_no_validated_version_is_none(uri: str) -> None:
    name = unique()
    seed_model(uri, name, [version(FAILED, "v1.0.0"), version({}, "v1.1.0")])
    assert MlflowRegistry(uri).newest_validated(query(name)) is None


def test_every_validated_tag_must_match(uri: str) -> None:
    name = unique()
    seed_model(
        uri,
        name,
        [
            version({**VALIDATED, "approved": "yes"}, "v1.0.0"),
            version({**VALIDATED, "approved": "no"}, "v2.0.0"),
        ],
    )
    found = MlflowRegistry(uri).newest_validated(
        query(name, validated_tags={**VALIDATED, "approved": "yes"})
    )
    assert found is not None and found.version == "1"


def test_alias_rule_uses_the_alias_not_the_search(uri: str) -> None:
    name = unique()
    seed_model(
        uri,
        name,
        [
            version(VALIDATED, "v1.3.0", aliases=["champion"]),
            version(VALIDATED, "v1.4.0"),
            version(FAILED, "v1.5.0", aliases=["challenger"]),
        ],
    )
    # Why the alias cannot be checked on search results: they come back without aliases.
    client = MlflowClient(uri, uri)
    assert all(mv.aliases == [] for mv in client.search_model_versions(f"name='{name}'"))
    assert client.get_model_version(name, "1").aliases == ["champion"]

    registry = MlflowRegistry(uri)
    found = registry.newest_validated(query(name, validated_alias="champion"))
    assert found is not None
    assert (found.version, found.image_tag, found.aliases) == ("1", "v1.3.0", ("champion",))
    assert registry.is_validated(query(name, validated_alias="champion"), found)
    # The alias points at a version that fails the tag rule, or at nothing.
    assert registry.newest_validated(query(name, validated_alias="challenger")) is None
    assert registry.newest_validated(query(name, validated_alias="nobody")) is None


def test_alias_on_an_unknown_model(uri: str) -> None:
    with pytest.raises(RegistryError, match=r"registered model 'nope-.*' not found"):
        MlflowRegistry(uri).newest_validated(query(unique("nope"), validated_alias="champion"))


def test_is_validated() -> None:
    registry = MlflowRegistry("sqlite:////nonexistent/never-opened.db")  # never opened
    mv = ModelVersion("m", "m", "3", "v1", tags={**VALIDATED, "x": "1"}, aliases=("champion",))
    assert registry.is_validated(query("m"), mv)
    assert registry.is_validated(query("m", validated_alias="champion"), mv)
    assert not registry.is_validated(query("m", validated_alias="prod"), mv)
    assert not registry.is_validated(query("m", validated_tags={"x": "2"}), mv)
    assert not registry.is_validated(query("m"), ModelVersion("m", "m", "3", "v1", tags=FAILED))


# -- one version ----------------------------------------------------------------------------


def test_get_version(uri: str) -> None:
    name = unique()
    seed_model(
        uri,
        name,
        [version(VALIDATED, "v1.3.0", aliases=["champion"]), version(FAILED)],
    )
    registry = MlflowRegistry(uri)
    first = registry.get_version(query(name), "1")
    assert first is not None
    assert (first.version, first.image_tag, first.aliases) == ("1", "v1.3.0", ("champion",))
    # Not validated and without an image tag: fine to read, it is just not promotable.
    second = registry.get_version(query(name), "2")
    assert second is not None and second.image_tag is None
    assert not registry.is_validated(query(name), second)
    assert registry.get_version(query(name), "99") is None
    with pytest.raises(RegistryError, match=r"version 'v1': MLflow versions are digits, e\.g\. 2"):
        registry.get_version(query(name), "v1")
    with pytest.raises(RegistryError, match="not found in MLflow"):
        registry.get_version(query(unique("nope")), "1")


def test_metrics_come_from_the_source_run_once(uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    name = unique()
    seed_model(
        uri,
        name,
        [
            version(VALIDATED, "v1.0.0", metrics={"accuracy": 0.9}),
            version(VALIDATED, "v1.1.0", metrics=None),
        ],
    )
    spy = Spy(monkeypatch, "get_run")
    registry = MlflowRegistry(uri)
    wanted = query(name, metrics=("accuracy", "precision"))
    without_run = registry.newest_validated(wanted)
    assert without_run is not None and without_run.version == "2"
    assert (without_run.run_id, without_run.metrics, without_run.run_url) == (None, {}, None)
    first = registry.get_version(wanted, "1")
    assert first is not None and first.metrics == {"accuracy": 0.9}  # precision: not logged
    registry.get_version(wanted, "1")
    assert spy.count("get_run") == 1


def test_a_missing_source_run_leaves_metrics_empty(uri: str) -> None:
    name = unique()
    MlflowClient(uri, uri).create_registered_model(name)
    MlflowClient(uri, uri).create_model_version(
        name, "s3://bucket/model", run_id=uuid.uuid4().hex, tags={**VALIDATED, "image_tag": "v1"}
    )
    found = MlflowRegistry(uri).newest_validated(query(name))
    assert found is not None and found.run_id and (found.metrics, found.run_url) == ({}, None)


@pytest.mark.usefixtures("client")
def test_links_point_at_the_ui(mlflow_server: Any) -> None:
    name = unique("fraud #eu")
    seed_model(mlflow_server.uri, name, [version(VALIDATED, "v1.0.0")])
    registry = MlflowRegistry(mlflow_server.uri)
    found = registry.newest_validated(query(name))
    assert found is not None and found.run_id
    found = registry.complete(query(name), found)
    experiment = MlflowClient(mlflow_server.uri).get_run(found.run_id).info.experiment_id
    ui = mlflow_server.uri
    assert found.url == f"{ui}/#/models/{quote(name, safe='')}/versions/1"
    assert found.run_url == f"{ui}/#/experiments/{experiment}/runs/{found.run_id}"
    other = MlflowRegistry(mlflow_server.uri, ui_url="https://mlflow.example.com/").get_version(
        query(name), "1"
    )
    assert other is not None and other.url == (
        f"https://mlflow.example.com/#/models/{quote(name, safe='')}/versions/1"
    )


def test_no_links_for_a_local_store(sqlite_uri: str) -> None:
    name = unique()
    seed_model(sqlite_uri, name, [version(VALIDATED, "v1.0.0")])
    found = MlflowRegistry(sqlite_uri).newest_validated(query(name))
    assert found is not None and (found.url, found.run_url) == (None, None)


# -- what the registry returns is checked -----------------------------------------------------


def test_validated_version_without_image_tag(uri: str) -> None:
    name = unique()
    seed_model(uri, name, [version(VALIDATED, "v1.0.0"), version(VALIDATED)])
    with pytest.raises(RegistryError) as caught:
        MlflowRegistry(uri).newest_validated(query(name))
    assert str(caught.value) == (
        "[fraud-detector] version 2 is validated but has no tag 'image_tag':"
        " tag it or set models.fraud-detector.image.tag_from"
    )


@pytest.mark.parametrize(
    "bad",
    ["v1.4.0\n", "../../etc/passwd", "v1 4", "x" * 300, "-v1", "v1;rm", ""],
    ids=["newline", "dotdot", "space", "long", "dash", "semicolon", "empty"],
)
def test_bad_image_tags_are_refused(uri: str, bad: str) -> None:
    name = unique()
    seed_model(uri, name, [version(VALIDATED, bad)])
    with pytest.raises(RegistryError) as caught:
        MlflowRegistry(uri).newest_validated(query(name))
    message = str(caught.value)
    assert message.startswith("[fraud-detector] version 1 has an invalid image tag")
    assert "\n" not in message and len(message) < 200
    assert repr(bad)[:20] in message


def test_bad_digest_is_refused(uri: str) -> None:
    name = unique()
    digest = "sha256:" + "a" * 64
    seed_model(
        uri,
        name,
        [
            version({**VALIDATED, "image_digest": digest}, "v1.0.0"),
            version({**VALIDATED, "image_digest": "sha256:XYZ\n"}, "v1.1.0"),
        ],
    )
    registry = MlflowRegistry(uri)
    wanted = query(name, image_digest_key="image_digest")
    first = registry.get_version(wanted, "1")
    assert first is not None and first.image_digest == digest
    with pytest.raises(
        RegistryError, match=r"version 2 has an invalid image digest .*'sha256:XYZ\\n'"
    ):
        registry.newest_validated(wanted)


def test_quotes_in_names_and_tag_values(uri: str) -> None:
    name = unique("o'brien")
    seed_model(
        uri,
        name,
        [
            version({"reviewed_by": "d'arcy"}, "v1.0.0"),
            version({"reviewed_by": 'say "hi"'}, "v2.0.0"),
        ],
    )
    registry = MlflowRegistry(uri)
    found = registry.newest_validated(query(name, validated_tags={"reviewed_by": "d'arcy"}))
    assert found is not None and found.version == "1"
    found = registry.newest_validated(query(name, validated_tags={"reviewed_by": 'say "hi"'}))
    assert found is not None and found.version == "2"


@pytest.mark.parametrize(
    ("tags", "name", "expected"),
    [
        ({"k": 'it\'s "both"'}, "m", "tag 'k' value .* cannot be used in an MLflow search filter"),
        ({"k": "back\\slash"}, "m", "cannot be used in an MLflow search filter"),
        ({"k": "new\nline"}, "m", "cannot be used in an MLflow search filter"),
        ({"bad`key": "x"}, "m", "validated tag 'bad`key' is not a valid MLflow tag name"),
        ({"k": "v"}, "a'b\"c", "registered model name .* cannot be used"),
    ],
)
@pytest.mark.usefixtures("client")
def test_unsafe_filter_values_are_refused_before_any_request(
    tags: dict[str, str], name: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch, "search_model_versions")
    registry = MlflowRegistry("http://127.0.0.1:9")
    with pytest.raises(RegistryError, match=expected):
        registry.newest_validated(query(name, validated_tags=tags))
    assert spy.calls == []


def test_a_store_that_ignores_the_filter_promotes_nothing(
    sqlite_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique()
    seed_model(sqlite_uri, name, [version(VALIDATED, "v1.0.0"), version(FAILED, "v2.0.0")])
    original = MlflowClient.search_model_versions

    def unfiltered(client: MlflowClient, *args: Any, **kwargs: Any) -> Any:
        kwargs["filter_string"] = f"name='{name}'"
        return original(client, *args, **kwargs)

    monkeypatch.setattr(MlflowClient, "search_model_versions", unfiltered)
    with pytest.raises(RegistryError, match=r"version '2' .* does not match the filter"):
        MlflowRegistry(sqlite_uri).newest_validated(query(name))


# -- errors -----------------------------------------------------------------------------------


def test_unknown_model(uri: str) -> None:
    name = unique("nope")
    with pytest.raises(RegistryError) as caught:
        MlflowRegistry(uri).newest_validated(query(name))
    assert str(caught.value) == (
        f"[fraud-detector] registered model '{name}' not found in MLflow at {uri}:"
        " check models.fraud-detector.registered_model"
    )


@pytest.fixture
def no_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "3")


@pytest.mark.usefixtures("no_retries", "client")
def test_server_down_is_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "secret-token-value")
    port = free_port()  # nothing listens there any more
    with pytest.raises(RetryableError) as caught:
        MlflowRegistry(f"http://127.0.0.1:{port}").newest_validated(query("any"))
    assert str(caught.value) == (
        f"MLflow at http://127.0.0.1:{port} unreachable: Connection refused; try again"
    )


@pytest.mark.usefixtures("no_retries", "client")
def test_5xx_is_retryable() -> None:
    expected = r"unreachable: too many 503 error responses; try again$"
    with (
        _Server(lambda handler: handler.send_error(503)) as url,
        pytest.raises(RetryableError, match=expected),
    ):
        MlflowRegistry(url).get_version(query("any"), "1")


@pytest.mark.usefixtures("client")
def test_timeout_is_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")
    with (
        _Server(lambda handler: time.sleep(1.5)) as url,
        pytest.raises(RetryableError, match=r"unreachable: Read timed out; try again$"),
    ):
        MlflowRegistry(url).newest_validated(query("any"))


def test_credentials_stay_out_of_messages_and_links(monkeypatch: pytest.MonkeyPatch) -> None:
    assert display_uri("https://bot:pa55w0rd@mlflow.example.com/base?x=1") == (
        "https://mlflow.example.com/base"
    )
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "tok-123456")
    assert scrub("bad token tok-123456 at https://u:p@h/x\nsecond line") == (
        "bad token *** at https://h/x"
    )


def test_no_tracking_uri_refuses_instead_of_creating_a_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RegistryError, match="no MLflow tracking URI: set MLFLOW_TRACKING_URI"):
        MlflowRegistry().newest_validated(query("any"))
    assert list(tmp_path.iterdir()) == []


def test_tracking_uri_from_the_environment(
    sqlite_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique()
    seed_model(sqlite_uri, name, [version(VALIDATED, "v1.0.0")])
    monkeypatch.setenv("MLFLOW_TRACKING_URI", sqlite_uri)
    found = MlflowRegistry().newest_validated(query(name))
    assert found is not None and found.version == "1"


# -- the filter runs on the server --------------------------------------------------------------


def test_many_versions_one_bounded_search(uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """60 versions, two validated (7 and 41): one search call, a few results asked for.

    With ``max_results`` far below 60 a single call can only return version 41 first if the
    store filtered by tag and ordered by version number itself. Against the server, a proxy
    also counts the HTTP requests: the search, then (for the PR body) the source run, then
    the deployed version 7's run: its registry entry came with the search.
    """
    name = unique()
    specs = [version(FAILED, f"v1.{n}.0", metrics=None) for n in range(1, 61)]  # no runs: faster
    specs[6] = version(VALIDATED, "v1.7.0")
    specs[40] = version(VALIDATED, "v1.41.0", metrics={"accuracy": 0.41})
    seed_model(uri, name, specs)
    spy = Spy(monkeypatch, "search_model_versions", "get_model_version", "get_registered_model")
    with _Proxy(uri) as (target, requests):
        registry = MlflowRegistry(target)
        found = registry.newest_validated(query(name))
        assert found is not None and (found.version, found.image_tag) == ("41", "v1.41.0")
        found = registry.complete(query(name), found)
        deployed = registry.get_version(query(name), "7")
    assert found.metrics == {"accuracy": 0.41}
    assert deployed is not None and (deployed.image_tag, deployed.metrics) == (
        "v1.7.0",
        {"accuracy": 0.91, "latency_p99_ms": 120.0},
    )
    assert [called for called, _ in spy.calls] == ["search_model_versions"]
    assert spy.calls[0][1]["max_results"] == SEARCH_AHEAD
    assert spy.calls[0][1]["order_by"] == ["version_number DESC"]
    if requests is not None:
        assert [path.split("?")[0] for path in requests] == [
            "/api/2.0/mlflow/model-versions/search",
            "/api/2.0/mlflow/runs/get",
            "/api/2.0/mlflow/runs/get",
        ]
        assert f"max_results={SEARCH_AHEAD}" in requests[0]


def test_versions_outside_the_search_are_looked_up(
    uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only what the search returned is reused: an older version costs its own lookup."""
    name = unique()
    seed_model(uri, name, [version(VALIDATED, f"v{n}") for n in range(1, SEARCH_AHEAD + 3)])
    registry = MlflowRegistry(uri)
    assert registry.newest_validated(query(name)) is not None
    spy = Spy(monkeypatch, "get_model_version")
    recent = registry.get_version(query(name), "3")  # among the search's results
    old = registry.get_version(query(name), "1")  # older than all of them
    assert recent is not None and recent.image_tag == "v3"
    assert old is not None and old.image_tag == "v1"
    assert spy.count("get_model_version") == 1


# -- small HTTP helpers -------------------------------------------------------------------------


class _Server:
    def __init__(self, handle: Callable[[BaseHTTPRequestHandler], None]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                handle(self)

            do_POST = do_PATCH = do_DELETE = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Proxy:
    """For an http URI: a counting pass-through proxy; for anything else: the URI itself."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.requests: list[str] = []
        self.server: _Server | None = None
        if uri.startswith("http"):
            self.server = _Server(self._forward)

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        self.requests.append(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection(urlsplit(self.uri).netloc, timeout=30)
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        upstream.request(handler.command, handler.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        handler.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        upstream.close()

    def __enter__(self) -> tuple[str, list[str] | None]:
        if self.server is None:
            return self.uri, None
        return self.server.__enter__(), self.requests

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.__exit__(*exc)
