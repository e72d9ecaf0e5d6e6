"""Check recorded GitHub payloads against GitHub's published REST API description."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator

DESCRIPTION = Path(__file__).with_name("openapi.json")


@functools.cache
def _description() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
    _close(doc["components"])
    return doc


def _close(node: object) -> None:
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)


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
