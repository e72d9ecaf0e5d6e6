"""``POST /repos/{owner}/{repo}/dispatches``: starts ``repository_dispatch`` workflows.

The fake keeps no state for it: accepted dispatches are the 204 entries of the request log,
which ``dispatches(fake)`` reads back. The body rules follow GitHub's published description of
the operation (``repos/create-dispatch-event``); tests/relay/test_ghfake_dispatch.py checks the
fake against the vendored copy of it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tests.rig.ghfake.routing import ApiError, Call, Field, Reply, route

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

DISPATCHES = "POST /repos/{owner}/{repo}/dispatches"
MAX_EVENT_TYPE = 100
MAX_PAYLOAD_PROPERTIES = 10
MAX_PAYLOAD_BYTES = 64 * 1024
_WRITERS = ("write", "maintain", "admin")


@route(DISPATCHES, doc="repos/repos#create-a-repository-dispatch-event")
def create_dispatch(call: Call) -> Reply:
    if call.fake.permission_of(call.login) not in _WRITERS:
        # An App token without contents:write is told so; other tokens see GitHub's
        # documented 404, as for a repository they cannot write to.
        if call.token.startswith("ghs_"):
            raise ApiError(403, "Resource not accessible by integration")
        raise ApiError(404, "Not Found")
    data = call.body({"event_type": Field((str,), True), "client_payload": Field((dict,))})
    event_type = data["event_type"]
    if not 1 <= len(event_type) <= MAX_EVENT_TYPE:
        raise ApiError(
            422, f"Invalid request.\n\n{json.dumps(event_type)} is not a valid event_type."
        )
    payload = data.get("client_payload") or {}
    if len(payload) > MAX_PAYLOAD_PROPERTIES:
        raise ApiError(
            422,
            "Invalid request.\n\nNo more than 10 properties are allowed; "
            f"{len(payload)} were supplied.",
        )
    if len(json.dumps(payload).encode()) >= MAX_PAYLOAD_BYTES:
        raise ApiError(422, "client_payload is too large")
    return Reply(204)


def dispatches(fake: FakeGitHub) -> list[dict[str, Any]]:
    """The bodies of the dispatches the fake accepted, oldest first."""
    with fake._log_lock:
        entries = [r for r in fake.requests if r.route == DISPATCHES and r.status == 204]
    return [json.loads(r.body) for r in entries]
