"""Check recorded GitHub payloads against GitHub's published REST API description."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator

from tests.rig.argocd.schema import close_objects

DESCRIPTION = Path(__file__).with_name("openapi.json")


@functools.cache
def _description() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
    close_objects(doc["components"])
    return doc


def paths() -> set[str]:
    return set(_description()["paths"])


def problems(path: str, body: object) -> list[str]:
    """How ``body`` departs from the documented 200 answer of ``GET path``."""
    doc = _description()
    response = doc["paths"][path]["get"]["responses"]["200"]
    schema = copy.deepcopy(response["content"]["application/json"]["schema"])
    schema["components"] = doc["components"]  # "#/components/..." resolves from this root
    validator = OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)
    found = validator.iter_errors(body)
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]
