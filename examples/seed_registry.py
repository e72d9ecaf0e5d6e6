"""Seed the demo MLflow registry: ``fraud-detector`` with two validated versions and a failed one.

    python examples/seed_registry.py --tracking-uri sqlite:///path/mlflow.db

Idempotent: if the registered model exists already, nothing is written. Needs full ``mlflow``
(the ``demo`` extra) for an sqlite store; any tracking server URI works as well.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

MODEL = "fraud-detector"
EXPERIMENT = "fraud-detector-training"
# (run metrics, version tags) per version, oldest first
VERSIONS: list[tuple[dict[str, float], dict[str, str]]] = [
    (
        {"accuracy": 0.89, "precision": 0.80, "latency_p99_ms": 140.0},
        {"validation_status": "passed", "image_tag": "v1.3.0"},
    ),
    (
        {"accuracy": 0.91, "precision": 0.84, "latency_p99_ms": 120.0},
        {"validation_status": "passed", "image_tag": "v1.4.0"},
    ),
    (
        {"accuracy": 0.95, "precision": 0.70, "latency_p99_ms": 90.0},
        {"validation_status": "failed", "image_tag": "v1.5.0-rc1"},
    ),
]


def quiet() -> None:
    """MLflow and alembic log every schema migration at INFO; keep the demo output short."""
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    for name in ("mlflow", "alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.WARNING)


def seed(uri: str) -> bool:
    """Create the model and its versions; False if it was there already."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        client.get_registered_model(MODEL)
        return False
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
    client.create_registered_model(MODEL, description="Card fraud scoring model (demo)")
    found = client.get_experiment_by_name(EXPERIMENT)
    experiment_id = found.experiment_id if found else client.create_experiment(EXPERIMENT)
    for values, tags in VERSIONS:
        run = client.create_run(experiment_id)
        stamp = int(time.time() * 1000)
        metrics = [Metric(k, v, stamp, 0) for k, v in values.items()]
        run_id = run.info.run_id
        client.log_batch(run_id, metrics=metrics)
        client.set_terminated(run_id)
        client.create_model_version(
            MODEL, run.info.artifact_uri, run_id=run_id, tags=tags, await_creation_for=0
        )
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI"),
        help="MLflow tracking URI, e.g. sqlite:///mlflow.db (default: $MLFLOW_TRACKING_URI)",
    )
    args = parser.parse_args()
    if not args.tracking_uri:
        parser.error("--tracking-uri is required (or set MLFLOW_TRACKING_URI)")
    quiet()
    if seed(args.tracking_uri):
        print(f"seeded {MODEL}: v1 (v1.3.0, validated), v2 (v1.4.0, validated), v3 (failed)")
    else:
        print(f"{MODEL} exists already: nothing to seed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
