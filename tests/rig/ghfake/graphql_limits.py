"""GitHub's checks on a GraphQL call before it runs: page sizes, the node limit and the cost.

The rules are the ones GitHub documents in "Rate limits and node limits for the GraphQL API":

* every connection that returns ``nodes`` or ``edges`` needs ``first`` or ``last``, and page
  sizes are within 1..100;
* a connection's nodes are its page size times the page sizes of the connections above it, and a
  call may ask for at most 500,000 nodes in all;
* a connection costs one request per parent node (the product of the page sizes above it); the
  call's cost is the sum divided by 100, rounded to the nearest whole number, and at least 1.

Fields are recognised as connections from the schema: their type is a ``...Connection`` object
with a ``first`` argument. Aliases count separately, and every branch of a fragment counts (the
worst case), as GitHub prices a call before it knows which types come back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)

NODE_LIMIT = 500_000
PAGE_MAX = 100
_ITEM_FIELDS = frozenset({"nodes", "edges"})


@dataclass(frozen=True)
class LimitError:
    """One of GitHub's pre-execution errors, in the shape its API answers them."""

    type: str
    message: str
    path: tuple[str, ...] = ()
    line: int = 0
    column: int = 0

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type}
        if self.path:
            body["path"] = list(self.path)
        if self.line:
            body["locations"] = [{"line": self.line, "column": self.column}]
        body["message"] = self.message
        return body


@dataclass
class Price:
    """What the checks found: nodes, requests, the cost in points, and any errors."""

    nodes: int = 0
    requests: int = 0
    errors: list[LimitError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def cost(self) -> int:
        return point_cost(self.requests)


def point_cost(requests: int) -> int:
    """Requests / 100 rounded half up (Ruby's ``round``), at least 1."""
    return max(1, (requests + 50) // 100)


@dataclass(frozen=True)
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]


def price(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> Price:
    """Check and price one (already validated) operation under its variables."""
    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    assert root is not None
    walk = _Walk(schema, fragments, variables)
    result = Price()
    _visit(walk, root, operation.selection_set, 1, (), result, set())
    result.dry_run = _dry_run(walk, operation)
    return result


def _visit(
    walk: _Walk,
    parent: Any,
    selections: SelectionSetNode | None,
    multiplier: int,
    path: tuple[str, ...],
    result: Price,
    seen: set[str],
) -> None:
    if selections is None:
        return
    for node in selections.selections:
        if isinstance(node, FieldNode):
            _visit_field(walk, parent, node, multiplier, path, result, seen)
        elif isinstance(node, InlineFragmentNode):
            on = (
                walk.schema.get_type(node.type_condition.name.value)
                if node.type_condition
                else parent
            )
            _visit(walk, on, node.selection_set, multiplier, path, result, seen)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = walk.fragments.get(name)
            if fragment is None or name in seen:
                continue
            on = walk.schema.get_type(fragment.type_condition.name.value)
            _visit(walk, on, fragment.selection_set, multiplier, path, result, seen | {name})


def _visit_field(
    walk: _Walk,
    parent: Any,
    node: FieldNode,
    multiplier: int,
    path: tuple[str, ...],
    result: Price,
    seen: set[str],
) -> None:
    fields = getattr(parent, "fields", None)
    definition = fields.get(node.name.value) if fields else None
    if definition is None:  # __typename, or a field validation already refused
        return
    here = (*path, node.alias.value if node.alias else node.name.value)
    target = get_named_type(definition.type)
    if _is_connection(target, definition.args):
        size = _page_size(walk, node, here, result)
        if size is None:
            return
        result.requests += multiplier
        result.nodes += multiplier * size
        if result.nodes > NODE_LIMIT and not _over_limit(result):
            # GitHub names the connection where the running total crosses the limit.
            result.errors.append(_node_limit_error(result.nodes, node.name.value))
            return
        multiplier *= size
    _visit(walk, target, node.selection_set, multiplier, here, result, seen)


def _is_connection(target: Any, args: dict[str, Any]) -> bool:
    return (
        isinstance(target, GraphQLObjectType)
        and target.name.endswith("Connection")
        and "first" in args
    )


def _page_size(walk: _Walk, node: FieldNode, path: tuple[str, ...], result: Price) -> int | None:
    """The page size a connection asks for, or None (with an error) when GitHub refuses it."""
    args = {a.name.value: value_from_ast_untyped(a.value, walk.variables) for a in node.arguments}
    first, last = args.get("first"), args.get("last")
    name = node.name.value
    where = node.loc.source.get_location(node.loc.start) if node.loc else None
    line, column = (where.line, where.column) if where else (0, 0)
    if first is None and last is None:
        if not _selects_items(walk, node.selection_set, set()):
            return 0  # totalCount or pageInfo alone: GitHub needs no page size
        message = (
            f"You must provide a `first` or `last` value to properly paginate the `{name}` "
            "connection."
        )
        result.errors.append(
            LimitError("MISSING_PAGINATION_BOUNDARIES", message, path, line, column)
        )
        return None
    for arg, value in (("first", first), ("last", last)):
        if isinstance(value, int) and value > PAGE_MAX:
            message = (
                f"Requesting {value} records on the `{name}` connection exceeds the `{arg}` "
                f"limit of {PAGE_MAX} records."
            )
            result.errors.append(LimitError("EXCESSIVE_PAGINATION", message, path, line, column))
            return None
        if isinstance(value, int) and value < 1:  # GitHub documents 1..100; 0 errs on the safe side
            message = f"`{arg}` on the `{name}` connection must be at least 1, not {value}."
            result.errors.append(LimitError("INVALID_PAGINATION", message, path, line, column))
            return None
    return max(v for v in (first, last) if isinstance(v, int))


def _selects_items(walk: _Walk, selections: SelectionSetNode | None, seen: set[str]) -> bool:
    if selections is None:
        return False
    for node in selections.selections:
        if isinstance(node, FieldNode) and node.name.value in _ITEM_FIELDS:
            return True
        if isinstance(node, InlineFragmentNode) and _selects_items(walk, node.selection_set, seen):
            return True
        if isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            fragment = walk.fragments.get(node.name.value)
            inner = fragment.selection_set if fragment else None
            if _selects_items(walk, inner, seen | {node.name.value}):
                return True
    return False


def _over_limit(result: Price) -> bool:
    return any(e.type == "MAX_NODE_LIMIT_EXCEEDED" for e in result.errors)


def _node_limit_error(nodes: int, connection: str) -> LimitError:
    message = (
        f"By the time this query traverses to the {connection} connection, it is requesting "
        f"up to {nodes:,} possible nodes which exceeds the maximum limit of {NODE_LIMIT:,}."
    )
    return LimitError("MAX_NODE_LIMIT_EXCEEDED", message)


def _dry_run(walk: _Walk, operation: OperationDefinitionNode) -> bool:
    """``rateLimit(dryRun: true)`` at the root: price the call without running or charging it."""
    for node in operation.selection_set.selections:
        if isinstance(node, FieldNode) and node.name.value == "rateLimit":
            for arg in node.arguments:
                if arg.name.value == "dryRun":
                    return value_from_ast_untyped(arg.value, walk.variables) is True
    return False
