"""The relay as a service: start-up errors, the dispatch slots, draining, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from bot.config import load
from bot.errors import UserError
from bot.platform.github.dispatch import Dispatcher, Target, credentials
from bot.relay.app import Limits, Relay
from bot.relay.deliveries import Claim, DeliveryLog
from bot.relay.wsgi import App
from tests.relay.rig import SECRET, running, signed, validated
from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake.routes_dispatch import dispatches
from tests.rig.github_rig import TOKEN
from tests.rig.repos import ROOT, make_gitops_repo
from tests.rig.services import free_port

EXAMPLE_CONFIG = ROOT / "examples" / "gitops-repo" / ".github" / "promotion.yml"


class Gate:
    """A sender that holds every dispatch until released: a GitHub that is slow on purpose."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.entered = threading.Semaphore(0)
        self.sent: list[tuple[str, str, str]] = []

    def send(self, model: str, version: str, delivery_id: str) -> None:
        self.entered.release()
        assert self.open.wait(10)
        self.sent.append((model, version, delivery_id))


def gated(limits: Limits) -> tuple[App, Gate]:
    gate = Gate()
    return App(Relay(load(EXAMPLE_CONFIG), [SECRET], gate, limits)), gate


def post(url: str, delivery: tuple[dict[str, str], bytes]) -> requests.Response:
    headers, body = delivery
    return requests.post(f"{url}/webhooks/mlflow", data=body, headers=headers, timeout=20)


def test_full_dispatch_slots_answer_503_with_retry_after() -> None:
    app, gate = gated(Limits(dispatch_slots=1, slot_wait=0.2))
    with running(app) as server, ThreadPoolExecutor(2) as pool:
        first = pool.submit(post, server.url, signed(validated(version="1")))
        assert gate.entered.acquire(timeout=10)
        second = post(server.url, signed(validated(version="2")))
        gate.open.set()
        assert first.result().status_code == 200
    assert second.status_code == 503
    assert second.headers["Retry-After"] == "5"
    assert [v for _, v, _ in gate.sent] == ["1"]


def test_stopping_drains_the_delivery_in_flight() -> None:
    app, gate = gated(Limits())
    with running(app) as server, ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(post, server.url, signed(validated()))
        assert gate.entered.acquire(timeout=10)
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        stopper.join()
        health = requests.get(f"{server.url}/healthz", timeout=5)
        late = post(server.url, signed(validated(version="9")))
        gate.open.set()
        answer = in_flight.result()
    assert health.status_code == 503 and health.json()["status"] == "draining"
    assert late.status_code == 503
    assert answer.status_code == 200 and answer.json()["status"] == "dispatched"
    assert len(gate.sent) == 1


def test_sigterm_stops_the_relay_process(tmp_path: Path, fake_github: FakeGitHub) -> None:
    config = make_gitops_repo(tmp_path / "gitops") / ".github" / "promotion.yml"
    port = free_port()
    env = {
        **os.environ,
        "PROMOTE_RELAY_SECRET": SECRET,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": fake_github.base_url,
        "PROMOTE_GITHUB_WRITE_INTERVAL": "0",
    }
    command = [sys.executable, "-m", "bot.relay", "--config", str(config)]
    command += ["--repository", "acme/gitops", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url)
        assert post(url, signed(validated())).status_code == 200
        process.send_signal(signal.SIGTERM)
        code = process.wait(15)
    finally:
        if process.poll() is None:
            process.kill()
    log = process.stderr.read() if process.stderr else ""
    assert code == 0, log
    assert "relay stopped" in log
    assert SECRET not in log and TOKEN not in log
    (line,) = [x for x in log.splitlines() if "delivery status=" in x]
    assert 'outcome="dispatched"' in line and 'models="fraud-detector"' in line
    assert len(dispatches(fake_github)) == 1


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("the relay did not become healthy")


S = {"PROMOTE_RELAY_SECRET": SECRET}
BAD_PEM = "-----BEGIN RSA PRIVATE KEY-----\nxx\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({}, [], "PROMOTE_RELAY_SECRET must hold the webhook secret (at least 16 characters)"),
        ({"PROMOTE_RELAY_SECRET": "short"}, [], "PROMOTE_RELAY_SECRET must hold"),
        (S, [], "no GitHub credentials: set PROMOTE_GITHUB_APP_ID and"),
        (
            {**S, "GITHUB_TOKEN": "t", "PROMOTE_GITHUB_APP_ID": "1"},
            [],
            "PROMOTE_GITHUB_APP_ID is set but PROMOTE_GITHUB_APP_PRIVATE_KEY",
        ),
        (
            {**S, "PROMOTE_GITHUB_APP_ID": "1", "PROMOTE_GITHUB_APP_PRIVATE_KEY": BAD_PEM},
            [],
            "PROMOTE_GITHUB_APP_PRIVATE_KEY: cannot sign with this key",
        ),
        (
            {**S, "GITHUB_TOKEN": "t", "PROMOTE_GITHUB_WRITE_INTERVAL": "soon"},
            [],
            "PROMOTE_GITHUB_WRITE_INTERVAL must be a number of seconds >= 0, got 'soon'",
        ),
        (
            S,
            ["--repository", "acme"],
            "--repository (or GITHUB_REPOSITORY) must be owner/name, got 'acme'",
        ),
        (S, ["--config", "nope.yml"], "nope.yml: config file not found"),
    ],
)
def test_start_up_errors_are_one_line(
    env: dict[str, str],
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.relay.commands import main

    for name in list(os.environ):
        if name.startswith(("PROMOTE_", "GITHUB_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    argv = ["--config", str(EXAMPLE_CONFIG), "--repository", "acme/gitops", "--port", "0", *args]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 1
    assert err.startswith(f"error: {message}"), err
    assert len(err.strip().splitlines()) == 1


def test_app_credentials_sign_a_jwt(tmp_path: Path) -> None:
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path / "app.pem"
    path.write_text(pem)
    env = {
        "PROMOTE_GITHUB_APP_ID": "12345",
        "PROMOTE_GITHUB_APP_PRIVATE_KEY_FILE": str(path),
        "PROMOTE_GITHUB_APP_INSTALLATION_ID": "77",
        "GITHUB_TOKEN": "ignored",
    }
    creds = credentials(env)
    assert (creds.kind, creds.installation_id, creds.token) == ("GitHub App", 77, "")
    dispatcher = Dispatcher(Target("acme/gitops"), creds)
    dispatcher.check()
    token = dispatcher._app_auth().create_jwt()
    claims = jwt.decode(token, key.public_key(), algorithms=["RS256"])
    assert claims["iss"] == "12345"


def test_delivery_log_forgets_after_its_ttl() -> None:
    now = [0.0]
    log = DeliveryLog(ttl=600, clock=lambda: now[0])
    assert log.claim("a") is Claim.NEW
    assert log.claim("a") is Claim.BUSY
    log.record("a", "m1")
    log.finish("a", complete=False)
    assert log.claim("a") is Claim.NEW
    assert log.dispatched("a") == {"m1"}  # the retry sends only what is missing
    log.finish("a", complete=True)
    assert log.claim("a") is Claim.DONE
    now[0] = 601
    assert log.claim("a") is Claim.NEW


def test_bounded_delivery_log() -> None:
    log = DeliveryLog(ttl=600, maxsize=3)
    for n in range(5):
        log.claim(str(n))
        log.finish(str(n), complete=True)
    # The two oldest were dropped to keep three: they would be dispatched again.
    assert [log.claim(str(n)) for n in range(5)] == [Claim.NEW] * 2 + [Claim.DONE] * 3


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--url", "https://relay.example.com", "--tracking-uri", "file:///nowhere/mlruns"],
            S,
            "MLflow at file:///nowhere/mlruns: webhooks: The filesystem tracking backend",
        ),
        (
            ["--url", "ftp://relay.example.com", "--tracking-uri", "file:///nowhere/mlruns"],
            S,
            "--url must be the relay's http(s) URL, got 'ftp://relay.example.com'",
        ),
        (
            ["--url", "https://relay.example.com", "--tracking-uri", "file:///nowhere/mlruns"],
            {},
            "PROMOTE_RELAY_SECRET must hold the webhook secret",
        ),
    ],
)
def test_webhooks_install_errors_are_one_line(
    args: list[str], env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from bot.relay.commands import webhooks

    monkeypatch.delenv("PROMOTE_RELAY_SECRET", raising=False)
    result = CliRunner().invoke(webhooks, ["install", *args], env=env)
    assert isinstance(result.exception, UserError), result.exception
    assert str(result.exception).startswith(message)
    assert "\n" not in str(result.exception)
