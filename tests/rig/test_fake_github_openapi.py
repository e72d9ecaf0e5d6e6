"""The fake against GitHub's own published description of its REST API.

Every route the fake implements is driven over HTTP, its answers included errors; each
status must be one the description documents for that operation and each JSON body must
validate against the documented response schema (``openapi-schema-validator`` reads the
OpenAPI 3.0 dialect: ``nullable``, formats). The description is vendored, pinned, in
``tests/rig/openapi`` (see its README); a route or status it lacks is listed here with why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from openapi_schema_validator import OAS30Validator

from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake import scenario_deployments
from tests.rig.ghfake.pullstate import event_payload
from tests.rig.ghfake.routing import ROUTER
from tests.rig.openapi.extract import OUTPUT, VERSION, template_key
from tests.rig.repos import commit_all, git


def _as_meant(node: Any) -> Any:
    """Read two constructs of the description as GitHub means them, not as the validator
    would: ``nullable: true`` admits null whatever else the schema says (the validator
    honours it only beside ``type``, so a nullable ``oneOf`` or ``enum`` such as
    ``state_reason`` would refuse the nulls GitHub sends), and a discriminator that maps
    "array" (the contents API's directory listing) cannot pick by a property of a list,
    so that ``oneOf`` is validated plainly."""
    if isinstance(node, list):
        return [_as_meant(item) for item in node]
    if not isinstance(node, dict):
        return node
    inner = {key: _as_meant(value) for key, value in node.items()}
    if "array" in inner.get("discriminator", {}).get("mapping", {}):
        del inner["discriminator"]
    if inner.get("nullable") is True:
        del inner["nullable"]
        return {"anyOf": [{"enum": [None]}, inner]}
    return inner


SPEC: dict[str, Any] = _as_meant(json.loads(OUTPUT.read_text(encoding="utf-8")))
BOT, ALICE, ADMIN = "ghs_bot_token", "ghp_alice_token", "ghp_admin_token"
REPO = "/repos/acme/gitops"
PROD = "overlays/prod/kustomization.yaml"

# Routes GitHub serves but does not describe: the fake keeps them because clients use them.
UNDESCRIBED = {
    "GET /repos/{owner}/{repo}/git/refs": "the legacy listing of every ref, still served",
    "GET /repos/{owner}/{repo}/git/refs/{ref}": "the legacy get-or-list form, still served",
}


def _operations() -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            found[template_key(method, path)] = operation
    return found


OPERATIONS = _operations()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        _, kind, name = node["$ref"].split("/", 3)[1:]
        node = SPEC["components"][kind][name]
    return node


class Checked:
    """An HTTP client for one token whose every answer is checked against the description."""

    def __init__(self, fake: FakeGitHub, token: str, covered: set[str]) -> None:
        self.fake, self.covered = fake, covered
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    def __call__(self, method: str, path: str, status: int, **body: Any) -> Any:
        response = self.session.request(
            method, f"{self.fake.base_url}{path}", json=body or None, timeout=10
        )
        assert response.status_code == status, f"{method} {path}: {response.text}"
        route = self.fake.requests[-1].route
        assert route, f"{method} {path} matched no route"
        self.covered.add(route)
        if route not in UNDESCRIBED:
            check(route, response)
        return response.json() if response.content else None


def problems(schema: dict[str, Any], instance: Any) -> list[str]:
    """Each way ``instance`` breaks ``schema`` (a fragment that may $ref the components)."""
    rooted = {**schema, "components": SPEC["components"]}
    validator = OAS30Validator(rooted, format_checker=OAS30Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors]


def check(route: str, response: requests.Response) -> None:
    method, template = route.split(" ", 1)
    operation = OPERATIONS.get(template_key(method, template))
    assert operation is not None, f"{route} is not in the vendored description: re-run extract"
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (
        f"{route} answered {response.status_code}, which GitHub does not document for it "
        f"(documented: {sorted(operation['responses'])})"
    )
    content = _resolve(documented).get("content", {}).get("application/json")
    if response.status_code == 204:
        assert response.content == b"", f"{route}: 204 with a body"
    if content is None or "schema" not in content:
        return
    found = problems(content["schema"], response.json())
    assert not found, f"{route} {response.status_code} does not match GitHub's schema:\n" + (
        "\n".join(found[:15])
    )


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeGitHub]:
    seed = tmp_path / "seed"
    (seed / "overlays" / "prod").mkdir(parents=True)
    (seed / PROD).write_text("images:\n  - name: model\n    newTag: v1\n")
    (seed / "README.md").write_text("# gitops\n")
    git(seed, "init", "-q", "-b", "main")
    commit_all(seed, "Initial layout")
    with FakeGitHub(tmp_path / "github", token=BOT) as started:
        started.seed(seed)
        started.users.update({ALICE: "alice", ADMIN: "root"})
        started.permissions.update({"alice": "write", "root": "admin"})
        started.teams[("acme", "ml-owners")] = {"alice"}
        yield started
    assert started.errors == [] and started.unmatched == []


def test_the_vendored_description_is_pinned() -> None:
    source = SPEC["x-vendored-from"]
    assert source == {
        "package": "@octokit/openapi",
        "version": VERSION,
        "file": "package/generated/api.github.com.json",
    }
    assert SPEC["info"]["version"] == VERSION and SPEC["openapi"].startswith("3.0")


def test_every_route_of_the_fake_is_described_or_listed() -> None:
    for route in ROUTER.routes:
        if route.name in UNDESCRIBED:
            assert template_key(route.method, route.template) not in OPERATIONS, (
                f"{route.name} is described now: drop it from UNDESCRIBED"
            )
            continue
        assert template_key(route.method, route.template) in OPERATIONS, (
            f"{route.name} is missing from the vendored description: re-run "
            "`python -m tests.rig.openapi.extract`, or list it in UNDESCRIBED with a reason"
        )


def test_every_route_answers_in_githubs_shapes(fake: FakeGitHub) -> None:
    covered: set[str] = set()
    bot, alice, admin = (Checked(fake, token, covered) for token in (BOT, ALICE, ADMIN))
    _people_and_repository(bot, alice, admin)
    branch_sha = _git_data(bot, fake)
    _issues(bot, alice)
    _pulls_reviews_and_merges(bot, alice, fake, branch_sha)
    scenario_deployments.drive(bot, branch_sha)
    missing = sorted({r.name for r in ROUTER.routes} - covered)
    assert missing == [], f"routes the scenario does not drive: {missing}"


def _people_and_repository(bot: Checked, alice: Checked, admin: Checked) -> None:
    alice("GET", "/user", 200)
    bot("GET", "/user", 403)  # an installation is not a user
    bot("GET", "/users/alice", 200)
    bot("GET", "/users/nobody-at-all", 404)
    bot("GET", "/rate_limit", 200)
    bot("GET", REPO, 200)
    bot("GET", "/repos/acme/elsewhere", 404)
    admin("PATCH", REPO, 200, squash_merge_commit_title="PR_TITLE")
    admin("PATCH", REPO, 422, merge_commit_message="EVERYTHING")
    bot("PATCH", REPO, 403, allow_rebase_merge=False)
    bot("GET", f"{REPO}/branches", 200)
    bot("GET", f"{REPO}/branches/main", 200)
    bot("GET", f"{REPO}/branches/nope", 404)
    bot("GET", f"{REPO}/contents/README.md", 200)
    bot("GET", f"{REPO}/contents/overlays", 200)
    bot("GET", f"{REPO}/contents/nope.yaml", 404)
    bot("GET", f"{REPO}/commits?path=README.md", 200)
    bot("GET", f"{REPO}/commits/main", 200)
    bot("GET", f"{REPO}/commits/{'0' * 40}", 422)
    bot("GET", f"{REPO}/collaborators/alice/permission", 200)
    bot("POST", f"{REPO}/dispatches", 204, event_type="model-validated", client_payload={"v": "2"})
    bot("POST", f"{REPO}/dispatches", 422, event_type="")
    bot("GET", "/orgs/acme", 200)
    bot("GET", "/orgs/nowhere", 404)
    bot("GET", "/orgs/acme/teams/ml-owners", 200)
    bot("GET", "/orgs/acme/teams/ml-owners/memberships/alice", 200)
    bot("GET", "/orgs/acme/teams/ml-owners/memberships/bob", 404)


def _git_data(bot: Checked, fake: FakeGitHub) -> str:
    main = fake.branch_sha("main")
    blob = bot("POST", f"{REPO}/git/blobs", 201, content="newTag: v2\n", encoding="utf-8")
    bot("GET", f"{REPO}/git/blobs/{blob['sha']}", 200)
    bot("GET", f"{REPO}/git/blobs/{'0' * 40}", 404)
    base_tree = bot("GET", f"{REPO}/git/commits/{main}", 200)["tree"]["sha"]
    entry = {"path": PROD, "mode": "100644", "type": "blob", "sha": blob["sha"]}
    tree = bot("POST", f"{REPO}/git/trees", 201, base_tree=base_tree, tree=[entry])
    bot("GET", f"{REPO}/git/trees/{tree['sha']}?recursive=1", 200)
    bot("GET", f"{REPO}/git/trees/{'0' * 40}", 404)
    commit = bot("POST", f"{REPO}/git/commits", 201, message="v2", tree=tree["sha"], parents=[main])
    bot("POST", f"{REPO}/git/commits", 422, message="bad", tree="0" * 40)
    bot("GET", f"{REPO}/git/commits/{'0' * 40}", 404)
    bot("POST", f"{REPO}/git/refs", 201, ref="refs/heads/promote/v2", sha=commit["sha"])
    bot("POST", f"{REPO}/git/refs", 422, ref="refs/heads/promote/v2", sha=commit["sha"])
    bot("GET", f"{REPO}/git/ref/heads/promote/v2", 200)
    bot("GET", f"{REPO}/git/ref/heads/nope", 404)
    bot("GET", f"{REPO}/git/matching-refs/heads/promote", 200)
    bot("GET", f"{REPO}/git/refs", 200)
    bot("GET", f"{REPO}/git/refs/heads", 200)
    bot("POST", f"{REPO}/git/refs", 201, ref="refs/heads/scratch", sha=commit["sha"])
    bot("PATCH", f"{REPO}/git/refs/heads/scratch", 422, sha=main)  # backwards: not a fast forward
    bot("PATCH", f"{REPO}/git/refs/heads/scratch", 200, sha=main, force=True)
    bot("DELETE", f"{REPO}/git/refs/heads/scratch", 204)
    bot("DELETE", f"{REPO}/git/refs/heads/scratch", 422)
    bot("GET", f"{REPO}/compare/main...promote/v2", 200)
    bot("GET", f"{REPO}/compare/main...nope", 404)
    return str(commit["sha"])


def _issues(bot: Checked, alice: Checked) -> None:
    issue = bot("POST", f"{REPO}/issues", 201, title="Hold prod", body="why", labels=["hold"])
    path = f"{REPO}/issues/{issue['number']}"
    bot("GET", path, 200)
    bot("GET", f"{REPO}/issues/999", 404)
    bot("GET", f"{path}/labels", 200)
    bot("POST", f"{path}/labels", 200, labels=["prod"])
    bot("PUT", f"{path}/labels", 200, labels=["prod", "held"])
    bot("DELETE", f"{path}/labels/held", 200)
    bot("DELETE", f"{path}/labels/held", 404)
    comment = alice("POST", f"{path}/comments", 201, body="/status")
    bot("POST", f"{path}/comments", 422, body=7)
    bot("GET", f"{path}/comments", 200)
    url = f"{REPO}/issues/comments/{comment['id']}"
    bot("GET", url, 200)
    bot("PATCH", url, 200, body="/status prod")
    bot("POST", f"{url}/reactions", 201, content="eyes")
    bot("POST", f"{url}/reactions", 200, content="eyes")
    bot("POST", f"{url}/reactions", 422, content="shrug")
    bot("GET", f"{url}/reactions", 200)
    bot("DELETE", url, 204)
    bot("GET", url, 404)


def _pulls_reviews_and_merges(bot: Checked, alice: Checked, fake: FakeGitHub, head: str) -> None:
    pr = bot("POST", f"{REPO}/pulls", 201, title="Promote v2", head="promote/v2", base="main")
    bot("POST", f"{REPO}/pulls", 422, title="again", head="promote/v2", base="main")
    path = f"{REPO}/pulls/{pr['number']}"
    bot("GET", f"{REPO}/pulls?state=all", 200)
    bot("GET", f"{REPO}/pulls?state=sideways", 422)
    bot("GET", path, 200)
    bot("GET", path, 200)  # the second read carries the test merge's result
    bot("GET", f"{REPO}/pulls/999", 404)
    bot("PATCH", path, 200, body="Promotes v2")
    bot("PATCH", path, 422, state="merged")
    bot("GET", f"{path}/commits", 200)
    bot("GET", f"{path}/files", 200)
    bot("POST", f"{path}/requested_reviewers", 201, reviewers=["alice"])
    bot("POST", f"{path}/requested_reviewers", 422, reviewers=["promotion-bot[bot]"])
    bot("GET", f"{path}/requested_reviewers", 200)
    bot("DELETE", f"{path}/requested_reviewers", 200, reviewers=["alice"])
    bot("GET", f"{REPO}/commits/{head}/pulls", 200)

    bot("POST", f"{path}/reviews", 422, event="APPROVE")  # its own PR
    approval = alice("POST", f"{path}/reviews", 200, event="APPROVE", body="ok")
    alice("POST", f"{path}/reviews", 200, body="draft")  # pending
    alice("POST", f"{path}/reviews", 422, body="second draft")
    bot("GET", f"{path}/reviews", 200)
    review = f"{path}/reviews/{approval['id']}"
    bot("GET", review, 200)
    bot("GET", f"{path}/reviews/1", 404)
    bot("PUT", f"{review}/dismissals", 200, message="stale")
    bot("PUT", f"{review}/dismissals", 422, message="again")

    bot("GET", f"{path}/merge", 404)
    bot("PUT", f"{path}/merge", 409, sha="0" * 40)
    bot("PUT", f"{path}/merge", 422, merge_method="octopus")
    bot("PATCH", path, 200, state="closed")
    bot("PUT", f"{path}/merge", 405)
    bot("PATCH", path, 200, state="open")
    merged = bot("PUT", f"{path}/merge", 200, merge_method="squash", sha=head)
    bot("GET", f"{path}/merge", 204)
    bot("GET", path, 200)
    bot("PATCH", path, 422, state="open")
    bot("GET", f"{REPO}/commits/{merged['sha']}/pulls", 200)


def test_webhook_bodies_match_githubs_schemas(fake: FakeGitHub) -> None:
    """What ``pullstate.event_payload`` renders is what GitHub would post for that event."""
    covered: set[str] = set()
    bot, alice = Checked(fake, BOT, covered), Checked(fake, ALICE, covered)
    branch_sha = _git_data(bot, fake)
    pr = bot("POST", f"{REPO}/pulls", 201, title="Promote v2", head="promote/v2", base="main")
    path = f"{REPO}/pulls/{pr['number']}"
    approval = alice("POST", f"{path}/reviews", 200, event="APPROVE")
    bot("PUT", f"{path}/reviews/{approval['id']}/dismissals", 200, message="stale")
    bot("PATCH", path, 200, state="closed")
    bot("PATCH", path, 200, state="open")
    tree = bot("GET", f"{REPO}/git/commits/{branch_sha}", 200)["tree"]["sha"]
    later = bot("POST", f"{REPO}/git/commits", 201, message="v3", tree=tree, parents=[branch_sha])
    bot("PATCH", f"{REPO}/git/refs/heads/promote/v2", 200, sha=later["sha"])
    alice("PUT", f"{path}/merge", 200, merge_method="rebase")
    seen = []
    for event in fake.events:
        kind = "pull-request-review" if event["review"] else "pull-request"
        name = f"webhook-{kind}-{event['action']}"
        assert name[len("webhook-") :] in SPEC["x-webhooks"], f"{name} is not vendored"
        found = problems({"$ref": f"#/components/schemas/{name}"}, event_payload(fake, event))
        assert not found, f"{name} does not match GitHub's schema:\n" + "\n".join(found[:15])
        seen.append(event["action"])
    assert seen == [
        "opened",
        "submitted",
        "dismissed",
        "closed",
        "reopened",
        "synchronize",
        "closed",
    ]
