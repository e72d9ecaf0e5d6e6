"""Git data API: refs, blobs, trees and commits, all backed by the bare repository."""

from __future__ import annotations

import base64
import binascii
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tests.rig.ghfake import payloads, pullstate
from tests.rig.ghfake.gitdata import Ident, TreeEntry, is_sha
from tests.rig.ghfake.routing import ApiError, Call, Field, Reply, not_found, route

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

REPO = "/repos/{owner}/{repo}"
_MODES = {
    "100644": "blob",
    "100755": "blob",
    "120000": "blob",
    "040000": "tree",
    "160000": "commit",
}
_WEB_FLOW = ("GitHub", "noreply@github.com")


# -- refs -----------------------------------------------------------------------------------


def _ref_json(call: Call, name: str, sha: str, kind: str) -> dict[str, Any]:
    return payloads.git_ref(call.fake, name, sha, kind)


def _all_refs(fake: FakeGitHub) -> list[tuple[str, str, str]]:
    return fake.git.refs()


@route(f"GET {REPO}/git/ref/{{ref}}", doc="git/refs#get-a-reference")
def get_ref(call: Call) -> Reply:
    name = "refs/" + call.params["ref"]
    sha = call.fake.git.listed_sha(name)
    kind = call.fake.git.object_type(sha) if sha is not None else None
    if sha is None or kind is None:
        raise not_found()
    return Reply(200, _ref_json(call, name, sha, kind))


@route(f"GET {REPO}/git/refs", doc="git/refs#list-matching-references")
def list_refs(call: Call) -> Reply:
    return call.paginate([_ref_json(call, *ref) for ref in _all_refs(call.fake)])


@route(f"GET {REPO}/git/refs/{{ref}}", doc="git/refs#get-a-reference")
def get_refs_legacy(call: Call) -> Reply:
    """The old form: the exact ref as an object, else refs under that prefix as an array."""
    name = "refs/" + call.params["ref"]
    refs = _all_refs(call.fake)
    for ref, sha, kind in refs:
        if ref == name:
            return Reply(200, _ref_json(call, ref, sha, kind))
    matching = [_ref_json(call, *ref) for ref in refs if ref[0].startswith(name)]
    if not matching:
        raise not_found()
    return Reply(200, matching)


@route(f"GET {REPO}/git/matching-refs/{{ref}}", doc="git/refs#list-matching-references")
def matching_refs(call: Call) -> Reply:
    prefix = "refs/" + call.params["ref"]
    refs = [_ref_json(call, *ref) for ref in _all_refs(call.fake) if ref[0].startswith(prefix)]
    return call.paginate(refs)


def _ensure_not_empty(fake: FakeGitHub) -> None:
    # The default branch settles it without listing every ref.
    if fake.git.listed_sha(f"refs/heads/{fake.default_branch}") is None and not fake.git.refs():
        raise ApiError(409, "Git Repository is empty.")


@route(f"POST {REPO}/git/refs", doc="git/refs#create-a-reference")
def create_ref(call: Call) -> Reply:
    body = call.body({"ref": Field((str,), True), "sha": Field((str,), True)})
    name, sha = body["ref"], body["sha"]
    _ensure_not_empty(call.fake)
    if (
        not name.startswith("refs/")
        or name.count("/") < 2
        or not call.fake.git.valid_ref_name(name)
    ):
        raise ApiError(422, "Reference name is invalid")
    kind = call.fake.git.object_type(sha) if is_sha(sha) else None
    if kind is None:
        raise ApiError(422, "Object does not exist")
    # Compare-and-swap from "absent": of two racing creates exactly one wins.
    if not call.fake.git.update_ref(name, sha, None):
        raise ApiError(422, "Reference already exists")
    data = _ref_json(call, name, sha, kind)
    return Reply(201, data, {"Location": data["url"]})


@route(f"PATCH {REPO}/git/refs/{{ref}}", doc="git/refs#update-a-reference")
def update_ref(call: Call) -> Reply:
    body = call.body({"sha": Field((str,), True), "force": Field((bool,))})
    name, sha, force = "refs/" + call.params["ref"], body["sha"], body.get("force", False)
    git = call.fake.git
    current = git.ref_sha(name)
    if current is None:
        raise ApiError(422, "Reference does not exist")
    kind = git.object_type(sha) if is_sha(sha) else None
    if kind is None:
        raise ApiError(422, "Object does not exist")
    if not force and not git.is_ancestor(current, sha):
        raise ApiError(422, "Update is not a fast forward")
    if not git.update_ref(name, sha, current):
        raise ApiError(422, "Reference update failed")
    _touch_pulls(call.fake, name, call.login)
    return Reply(200, _ref_json(call, name, sha, kind))


@route(f"DELETE {REPO}/git/refs/{{ref}}", doc="git/refs#delete-a-reference")
def delete_ref(call: Call) -> Reply:
    name = "refs/" + call.params["ref"]
    current = call.fake.git.ref_sha(name)
    if current is None or not call.fake.git.update_ref(name, None, current):
        raise ApiError(422, "Reference does not exist")
    _close_pulls_of_deleted_branch(call.fake, name, call.login)
    return Reply(204)


def _touch_pulls(fake: FakeGitHub, ref: str, login: str) -> None:
    """A push to a PR's head refreshes the PR's head sha and updated_at."""
    for pr in fake.pulls.values():
        if pr["state"] == "open" and f"refs/heads/{pr['head_ref']}" == ref:
            sha = fake.git.ref_sha(ref)
            if sha is not None and sha != pr["head_sha"]:
                pullstate.head_moved(fake, pr, sha, login)
            pr["updated_at"] = payloads.now_iso()


def _close_pulls_of_deleted_branch(fake: FakeGitHub, ref: str, login: str) -> None:
    """GitHub closes open PRs whose head or base branch is deleted."""
    for pr in fake.pulls.values():
        branches = {f"refs/heads/{pr['head_ref']}", f"refs/heads/{pr['base_ref']}"}
        if pr["state"] == "open" and ref in branches:
            pr["state"] = "closed"
            pr["closed_at"] = pr["updated_at"] = payloads.now_iso()
            pullstate.record_event(fake, "closed", pr, login)


# -- blobs ----------------------------------------------------------------------------------


@route(f"POST {REPO}/git/blobs", doc="git/blobs#create-a-blob")
def create_blob(call: Call) -> Reply:
    body = call.body({"content": Field((str,), True), "encoding": Field((str,))})
    encoding = body.get("encoding", "utf-8")
    if encoding == "base64":
        try:
            data = base64.b64decode(body["content"], validate=False)
        except (binascii.Error, ValueError):
            raise ApiError(422, "Invalid base64 content") from None
    elif encoding in ("utf-8", "utf8"):
        data = body["content"].encode()
    else:
        raise ApiError(422, f"encoding must be utf-8 or base64, not {encoding}")
    sha = call.fake.git.write_blob(data)
    result = payloads.blob(call.fake, sha)
    return Reply(201, result, {"Location": result["url"]})


@route(f"GET {REPO}/git/blobs/{{sha}}", doc="git/blobs#get-a-blob")
def get_blob(call: Call) -> Reply:
    sha = call.params["sha"]
    if not is_sha(sha) or call.fake.git.object_type(sha) != "blob":
        raise not_found()
    return Reply(200, payloads.blob(call.fake, sha, call.fake.git.read_blob(sha)))


# -- trees ----------------------------------------------------------------------------------


@route(f"POST {REPO}/git/trees", doc="git/trees#create-a-tree")
def create_tree(call: Call) -> Reply:
    body = call.body({"tree": Field((list,), True), "base_tree": Field((str,))})
    git = call.fake.git
    base = body.get("base_tree")
    if base is not None and (not is_sha(base) or git.resolve(base, "tree") is None):
        raise ApiError(422, "base_tree is not a valid tree oid")
    changes = {}
    for index, item in enumerate(body["tree"]):
        path, entry = _tree_change(call.fake, index, item)
        changes[path] = entry
    sha = git.build_tree(git.resolve(base, "tree") if base else None, changes)
    result = payloads.tree(call.fake, sha, git.ls_tree(sha))
    return Reply(201, result, {"Location": result["url"]})


def _tree_change(fake: FakeGitHub, index: int, item: Any) -> tuple[str, TreeEntry | None]:
    """Validate one ``tree`` element and turn it into the entry to write (None deletes)."""
    where = f"tree.{index}"
    if not isinstance(item, dict):
        raise ApiError(422, f"Invalid request.\n\nFor 'items', {item!r} is not an object.")
    path, mode, kind = item.get("path"), item.get("mode"), item.get("type")
    if not isinstance(path, str) or not _valid_path(path):
        raise ApiError(422, f"{where}.path contains a malformed path component")
    if mode not in _MODES or kind != _MODES[mode]:
        raise ApiError(422, f"{where}: mode {mode!r} and type {kind!r} do not match")
    if "content" in item:
        if kind != "blob" or not isinstance(item["content"], str):
            raise ApiError(422, f"{where}.content is only valid for blobs and must be a string")
        return path, TreeEntry(mode, kind, fake.git.write_blob(item["content"].encode()), path)
    if "sha" not in item:
        raise ApiError(422, f"Must supply {where}.sha or {where}.content")
    sha = item["sha"]
    if sha is None:
        return path, None
    expected = "commit" if kind == "commit" else kind
    if not isinstance(sha, str) or not is_sha(sha):
        raise ApiError(422, f"{where}.sha {sha!r} is not a valid {expected}")
    # Submodule entries point at commits in other repositories; those need not exist here.
    if kind != "commit" and fake.git.object_type(sha) != expected:
        raise ApiError(422, f"{where}.sha {sha} is not a valid {expected}")
    return path, TreeEntry(mode, kind, sha, path)


def _valid_path(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and all(p and p not in (".", "..", ".git") for p in parts)


@route(f"GET {REPO}/git/trees/{{sha}}", doc="git/trees#get-a-tree")
def get_tree(call: Call) -> Reply:
    git = call.fake.git
    sha = git.resolve(call.params["sha"], "tree")
    if sha is None:
        raise not_found()
    recursive = call.arg("recursive") not in (None, "", "0", "false")
    return Reply(200, payloads.tree(call.fake, sha, git.ls_tree(sha, recursive=recursive)))


# -- commits --------------------------------------------------------------------------------

_IDENT_FIELD = Field((dict,))


@route(f"POST {REPO}/git/commits", doc="git/commits#create-a-commit")
def create_commit(call: Call) -> Reply:
    body = call.body(
        {
            "message": Field((str,), True),
            "tree": Field((str,), True),
            "parents": Field((list,)),
            "author": _IDENT_FIELD,
            "committer": _IDENT_FIELD,
            "signature": Field((str,)),
        }
    )
    fake, git = call.fake, call.fake.git
    if not is_sha(body["tree"]) or git.object_type(body["tree"]) != "tree":
        raise ApiError(422, "Tree SHA does not exist")
    parents = body.get("parents", [])
    for parent in parents:
        if not isinstance(parent, str) or not is_sha(parent) or git.object_type(parent) != "commit":
            raise ApiError(422, "Parent SHA does not exist or is not a commit object")
    now = int(time.time())
    author = _ident_arg(body.get("author"), "author", now) or fake.ident(call.login, now)
    committer = _ident_arg(body.get("committer"), "committer", now)
    if committer is None:
        # GitHub's REST docs: the committer defaults to the author. An App installation's
        # commit, whose identities GitHub picks, is committed (and signed) as web-flow; a
        # personal token's is committed as its user, unlike its createCommitOnBranch commits.
        app_picks = call.token.startswith("ghs_") and "author" not in body
        committer = Ident(*_WEB_FLOW, now) if app_picks else author
    sha = git.commit_tree(body["tree"], parents, body["message"], author, committer)
    # GitHub signs API commits of an App installation when it picks the identities itself.
    if call.token.startswith("ghs_") and "author" not in body and "committer" not in body:
        fake.verifications[sha] = signed(git.read_commit(sha).raw)
    result = payloads.git_commit(fake, git.read_commit(sha))
    return Reply(201, result, {"Location": result["url"]})


def signed(raw: str) -> dict[str, Any]:
    """A ``verification`` block for a commit GitHub signed (the object carries no gpgsig)."""
    return {
        "verified": True,
        "reason": "valid",
        "signature": "-----BEGIN PGP SIGNATURE-----\n\n(fake GitHub web-flow signature)\n"
        "-----END PGP SIGNATURE-----\n",
        "payload": raw,
        "verified_at": payloads.now_iso(),
    }


def _ident_arg(value: dict[str, Any] | None, role: str, now: int) -> Ident | None:
    if value is None:
        return None
    name, email = value.get("name"), value.get("email")
    if not isinstance(name, str) or not isinstance(email, str) or not name or not email:
        raise ApiError(422, f'Invalid request.\n\n"name" and "email" are required in {role}.')
    when = now
    if value.get("date"):
        try:
            when = int(datetime.fromisoformat(value["date"].replace("Z", "+00:00")).timestamp())
        except (TypeError, ValueError):
            raise ApiError(422, f"Invalid request.\n\n{role}.date is not a valid date.") from None
    return Ident(name, email, when)


@route(f"GET {REPO}/git/commits/{{sha}}", doc="git/commits#get-a-commit-object")
def get_commit(call: Call) -> Reply:
    sha = call.params["sha"]
    if not is_sha(sha) or call.fake.git.object_type(sha) != "commit":
        raise not_found()
    return Reply(200, payloads.git_commit(call.fake, call.fake.git.read_commit(sha)))
