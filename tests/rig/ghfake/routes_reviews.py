"""Pull request reviews: submit (approve, request changes, comment, or leave pending), list,
get, dismiss. Review records live in ``fake.reviews[number]``, oldest first:
``{"id", "user", "state", "body", "commit_id", "submitted_at", "dismissal_message"}``.
"""

from __future__ import annotations

from typing import Any

from tests.rig.ghfake import payloads, pullstate
from tests.rig.ghfake.gitdata import is_sha
from tests.rig.ghfake.routes_pulls import PULL, pull_of
from tests.rig.ghfake.routing import ApiError, Call, Field, Reply, not_found, route

REVIEWS = f"{PULL}/reviews"
_STATES = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
_OWN = {
    "APPROVE": "Can not approve your own pull request",
    "REQUEST_CHANGES": "Can not request changes on your own pull request",
}


def _unprocessable(*errors: str) -> ApiError:
    """GitHub's review errors: a plain list of sentences, not validation error objects."""
    return ApiError(422, "Unprocessable Entity", errors=list(errors))


@route(f"POST {REVIEWS}", doc="pulls/reviews#create-a-review-for-a-pull-request")
def create_review(call: Call) -> Reply:
    body = call.body(
        {
            "commit_id": Field((str,)),
            "body": Field((str,)),
            "event": Field((str,)),
            "comments": Field((list,)),
        }
    )
    fake, pr = call.fake, pull_of(call)
    event = body.get("event")
    if event is not None and event not in _STATES:
        raise _unprocessable(
            f"Unknown review event {event!r}: use APPROVE, REQUEST_CHANGES or COMMENT."
        )
    if event in _OWN and call.login == pr["user"]:
        raise _unprocessable(_OWN[event])
    if event in ("REQUEST_CHANGES", "COMMENT") and not body.get("body"):
        raise _unprocessable(f"Review body is required for the event {event}.")
    mine = fake.reviews.setdefault(pr["number"], [])
    if event is None and any(r["user"] == call.login and r["state"] == "PENDING" for r in mine):
        raise _unprocessable("User can only have one pending review per pull request")
    commit_id = body.get("commit_id") or pr["head_sha"]
    if not is_sha(commit_id) or fake.git.object_type(commit_id) != "commit":
        raise _unprocessable(f"Commit {commit_id} does not exist.")
    record: dict[str, Any] = {
        "id": fake.next_id(),
        "user": call.login,
        "state": _STATES[event] if event else "PENDING",
        "body": body.get("body", ""),
        "commit_id": commit_id,
        "submitted_at": payloads.now_iso() if event else None,
        "dismissal_message": None,
    }
    mine.append(record)
    if event is not None:
        # A submitted review answers the request for it, as on GitHub.
        pr["requested_reviewers"] = [u for u in pr["requested_reviewers"] if u != call.login]
        pr["updated_at"] = payloads.now_iso()
        pullstate.record_event(fake, "submitted", pr, call.login, record)
    return Reply(200, payloads.review(fake, record, pr["number"]))


def _visible(call: Call, number: int) -> list[dict[str, Any]]:
    """Pending reviews are visible to their author only."""
    return [
        r
        for r in call.fake.reviews.get(number, [])
        if r["state"] != "PENDING" or r["user"] == call.login
    ]


@route(f"GET {REVIEWS}", doc="pulls/reviews#list-reviews-for-a-pull-request")
def list_reviews(call: Call) -> Reply:
    number = pull_of(call)["number"]
    return call.paginate(_visible(call, number), lambda r: payloads.review(call.fake, r, number))


def _review(call: Call) -> tuple[dict[str, Any], dict[str, Any]]:
    pr = pull_of(call)
    wanted = call.params["review_id"]
    for record in _visible(call, pr["number"]):
        if str(record["id"]) == wanted:
            return pr, record
    raise not_found()


@route(f"GET {REVIEWS}/{{review_id}}", doc="pulls/reviews#get-a-review-for-a-pull-request")
def get_review(call: Call) -> Reply:
    pr, record = _review(call)
    return Reply(200, payloads.review(call.fake, record, pr["number"]))


@route(
    f"PUT {REVIEWS}/{{review_id}}/dismissals",
    doc="pulls/reviews#dismiss-a-review-for-a-pull-request",
)
def dismiss_review(call: Call) -> Reply:
    body = call.body({"message": Field((str,), True), "event": Field((str,))})
    fake = call.fake
    pr, record = _review(call)
    if body.get("event", "DISMISS") != "DISMISS":
        raise _unprocessable("event must be DISMISS.")
    if fake.permission_of(call.login) not in pullstate.WRITERS:
        raise ApiError(403, "Resource not accessible by integration")
    if record["state"] == "PENDING":
        raise _unprocessable("Can not dismiss a pending review")
    if record["state"] not in ("APPROVED", "CHANGES_REQUESTED"):
        raise _unprocessable(f"Can not dismiss a {record['state'].lower()} review")
    record["state"], record["dismissal_message"] = "DISMISSED", body["message"]
    pullstate.record_event(fake, "dismissed", pr, call.login, record)
    return Reply(200, payloads.review(fake, record, pr["number"]))
