"""``POST /api/graphql``: GitHub's GraphQL API over the fake's state, executed by graphql-core
against GitHub's published schema (vendored in ``schema/``).

A call goes through what GitHub does, in its order: authentication (401 in the REST shape),
injected faults (``fake.inject("POST", "/graphql", ...)``), parsing, schema validation, the page
size and node limits, the points budget (``RATE_LIMITED`` when it is spent), then execution.
Errors come back as GitHub sends them: HTTP 200 with an ``errors`` list.

Points are kept per token in their own hourly window, apart from the REST budget, and reported in
the ``X-RateLimit-*`` headers with ``X-RateLimit-Resource: graphql``. ``state(fake)`` holds the
window and a log of every call's cost and node count (``calls``), which the bench reports.
Selecting a field the fake does not serve fails the call and lands in ``fake.unmatched``.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import time
import traceback
import weakref
from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute,
    get_operation_ast,
    parse,
    validate,
    validate_schema,
)
from graphql.execution.values import get_variable_values
from werkzeug.wrappers import Request

from tests.rig.ghfake import graphql_errors, graphql_limits, graphql_reads, graphql_writes
from tests.rig.ghfake.graphql_limits import Price
from tests.rig.ghfake.graphql_objects import Trees
from tests.rig.ghfake.routing import Reply, Route

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

PATH = "/api/graphql"  # GitHub Enterprise Server; github.com serves it at /graphql
SCHEMA_FILE = Path(__file__).parent / "schema" / "schema.graphql"
DEFAULT_POINTS = 5000  # an hour's points for a user or an App installation (GitHub's floor)
DOCS = "https://docs.github.com/graphql"
# What the request log records and ``fake.inject`` matches; the handler is ``handle``.
ROUTE = Route("POST", "/graphql", re.compile("/graphql"), lambda call: Reply(), DOCS)


@functools.cache
def schema() -> GraphQLSchema:
    """GitHub's schema, built once per process (about 3 s: the SDL is 1.2 MB)."""
    built = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"), assume_valid_sdl=True)
    problems = validate_schema(built)
    if problems:
        raise RuntimeError(f"the vendored GitHub schema is invalid: {problems[0].message}")
    return built


@dataclass(frozen=True)
class CallRecord:
    """One GraphQL call as priced: what the bench reports next to the request count."""

    operation: str  # "query" | "mutation"
    fields: tuple[str, ...]  # root fields selected (aliases resolved to field names)
    cost: int
    nodes: int
    errors: int


@dataclass
class State:
    """The points window of each token, and the calls seen. ``limit`` is points per hour."""

    limit: int = DEFAULT_POINTS
    used: dict[str, int] = field(default_factory=dict)
    reset_at: int = field(default_factory=lambda: int(time.time()) + 3600)
    calls: list[CallRecord] = field(default_factory=list)

    def window(self, token: str) -> dict[str, int]:
        if time.time() >= self.reset_at:
            self.reset_at, self.used = int(time.time()) + 3600, {}
        used = self.used.get(token, 0)
        return {
            "limit": self.limit,
            "remaining": max(0, self.limit - used),
            "used": used,
            "reset": self.reset_at,
        }


_STATES: weakref.WeakKeyDictionary[FakeGitHub, State] = weakref.WeakKeyDictionary()


def state(fake: FakeGitHub) -> State:
    return _STATES.setdefault(fake, State())


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


# -- the HTTP side --------------------------------------------------------------------------


def dispatch(
    fake: FakeGitHub, request: Request, token: str | None, login: str | None
) -> tuple[str, Reply]:
    """What ``FakeGitHub._dispatch`` returns for ``POST /api/graphql``: route name and reply."""
    return ROUTE.name, handle(fake, request, token, login)


def handle(fake: FakeGitHub, request: Request, token: str | None, login: str | None) -> Reply:
    from tests.rig.ghfake import server  # the server imports this module

    fault = fake._take_fault(request.method, ROUTE, "/graphql")
    if fault is not None:
        return server._fault_reply(fault)
    if token is None or login is None:
        message = (
            "This endpoint requires you to be authenticated."
            if token is None
            else "Bad credentials"
        )
        doc = f"{DOCS}/guides/forming-calls-with-graphql#authenticating-with-graphql"
        return Reply(401, {"message": message, "documentation_url": doc})
    points = state(fake)
    try:
        with fake.lock:
            body = _run(fake, request, login, token, points)
    except Exception:
        trace = traceback.format_exc()
        fake.errors.append(trace)
        print(f"fake GitHub crashed on POST /graphql:\n{trace}", file=sys.stderr)
        return Reply(502, {"message": "Server Error (fake GitHub crashed)"})
    return Reply(200, body, _headers(points.window(token)))


def _headers(window: dict[str, int]) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(window["limit"]),
        "X-RateLimit-Remaining": str(window["remaining"]),
        "X-RateLimit-Used": str(window["used"]),
        "X-RateLimit-Reset": str(window["reset"]),
        "X-RateLimit-Resource": "graphql",
    }


def _request_json(request: Request) -> Any:
    try:
        return json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        return None


def _run(
    fake: FakeGitHub, request: Request, login: str, token: str, points: State
) -> dict[str, Any]:
    data = _request_json(request)
    query = data.get("query") if isinstance(data, dict) else None
    if not isinstance(query, str):
        return _errors(
            graphql_errors.plain("A query attribute must be specified and must be a string.")
        )
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        return _errors(graphql_errors.plain("Variables are invalid JSON."))
    document = _checked(query)
    if isinstance(document, list):
        return {"errors": document}
    operation = get_operation_ast(document, data.get("operationName"))
    if operation is None:
        return _errors(graphql_errors.plain("An operation name is required"))
    coerced = get_variable_values(schema(), operation.variable_definitions or [], variables)
    if isinstance(coerced, list):
        return {"errors": [graphql_errors.validation_error(e) for e in coerced]}
    return _priced(fake, document, operation, coerced, variables, login, token, points)


def _priced(
    fake: FakeGitHub,
    document: Any,
    operation: OperationDefinitionNode,
    coerced: dict[str, Any],
    variables: dict[str, Any],
    login: str,
    token: str,
    points: State,
) -> dict[str, Any]:
    fragments = {d.name.value: d for d in document.definitions if hasattr(d, "type_condition")}
    price = graphql_limits.price(schema(), operation, fragments, coerced)
    record = _record(operation, price)
    if price.errors:
        points.calls.append(record)
        return {"errors": [e.payload() for e in price.errors]}
    window = points.window(token)
    if window["remaining"] < price.cost and not price.dry_run:
        points.calls.append(record)
        message = f"API rate limit already exceeded for user ID {fake.user_id(login)}."
        return _errors(graphql_errors.plain(message, "RATE_LIMITED"))
    if not price.dry_run:
        points.used[token] = window["used"] + price.cost
    points.calls.append(record)
    context = Context(fake, login, token, price, points, Trees(fake))
    mutation = operation.operation.value == "mutation"
    root = graphql_writes.mutation_root() if mutation else graphql_reads.query_root()
    if price.dry_run:  # GitHub prices the call without running it: only rateLimit answers
        document = _rate_limit_only(document, operation)
    result = execute(
        schema(),
        document,
        root_value=root,
        context_value=context,
        variable_values=variables,
        operation_name=_name(operation),
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
    only = copy(operation)
    only.selection_set = SelectionSetNode(selections=kept)
    rest = [d for d in document.definitions if d is not operation]
    return DocumentNode(definitions=(only, *rest))


@functools.lru_cache(maxsize=64)
def _checked(query: str) -> DocumentNode | list[dict[str, Any]]:
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


def _name(operation: OperationDefinitionNode) -> str | None:
    return operation.name.value if operation.name else None


def _record(operation: OperationDefinitionNode, price: Price) -> CallRecord:
    names = tuple(
        s.name.value for s in operation.selection_set.selections if hasattr(s, "name") and s.name
    )
    kind = operation.operation.value
    return CallRecord(kind, names, price.cost, price.nodes, len(price.errors))


def _errors(*errors: dict[str, Any]) -> dict[str, Any]:
    return {"errors": list(errors)}


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
            trace = "".join(
                traceback.format_exception(type(original), original, original.__traceback__)
            )
            fake.errors.append(trace)
