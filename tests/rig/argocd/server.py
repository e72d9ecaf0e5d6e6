"""``FakeArgoCD``: a real HTTP(S) server on 127.0.0.1 answering Argo CD's Application API.

Routes (the only two the bot calls; anything else is a loud 404 listed in ``unmatched``):

``GET /api/v1/applications/{name}``   one Application (``refresh``, ``projects``, ``appNamespace``)
``GET /api/v1/applications``          the Applications matching ``selector`` (``k=v,k2=v2``)

Identity, as Argo CD answers it:

``tokens[token] = subject``   accepted bearer tokens; ``expired`` lists tokens that were
    valid once. No header: 401 "no session information"; unknown: 401 invalid signature;
    expired: 401 "token is expired".
``visible[subject] = {app, ...}``   what a subject may read (absent: everything). An
    Application that does not exist or cannot be read is 403 "permission denied" alike,
    unless the request names ``projects``: then a missing one is 404, as since Argo CD 2.7.

Every answer is checked against ``swagger.json`` (``schema.py``) before it is sent.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.rig.argocd import schema
from tests.rig.argocd.apps import FakeApp
from tests.rig.argocd.tls import Pki

ONE = "/api/v1/applications/{name}"
LIST = "/api/v1/applications"
_PREFIX = LIST + "/"


@dataclass(frozen=True)
class Seen:
    """One request as the double saw it (the token itself is never kept)."""

    path: str
    query: dict[str, str]
    status: int
    authenticated: bool
    route: str  # ONE, LIST or "" when unmatched


class FakeArgoCD:
    def __init__(self, pki: Pki | None = None, token: str = "argocd-test-token") -> None:
        self.pki = pki
        self.apps: dict[str, FakeApp] = {}
        self.tokens: dict[str, str] = {token: "promotion-bot"}
        self.expired: set[str] = set()
        self.visible: dict[str, set[str]] = {}
        self.now = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
        self.requests: list[Seen] = []
        self.unmatched: list[str] = []
        self.schema_errors: list[str] = []
        self.lock = threading.Lock()
        self._faults: list[int] = []
        self._raw: list[tuple[int, bytes, str]] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        ssl = (str(self.pki.cert_file), str(self.pki.key_file)) if self.pki else None
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_Quiet, ssl_context=ssl
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits for one poll
            name="fake-argocd",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeArgoCD:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeArgoCD is not started")
        scheme = "https" if self.pki else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_port}"

    # -- the test's controls --------------------------------------------------------------

    def add(self, app: FakeApp) -> FakeApp:
        with self.lock:
            self.apps[app.name] = app
        return app

    def advance(self, name: str, minutes: int = 1) -> str:
        """Move ``name`` to the next stage of its timeline (and the clock by ``minutes``)."""
        with self.lock:
            app = self.apps[name]
            self.now += timedelta(minutes=minutes)
            if not app.timeline:
                raise AssertionError(f"{name} has no stage left on its timeline")
            app.go(app.timeline.pop(0), self.now)
            return app.stage

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests with ``status`` (a runtimeError body)."""
        with self.lock:
            self._faults += [status] * times

    def answer_next(self, status: int, body: bytes, content_type: str) -> None:
        """Answer the next request with these bytes, unchecked: what a proxy or an SSO login
        page in front of Argo CD sends, which is not Argo CD's API at all."""
        with self.lock:
            self._raw.append((status, body, content_type))

    def count(self, route: str | None = None) -> int:
        return sum(1 for r in self.requests if route is None or r.route == route)

    # -- WSGI -----------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self.lock:
            if self._raw:
                status, raw, kind = self._raw.pop(0)
                self.requests.append(Seen(request.path, dict(request.args), status, True, ""))
                return Response(raw, status=status, content_type=kind)(environ, start_response)
            route, status, body = self._handle(request)
            if route:
                status, body = self._checked(route, status, body)
            self.requests.append(
                Seen(
                    request.path,
                    dict(request.args),
                    status,
                    "Authorization" in request.headers,
                    route,
                )
            )
        response = Response(json.dumps(body), status=status, content_type="application/json")
        return response(environ, start_response)

    def _handle(self, request: Request) -> tuple[str, int, dict[str, Any]]:
        route, name = self._route(request)
        if not route:
            self.unmatched.append(f"{request.method} {request.path}")
            return "", 404, _error(5, f"fake Argo CD does not implement {request.path}")
        unknown = set(request.args) - schema.parameters(route)
        if unknown:  # Argo CD ignores them; the double would rather hear about a typo
            return route, 400, _error(3, f"unknown query parameters {sorted(unknown)}")
        if self._faults:
            status = self._faults.pop(0)
            return route, status, _error(14 if status >= 500 else 2, "injected fault")
        subject, failure = self._auth(request)
        if failure is not None:
            return route, 401, failure
        if route == ONE:
            return route, *self._get(subject, name, request.args.get("projects"))
        return route, 200, self._list(subject, request.args.get("selector", ""))

    def _route(self, request: Request) -> tuple[str, str]:
        if request.method != "GET":
            return "", ""
        if request.path == LIST:
            return LIST, ""
        name = request.path[len(_PREFIX) :] if request.path.startswith(_PREFIX) else ""
        return (ONE, name) if name and "/" not in name else ("", "")

    def _auth(self, request: Request) -> tuple[str, dict[str, Any] | None]:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "", _error(16, "no session information")
        if token in self.expired:
            return "", _error(16, "invalid session: token has invalid claims: token is expired")
        if token not in self.tokens:
            return "", _error(16, "invalid session: token signature is invalid")
        return self.tokens[token], None

    def _get(self, subject: str, name: str, projects: str | None) -> tuple[int, dict[str, Any]]:
        app = self.apps.get(name)
        if app is None and projects:
            return 404, _error(5, f'applications.argoproj.io "{name}" not found')
        hidden = app is None or not self._may_read(subject, app)
        if hidden or (projects and app is not None and app.project != projects):
            return 403, _error(7, "permission denied")
        return 200, app.document()

    def _list(self, subject: str, selector: str) -> dict[str, Any]:
        wanted = dict(p.split("=", 1) for p in selector.split(",") if "=" in p)
        items = [
            app.document()
            for app in self.apps.values()
            if self._may_read(subject, app) and wanted.items() <= app.labels.items()
        ]
        return {"metadata": {"resourceVersion": "4711"}, "items": items}

    def _may_read(self, subject: str, app: FakeApp) -> bool:
        allowed = self.visible.get(subject)
        return allowed is None or app.name in allowed

    def _checked(self, route: str, status: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The answer if the API description allows it; else a 500 the test will notice."""
        found = schema.problems(route, status, body)
        if not found:
            return status, body
        self.schema_errors.extend(found)
        return 500, _error(13, f"fake Argo CD failed its schema check: {found[0]}")


class _Quiet(WSGIRequestHandler):
    """No access log on stderr: ``FakeArgoCD.requests`` is the record."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _error(code: int, message: str) -> dict[str, Any]:
    """Argo CD's error body (``runtimeError``): grpc code, message twice."""
    return {"error": message, "code": code, "message": message}
