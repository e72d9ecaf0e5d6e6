"""Routing, request context, error bodies and pagination shared by every route module.

Routes are written as GitHub's docs write them (``GET /repos/{owner}/{repo}/pulls/{number}``)
and that template is what the request log records, so tests can count calls per endpoint.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

DOCS = "https://docs.github.com/rest"
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100

# Path parameters that may contain slashes or be empty; everything else is one segment.
_PARAM_PATTERNS = {
    "number": r"\d+",
    "comment_id": r"\d+",
    "ref": r".+",
    "branch": r".+",
    "basehead": r".+",
    "commit_ref": r".+",
    "path": r".*",
}


class ApiError(Exception):
    """An error answer in GitHub's shape; raised by handlers and by the test helpers."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[Any] | None = None,  # objects, or plain sentences (reviews)
        doc: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.doc = doc
        self.headers = dict(headers or {})

    def payload(self, default_doc: str) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        body["documentation_url"] = self.doc or default_doc
        body["status"] = str(self.status)  # api.github.com has sent this string since 2024
        return body


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def validation_failed(*errors: dict[str, Any]) -> ApiError:
    return ApiError(422, "Validation Failed", errors=list(errors))


@dataclass
class Reply:
    status: int = 200
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["Call"], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # "/repos/{owner}/{repo}/pulls"
    pattern: re.Pattern[str]
    handler: Handler
    doc: str

    @property
    def name(self) -> str:
        """What the request log records: ``"POST /repos/{owner}/{repo}/git/trees"``."""
        return f"{self.method} {self.template}"


class Router:
    """Template -> handler table; the first full match wins."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, spec: str, doc: str = "") -> Callable[[Handler], Handler]:
        method, template = spec.split(" ", 1)

        def register(handler: Handler) -> Handler:
            pattern = re.sub(
                r"\{(\w+)\}",
                lambda m: f"(?P<{m[1]}>{_PARAM_PATTERNS.get(m[1], '[^/]+')})",
                re.escape(template).replace(r"\{", "{").replace(r"\}", "}"),
            )
            url = f"{DOCS}/{doc}" if doc else DOCS
            self.routes.append(Route(method, template, re.compile(pattern), handler, url))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The matching route with the most literal text: ``/commits/{sha}/pulls`` beats
        ``/commits/{commit_ref}``, whose parameter may hold slashes, whatever the import order."""
        best: tuple[Route, dict[str, str]] | None = None
        for route in self.routes:
            if route.method != method:
                continue
            found = route.pattern.fullmatch(path)
            if found and (best is None or _literal(route) > _literal(best[0])):
                best = route, found.groupdict()
        return best


def _literal(route: Route) -> int:
    return len(re.sub(r"\{\w+\}", "", route.template))


ROUTER = Router()
route = ROUTER.add


@dataclass(frozen=True)
class Field:
    """One expected JSON body key: accepted Python types and whether it is required."""

    types: tuple[type, ...]
    required: bool = False


_JSON_TYPE = {str: "string", bool: "boolean", int: "integer", list: "array", dict: "object"}


@dataclass
class Call:
    """One request as a handler sees it: who is calling, parameters and the parsed body."""

    fake: FakeGitHub
    request: Request
    route: Route
    params: dict[str, str]
    login: str
    token: str

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.request.args.get(name, default)

    def json(self) -> Any:
        raw = self.request.get_data(cache=True)
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "Problems parsing JSON") from None

    def body(self, spec: Mapping[str, Field]) -> dict[str, Any]:
        """The JSON object body, type-checked the way GitHub's schema validation words it."""
        data = self.json()
        if not isinstance(data, dict):
            raise ApiError(422, "Invalid request.\n\nInvalid input: object is expected.")
        for key, expected in spec.items():
            if key not in data:
                if expected.required:
                    raise ApiError(422, f'Invalid request.\n\n"{key}" wasn\'t supplied.')
                continue
            value = data[key]
            if not _is_instance(value, expected.types):
                kind = " or ".join(_JSON_TYPE.get(t, "null") for t in expected.types)
                raise ApiError(
                    422,
                    f"Invalid request.\n\nFor 'properties/{key}', {json.dumps(value)} "
                    f"is not a {kind}.",
                )
        return data

    def paginate(self, items: list[Any], render: Callable[[Any], Any] = lambda x: x) -> Reply:
        """One page of ``items`` plus GitHub's ``Link`` header (prev/next/last/first)."""
        page, per_page = self.page_args()
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        # A single page carries no Link header at all, exactly like GitHub.
        headers = {"Link": self.link_header(page, last)} if last > 1 or page > 1 else {}
        return Reply(200, [render(item) for item in chunk], headers)

    def page_args(self) -> tuple[int, int]:
        per_page = _int_arg(self.arg("per_page"), DEFAULT_PER_PAGE)
        per_page = min(MAX_PER_PAGE, per_page if per_page > 0 else DEFAULT_PER_PAGE)
        page = max(1, _int_arg(self.arg("page"), 1))
        return page, per_page

    def link_header(self, page: int, last: int) -> str:
        links = []
        if page > 1:
            links.append((page - 1, "prev"))
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            links.append((1, "first"))
        return ", ".join(f'<{self.page_url(n)}>; rel="{rel}"' for n, rel in links)

    def page_url(self, page: int) -> str:
        query = [(k, v) for k, v in self.request.args.items(multi=True) if k != "page"]
        query.append(("page", str(page)))
        raw_path = self.request.environ.get("RAW_URI", "").split("?", 1)[0]
        path = raw_path or urllib.parse.quote(self.request.path)
        return f"{self.fake.host_url}{path}?{urllib.parse.urlencode(query)}"


def _is_instance(value: Any, types: tuple[type, ...]) -> bool:
    if value is None:
        return type(None) in types
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def _int_arg(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
