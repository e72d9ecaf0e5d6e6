"""What MLflow's own client gets from ``requests`` by default, asked of both clients.

MlflowClient sends through a ``requests`` session; the light client must behave the same on
everything a user may rely on without knowing it comes from ``requests``: redirects (and which
method, body and Authorization header survive them), ``~/.netrc``, proxies and ``no_proxy``,
the CA bundle variables and their precedence against MLflow's own TLS settings, gzip, and
cookies a server sets. Each test runs the same call with each client against a real local
server on 127.0.0.1 and compares what the server saw (or what the caller got).
"""

from __future__ import annotations

import base64
import gzip
import http.server
import json
import os
import ssl
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.registry.mlflow.client import SWITCH, connect
from tests.rig.argocd.tls import make_pki

KINDS = ("light", "mlflow")
ENV = (
    "MLFLOW_TRACKING_URI",
    "MLFLOW_REGISTRY_URI",
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_INSECURE_TLS",
    "MLFLOW_TRACKING_SERVER_CERT_PATH",
    "MLFLOW_TRACKING_CLIENT_CERT_PATH",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NETRC",
    SWITCH,
)
MODEL = {"registered_model": {"name": "m"}}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv(SWITCH, "auto")  # so that what ``client_for`` sets is undone after
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))  # never the user's own


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    """A local HTTP(S) server: ``answer`` decides each reply; every request is kept."""

    answer: Callable[[Seen], tuple[int, dict[str, str], bytes]]
    context: ssl.SSLContext | None = None
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                got = Seen(self.command, self.path, dict(self.headers), self.rfile.read(size))
                outer.seen.append(got)
                status, headers, body = outer.answer(got)
                self.send_response(status)
                for key, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.context is not None:
            self.httpd.socket = self.context.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, host: str = "127.0.0.1") -> str:
        scheme = "https" if self.context else "http"
        return f"{scheme}://{host}:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[Callable[..., Server]]:
    made: list[Server] = []

    def make(answer: Callable[[Seen], tuple[int, dict[str, str], bytes]], **kw: Any) -> Server:
        made.append(Server(answer, **kw))
        return made[-1]

    yield make
    for server in made:
        server.close()


def ok(body: Any = MODEL, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


def client_for(kind: str, uri: str) -> Any:
    os.environ[SWITCH] = "mlflow" if kind == "mlflow" else "auto"
    connection = connect(uri, None)
    assert connection.light is (kind == "light")
    return connection.client


def get_model(kind: str, uri: str) -> str:
    return str(client_for(kind, uri).get_registered_model("m").name)


def set_alias(kind: str, uri: str) -> None:
    client_for(kind, uri).set_registered_model_alias("m", "prod", "3")


def after_each(kind_call: Callable[[str], Any]) -> dict[str, Any]:
    return {kind: kind_call(kind) for kind in KINDS}


# -- redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirected_post_keeps_or_drops_method_and_body_alike(
    servers: Callable[..., Server], status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "t0ken-value")

    def answer(seen: Seen) -> tuple[int, dict[str, str], bytes]:
        if seen.path.startswith("/moved/"):
            return ok({})
        return status, {"Location": "/moved" + seen.path}, b""

    server = servers(answer)

    def landed(kind: str) -> tuple[str, str, str | None, bytes]:
        server.seen.clear()
        set_alias(kind, server.url())
        last = server.seen[-1]  # MlflowClient reads the model first
        return last.method, last.path, last.headers.get("Authorization"), last.body

    found = after_each(landed)
    assert found["light"] == found["mlflow"]
    method, _, auth, body = found["light"]
    assert (method, bool(body)) == (("POST", True) if status in (307, 308) else ("GET", False))
    assert auth == "Bearer t0ken-value"  # same origin: the credentials follow


def test_a_redirect_to_another_host_drops_the_credentials_alike(
    servers: Callable[..., Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "t0ken-value")
    target = servers(lambda seen: ok())
    moved = servers(lambda seen: (302, {"Location": target.url("localhost") + seen.path}, b""))

    def landed(kind: str) -> tuple[str, str | None]:
        target.seen.clear()
        name = get_model(kind, moved.url())
        return name, target.seen[-1].headers.get("Authorization")

    assert after_each(landed) == {"light": ("m", None), "mlflow": ("m", None)}


# -- netrc ------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "t0ken-value"])
def test_netrc_credentials_are_sent_alike(
    servers: Callable[..., Server],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    token: str | None,
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login ann password s3cret-pw\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    if token:
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token)
    server = servers(lambda seen: ok())

    def sent(kind: str) -> str | None:
        server.seen.clear()
        get_model(kind, server.url())
        return server.seen[-1].headers.get("Authorization")

    found = after_each(sent)
    assert found["light"] == found["mlflow"]
    # requests applies the netrc entry over a header the caller set (MLflow sets a header).
    assert found["light"] == "Basic " + base64.b64encode(b"ann:s3cret-pw").decode()


# -- proxies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "no_proxy", [None, "127.0.0.1", "0.0.1", "127.0.0.0/8", "*", "10.0.0.1", "localhost"]
)
def test_proxies_and_no_proxy_are_read_alike(
    servers: Callable[..., Server], monkeypatch: pytest.MonkeyPatch, no_proxy: str | None
) -> None:
    server = servers(lambda seen: ok())
    # A plain-HTTP proxy sees the absolute URL in the request line; the server would not.
    proxy = servers(lambda seen: ok())
    monkeypatch.setenv("HTTP_PROXY", proxy.url())
    if no_proxy:
        monkeypatch.setenv("NO_PROXY", no_proxy)

    def route(kind: str) -> tuple[int, int]:
        server.seen.clear()
        proxy.seen.clear()
        get_model(kind, server.url())
        return len(server.seen), len(proxy.seen)

    found = after_each(route)
    assert found["light"] == found["mlflow"]
    # "0.0.1" matches as a domain suffix (urllib's rule, which requests applies after its own).
    assert found["light"] == ((0, 1) if no_proxy in (None, "10.0.0.1", "localhost") else (1, 0))


# -- TLS --------------------------------------------------------------------------------


@pytest.fixture
def tls(servers: Callable[..., Server], tmp_path: Path) -> tuple[Server, Path, Path]:
    """An HTTPS server, the CA file that trusts it, and another CA that does not."""
    pki = make_pki(tmp_path / "pki")
    other = make_pki(tmp_path / "other", name="other-ca")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.cert_file, pki.key_file)
    return servers(lambda seen: ok(), context=context), pki.ca_file, other.ca_file


def outcome(kind: str, uri: str) -> str:
    try:
        return get_model(kind, uri)
    except Exception as err:  # both clients' errors: compared by their reason
        return "CERTIFICATE_VERIFY_FAILED" if "CERTIFICATE_VERIFY_FAILED" in str(err) else "?"


@pytest.mark.parametrize(
    ("bundle", "cert_path", "insecure", "expected"),
    [
        (None, None, None, "CERTIFICATE_VERIFY_FAILED"),  # certifi's bundle
        ("good", None, None, "m"),
        ("good", "bad", None, "CERTIFICATE_VERIFY_FAILED"),  # MLflow's path wins
        ("bad", "good", None, "m"),
        ("bad", None, "true", "m"),  # no verification: the bundle is not read
        ("good_dir", None, None, "m"),
    ],
)
def test_ca_bundles_are_chosen_alike(
    tls: tuple[Server, Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    bundle: str | None,
    cert_path: str | None,
    insecure: str | None,
    expected: str,
) -> None:
    server, good, bad = tls
    rehashed = tmp_path / "cadir"
    rehashed.mkdir()
    # The directory form is looked up by OpenSSL's subject hash.
    name = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(good)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (rehashed / f"{name}.0").write_bytes(good.read_bytes())
    files = {"good": good, "bad": bad, "good_dir": rehashed}
    if bundle:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files[bundle]))
    if cert_path:
        monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", str(files[cert_path]))
    if insecure:
        monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", insecure)
    found = after_each(lambda kind: outcome(kind, server.url()))
    assert found == {"light": expected, "mlflow": expected}


# -- content and cookies ----------------------------------------------------------------


def test_a_gzip_answer_is_read_alike(servers: Callable[..., Server]) -> None:
    packed = gzip.compress(json.dumps(MODEL).encode())
    server = servers(
        lambda seen: (200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, packed)
    )
    found = after_each(lambda kind: get_model(kind, server.url()))
    assert found == {"light": "m", "mlflow": "m"}
    assert all("gzip" in seen.headers.get("Accept-Encoding", "") for seen in server.seen)


def test_a_cookie_the_server_sets_is_sent_back_alike(servers: Callable[..., Server]) -> None:
    name = f"c{uuid.uuid4().hex[:8]}"  # MLflow's session outlives the test: a fresh name

    def answer(seen: Seen) -> tuple[int, dict[str, str], bytes]:
        return ok(**{"Set-Cookie": f"{name}=v1; Path=/"})

    server = servers(answer)

    def twice(kind: str) -> str | None:
        client = client_for(kind, server.url())
        client.get_registered_model("m")
        server.seen.clear()
        client.get_registered_model("m")
        return server.seen[-1].headers.get("Cookie")

    assert after_each(twice) == {"light": f"{name}=v1", "mlflow": f"{name}=v1"}
