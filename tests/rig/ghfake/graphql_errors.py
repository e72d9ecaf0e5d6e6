"""GraphQL error bodies in GitHub's words.

GitHub runs graphql-ruby, graphql-core words the same validation failures differently; the
common ones are rewritten to GitHub's message and ``extensions.code`` so tests (and clients that
read them) see what the real API sends. Others keep graphql-core's message in GitHub's shape.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    BREAK,
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    Visitor,
    visit,
)

from tests.rig.ghfake.graphql_base import GitHubError

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
        re.compile(r"Variable '\$(?P<var>\w+)' is never used(?: in operation '(?P<op>\w+)')?"),
        lambda m: (
            f"Variable ${m['var']} is declared by {m['op'] or 'anonymous query'} but not used",
            {"code": "variableNotUsed", "variableName": m["var"]},
        ),
    ),
]


def validation_error(error: GraphQLError, document: DocumentNode | None = None) -> dict[str, Any]:
    """A validation failure as GitHub words it (path, extensions.code, locations, message)."""
    message, extensions = error.message, None
    for pattern, render in _RULES:
        found = pattern.match(error.message)
        if found:
            message, extensions = render(found)
            break
    body: dict[str, Any] = {}
    path = _ast_path(document, error.nodes[0]) if document and error.nodes else None
    if path:
        body["path"] = path
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


class _Finder(Visitor):
    def __init__(self, target: Node) -> None:
        super().__init__()
        self.target = target
        self.trail: list[Any] = []

    def enter(self, node: Node, key: Any, parent: Any, path: Any, ancestors: list[Any]) -> Any:
        if node is self.target:
            self.trail = [*ancestors, node]
            return BREAK
        return None


def _ast_path(document: DocumentNode, target: Node) -> list[str]:
    """Where in the document the error is, the way graphql-ruby names it:
    ["query Name", "repository", "... on Commit", "field"]."""
    finder = _Finder(target)
    visit(document, finder)
    names = []
    for node in finder.trail:
        if isinstance(node, OperationDefinitionNode):
            kind = node.operation.value
            names.append(f"{kind} {node.name.value}" if node.name else kind)
        elif isinstance(node, FragmentDefinitionNode):
            names.append(f"fragment {node.name.value}")
        elif isinstance(node, InlineFragmentNode):
            on = node.type_condition.name.value if node.type_condition else ""
            names.append(f"... on {on}" if on else "...")
        elif isinstance(node, FieldNode):
            names.append(node.alias.value if node.alias else node.name.value)
        elif isinstance(node, ArgumentNode):
            names.append(node.name.value)
    return names


def _locations(error: GraphQLError) -> dict[str, Any]:
    if not error.locations:
        return {}
    return {"locations": [{"line": loc.line, "column": loc.column} for loc in error.locations]}


def plain(message: str, kind: str | None = None) -> dict[str, Any]:
    return {"type": kind, "message": message} if kind else {"message": message}
