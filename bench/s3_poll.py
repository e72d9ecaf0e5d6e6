"""Benchmark: what one poll of an S3 registry costs (requests and wall time).

    .venv/bin/python bench/s3_poll.py [--runs 5]

Starts the S3 API of the test rig (moto in server mode on 127.0.0.1), seeds models in the
manifests layout (and one pointer), and calls ``newest_validated`` on a fresh ``S3Registry``
per run, as one bot run would. Requests are counted on the boto3 client (``before-send``
events, so retries would count too); wall time is the median of ``--runs`` polls. Prints a
markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.model import VersionQuery  # noqa: E402
from bot.registry.s3 import S3Registry  # noqa: E402
from tests.rig.s3_rig import (  # noqa: E402
    RequestCounter,
    make_bucket,
    manifest,
    put_manifests,
    put_raw,
    s3_client,
    start_s3_server,
)


@dataclass
class Row:
    scenario: str
    versions: int
    requests: dict[str, int]
    wall_ms: float
    result: str


def query(model: str) -> VersionQuery:
    return VersionQuery(
        model=model,
        registered_name=model,
        validated_tags={"validation_status": "passed"},
        metrics=("accuracy",),
    )


def seed(client: Any, bucket: str, model: str, versions: int, failed_newest: int) -> None:
    manifests = [
        manifest(str(n), "failed" if n > versions - failed_newest else "passed")
        for n in range(1, versions + 1)
    ]
    put_manifests(client, bucket, model, manifests)


def measure(
    endpoint: str,
    bucket: str,
    scenario: str,
    versions: int,
    poll: Callable[[S3Registry], object],
    runs: int,
    **options: Any,
) -> Row:
    times: list[float] = []
    counts: dict[str, int] = {}
    result: object = None
    for _ in range(runs):
        client = s3_client(endpoint)
        counter = RequestCounter(client)
        registry = S3Registry(bucket, client=client, **options)  # fresh: no manifest cache
        start = time.perf_counter()
        result = poll(registry)
        times.append(time.perf_counter() - start)
        counts = dict(counter.counts)
    return Row(scenario, versions, counts, statistics.median(times) * 1000, describe(result))


def describe(result: object) -> str:
    if result is None:
        return "none validated"
    if isinstance(result, list):
        return f"{len(result)} versions, v{result[0].version}…v{result[-1].version}"
    return f"v{getattr(result, 'version', '?')}"


def markdown(rows: list[Row]) -> str:
    lines = [
        "| scenario | versions | S3 requests | LIST | GET | wall time (ms) | result |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lists, gets = r.requests.get("ListObjectsV2", 0), r.requests.get("GetObject", 0)
        lines.append(
            f"| {r.scenario} | {r.versions:,} | {sum(r.requests.values())} | {lists} | {gets}"
            f" | {r.wall_ms:.1f} | {r.result} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description="S3 registry poll benchmark")
    parser.add_argument("--runs", type=int, default=5, help="polls per scenario (median)")
    args = parser.parse_args()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="s3-bench-") as tmp:
        server = start_s3_server(Path(tmp))
        try:
            endpoint = server.endpoint_url
            client = s3_client(endpoint)
            bucket = make_bucket(client)
            for versions in (10, 1000):
                seed(client, bucket, f"ok-{versions}", versions, failed_newest=0)
                seed(client, bucket, f"failed-{versions}", versions, failed_newest=10)
            put_raw(client, bucket, "pointed/latest.txt", "", Metadata={"version": "42"})

            def newest(model: str) -> Callable[[S3Registry], object]:
                return lambda registry: registry.newest_validated(query(model))

            for versions in (10, 1000):
                rows.append(
                    measure(
                        endpoint,
                        bucket,
                        "newest validated is the newest",
                        versions,
                        newest(f"ok-{versions}"),
                        args.runs,
                    )
                )
                rows.append(
                    measure(
                        endpoint,
                        bucket,
                        "newest 10 failed validation",
                        versions,
                        newest(f"failed-{versions}"),
                        args.runs,
                    )
                )
            rows.append(
                measure(
                    endpoint,
                    bucket,
                    "`validated_versions(limit=50)` (semver / ignore rules)",
                    1000,
                    lambda registry: registry.validated_versions(query("failed-1000"), 50),
                    args.runs,
                )
            )
            rows.append(
                measure(
                    endpoint,
                    bucket,
                    "pointer layout (metadata `version`)",
                    1,
                    newest("pointed"),
                    args.runs,
                    layout="pointer",
                )
            )
        finally:
            server.stop()
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    print(
        f"S3 poll, moto server on 127.0.0.1: {stamp}, {os.cpu_count()} cores, median of"
        f" {args.runs} polls.\n"
    )
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
