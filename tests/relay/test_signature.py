"""The signature check against MLflow's own signing code, and the replay window."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlflow.webhooks.delivery import _generate_hmac_signature

from bot.relay.signature import Delivery, Rejected, sign, verify

SECRET = "s3cret-for-signature-tests"
NOW = 1_760_000_000


def headers(
    body: str, secret: str = SECRET, delivery_id: str = "d-1", ts: int = NOW
) -> dict[str, str]:
    return {
        "X-MLflow-Delivery-Id": delivery_id,
        "X-MLflow-Timestamp": str(ts),
        "X-MLflow-Signature": _generate_hmac_signature(secret, delivery_id, str(ts), body),
    }


@given(
    body=st.text(min_size=0, max_size=300),
    secret=st.text(min_size=1, max_size=40),
    delivery_id=st.from_regex(r"[A-Za-z0-9-]{1,40}", fullmatch=True),
)
def test_accepts_what_mlflow_signs(body: str, secret: str, delivery_id: str) -> None:
    # Any text, non-ASCII included: MLflow signs the UTF-8 text it sends.
    got = verify([secret], headers(body, secret, delivery_id), body.encode(), NOW, 300)
    assert got == Delivery(delivery_id, NOW, body.encode())
    assert sign(secret, delivery_id, str(NOW), body.encode()) == _generate_hmac_signature(
        secret, delivery_id, str(NOW), body
    )


BODY = json.dumps({"entity": "model_version_tag", "action": "set", "data": {"name": "m"}})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"X-MLflow-Signature": ""},
            "missing X-MLflow-Signature, X-MLflow-Timestamp or X-MLflow-Delivery-Id",
        ),
        (
            {"X-MLflow-Delivery-Id": "a b\nc"},
            "malformed X-MLflow-Delivery-Id or X-MLflow-Timestamp",
        ),
        ({"X-MLflow-Timestamp": "12.5"}, "malformed X-MLflow-Delivery-Id or X-MLflow-Timestamp"),
        (
            {"X-MLflow-Delivery-Id": "d-2"},
            "signature does not match; check that the relay and MLflow share the secret",
        ),
        (
            {"X-MLflow-Timestamp": str(NOW + 1)},
            "signature does not match; check that the relay and MLflow share the secret",
        ),
        (
            {"X-MLflow-Signature": "v2,AAAA"},
            "signature does not match; check that the relay and MLflow share the secret",
        ),
        (
            {"X-MLflow-Signature": "v1,not base64!"},
            "signature does not match; check that the relay and MLflow share the secret",
        ),
    ],
)
def test_rejects(change: dict[str, str], message: str) -> None:
    with pytest.raises(Rejected) as err:
        verify([SECRET], {**headers(BODY), **change}, BODY.encode(), NOW, 300)
    assert str(err.value) == message


def test_rejects_another_body_and_another_secret() -> None:
    with pytest.raises(Rejected):
        verify([SECRET], headers(BODY), BODY.encode() + b" ", NOW, 300)
    with pytest.raises(Rejected):
        verify(["other-secret"], headers(BODY), BODY.encode(), NOW, 300)


@pytest.mark.parametrize(
    ("age", "ok"), [(0, True), (300, True), (-300, True), (301, False), (-301, False)]
)
def test_replay_window(age: int, ok: bool) -> None:
    signed = headers(BODY, ts=NOW - age)
    if ok:
        verify([SECRET], signed, BODY.encode(), NOW, 300)
    else:
        with pytest.raises(Rejected, match="outside the 300 s window"):
            verify([SECRET], signed, BODY.encode(), NOW, 300)


def test_any_of_several_signatures_and_secrets() -> None:
    signed = headers(BODY)
    other = _generate_hmac_signature("old-secret", "d-1", str(NOW), BODY)
    signed["X-MLflow-Signature"] = f"{other} {signed['X-MLflow-Signature']}"
    verify([SECRET], signed, BODY.encode(), NOW, 300)
    verify(["old-secret"], signed, BODY.encode(), NOW, 300)
    verify(["nope", SECRET], headers(BODY), BODY.encode(), NOW, 300)
