"""Deployments, deployment statuses and commit statuses, and the repository-wide list of
issue comments: what ``promote watch`` writes and reads, and what a cluster posts (Argo CD
Notifications' GitHub service, Flux's notification-controller).

State lives in ``deploy_state(fake)``: ``deployments`` (id -> record, oldest first),
``deployment_statuses[id]`` and ``statuses[sha]`` (oldest first). Tests post as a cluster
would with ``post_status`` / ``post_deployment`` or over HTTP with their own token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.rig.ghfake import payloads
from tests.rig.ghfake.routing import Call, Field, Reply, not_found, route, validation_failed

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

REPO = "/repos/{owner}/{repo}"
DEPLOYMENTS = f"{REPO}/deployments"
DEPLOYMENT = f"{DEPLOYMENTS}/{{deployment_id}}"
COMMIT_STATES = ("error", "failure", "pending", "success")
DEPLOYMENT_STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")


@dataclass
class DeployState:
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)
    deployment_statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def deploy_state(fake: FakeGitHub) -> DeployState:
    found = fake.__dict__.get("_deploy_state")
    if found is None:
        found = fake.__dict__["_deploy_state"] = DeployState()
    assert isinstance(found, DeployState)
    return found


def _sha(fake: FakeGitHub, ref: str) -> str:
    sha = fake.git.resolve_ref_name(ref)
    if sha is None:
        raise validation_failed({"resource": "Deployment", "field": "ref", "code": "invalid"})
    return sha


def post_status(
    fake: FakeGitHub, sha: str, state: str, context: str, login: str, **extra: str
) -> dict[str, Any]:
    now = payloads.now_iso()
    record = {
        "id": fake.next_id(),
        "sha": sha,
        "state": state,
        "context": context,
        "description": extra.get("description"),
        "target_url": extra.get("target_url"),
        "user": login,
        "created_at": now,
        "updated_at": now,
    }
    deploy_state(fake).statuses.setdefault(sha, []).append(record)
    return record


def post_deployment(fake: FakeGitHub, body: dict[str, Any], login: str) -> dict[str, Any]:
    now = payloads.now_iso()
    record = {
        "id": fake.next_id(),
        "sha": _sha(fake, body["ref"]),
        "ref": body["ref"],
        "task": body.get("task", "deploy"),
        "payload": body.get("payload") or {},
        "environment": body.get("environment", "production"),
        "description": body.get("description"),
        "user": login,
        "created_at": now,
        "updated_at": now,
        "transient_environment": bool(body.get("transient_environment", False)),
        "production_environment": bool(body.get("production_environment", False)),
    }
    deploy_state(fake).deployments[record["id"]] = record
    return record


def post_deployment_status(
    fake: FakeGitHub, deployment_id: int, body: dict[str, Any], login: str
) -> dict[str, Any]:
    state = deploy_state(fake)
    deployment = state.deployments.get(deployment_id)
    if deployment is None:
        raise not_found()
    now = payloads.now_iso()
    record = {
        "id": fake.next_id(),
        "deployment_id": deployment_id,
        "state": body["state"],
        "description": body.get("description") or "",
        "environment": deployment["environment"],
        "target_url": body.get("target_url") or body.get("log_url") or "",
        "environment_url": body.get("environment_url") or "",
        "log_url": body.get("log_url") or "",
        "user": login,
        "created_at": now,
        "updated_at": now,
    }
    if body.get("auto_inactive", True) and body["state"] == "success":
        # GitHub marks the environment's earlier successful deployments inactive.
        for other_id, other in state.deployments.items():
            same = other["environment"] == deployment["environment"] and other_id != deployment_id
            statuses = state.deployment_statuses.get(other_id, [])
            if same and statuses and statuses[-1]["state"] == "success":
                statuses.append({**statuses[-1], "id": fake.next_id(), "state": "inactive"})
    state.deployment_statuses.setdefault(deployment_id, []).append(record)
    return record


# -- payloads -------------------------------------------------------------------------------


def _deployment(fake: FakeGitHub, record: dict[str, Any]) -> dict[str, Any]:
    url = f"{fake.repo_api}/deployments/{record['id']}"
    return {
        "url": url,
        "id": record["id"],
        "node_id": payloads.node_id("Deployment", record["id"]),
        "sha": record["sha"],
        "ref": record["ref"],
        "task": record["task"],
        "payload": record["payload"],
        "original_environment": record["environment"],
        "environment": record["environment"],
        "description": record["description"],
        "creator": payloads.user(fake, record["user"]),
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "statuses_url": f"{url}/statuses",
        "repository_url": fake.repo_api,
        "transient_environment": record["transient_environment"],
        "production_environment": record["production_environment"],
    }


def _deployment_status(fake: FakeGitHub, record: dict[str, Any]) -> dict[str, Any]:
    deployment_url = f"{fake.repo_api}/deployments/{record['deployment_id']}"
    return {
        "url": f"{deployment_url}/statuses/{record['id']}",
        "id": record["id"],
        "node_id": payloads.node_id("DeploymentStatus", record["id"]),
        "state": record["state"],
        "creator": payloads.user(fake, record["user"]),
        "description": record["description"],
        "environment": record["environment"],
        "target_url": record["target_url"],
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "deployment_url": deployment_url,
        "repository_url": fake.repo_api,
        "environment_url": record["environment_url"],
        "log_url": record["log_url"],
    }


def _status(fake: FakeGitHub, record: dict[str, Any]) -> dict[str, Any]:
    creator = payloads.user(fake, record["user"])
    return {
        "url": f"{fake.repo_api}/statuses/{record['sha']}",
        "avatar_url": creator["avatar_url"],
        "id": record["id"],
        "node_id": payloads.node_id("StatusContext", record["id"]),
        "state": record["state"],
        "description": record["description"],
        "target_url": record["target_url"],
        "context": record["context"],
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "creator": creator,
    }


# -- routes ---------------------------------------------------------------------------------


@route(f"GET {DEPLOYMENTS}", doc="deployments/deployments#list-deployments")
def list_deployments(call: Call) -> Reply:
    wanted = {k: call.arg(k) for k in ("sha", "ref", "task", "environment")}
    found = [
        d
        for d in reversed(deploy_state(call.fake).deployments.values())
        if all(v is None or d[k] == v for k, v in wanted.items())
    ]
    return call.paginate(found, lambda d: _deployment(call.fake, d))


@route(f"POST {DEPLOYMENTS}", doc="deployments/deployments#create-a-deployment")
def create_deployment(call: Call) -> Reply:
    body = call.body(
        {
            "ref": Field((str,), True),
            "task": Field((str,)),
            "auto_merge": Field((bool,)),
            "required_contexts": Field((list,)),
            "payload": Field((dict, str)),
            "environment": Field((str,)),
            "description": Field((str, type(None))),
            "transient_environment": Field((bool,)),
            "production_environment": Field((bool,)),
        }
    )
    record = post_deployment(call.fake, body, call.login)
    return Reply(201, _deployment(call.fake, record))


@route(f"GET {DEPLOYMENT}", doc="deployments/deployments#get-a-deployment")
def get_deployment(call: Call) -> Reply:
    record = deploy_state(call.fake).deployments.get(int(call.params["deployment_id"]))
    if record is None:
        raise not_found()
    return Reply(200, _deployment(call.fake, record))


@route(f"GET {DEPLOYMENT}/statuses", doc="deployments/statuses#list-deployment-statuses")
def list_deployment_statuses(call: Call) -> Reply:
    ident = int(call.params["deployment_id"])
    state = deploy_state(call.fake)
    if ident not in state.deployments:
        raise not_found()
    found = list(reversed(state.deployment_statuses.get(ident, [])))
    return call.paginate(found, lambda s: _deployment_status(call.fake, s))


@route(f"POST {DEPLOYMENT}/statuses", doc="deployments/statuses#create-a-deployment-status")
def create_deployment_status(call: Call) -> Reply:
    body = call.body(
        {
            "state": Field((str,), True),
            "target_url": Field((str,)),
            "log_url": Field((str,)),
            "description": Field((str,)),
            "environment": Field((str,)),
            "environment_url": Field((str,)),
            "auto_inactive": Field((bool,)),
        }
    )
    if body["state"] not in DEPLOYMENT_STATES:
        raise validation_failed(
            {"resource": "DeploymentStatus", "field": "state", "code": "invalid"}
        )
    ident = int(call.params["deployment_id"])
    record = post_deployment_status(call.fake, ident, body, call.login)
    return Reply(201, _deployment_status(call.fake, record))


@route(f"POST {REPO}/statuses/{{sha}}", doc="commits/statuses#create-a-commit-status")
def create_status(call: Call) -> Reply:
    body = call.body(
        {
            "state": Field((str,), True),
            "target_url": Field((str, type(None))),
            "description": Field((str, type(None))),
            "context": Field((str,)),
        }
    )
    if body["state"] not in COMMIT_STATES:
        raise validation_failed({"resource": "Status", "field": "state", "code": "invalid"})
    sha = _sha(call.fake, call.params["sha"])
    extra = {k: body[k] for k in ("description", "target_url") if body.get(k)}
    context = body.get("context") or "default"
    record = post_status(call.fake, sha, body["state"], context, call.login, **extra)
    return Reply(201, _status(call.fake, record))


@route(
    f"GET {REPO}/commits/{{commit_ref}}/statuses",
    doc="commits/statuses#list-commit-statuses-for-a-reference",
)
def list_statuses(call: Call) -> Reply:
    sha = call.fake.git.resolve_ref_name(call.params["commit_ref"])
    found = [] if sha is None else list(reversed(deploy_state(call.fake).statuses.get(sha, [])))
    return call.paginate(found, lambda s: _status(call.fake, s))


@route(f"GET {REPO}/issues/comments", doc="issues/comments#list-issue-comments-for-a-repository")
def list_repo_comments(call: Call) -> Reply:
    since = call.arg("since") or ""
    found = [
        c
        for records in call.fake.comments.values()
        for c in records
        if not since or c["updated_at"] >= since
    ]
    newest_first = call.arg("direction", "asc") == "desc"
    found.sort(key=lambda c: (c["updated_at"], c["id"]), reverse=newest_first)
    return call.paginate(found, lambda c: payloads.comment(call.fake, c))
