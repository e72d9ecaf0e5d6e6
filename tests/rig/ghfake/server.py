"""``FakeGitHub``: a real HTTP server on 127.0.0.1 that answers a slice of GitHub's REST API.

PyGithub talks to it exactly as it talks to GitHub Enterprise (``base_url=.../api/v3``):
absolute URLs in payloads, ``Link`` pagination, rate-limit headers, GitHub's status codes and
error bodies. Git objects live in a real bare repository (see ``gitstore``); pull requests,
issues, comments, labels and reactions live in plain dicts that tests can inspect. Requests
for anything not implemented get a loud 404 and are listed in ``unmatched``.

Identity and access:

``users[token] = login``
    Tokens the fake accepts (``Authorization: token X`` or ``Bearer X``). A missing header gets
    401 "Requires authentication", an unknown token 401 "Bad credentials". Tokens starting with
    ``ghs_`` are App installation tokens: commits they create without author/committer are
    reported as verified, and ``GET /user`` answers 403 as GitHub does for installations.
``permissions[login]``
    admin | maintain | write | triage | read | none. Logins not listed read, as if the
    repository were public (GitHub itself 404s logins that are not users at all).
``teams[(org, team_slug)] = {login, ...}``
    Team memberships, for ``GET /orgs/{org}/teams/{team}/memberships/{login}``.

In-memory state (guarded by ``lock``; read it after the requests under test have finished):

``pulls[number]``
    ``{"number", "id", "state": "open"|"closed", "title", "body", "user": login,
    "head_ref", "base_ref", "head_sha", "base_sha", "draft", "merged", "merged_at",
    "merged_by": login|None, "merge_commit_sha", "labels": [label dict], "requested_reviewers":
    [login], "requested_teams": [slug], "maintainer_can_modify", "locked", "created_at",
    "updated_at", "closed_at"}``, and once merged ``"brought"``: the commits the merge put
    on the base. ``head_sha``/``base_sha`` follow the branches while the
    PR is open (refreshed whenever it is served) and are frozen when it closes, as on GitHub.
``issues[number]``
    Plain issues (not PRs): the common subset of the keys above. Numbers are shared with PRs.
``comments[issue_number]``
    ``[{"id", "issue_number", "body", "user": login, "created_at", "updated_at"}]``, oldest first.
``reactions[comment_id]``
    ``[{"id", "content", "user": login, "created_at"}]``.
``labels[name]``
    ``{"id", "name", "color", "description"}``: repository labels, created on first use.
``verifications[commit_sha]``
    The ``verification`` object GitHub reports for commits it created (signed ones).
``reviews[pr_number]``, ``settings``, ``protection[branch]``, ``events``
    Reviews, the repository's merge settings, branch protection and the webhook-like
    ``pull_request`` events: what people do to a pull request (see ``pullstate``).
"""

from __future__ import annotations

import itertools
import json
import logging
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from werkzeug.wrappers import Request, Response

import tests.rig.ghfake.routes_dispatch  # noqa: F401  (registers its route on import)
from tests.rig.ghfake import (
    payloads,
    pullstate,
    routes_deployments,
    routes_git,
    routes_issues,
    routes_merge,
    routes_pulls,
    routes_repo,
    routes_reviews,
)
from tests.rig.ghfake.gitdata import Ident
from tests.rig.ghfake.gitstore import GitStore
from tests.rig.ghfake.payloads import now_iso
from tests.rig.ghfake.routing import ROUTER, ApiError, Call, Reply, Route

API_PREFIX = "/api/v3"
DEFAULT_LOGIN = "promotion-bot[bot]"
RATE_LIMIT = 5000
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
PERMISSION_LEVELS = ("none", "read", "triage", "write", "maintain", "admin")
SECONDARY_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
SERVER_THREADS = 8  # worker threads: the race tests run two or more clients at once
_STOP_GRACE = 5.0  # seconds stop() lets requests in flight finish before it cuts them off
_DEFAULT_MESSAGES = {
    401: "Bad credentials",
    403: "Resource not accessible by integration",
    404: "Not Found",
    422: "Validation Failed",
    429: SECONDARY_LIMIT,
}

__all__ = ["ApiError", "FakeGitHub", "Req"]


@dataclass(frozen=True)
class Req:
    """One request as the fake saw it. ``route`` is the matched template ("" if none)."""

    method: str
    route: str
    path: str  # as requested, with the query string
    status: int
    body: bytes
    headers: dict[str, str]  # the Authorization value is redacted; see ``login``
    login: str | None = None  # who the token belongs to, None if unknown or absent


@dataclass
class _Fault:
    method: str
    route: str
    status: int
    times: int
    headers: dict[str, str]
    body: Any
    applied: bool = False  # handle the request first: its effect stays, its answer is lost

    def matches(self, method: str, route: Route, path: str, body: bytes = b"") -> bool:
        method_ok = self.method in ("*", method)
        # "/graphql#name": only GraphQL calls whose document holds ``name`` (one mutation).
        where, _, name = self.route.partition("#")
        if name:
            return method_ok and where == route.template and name.encode() in body
        route_ok = self.route in ("*", route.name, route.template, path)
        return method_ok and route_ok


@dataclass
class _Bucket:
    remaining: int
    used: int = 0


# Waitress warns "Task queue depth is N" whenever requests wait for a worker thread, which
# the race tests provoke on purpose; it logs no requests, and app crashes stay at ERROR.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)


@dataclass
class _Counters:
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class FakeGitHub:
    """A fake GitHub for one repository ``owner/repo``; start it, point PyGithub at base_url."""

    def __init__(
        self,
        root: Path,
        owner: str = "acme",
        repo: str = "gitops",
        token: str = "test-token",
        default_branch: str = "main",
    ) -> None:
        self.root = Path(root)
        self.owner = owner
        self.repo = repo
        self.default_branch = default_branch
        self.users: dict[str, str] = {token: DEFAULT_LOGIN}
        self.permissions: dict[str, str] = {DEFAULT_LOGIN: "write"}
        self.teams: dict[tuple[str, str], set[str]] = {}
        self.pulls: dict[int, dict[str, Any]] = {}
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.reactions: dict[int, list[dict[str, Any]]] = {}
        self.labels: dict[str, dict[str, Any]] = {}
        self.verifications: dict[str, dict[str, Any]] = {}
        self.reviews: dict[int, list[dict[str, Any]]] = {}
        self.settings: dict[str, Any] = dict(pullstate.DEFAULT_SETTINGS)
        self.protection: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.merge_checks: dict[int, tuple[str, str, bool, bool]] = {}
        self.requests: list[Req] = []
        self.unmatched: list[str] = []
        self.errors: list[str] = []  # tracebacks of handler crashes (answered with 500)
        self.rate_limit = RATE_LIMIT
        self.git = GitStore(self.root / owner / f"{repo}.git")
        self.git.init(default_branch)
        self.lock = threading.RLock()  # state and Git mutations; handlers run under it
        self._log_lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._buckets: dict[str, _Bucket] = {}
        self._reset_at = int(time.time()) + 3600
        self._counters = _Counters()
        self._user_ids: dict[str, int] = {}
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.created_at = now_iso()

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Serve on a free port of 127.0.0.1 from a daemon thread.

        Waitress keeps HTTP/1.1 connections alive as GitHub does, so a client's session reuses
        one connection instead of paying a TCP handshake and a server thread per request.
        """
        if self._server is not None:
            return
        server = create_server(
            self._wsgi,
            host="127.0.0.1",
            port=0,
            threads=SERVER_THREADS,
            asyncore_use_poll=True,  # select() fails on descriptors above 1023
            clear_untrusted_proxy_headers=False,  # record X-Forwarded-* headers as sent
            log_socket_errors=False,  # clients that reset their connections are not news
        )
        assert isinstance(server, BaseWSGIServer)  # one listening socket
        self.git.warm()
        self._server = server
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=_serve, args=(server, self._stopping), name="fake-github", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening, close every connection (idle keep-alive ones at once, busy ones
        when their answer is sent), wait for the server threads. Safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            self._stopping.set()
            server.pull_trigger()  # wake the event loop
            if self._thread is not None:
                self._thread.join(timeout=_STOP_GRACE + 5)
            server.task_dispatcher.shutdown(timeout=5)
            server.trigger.close()  # last: worker threads pull it when they finish a request
        # After the last request: the git reader process would otherwise outlive the test.
        self.git.close()

    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeGitHub is not started; call start() first")
        return int(self._server.effective_port)

    @property
    def host_url(self) -> str:
        """Where html_url links point, like a GitHub Enterprise host: no /api/v3."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.host_url}{API_PREFIX}"

    @property
    def repo_api(self) -> str:
        return f"{self.base_url}/repos/{self.owner}/{self.repo}"

    @property
    def repo_html(self) -> str:
        return f"{self.host_url}/{self.owner}/{self.repo}"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def bare_path(self) -> Path:
        return self.git.path

    @property
    def git_url(self) -> str:
        return str(self.git.path)

    # -- request log ----------------------------------------------------------------------

    def count(self, method: str | None = None, route: str | None = None) -> int:
        """Requests seen, optionally by method and by route (with or without the method)."""
        return sum(1 for r in self.requests if _req_matches(r, method, route))

    def writes(self) -> list[Req]:
        """Requests that change something: a GraphQL query is a POST but only reads."""
        from tests.rig.ghfake.graphql_schema import is_mutation

        return [
            r
            for r in self.requests
            if r.method in WRITE_METHODS and (r.route != "POST /graphql" or is_mutation(r.body))
        ]

    def reset_log(self) -> None:
        """Forget recorded requests (``unmatched`` is kept so fixtures still catch gaps)."""
        with self._log_lock:
            self.requests.clear()

    def inject(
        self,
        method: str,
        route: str,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
        applied: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` instead of handling them
        (with ``applied``, after handling them: a POST that took effect behind a 502).

        ``route`` is a template as recorded in ``Req.route`` (with or without the method),
        a concrete path, or ``"*"``; ``method`` may be ``"*"``. ``body`` defaults to GitHub's
        message for the status (a secondary-rate-limit text for 429, and for 403 when a
        ``Retry-After`` header is given); a dict/list is sent as JSON, str/bytes verbatim.
        """
        with self._log_lock:
            self._faults.append(
                _Fault(method.upper(), route, status, times, dict(headers or {}), body, applied)
            )

    # -- helpers for tests ----------------------------------------------------------------

    def seed(self, worktree: Path) -> None:
        """Push the worktree's HEAD to the default branch of the bare repository."""
        target = f"HEAD:refs/heads/{self.default_branch}"
        pushed = subprocess.run(
            ["git", "-C", str(worktree), "push", "-q", str(self.bare_path), target],
            capture_output=True,
            text=True,
            check=False,
        )
        if pushed.returncode != 0:
            raise RuntimeError(f"seeding {self.bare_path} failed: {pushed.stderr.strip()}")

    def branch_sha(self, name: str) -> str | None:
        return self.git.ref_sha(f"refs/heads/{name}")

    def branch_heads(self) -> dict[str, str]:
        """Every branch and its sha from one git call (cheaper than many ``branch_sha``)."""
        prefix = "refs/heads/"
        return {r[len(prefix) :]: sha for r, sha, _ in self.git.refs() if r.startswith(prefix)}

    def file_at(self, ref: str, path: str) -> str | None:
        """Text of ``path`` at a branch, tag or sha; None if the ref or file is missing."""
        sha = self.git.resolve_ref_name(ref)
        entry = self.git.entry(sha, path.strip("/")) if sha else None
        if entry is None or entry.type != "blob":
            return None
        return self.git.read_blob(entry.sha).decode("utf-8", errors="replace")

    def add_comment(self, issue_number: int, login: str, body: str) -> dict[str, Any]:
        """A comment by ``login`` (e.g. a human reviewer) as if posted through the API."""
        with self.lock:
            record = routes_issues.create_comment(self, issue_number, login, body)
            return payloads.comment(self, record)

    def open_pr(
        self,
        head: str,
        base: str,
        title: str,
        body: str = "",
        login: str | None = None,
        draft: bool = False,
    ) -> dict[str, Any]:
        """Open a PR with the API's validation; raises ``ApiError`` (e.g. 422) like it."""
        with self.lock:
            record = routes_pulls.create_pull(
                self, login or DEFAULT_LOGIN, head, base, title, body, draft
            )
            return payloads.pull(self, record, full=False)

    def open_issue(self, title: str, body: str = "", login: str | None = None) -> dict[str, Any]:
        with self.lock:
            record = routes_issues.create_issue(self, login or DEFAULT_LOGIN, title, body)
            return payloads.issue(self, record)

    # -- shared state helpers used by the route modules -----------------------------------

    def next_id(self) -> int:
        return next(self._counters.ids)

    def next_number(self) -> int:
        return next(self._counters.numbers)

    def user_id(self, login: str) -> int:
        with self.lock:
            return self._user_ids.setdefault(login, 5000 + len(self._user_ids) * 7 + 1)

    def ident(self, login: str, when: int | None = None) -> Ident:
        """The noreply identity GitHub uses for commits it writes on a user's behalf."""
        email = f"{self.user_id(login)}+{login}@users.noreply.github.com"
        return Ident(login, email, int(time.time()) if when is None else when)

    def login_for_email(self, email: str) -> str | None:
        if email == "noreply@github.com":
            return "web-flow"
        local, _, domain = email.partition("@")
        if domain == "users.noreply.github.com" and "+" in local:
            return local.split("+", 1)[1]
        return None

    def permission_of(self, login: str) -> str:
        """Unknown logins read: the repo behaves as if public (GitHub 404s non-users)."""
        level = self.permissions.get(login, "read")
        return level if level in PERMISSION_LEVELS else "read"

    def known_user(self, login: str) -> bool:
        members = {m for logins in self.teams.values() for m in logins}
        known = {*self.users.values(), *self.permissions, *members, self.owner}
        known |= {p["user"] for p in self.pulls.values()}
        known |= {c["user"] for cs in self.comments.values() for c in cs}
        return login.lower() in {k.lower() for k in known}

    def issue_record(self, number: int) -> dict[str, Any]:
        record = self.pulls.get(number) or self.issues.get(number)
        if record is None:
            raise ApiError(404, "Not Found")
        return record

    # -- WSGI -----------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        if "RAW_URI" not in environ:
            environ["RAW_URI"] = _raw_uri(environ)
        request = Request(environ)
        body = request.get_data(cache=True)
        token, login = self._caller(request)
        route, reply = self._dispatch(request, token, login)
        response = self._response(request, reply, token)
        target = environ.get("RAW_URI") or request.full_path.rstrip("?")
        headers = {k: v for k, v in request.headers.items()}
        if "Authorization" in headers:
            scheme = headers["Authorization"].split(" ", 1)[0]
            headers["Authorization"] = f"{scheme} <redacted>"
        entry = Req(request.method, route, target, reply.status, body, headers, login)
        with self._log_lock:
            self.requests.append(entry)
        return response(environ, start_response)

    def _caller(self, request: Request) -> tuple[str | None, str | None]:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer") or not value.strip():
            return None, None
        token = value.strip()
        return token, self.users.get(token)

    def _dispatch(
        self, request: Request, token: str | None, login: str | None
    ) -> tuple[str, Reply]:
        method = "GET" if request.method == "HEAD" else request.method
        path = request.path
        if method == "POST" and path == "/api/graphql":  # GHES serves GraphQL beside /api/v3
            from tests.rig.ghfake.graphql_endpoint import dispatch

            return dispatch(self, request, token, login)
        matched = None
        if path.startswith(API_PREFIX + "/"):
            matched = ROUTER.match(method, path[len(API_PREFIX) :])
        if matched is None:
            what = f"{request.method} {path}"
            with self._log_lock:
                self.unmatched.append(what)
            self._spend(token if login else None)
            message = f"Not Found (fake GitHub does not implement {what})"
            return "", _error(ApiError(404, message), "https://docs.github.com/rest")
        route, params = matched
        reply = self._handle(request, route, params, token, login)
        body = request.get_data(cache=True)
        lost = self._take_fault(request.method, route, path[len(API_PREFIX) :], True, body)
        return route.name, reply if lost is None else _fault_reply(lost)

    def _handle(
        self,
        request: Request,
        route: Route,
        params: dict[str, str],
        token: str | None,
        login: str | None,
    ) -> Reply:
        path = request.path[len(API_PREFIX) :]
        fault = self._take_fault(request.method, route, path, body=request.get_data(cache=True))
        free = route.template == "/rate_limit"  # GitHub does not charge for this one
        exhausted = False if free else self._spend(token if login else None)
        if fault is not None:
            return _fault_reply(fault)
        if token is None or login is None:
            message = "Requires authentication" if token is None else "Bad credentials"
            return _error(ApiError(401, message), "https://docs.github.com/rest")
        if exhausted:
            message = f"API rate limit exceeded for user ID {self.user_id(login)}."
            doc = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
            return _error(ApiError(403, message), doc)
        if not self._same_repo(params):
            return _error(ApiError(404, "Not Found"), route.doc)
        call = Call(self, request, route, params, login, token)
        try:
            with self.lock:
                return route.handler(call)
        except ApiError as err:
            return _error(err, route.doc)
        except Exception:
            # A bug in the fake: answer 500 (clients retry) and keep the traceback for the test.
            trace = traceback.format_exc()
            self.errors.append(trace)
            print(f"fake GitHub crashed on {route.name}:\n{trace}", file=sys.stderr)
            return _error(ApiError(500, "Server Error (fake GitHub crashed)"), route.doc)

    def _same_repo(self, params: dict[str, str]) -> bool:
        if "owner" not in params:
            return True
        return (
            params["owner"].lower() == self.owner.lower()
            and params["repo"].lower() == self.repo.lower()
        )

    def _take_fault(
        self, method: str, route: Route, path: str, applied: bool = False, body: bytes = b""
    ) -> _Fault | None:
        with self._log_lock:
            for fault in self._faults:
                if fault.applied == applied and fault.matches(method, route, path, body):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- rate limits ----------------------------------------------------------------------

    def _bucket(self, token: str | None) -> _Bucket:
        now = int(time.time())
        if now >= self._reset_at:  # the hourly window rolled over: everyone starts afresh
            self._reset_at = now + 3600
            self._buckets.clear()
        return self._buckets.setdefault(token or "", _Bucket(self.rate_limit))

    def _spend(self, token: str | None) -> bool:
        """Charge one request to the token's budget; True if the budget was already empty."""
        with self._log_lock:
            bucket = self._bucket(token)
            if bucket.remaining <= 0:
                return True
            bucket.remaining -= 1
            bucket.used += 1
            return False

    def rate_limit_state(self, token: str | None) -> dict[str, int]:
        with self._log_lock:
            bucket = self._bucket(token)
            return {
                "limit": self.rate_limit,
                "remaining": bucket.remaining,
                "reset": self._reset_at,
                "used": bucket.used,
            }

    def _response(self, request: Request, reply: Reply, token: str | None) -> Response:
        known = token if token in self.users else None
        state = self.rate_limit_state(known)
        headers = {
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": f"FAKE:{len(self.requests):06d}",
            "X-RateLimit-Limit": str(state["limit"]),
            "X-RateLimit-Remaining": str(state["remaining"]),
            "X-RateLimit-Reset": str(state["reset"]),
            "X-RateLimit-Used": str(state["used"]),
            "X-RateLimit-Resource": "core",
            **reply.headers,
        }
        if reply.status == 204 or reply.data is None:
            body = b""
        elif isinstance(reply.data, bytes):
            body = reply.data
        else:
            body = json.dumps(reply.data).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        if request.method == "HEAD":
            body = b""
        return Response(body, status=reply.status, headers=headers)


def _raw_uri(environ: dict[str, Any]) -> str:
    """The request target as sent, query string included, as werkzeug's server gave it in
    RAW_URI (``Req.path`` and ``Call.page_url`` read it); waitress calls it REQUEST_URI.
    Like ``http.server``, collapse leading slashes (``//x`` would read as a host name)."""
    target = str(environ.get("REQUEST_URI", ""))
    return "/" + target.lstrip("/") if target.startswith("//") else target


def _serve(server: BaseWSGIServer, stopping: threading.Event) -> None:
    """The server's event loop, until ``stopping`` is set (and the trigger pulled); then it
    stops listening and closes the connections itself, as waitress's objects are not
    thread-safe. Idle keep-alive connections close at once, busy ones once their answer is
    out (or after ``_STOP_GRACE`` seconds)."""
    sockets = server._map
    timeout = server.adj.asyncore_loop_timeout
    while not stopping.is_set():
        wasyncore.loop(timeout=timeout, map=sockets, use_poll=True, count=1)
    wasyncore.dispatcher.close(server)  # the listening socket; the trigger stays open
    deadline = time.monotonic() + _STOP_GRACE
    while True:
        channels = [c for c in list(sockets.values()) if isinstance(c, HTTPChannel)]
        if not channels:
            break
        if time.monotonic() >= deadline:
            for channel in channels:
                channel.handle_close()
            break
        for channel in channels:
            with channel.requests_lock:
                if not channel.requests:  # nothing in flight: close once the output is sent
                    channel.close_when_flushed = True
        wasyncore.loop(timeout=0.05, map=sockets, use_poll=True, count=1)


def _error(err: ApiError, default_doc: str) -> Reply:
    return Reply(err.status, err.payload(default_doc), err.headers)


def _fault_reply(fault: _Fault) -> Reply:
    headers = dict(fault.headers)
    if isinstance(fault.body, (dict, list)):
        return Reply(fault.status, fault.body, headers)
    if isinstance(fault.body, (str, bytes)):
        data = fault.body.encode() if isinstance(fault.body, str) else fault.body
        return Reply(fault.status, data, headers)
    message = _DEFAULT_MESSAGES.get(fault.status)
    if fault.status == 403 and "Retry-After" in headers:
        message = SECONDARY_LIMIT
    if message is None:
        message = "Server Error" if fault.status >= 500 else HTTPStatus(fault.status).phrase
    err = ApiError(fault.status, message)
    doc = "https://docs.github.com/rest"
    if message == SECONDARY_LIMIT:
        doc += "/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
    return Reply(fault.status, err.payload(doc), headers)


def _req_matches(req: Req, method: str | None, route: str | None) -> bool:
    if method is not None and req.method != method.upper():
        return False
    if route is None:
        return True
    return route in (req.route, req.route.split(" ", 1)[-1])


# Registering routes is a side effect of importing these modules; keep the names referenced
# so linters do not drop the imports.
_ROUTE_MODULES = (
    routes_deployments,
    routes_git,
    routes_issues,
    routes_merge,
    routes_pulls,
    routes_repo,
    routes_reviews,
)
