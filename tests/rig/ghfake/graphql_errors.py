"""GraphQL error bodies in GitHub's words.

GitHub runs graphql-ruby, graphql-core words the same validation failures differently; the
common ones are rewritten to GitHub's message and ``extensions.code`` so tests (and clients that
read them) see what the real API sends. Others keep graphql-core's message in GitHub's shape.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError

from tests.rig.ghfake.graphql_objects import GitHubError

_RULES: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\."),
        lambda m: (
            f"Field '{m['field']}' doesn't exist on type '{m['type']}'",
            {"code": "undefinedField", "typeName": m["type"], "fieldName": m["field"]},
        ),
    ),
    (
        re.compile(r"Unknown argument '(?P<arg>\w+)' on field '\w+\.(?P<field>\w+)'\."),
        lambda m: (
            f"Field '{m['field']}' doesn't accept argument '{m['arg']}'",
            {
                "code": "argumentNotAccepted",
                "name": m["field"],
                "typeName": "Field",
                "argumentName": m["arg"],
            },
        ),
    ),
    (
        re.compile(
            r"Field '(?P<field>\w+)' argument '(?P<arg>\w+)' of type '[^']+' is required, "
            r"but it was not provided\."
        ),
        lambda m: (
            f"Field '{m['field']}' is missing required arguments: {m['arg']}",
            {
                "code": "missingRequiredArguments",
                "className": "Field",
                "name": m["field"],
                "arguments": m["arg"],
            },
        ),
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' of type '(?P<type>[^']+)' must have a selection"),
        lambda m: (
            f"Field must have selections (field '{m['field']}' returns {m['type'].strip('[]!')} "
            f"but has no selections. Did you mean '{m['field']} {{ ... }}'?)",
            {
                "code": "selectionMismatch",
                "nodeName": f"field '{m['field']}'",
                "typeName": m["type"],
            },
        ),
    ),
    (
        re.compile(r"Variable '\$(?P<var>\w+)' is never used"),
        lambda m: (
            f"Variable ${m['var']} is declared by anonymous query but not used",
            {"code": "variableNotUsed", "variableName": m["var"]},
        ),
    ),
]


def validation_error(error: GraphQLError) -> dict[str, Any]:
    """A validation failure as GitHub words it (message, locations, extensions.code)."""
    message, extensions = error.message, None
    for pattern, render in _RULES:
        found = pattern.match(error.message)
        if found:
            message, extensions = render(found)
            break
    body: dict[str, Any] = {}
    if extensions is not None:
        body["extensions"] = extensions
    body.update(_locations(error))
    body["message"] = message
    return body


def execution_error(error: GraphQLError) -> dict[str, Any]:
    """An error raised while resolving: GitHub puts its ``type`` first, then path and place."""
    body: dict[str, Any] = {}
    original = error.original_error
    kind = original.kind if isinstance(original, GitHubError) else getattr(error, "kind", None)
    if kind:
        body["type"] = kind
    if error.path:
        body["path"] = list(error.path)
    body.update(_locations(error))
    body["message"] = error.message
    return body


def _locations(error: GraphQLError) -> dict[str, Any]:
    if not error.locations:
        return {}
    return {"locations": [{"line": loc.line, "column": loc.column} for loc in error.locations]}


def plain(message: str, kind: str | None = None) -> dict[str, Any]:
    return {"type": kind, "message": message} if kind else {"message": message}
