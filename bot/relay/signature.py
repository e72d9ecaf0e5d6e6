"""MLflow's webhook signature, checked exactly as ``mlflow.webhooks.delivery`` computes it.

MLflow signs ``f"{delivery_id}.{timestamp}.{body}"`` with HMAC-SHA256 and sends
``X-MLflow-Signature: v1,<base64 digest>`` (the Standard Webhooks scheme). Several
space-separated signatures are accepted, so a sender may sign with an old and a new secret
while the secret is rotated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SIGNATURE_HEADER = "X-MLflow-Signature"
TIMESTAMP_HEADER = "X-MLflow-Timestamp"
DELIVERY_ID_HEADER = "X-MLflow-Delivery-Id"
VERSION = "v1"

# MLflow sends a UUID; anything printable and short is accepted so other senders fit, but a
# value that could smuggle log lines or grow the dedup table without bound is not.
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


class Rejected(Exception):
    """The delivery is not authentic or not fresh; ``str()`` is safe to log and to answer."""


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    timestamp: int
    body: bytes


def sign(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    """The header value MLflow would send: what tests and benchmarks sign their requests with."""
    return f"{VERSION},{base64.b64encode(_digest(secret, delivery_id, timestamp, body)).decode()}"


def verify(
    secrets: Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    now: float,
    window: float,
) -> Delivery:
    """The authenticated delivery, or ``Rejected`` naming what is wrong (never the secret)."""
    delivery_id = headers.get(DELIVERY_ID_HEADER, "")
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    offered = headers.get(SIGNATURE_HEADER, "")
    if not (delivery_id and timestamp and offered):
        raise Rejected(f"missing {SIGNATURE_HEADER}, {TIMESTAMP_HEADER} or {DELIVERY_ID_HEADER}")
    if not _DELIVERY_ID.match(delivery_id) or not _TIMESTAMP.match(timestamp):
        raise Rejected(f"malformed {DELIVERY_ID_HEADER} or {TIMESTAMP_HEADER}")
    if not _matches(secrets, delivery_id, timestamp, body, offered):
        raise Rejected("signature does not match; check that the relay and MLflow share the secret")
    # Checked after the signature: the timestamp is signed, so only a genuine but old (replayed)
    # delivery reaches this point.
    age = now - int(timestamp)
    if abs(age) > window:
        raise Rejected(f"timestamp is {age:+.0f} s from now, outside the {window:.0f} s window")
    return Delivery(delivery_id, int(timestamp), body)


def _matches(
    secrets: Sequence[str], delivery_id: str, timestamp: str, body: bytes, offered: str
) -> bool:
    candidates = []
    for entry in offered.split():
        version, _, value = entry.partition(",")
        if version == VERSION:
            try:
                candidates.append(base64.b64decode(value, validate=True))
            except ValueError:
                continue
    found = False
    for secret in secrets:
        expected = _digest(secret, delivery_id, timestamp, body)
        for candidate in candidates:
            # Every pair is compared (no early exit), each in constant time.
            found |= hmac.compare_digest(expected, candidate)
    return found


def _digest(secret: str, delivery_id: str, timestamp: str, body: bytes) -> bytes:
    # Bytes, not text: MLflow signs the UTF-8 text it sends, and these are those same bytes.
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).digest()
