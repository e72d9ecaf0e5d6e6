"""The relay over HTTP, in front of the GitHub fake: what it answers and what reaches GitHub.

Every case that should dispatch nothing asserts the fake saw no request at all.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.relay.rig import (
    MODEL,
    SECRET,
    RelayRig,
    envelope,
    make_app,
    running,
    signed,
    tag_set,
    validated,
)
from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake.routes_dispatch import DISPATCHES, dispatches
from tests.rig.repos import make_gitops_repo


def test_validation_tag_dispatches_the_model_once(relay: RelayRig) -> None:
    delivery = signed(validated(version="4"))
    answer = relay.post(delivery)
    assert answer.status_code == 200, answer.text
    delivery_id = delivery[0]["X-MLflow-Delivery-Id"]
    assert answer.json() == {
        "status": "dispatched",
        "models": [MODEL],
        "version": "4",
        "event": "model_version_tag.set",
        "registered_model": MODEL,
        "delivery_id": delivery_id,
    }
    assert relay.dispatches() == [
        {
            "event_type": "model-validated",
            "client_payload": {"model": MODEL, "version": "4", "delivery_id": delivery_id},
        }
    ]
    (request,) = relay.fake.requests
    assert request.login is not None  # authenticated with the token from the environment


def test_bad_signature_is_401_and_nothing_reaches_github(relay: RelayRig) -> None:
    answer = relay.post(signed(validated(), secret="another-secret-0123456789"))
    assert answer.status_code == 401
    assert "signature does not match" in answer.json()["error"]
    assert relay.fake.requests == []


def test_signature_of_another_body_is_401(relay: RelayRig) -> None:
    headers, _ = signed(validated(version="4"))
    _, other = signed(validated(version="5"))
    assert relay.post((headers, other)).status_code == 401
    assert relay.fake.requests == []


@pytest.mark.parametrize(
    "drop", ["X-MLflow-Signature", "X-MLflow-Timestamp", "X-MLflow-Delivery-Id"]
)
def test_missing_header_is_401(relay: RelayRig, drop: str) -> None:
    headers, body = signed(validated())
    del headers[drop]
    assert relay.post((headers, body)).status_code == 401
    assert relay.fake.requests == []


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_timestamp_outside_the_window_is_401(relay: RelayRig, offset: int) -> None:
    answer = relay.post(signed(validated(), timestamp=int(time.time()) + offset))
    assert answer.status_code == 401
    assert "outside the 300 s window" in answer.json()["error"]
    assert relay.fake.requests == []


def test_replayed_delivery_dispatches_once(relay: RelayRig) -> None:
    delivery = signed(validated())
    assert relay.post(delivery).json()["status"] == "dispatched"
    again = relay.post(delivery)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert len(relay.dispatches()) == 1
    assert relay.attempts() == 1


def test_unknown_model_is_ignored_without_github(relay: RelayRig) -> None:
    answer = relay.post(signed(validated(name="someone-elses-model")))
    assert answer.status_code == 200
    assert answer.json()["status"] == "ignored"
    assert relay.fake.requests == []


@pytest.mark.parametrize(
    "body",
    [
        tag_set(MODEL, "4", "validation_status", "failed"),
        tag_set(MODEL, "4", "owner", "team-fraud"),
        envelope("model_version_alias", "created", {"name": MODEL, "alias": "x", "version": "4"}),
        envelope(
            "model_version",
            "created",
            {"name": MODEL, "version": "4", "source": "s3://b/m", "tags": {"image_tag": "v2"}},
        ),
        envelope("registered_model", "created", {"name": MODEL, "tags": {}}),
        envelope("model_version_tag", "deleted", {"name": MODEL, "version": "4", "key": "k"}),
    ],
    ids=["failed-validation", "other-tag", "other-alias", "created-unvalidated", "rm", "deleted"],
)
def test_event_that_does_not_complete_validation_is_ignored(
    relay: RelayRig, body: dict[str, Any]
) -> None:
    answer = relay.post(signed(body))
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "ignored"
    assert relay.fake.requests == []


def test_version_created_already_validated_dispatches(relay: RelayRig) -> None:
    data = {
        "name": MODEL,
        "version": "7",
        "source": "models:/m",
        "run_id": None,
        "tags": {"validation_status": "passed", "image_tag": "v2.0.0"},
        "description": None,
    }
    assert relay.post(signed(envelope("model_version", "created", data))).status_code == 200
    assert [d["client_payload"]["version"] for d in relay.dispatches()] == ["7"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "body is not JSON"),
        (b"[1, 2]", "body is not a JSON object"),
        (b'{"data": {}}', "body lacks the string fields entity and action"),
        (
            b'{"entity": "model_version_tag", "action": "set", "data": {"name": "m"}}',
            "model_version_tag.set: data.version must be a string of at most 500 characters",
        ),
        (
            b'{"entity": "model_version_tag", "action": "set",'
            b' "data": {"name": "m", "version": "4; rm -rf /", "key": "k", "value": "v"}}',
            "model_version_tag.set: data.version must be a version number",
        ),
    ],
)
def test_malformed_body_is_400(relay: RelayRig, body: bytes, message: str) -> None:
    answer = relay.post(signed(body))
    assert answer.status_code == 400
    assert answer.json()["error"] == message
    assert relay.fake.requests == []


def test_github_down_is_502_and_the_retry_dispatches_once(relay: RelayRig) -> None:
    relay.fake.inject("POST", DISPATCHES, 503, times=2)
    delivery = signed(validated())
    for _ in range(2):
        answer = relay.post(delivery)
        assert answer.status_code == 502
        assert "GitHub answered 503" in answer.json()["error"]
    assert relay.dispatches() == []
    assert relay.post(delivery).json()["status"] == "dispatched"  # MLflow's retry, same id
    assert len(relay.dispatches()) == 1
    assert relay.post(delivery).json()["status"] == "duplicate"
    assert relay.attempts() == 3


def test_github_refusing_the_token_is_502(relay: RelayRig) -> None:
    relay.fake.users.clear()  # the token is no longer valid
    answer = relay.post(signed(validated()))
    assert answer.status_code == 502
    assert answer.json()["error"].startswith("GitHub did not accept the dispatch: GitHub answered")
    assert relay.dispatches() == []


def test_the_same_delivery_at_once_dispatches_once(relay: RelayRig) -> None:
    delivery = signed(validated())
    with ThreadPoolExecutor(10) as pool:
        statuses = [r.status_code for r in pool.map(lambda _: relay.post(delivery), range(10))]
    assert set(statuses) <= {200, 429}
    assert len(relay.dispatches()) == 1
    assert relay.post(delivery).json()["status"] == "duplicate"


def test_burst_of_50_deliveries(relay: RelayRig) -> None:
    deliveries = [signed(validated(version=str(n))) for n in range(1, 51)]
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(relay.post, deliveries))
    elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [200] * 50
    sent = relay.dispatches()
    assert sorted(int(d["client_payload"]["version"]) for d in sent) == list(range(1, 51))
    ids = {d["client_payload"]["delivery_id"] for d in sent}
    assert ids == {h["X-MLflow-Delivery-Id"] for h, _ in deliveries}
    assert elapsed < 30


def test_healthz_reports_the_last_delivery(relay: RelayRig) -> None:
    health = requests.get(f"{relay.server.url}/healthz", timeout=5).json()
    assert health == {"status": "ok", "last_delivery": None, "last_dispatch": None, "in_flight": 0}
    relay.post(signed(validated()))
    health = requests.get(f"{relay.server.url}/healthz", timeout=5).json()
    assert health["last_delivery"] is not None
    assert health["last_dispatch"] is not None


def test_other_routes_and_methods(relay: RelayRig) -> None:
    assert requests.get(relay.url, timeout=5).status_code == 405
    assert requests.post(f"{relay.server.url}/", timeout=5).status_code == 404
    big = b"{" + b" " * 300_000 + b"}"
    assert relay.post(signed(big)).status_code == 413
    assert relay.fake.requests == []


def test_previous_secret_is_accepted_while_rotating(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    config = make_gitops_repo(tmp_path / "gitops") / ".github" / "promotion.yml"
    old = "the-old-secret-0123456789"
    app = make_app(fake_github, config, {"PROMOTE_RELAY_PREVIOUS_SECRET": old})
    with running(app) as server:
        url = f"{server.url}/webhooks/mlflow"
        for secret in (SECRET, old, "neither-of-them-0123456789"):
            headers, body = signed(validated(), secret=secret)
            requests.post(url, data=body, headers=headers, timeout=10)
    assert len(dispatches(fake_github)) == 2
