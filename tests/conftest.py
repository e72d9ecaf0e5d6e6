"""Test rig: real services started on 127.0.0.1 for the session, stopped afterwards."""

from __future__ import annotations

import pytest

from tests.rig import early

pytest_plugins = [
    "tests.rig.mlflow_rig",
    "tests.rig.github_rig",
    "tests.rig.repos",
    "tests.rig.gitzoo",
    "tests.rig.s3_rig",
    "tests.rig.argocd.fixtures",
]


def pytest_sessionstart(session: pytest.Session) -> None:
    # Imported here, after pytest registered them as plugins (and rewrote their asserts).
    from tests.rig import mlflow_rig, s3_rig

    # Keyed by the session fixture that takes each server (tests/rig/early.py says why).
    early.launch(
        session.config,
        {
            "mlflow_server": mlflow_rig.launch_session_server,
            "s3_server": s3_rig.launch_session_server,
        },
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    early.keep_only_used(session.config, session.items)


def pytest_sessionfinish(session: pytest.Session) -> None:
    early.stop_all(session.config)
