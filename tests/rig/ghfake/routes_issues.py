"""Issues (every PR is one too), labels, issue comments and comment reactions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tests.rig.ghfake import payloads
from tests.rig.ghfake.routing import (
    ApiError,
    Call,
    Field,
    Reply,
    not_found,
    route,
    validation_failed,
)

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

REPO = "/repos/{owner}/{repo}"
ISSUE = f"{REPO}/issues/{{number}}"
COMMENT = f"{REPO}/issues/comments/{{comment_id}}"
DEFAULT_LABEL_COLOR = "ededed"


def create_issue(
    fake: FakeGitHub, login: str, title: str, body: str | None, labels: list[str] | None = None
) -> dict[str, Any]:
    number, now = fake.next_number(), payloads.now_iso()
    record: dict[str, Any] = {
        "number": number,
        "id": fake.next_id(),
        "state": "open",
        "state_reason": None,
        "title": title,
        "body": body,
        "user": login,
        "labels": [_label(fake, name) for name in labels or []],
        "locked": False,
        "created_at": now,
        "updated_at": now,
        "closed_at": None,
    }
    fake.issues[number] = record
    return record


def create_comment(fake: FakeGitHub, number: int, login: str, body: str) -> dict[str, Any]:
    issue = fake.issue_record(number)
    now = payloads.now_iso()
    record = {
        "id": fake.next_id(),
        "issue_number": number,
        "body": body,
        "user": login,
        "created_at": now,
        "updated_at": now,
    }
    fake.comments.setdefault(number, []).append(record)
    issue["updated_at"] = now
    return record


def _issue(call: Call) -> dict[str, Any]:
    return call.fake.issue_record(int(call.params["number"]))


# -- issues ---------------------------------------------------------------------------------


@route(f"POST {REPO}/issues", doc="issues/issues#create-an-issue")
def open_issue(call: Call) -> Reply:
    body = call.body(
        {"title": Field((str,), True), "body": Field((str, type(None))), "labels": Field((list,))}
    )
    names = [_label_name(item) for item in body.get("labels", [])]
    record = create_issue(call.fake, call.login, body["title"], body.get("body"), names)
    data = payloads.issue(call.fake, record)
    return Reply(201, data, {"Location": data["url"]})


@route(f"GET {ISSUE}", doc="issues/issues#get-an-issue")
def get_issue(call: Call) -> Reply:
    return Reply(200, payloads.issue(call.fake, _issue(call)))


# -- labels ---------------------------------------------------------------------------------


def _label(fake: FakeGitHub, name: str) -> dict[str, Any]:
    """The repository label called ``name`` (GitHub matches case-insensitively), created if new."""
    for existing in fake.labels.values():
        if existing["name"].lower() == name.lower():
            return existing
    record = {"id": fake.next_id(), "name": name, "color": DEFAULT_LABEL_COLOR, "description": None}
    fake.labels[name] = record
    return record


def _label_name(item: Any) -> str:
    name = item.get("name") if isinstance(item, dict) else item
    if not isinstance(name, str) or not name.strip():
        raise validation_failed({"resource": "Label", "field": "name", "code": "invalid"})
    return name


def _label_names(call: Call) -> list[str]:
    """GitHub accepts ``["a"]``, ``{"labels": ["a"]}`` and ``[{"name": "a"}]``."""
    data = call.json()
    items = data.get("labels", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ApiError(422, "Invalid request.\n\nFor 'properties/labels', must be an array.")
    return [_label_name(item) for item in items]


def _labels_reply(call: Call, issue: dict[str, Any]) -> Reply:
    return Reply(200, [payloads.label(call.fake, item) for item in issue["labels"]])


def _add_labels(call: Call, issue: dict[str, Any], names: list[str]) -> None:
    for name in names:
        found = _label(call.fake, name)
        if all(item["id"] != found["id"] for item in issue["labels"]):
            issue["labels"].append(found)
    issue["updated_at"] = payloads.now_iso()


@route(f"GET {ISSUE}/labels", doc="issues/labels#list-labels-for-an-issue")
def list_labels(call: Call) -> Reply:
    issue = _issue(call)
    return call.paginate(issue["labels"], lambda item: payloads.label(call.fake, item))


@route(f"POST {ISSUE}/labels", doc="issues/labels#add-labels-to-an-issue")
def add_labels(call: Call) -> Reply:
    issue = _issue(call)
    _add_labels(call, issue, _label_names(call))
    return _labels_reply(call, issue)


@route(f"PUT {ISSUE}/labels", doc="issues/labels#set-labels-for-an-issue")
def set_labels(call: Call) -> Reply:
    issue = _issue(call)
    names = _label_names(call)
    issue["labels"] = []
    _add_labels(call, issue, names)
    return _labels_reply(call, issue)


@route(f"DELETE {ISSUE}/labels/{{name}}", doc="issues/labels#remove-a-label-from-an-issue")
def remove_label(call: Call) -> Reply:
    issue = _issue(call)
    name = unquote(call.params["name"]).lower()
    kept = [item for item in issue["labels"] if item["name"].lower() != name]
    if len(kept) == len(issue["labels"]):
        raise ApiError(404, "Label does not exist")
    issue["labels"] = kept
    return _labels_reply(call, issue)


# -- comments -------------------------------------------------------------------------------


@route(f"GET {ISSUE}/comments", doc="issues/comments#list-issue-comments")
def list_comments(call: Call) -> Reply:
    number = _issue(call)["number"]
    found = call.fake.comments.get(number, [])
    return call.paginate(found, lambda record: payloads.comment(call.fake, record))


@route(f"POST {ISSUE}/comments", doc="issues/comments#create-an-issue-comment")
def post_comment(call: Call) -> Reply:
    body = call.body({"body": Field((str,), True)})
    record = create_comment(call.fake, _issue(call)["number"], call.login, body["body"])
    data = payloads.comment(call.fake, record)
    return Reply(201, data, {"Location": data["url"]})


def _comment(call: Call) -> dict[str, Any]:
    wanted = int(call.params["comment_id"])
    for records in call.fake.comments.values():
        for record in records:
            if record["id"] == wanted:
                return record
    raise not_found()


@route(f"GET {COMMENT}", doc="issues/comments#get-an-issue-comment")
def get_comment(call: Call) -> Reply:
    return Reply(200, payloads.comment(call.fake, _comment(call)))


@route(f"PATCH {COMMENT}", doc="issues/comments#update-an-issue-comment")
def edit_comment(call: Call) -> Reply:
    body = call.body({"body": Field((str,), True)})
    record = _comment(call)
    record["body"], record["updated_at"] = body["body"], payloads.now_iso()
    return Reply(200, payloads.comment(call.fake, record))


@route(f"DELETE {COMMENT}", doc="issues/comments#delete-an-issue-comment")
def delete_comment(call: Call) -> Reply:
    record = _comment(call)
    call.fake.comments[record["issue_number"]].remove(record)
    call.fake.reactions.pop(record["id"], None)
    return Reply(204)


# -- reactions ------------------------------------------------------------------------------


@route(f"GET {COMMENT}/reactions", doc="reactions/reactions#list-reactions-for-an-issue-comment")
def list_reactions(call: Call) -> Reply:
    record = _comment(call)
    found = call.fake.reactions.get(record["id"], [])
    kind = call.arg("content")
    if kind:
        found = [r for r in found if r["content"] == kind]
    return call.paginate(found, lambda r: payloads.reaction(call.fake, r))


@route(f"POST {COMMENT}/reactions", doc="reactions/reactions#create-reaction-for-an-issue-comment")
def add_reaction(call: Call) -> Reply:
    body = call.body({"content": Field((str,), True)})
    kind = body["content"]
    if kind not in payloads.REACTIONS:
        raise validation_failed(
            {"value": kind, "resource": "Reaction", "field": "content", "code": "invalid"}
        )
    record = _comment(call)
    found = call.fake.reactions.setdefault(record["id"], [])
    for existing in found:
        if existing["user"] == call.login and existing["content"] == kind:
            return Reply(200, payloads.reaction(call.fake, existing))  # idempotent: 200, not 201
    reaction = {
        "id": call.fake.next_id(),
        "content": kind,
        "user": call.login,
        "created_at": payloads.now_iso(),
    }
    found.append(reaction)
    return Reply(201, payloads.reaction(call.fake, reaction))
