"""``POST /api/graphql``: GitHub's GraphQL API over the fake's state, executed by graphql-core
against GitHub's published schema (``graphql_schema``).

A call goes through what GitHub does, in its order: injected faults (``fake.inject("POST",
"/graphql", ...)``, as for REST routes), authentication (401 in the REST shape), parsing and
schema validation, page sizes and the node limit, the points budget (``RATE_LIMITED`` once it is
spent), then execution. Errors come back as GitHub sends them: HTTP 200 with an ``errors`` list.

Points are kept per token apart from the REST budget (``graphql_points``) and reported in the
``X-RateLimit-*`` headers with ``X-RateLimit-Resource: graphql``. Selecting a field of GitHub's
schema the fake does not serve fails the call and lands in ``fake.unmatched``.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLResolveInfo,
    OperationDefinitionNode,
    SelectionSetNode,
    execute_sync,
    get_operation_ast,
)
from graphql.execution.values import get_variable_values
from werkzeug.wrappers import Request

from tests.rig.ghfake import graphql_errors, graphql_limits, graphql_reads, graphql_writes
from tests.rig.ghfake.graphql_limits import Price
from tests.rig.ghfake.graphql_objects import Trees
from tests.rig.ghfake.graphql_points import CallRecord, State, headers, state
from tests.rig.ghfake.graphql_schema import checked, schema
from tests.rig.ghfake.routing import Reply, Route

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

PATH = "/api/graphql"  # GitHub Enterprise Server; github.com serves it at /graphql
DOCS = "https://docs.github.com/graphql"
# What the request log records and ``fake.inject`` matches; ``handle`` does the work.
ROUTE = Route("POST", "/graphql", re.compile("/graphql"), lambda call: Reply(), DOCS)


@dataclass
class Context:
    """What resolvers see as ``info.context``."""

    fake: FakeGitHub
    login: str
    token: str
    price: Price
    points: State
    trees: Trees

    def window(self) -> dict[str, int]:
        return self.points.window(self.token)

    def repository(self) -> dict[str, Any]:
        return graphql_reads.repository(self.fake)


def dispatch(
    fake: FakeGitHub, request: Request, token: str | None, login: str | None
) -> tuple[str, Reply]:
    """What ``FakeGitHub._dispatch`` returns for ``POST /api/graphql``: route name and reply."""
    return ROUTE.name, handle(fake, request, token, login)


def handle(fake: FakeGitHub, request: Request, token: str | None, login: str | None) -> Reply:
    from tests.rig.ghfake import server  # the server imports this module lazily

    fault = fake._take_fault(request.method, ROUTE, "/graphql", body=request.get_data(cache=True))
    if fault is not None:
        return server._fault_reply(fault)
    if token is None or login is None:
        message = "Bad credentials" if token else "This endpoint requires you to be authenticated."
        doc = f"{DOCS}/guides/forming-calls-with-graphql#authenticating-with-graphql"
        return Reply(401, {"message": message, "documentation_url": doc})
    points = state(fake)
    try:
        with fake.lock:
            body = _run(fake, request, login, token, points)
    except Exception:  # a bug in the fake: answer 500 and keep the traceback for the test
        trace = traceback.format_exc()
        fake.errors.append(trace)
        print(f"fake GitHub crashed on POST /graphql:\n{trace}", file=sys.stderr)
        return Reply(500, {"message": "Server Error (fake GitHub crashed)"})
    return Reply(200, body, headers(points.window(token)))


def _run(
    fake: FakeGitHub, request: Request, login: str, token: str, points: State
) -> dict[str, Any]:
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        data = None
    query = data.get("query") if isinstance(data, dict) else None
    if not isinstance(query, str):
        return _errors("A query attribute must be specified and must be a string.")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        return _errors("Variables are invalid JSON.")
    document = checked(query)
    if isinstance(document, list):
        return {"errors": document}
    name = data.get("operationName")
    operation = get_operation_ast(document, name)
    if operation is None:
        return _errors(f'No operation named "{name}"' if name else "An operation name is required")
    coerced = get_variable_values(schema(), operation.variable_definitions or [], variables)
    if isinstance(coerced, list):
        return {"errors": [graphql_errors.validation_error(e) for e in coerced]}
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    price = graphql_limits.price(schema(), operation, fragments, coerced)
    refusal = _refusal(fake, login, token, points, operation, price)
    if refusal is not None:
        return refusal
    context = Context(fake, login, token, price, points, Trees(fake))
    return _execute(fake, document, operation, variables, context)


def _refusal(
    fake: FakeGitHub,
    login: str,
    token: str,
    points: State,
    operation: OperationDefinitionNode,
    price: Price,
) -> dict[str, Any] | None:
    """GitHub's answer when the call breaks a limit or the budget is spent; else charge it."""
    names = tuple(
        s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)
    )

    def record(charged: int, refused: bool) -> None:
        kind = operation.operation.value
        points.calls.append(CallRecord(kind, names, price.cost, price.nodes, charged, refused))

    if price.errors:
        record(0, True)
        return {"errors": [e.payload() for e in price.errors]}
    if price.dry_run:
        record(0, False)
        return None
    if not points.charge(token, price.cost):
        record(0, True)
        message = f"API rate limit already exceeded for user ID {fake.user_id(login)}."
        return _errors(message, "RATE_LIMITED")
    record(price.cost, False)
    return None


def _execute(
    fake: FakeGitHub,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
    context: Context,
) -> dict[str, Any]:
    mutation = operation.operation.value == "mutation"
    root = graphql_writes.mutation_root() if mutation else graphql_reads.query_root()
    if context.price.dry_run:  # GitHub prices the call without running it: only rateLimit
        document = _rate_limit_only(document, operation)
    result = execute_sync(
        schema(),
        document,
        root_value=root,
        context_value=context,
        variable_values=variables,
        operation_name=operation.name.value if operation.name else None,
        field_resolver=_resolve,
    )
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [graphql_errors.execution_error(e) for e in result.errors]
        _keep_crashes(fake, result.errors)
    body["data"] = result.data
    return body


def _rate_limit_only(document: DocumentNode, operation: OperationDefinitionNode) -> DocumentNode:
    kept = tuple(
        s
        for s in operation.selection_set.selections
        if isinstance(s, FieldNode) and s.name.value == "rateLimit"
    )
    only = copy(operation)  # the cached document stays as it was parsed
    only.selection_set = SelectionSetNode(selections=kept)
    rest = [d for d in document.definitions if d is not operation]
    return DocumentNode(definitions=(only, *rest))


def _errors(message: str, kind: str | None = None) -> dict[str, Any]:
    return {"errors": [graphql_errors.plain(message, kind)]}


class NotServed(GraphQLError):
    """A field of GitHub's schema the fake does not answer: the test needs the fake extended."""


def _resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    """Read ``source[field]``: a value, or a callable given the arguments. Absent keys are
    fields the fake does not serve, reported loudly instead of answered with a null."""
    if not isinstance(source, Mapping):
        return getattr(source, info.field_name, None)
    if info.field_name not in source:
        what = f"{info.parent_type.name}.{info.field_name}"
        info.context.fake.unmatched.append(f"GraphQL field {what}")
        raise NotServed(f"fake GitHub does not implement the GraphQL field {what}")
    value = source[info.field_name]
    return value(info, **args) if callable(value) else value


def _keep_crashes(fake: FakeGitHub, errors: list[GraphQLError]) -> None:
    """Errors that are neither GitHub's nor GraphQL's are bugs in the fake: keep them."""
    for error in errors:
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            trace = traceback.format_exception(type(original), original, original.__traceback__)
            fake.errors.append("".join(trace))
