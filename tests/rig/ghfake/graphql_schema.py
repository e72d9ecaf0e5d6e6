"""GitHub's GraphQL schema (vendored in ``schema/``) and the documents checked against it."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLSchema,
    GraphQLSyntaxError,
    build_schema,
    get_operation_ast,
    parse,
    validate,
    validate_schema,
)

from tests.rig.ghfake import graphql_errors

SCHEMA_FILE = Path(__file__).parent / "schema" / "schema.graphql"


@functools.cache
def schema() -> GraphQLSchema:
    """GitHub's schema, built once per process (about 3 s: the SDL is 1.2 MB).

    The published SDL repeats two fields of ``EnterpriseOwnerInfo``, which strict SDL checks
    refuse; the built schema is checked instead, and passes."""
    built = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"), assume_valid_sdl=True)
    problems = validate_schema(built)
    if problems:
        raise RuntimeError(f"the vendored GitHub schema is invalid: {problems[0].message}")
    return built


@functools.lru_cache(maxsize=64)
def checked(query: str) -> DocumentNode | list[dict[str, Any]]:
    """The parsed document, or GitHub's errors for it. Validating a document of 250 aliases
    takes graphql-core seconds (overlapping-fields checks every pair), and a bot sends the same
    few documents every poll (paths travel as variables), so each text is checked once."""
    try:
        document = parse(query)
    except GraphQLSyntaxError as err:
        return [graphql_errors.validation_error(err)]
    problems = validate(schema(), document)
    if problems:
        return [graphql_errors.validation_error(e, document) for e in problems]
    return document


def is_mutation(body: bytes) -> bool:
    """Whether a recorded ``POST /graphql`` body (``Req.body``) ran a mutation: a GraphQL read
    is a POST too, so counting writes needs this rather than the HTTP method."""
    try:
        data = json.loads(body)
        document = parse(data["query"])
    except (ValueError, KeyError, TypeError, GraphQLSyntaxError):
        return False
    operation = get_operation_ast(document, data.get("operationName"))
    return operation is not None and operation.operation.value == "mutation"
