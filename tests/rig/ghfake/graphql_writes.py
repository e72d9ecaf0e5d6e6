"""The mutation side of the fake's GraphQL API: ``createCommitOnBranch``, ``createRef``,
``updateRef`` and ``updateRefs``, writing real Git objects and moving refs by compare-and-swap,
like the REST routes in ``routes_git`` (whose helpers they reuse)."""

from __future__ import annotations

import base64
import binascii
import time
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from tests.rig.ghfake import graphql_objects as objects
from tests.rig.ghfake import routes_git
from tests.rig.ghfake.gitdata import ZERO_SHA, Ident, TreeEntry, is_sha
from tests.rig.ghfake.graphql_base import GitHubError, Obj, fake_of
from tests.rig.ghfake.graphql_reads import REPOSITORY_ID, repository

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

_WEB_FLOW = ("GitHub", "noreply@github.com")


def mutation_root() -> Obj:
    return {
        "createCommitOnBranch": _create_commit_on_branch,
        "createRef": _create_ref,
        "updateRef": _update_ref,
        "updateRefs": _update_refs,
    }


def _payload(input: dict[str, Any], **fields: Any) -> Obj:
    return {"clientMutationId": input.get("clientMutationId"), **fields}


# -- createCommitOnBranch -------------------------------------------------------------------


def _create_commit_on_branch(info: GraphQLResolveInfo, input: dict[str, Any]) -> Obj:
    """One commit on top of the branch head, only if the head is still ``expectedHeadOid``."""
    fake, ctx = fake_of(info), info.context
    name = _branch_ref(fake, input["branch"])
    head = fake.git.ref_sha(name)
    if head is None:
        raise GitHubError("NOT_FOUND", f'A ref named "{name}" does not exist in this repository.')
    expected = input["expectedHeadOid"]
    if head != expected:
        raise GitHubError(
            "STALE_DATA",
            f'Expected branch to point to "{expected}" but it did not.  Pull and try again.',
        )
    tree = _apply(fake, head, input.get("fileChanges") or {})
    sha = _write_commit(fake, ctx.login, ctx.token, tree, head, input["message"])
    if not fake.git.update_ref(name, sha, head):  # someone moved the branch meanwhile
        raise GitHubError(
            "STALE_DATA",
            f'Expected branch to point to "{expected}" but it did not.  Pull and try again.',
        )
    routes_git._touch_pulls(fake, name, ctx.login)
    repo = repository(fake)
    return _payload(input, commit=objects.commit(fake, sha), ref=objects.ref(fake, name, repo))


def _branch_ref(fake: FakeGitHub, branch: dict[str, Any]) -> str:
    if branch.get("id") is not None:
        name = objects.ref_name_of_id(branch["id"])
        if name is None:
            raise GitHubError(
                "NOT_FOUND", f"Could not resolve to a node with the global id of '{branch['id']}'"
            )
        return name
    owner_repo, short = branch.get("repositoryNameWithOwner"), branch.get("branchName")
    if not owner_repo or not short:
        raise GitHubError(
            "UNPROCESSABLE",
            "Either branch.id or branch.repositoryNameWithOwner and branch.branchName "
            "must be provided",
        )
    if owner_repo.lower() != fake.full_name.lower():
        raise GitHubError(
            "NOT_FOUND", f"Could not resolve to a Repository with the name '{owner_repo}'."
        )
    return short if short.startswith("refs/heads/") else f"refs/heads/{short}"


def _apply(fake: FakeGitHub, head: str, changes: dict[str, Any]) -> str:
    """The head's tree with ``changes``: deletions first, then additions (GitHub's order)."""
    tree = fake.git.resolve(head, "tree")
    assert tree is not None
    edits: dict[str, TreeEntry | None] = {}
    for deletion in changes.get("deletions") or []:
        path = deletion["path"].strip("/")
        if fake.git.entry(head, path) is None:
            raise GitHubError(
                "UNPROCESSABLE",
                f"A path was requested for deletion which does not exist as of commit oid `{head}`",
            )
        edits[path] = None
    for addition in changes.get("additions") or []:
        path = addition["path"].strip("/")
        data = _decode(path, addition["contents"])
        edits[path] = TreeEntry("100644", "blob", fake.git.write_blob(data), path)
    return fake.git.build_tree(tree, edits) if edits else tree


def _decode(path: str, contents: str) -> bytes:
    try:
        return base64.b64decode(contents, validate=True)
    except (binascii.Error, ValueError):
        raise GitHubError("UNPROCESSABLE", f"The contents of {path} are not valid base64") from None


def _write_commit(
    fake: FakeGitHub, login: str, token: str, tree: str, parent: str, message: dict[str, Any]
) -> str:
    """GitHub authors the commit as the caller, commits it as web-flow, and signs it for an
    App installation (the fake's ``ghs_`` tokens), as the REST side does."""
    headline, body = message["headline"], message.get("body")
    if not headline.strip():
        raise GitHubError("UNPROCESSABLE", "A commit message headline is required")
    text = headline + (f"\n\n{body}" if body else "") + "\n"
    now = int(time.time())
    author = fake.ident(login, now)
    sha = fake.git.commit_tree(tree, [parent], text, author, Ident(*_WEB_FLOW, now))
    if token.startswith("ghs_"):
        fake.verifications[sha] = routes_git.signed(fake.git.read_commit(sha).raw)
    return sha


# -- refs -----------------------------------------------------------------------------------


def _create_ref(info: GraphQLResolveInfo, input: dict[str, Any]) -> Obj:
    fake = fake_of(info)
    if input["repositoryId"] != REPOSITORY_ID:
        raise GitHubError(
            "NOT_FOUND",
            f"Could not resolve to a node with the global id of '{input['repositoryId']}'",
        )
    name, oid = input["name"], input["oid"]
    if not name.startswith("refs/") or name.count("/") < 2 or not fake.git.valid_ref_name(name):
        raise GitHubError("UNPROCESSABLE", f"Reference name {name!r} is invalid")
    if not is_sha(oid) or fake.git.object_type(oid) is None:
        raise GitHubError("UNPROCESSABLE", f"Object {oid} does not exist")
    if not fake.git.update_ref(name, oid, None):
        raise GitHubError(
            "UNPROCESSABLE", f'A ref named "{name}" already exists in the repository.'
        )
    return _payload(input, ref=objects.ref(fake, name, repository(fake)))


def _update_ref(info: GraphQLResolveInfo, input: dict[str, Any]) -> Obj:
    fake = fake_of(info)
    name = objects.ref_name_of_id(input["refId"])
    current = fake.git.ref_sha(name) if name else None
    if name is None or current is None:
        raise GitHubError(
            "NOT_FOUND", f"Could not resolve to a node with the global id of '{input['refId']}'"
        )
    oid = input["oid"]
    if not is_sha(oid) or fake.git.object_type(oid) is None:
        raise GitHubError("UNPROCESSABLE", f"Object {oid} does not exist")
    if not input.get("force") and not fake.git.is_ancestor(current, oid):
        raise GitHubError("UNPROCESSABLE", "Update is not a fast forward")
    if not fake.git.update_ref(name, oid, current):
        raise GitHubError("UNPROCESSABLE", "Reference update failed")
    routes_git._touch_pulls(fake, name, info.context.login)
    return _payload(input, ref=objects.ref(fake, name, repository(fake)))


def _update_refs(info: GraphQLResolveInfo, input: dict[str, Any]) -> Obj:
    """Every update or none, as GitHub documents: each ``beforeOid`` must hold (the zero oid:
    the ref must not exist), a non-fast-forward needs ``force``, the zero ``afterOid``
    deletes. The fake's handlers run under its lock, so checking all first is atomic."""
    fake = fake_of(info)
    if input["repositoryId"] != REPOSITORY_ID:
        raise GitHubError(
            "NOT_FOUND",
            f"Could not resolve to a node with the global id of '{input['repositoryId']}'",
        )
    planned = [_checked(fake, update) for update in input["refUpdates"]]
    for name, current, after in planned:
        moved = fake.git.update_ref(name, None if after == ZERO_SHA else after, current)
        assert moved, f"{name} moved under the fake's lock"
        if after != ZERO_SHA:
            routes_git._touch_pulls(fake, name, info.context.login)
        else:  # GitHub closes the PRs of a deleted branch
            routes_git._close_pulls_of_deleted_branch(fake, name, info.context.login)
    return _payload(input)


def _checked(fake: FakeGitHub, update: dict[str, Any]) -> tuple[str, str | None, str]:
    name, before, after = update["name"], update.get("beforeOid"), update["afterOid"]
    if not name.startswith("refs/") or not fake.git.valid_ref_name(name):
        raise GitHubError("UNPROCESSABLE", f"Reference name {name!r} is invalid")
    current = fake.git.ref_sha(name)
    if before is not None and (current or ZERO_SHA) != before:
        raise GitHubError(
            "UNPROCESSABLE", f"Reference {name} does not point to {before}: it was not updated"
        )
    if after != ZERO_SHA and (not is_sha(after) or fake.git.object_type(after) is None):
        raise GitHubError("UNPROCESSABLE", f"Object {after} does not exist")
    fast_forward = current is None or after == ZERO_SHA or fake.git.is_ancestor(current, after)
    if not update.get("force") and not fast_forward:
        raise GitHubError("UNPROCESSABLE", f"Update of {name} is not a fast forward")
    return name, current, after
