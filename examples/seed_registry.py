"""Seed the demo MLflow registry: ``fraud-detector`` with two validated versions and a failed one.

    python examples/seed_registry.py --tracking-uri sqlite:///path/mlflow.db
    python examples/seed_registry.py --tracking-uri ... --retrained   # + v4, validated, worse

Idempotent: if the registered model (or, with ``--retrained``, its v4) exists already, nothing is
written. An sqlite store needs SQLAlchemy and Alembic next to mlflow-skinny (the ``demo`` extra);
any tracking server URI works as well.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Any

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


# A retrained candidate that passed validation but scores lower than what runs in dev:
# the demo's accuracy gate blocks it.
RETRAINED = (
    {"accuracy": 0.86, "precision": 0.83, "latency_p99_ms": 110.0},
    {"validation_status": "passed", "image_tag": "v1.5.0"},
)


def quiet() -> None:
    """MLflow and alembic log every schema migration at INFO; keep the demo output short."""
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    for name in ("mlflow", "alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.WARNING)


def seed(uri: str) -> bool:
    """Create the model and its versions; False if it was there already."""
    from mlflow import MlflowClient
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
        _add_version(client, experiment_id, values, tags)
    return True


def add_retrained(uri: str) -> bool:
    """Register v4 (see RETRAINED); False if the model has four versions already."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    if len(client.search_model_versions(f"name='{MODEL}'")) > len(VERSIONS):
        return False
    found = client.get_experiment_by_name(EXPERIMENT)
    if found is None:
        raise SystemExit(f"seed_registry: run without --retrained first ({EXPERIMENT} is missing)")
    _add_version(client, found.experiment_id, *RETRAINED)
    return True


def _add_version(
    client: Any, experiment_id: str, values: dict[str, float], tags: dict[str, str]
) -> None:
    from mlflow.entities import Metric

    run = client.create_run(experiment_id)
    stamp = int(time.time() * 1000)
    metrics = [Metric(k, v, stamp, 0) for k, v in values.items()]
    run_id = run.info.run_id
    client.log_batch(run_id, metrics=metrics)
    client.set_terminated(run_id)
    client.create_model_version(
        MODEL, run.info.artifact_uri, run_id=run_id, tags=tags, await_creation_for=0
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI"),
        help="MLflow tracking URI, e.g. sqlite:///mlflow.db (default: $MLFLOW_TRACKING_URI)",
    )
    parser.add_argument(
        "--retrained",
        action="store_true",
        help="add v4: validated, image v1.5.0, lower accuracy than v2",
    )
    args = parser.parse_args()
    if not args.tracking_uri:
        parser.error("--tracking-uri is required (or set MLFLOW_TRACKING_URI)")
    quiet()
    if args.retrained:
        added = add_retrained(args.tracking_uri)
        print(f"registered {MODEL} v4 (v1.5.0, validated)" if added else "v4 exists already")
    elif seed(args.tracking_uri):
        print(f"seeded {MODEL}: v1 (v1.3.0, validated), v2 (v1.4.0, validated), v3 (failed)")
    else:
        print(f"{MODEL} exists already: nothing to seed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
