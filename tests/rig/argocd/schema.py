"""Check the double's answers against Argo CD's published API description (swagger.json)."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

SWAGGER = Path(__file__).with_name("swagger.json")


@functools.cache
def description() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SWAGGER.read_text(encoding="utf-8"))
    return doc


@functools.cache
def _definitions() -> dict[str, Any]:
    """The definitions, closed: an object may carry only the properties it declares."""
    defs = copy.deepcopy(description()["definitions"])
    close_objects(defs)
    return defs


def close_objects(node: object) -> None:
    """Make every described object refuse properties it does not declare (in place)."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            close_objects(value)
    elif isinstance(node, list):
        for value in node:
            close_objects(value)


def response_definition(template: str, status: int) -> str:
    """The definition a GET on ``template`` answers with for ``status`` (or ``default``)."""
    responses = description()["paths"][template]["get"]["responses"]
    chosen = responses.get(str(status), responses["default"])
    ref: str = chosen["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


@functools.cache
def validator(definition: str) -> Draft4Validator:
    # Swagger 2.0 schemas are a dialect of JSON Schema draft 4; $refs point into definitions.
    schema = {"$ref": f"#/definitions/{definition}", "definitions": _definitions()}
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def problems(template: str, status: int, body: object) -> list[str]:
    """Every way ``body`` departs from what the description says the route answers."""
    definition = response_definition(template, status)
    found = validator(definition).iter_errors(body)
    return [f"{definition} at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]


def parameters(template: str) -> set[str]:
    """The query and path parameter names the description lists for the route."""
    return {p["name"] for p in description()["paths"][template]["get"]["parameters"]}
