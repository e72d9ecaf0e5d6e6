"""Test rig: real services started on 127.0.0.1 for the session, stopped afterwards."""

from __future__ import annotations

pytest_plugins = [
    "tests.rig.mlflow_rig",
    "tests.rig.github_rig",
    "tests.rig.repos",
    "tests.rig.gitzoo",
    "tests.rig.s3_rig",
    "tests.rig.argocd.fixtures",
]
