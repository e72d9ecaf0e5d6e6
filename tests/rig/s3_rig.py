"""A real S3 API (moto in server mode) for the session, and helpers to seed and watch it.

The server is ``python -m moto.server`` from this venv on 127.0.0.1, in its own process group
so ``stop()`` ends all of it. Clients use dummy credentials and us-east-1; moto accepts any.
Tests share the server and keep apart by using a fresh bucket each (``make_bucket``).

Faults: moto cannot throttle or fail on demand. ``S3Stub`` is a bare HTTP server that answers
every request with one S3 error (e.g. 503 SlowDown, 403 AccessDenied) and counts requests;
a later fault-injection rig could instead proxy to moto and fail the first N requests.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.rig import early, services
from tests.rig.services import Service, free_port

REGION = "us-east-1"
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# For code that uses the default credential chain (S3Registry without ``client=``).
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
AWS_UNSET = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE")


class S3Server(Service):
    @property
    def endpoint_url(self) -> str:
        return self.url


def launch_s3_server(workdir: Path) -> services.Launched:
    """Start ``moto.server`` on a free port; ``ready()`` waits until it answers."""
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return services.launch("moto server", command, workdir, env, port, "/")


def start_s3_server(workdir: Path) -> S3Server:
    """Start ``moto.server`` on a free port and wait until it answers."""
    return S3Server(**vars(launch_s3_server(workdir).ready()))


def launch_session_server(tmp_path_factory: pytest.TempPathFactory) -> services.Launched:
    return launch_s3_server(tmp_path_factory.mktemp("s3-server"))


@pytest.fixture(scope="session")
def s3_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[S3Server]:
    """The session's server, launched while pytest collected when the run needs it."""
    launched = early.take(request.config, "s3_server") or launch_session_server(tmp_path_factory)
    server = S3Server(**vars(launched.ready()))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials for the default chain; nothing from the developer's own AWS setup."""
    for name in AWS_UNSET:
        monkeypatch.delenv(name, raising=False)
    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)


def s3_client(endpoint_url: str, **config: Any) -> Any:
    """A boto3 S3 client for the server, dummy credentials; ``config`` goes to botocore."""
    from botocore.config import Config

    return _session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=50, **config),
        **DUMMY_CREDENTIALS,
    )


@functools.cache
def _session() -> Any:
    """One boto3 session for the rig's clients: a session loads and parses the S3 model once,
    so each further client costs milliseconds instead of most of a second. Each client keeps
    its own copy of the event hooks (``RequestCounter`` counts one client). Clients are made
    on the test's own thread, as a shared session asks."""
    import boto3

    return boto3.session.Session()


def make_bucket(client: Any, name: str | None = None, *, versioning: bool = False) -> str:
    """Create a bucket (a fresh unique name by default) and return its name."""
    bucket = name or f"registry-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    if versioning:
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def manifest(
    version: str,
    status: str = "passed",
    image_tag: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A manifest as the training pipeline would write it."""
    body: dict[str, Any] = {
        "version": version,
        "validation_status": status,
        "image_tag": image_tag if image_tag is not None else f"v1.{version}.0",
        "metrics": {"accuracy": 0.9},
        "created": "2026-11-01T10:00:00Z",
    }
    body.update(extra)
    return body


def put_manifests(
    client: Any,
    bucket: str,
    model: str,
    manifests: Sequence[Mapping[str, Any]],
    *,
    prefix: str = "",
    workers: int = 32,
) -> None:
    """Write ``<prefix><model>/<version>/manifest.json`` for each entry (its ``version``
    names the directory), in parallel. Broken manifests: ``put_raw``."""

    def put(entry: Mapping[str, Any]) -> None:
        key = f"{prefix}{model}/{entry['version']}/manifest.json"
        client.put_object(Bucket=bucket, Key=key, Body=json.dumps(entry).encode())

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(put, manifests))


def put_raw(client: Any, bucket: str, key: str, body: str | bytes, **kwargs: Any) -> None:
    data = body.encode() if isinstance(body, str) else body
    client.put_object(Bucket=bucket, Key=key, Body=data, **kwargs)


class RequestCounter:
    """Counts the HTTP requests a boto3 client sends (retries included), by operation."""

    def __init__(self, client: Any) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        client.meta.events.register("before-send", self._count)

    def _count(self, event_name: str = "", **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        with self._lock:
            self.counts[operation] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()


class S3Stub:
    """An HTTP server answering every request with one S3 error; counts the requests.

    ``with S3Stub(503, "SlowDown") as stub: ... stub.endpoint_url ... stub.requests``
    """

    def __init__(self, status: int, code: str) -> None:
        self.status, self.code, self.requests = status, code, 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                stub.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?>'
                    f"<Error><Code>{stub.code}</Code><Message>stub</Message>"
                    "<RequestId>stub</RequestId></Error>"
                ).encode()
                self.send_response(stub.status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> S3Stub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
