"""Helpers for end-to-end tests: run the CLI in-process, seed a model, inspect results."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from bot.cli import main
from tests.rig.mlflow_rig import seed_model


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


def run_cli(
    args: list[str],
    env: Mapping[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Outcome:
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


VALIDATED = {"validation_status": "passed"}


def seed_fraud_model(uri: str) -> str:
    """v1 and v2 validated, v3 failed validation; returns the unique registered name."""
    name = f"fraud-{uuid.uuid4().hex[:8]}"
    seed_model(
        uri,
        name,
        [
            {
                "metrics": {"accuracy": 0.89, "precision": 0.80, "latency_p99_ms": 140.0},
                "tags": {**VALIDATED, "image_tag": "v1.3.0"},
            },
            {
                "metrics": {"accuracy": 0.91, "precision": 0.84, "latency_p99_ms": 120.0},
                "tags": {**VALIDATED, "image_tag": "v1.4.0"},
            },
            {
                "metrics": {"accuracy": 0.95, "precision": 0.70, "latency_p99_ms": 90.0},
                "tags": {"validation_status": "failed", "image_tag": "v1.5.0-rc1"},
            },
        ],
    )
    return name
