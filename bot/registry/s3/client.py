"""The boto3 side of the S3 registry: building the client and reading one object, bounded.

Credentials and retries are as the ``bot.registry.s3`` docstring says.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from bot import deadline
from bot.errors import RegistryError
from bot.registry.s3.errors import display_endpoint, translate

DEFAULT_ATTEMPTS = 5


@dataclass(frozen=True)
class Object:
    key: str
    body: bytes
    metadata: Mapping[str, str]
    last_modified: datetime | None


def make_client(
    bucket: str,
    endpoint_url: str | None,
    region: str | None,
    max_attempts: int | None,
    timeouts: tuple[float, float],
) -> Any:
    """A boto3 S3 client; errors name ``bucket`` and the endpoint, never credentials."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    left = deadline.remaining()
    if left is not None:  # no one attempt may outlast the run's deadline
        timeouts = (min(timeouts[0], max(left, 0.1)), min(timeouts[1], max(left, 0.1)))
    retries: dict[str, Any] = {"mode": "standard"}
    if max_attempts is not None:
        retries["total_max_attempts"] = max_attempts
    elif not os.environ.get("AWS_MAX_ATTEMPTS"):
        retries["total_max_attempts"] = DEFAULT_ATTEMPTS
    config = Config(
        retries=retries,
        connect_timeout=timeouts[0],
        read_timeout=timeouts[1],
        user_agent_extra="model-promotion-bot",
        # S3-compatible stores (MinIO, Ceph) rarely resolve bucket.host names.
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    try:
        client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config
        )
    except ValueError:  # e.g. an endpoint_url that is not a URL
        raise RegistryError(
            f"S3 registry: endpoint_url {display_endpoint(endpoint_url)!r} is not"
            " a valid URL: use e.g. https://minio.example.com:9000"
        ) from None
    except BotoCoreError as exc:  # e.g. AWS_PROFILE names no profile
        raise translate(exc, f"s3://{bucket}", bucket, endpoint_url) from exc
    where = f"S3 at {display_endpoint(endpoint_url) if endpoint_url else 's3://' + bucket}"
    # Every attempt, retries included, is sent through this event: none starts past the
    # deadline (botocore bounds attempts by number only).
    client.meta.events.register("before-send.s3", partial(_in_time, where))
    return client


def _in_time(where: str, **_: Any) -> None:
    left = deadline.remaining()
    if left is not None and left <= 0:
        raise deadline.exceeded(where, None, "that the endpoint is up and reachable")


def read_object(client: Any, bucket: str, key: str, limit: int) -> Object:
    """GET one object, reading at most ``limit`` bytes (botocore errors are the caller's)."""
    response = client.get_object(Bucket=bucket, Key=key)
    body = response["Body"]
    try:
        data = body.read(limit + 1)
    finally:
        body.close()
    if len(data) > limit:
        raise RegistryError(f"S3 object s3://{bucket}/{key} is over {limit} bytes")
    metadata = {str(k): str(v) for k, v in (response.get("Metadata") or {}).items()}
    stamp = response.get("LastModified")
    return Object(key, data, metadata, stamp if isinstance(stamp, datetime) else None)
