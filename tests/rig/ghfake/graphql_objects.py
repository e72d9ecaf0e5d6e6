"""GraphQL views of the fake's Git objects: commits and their history, trees, blobs, refs."""

from __future__ import annotations

import base64
import functools
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from tests.rig.ghfake import payloads
from tests.rig.ghfake.gitdata import CommitInfo, Ident, TreeEntry, is_sha
from tests.rig.ghfake.graphql_base import Obj, connection

if TYPE_CHECKING:
    from tests.rig.ghfake.server import FakeGitHub

_PREFIXES = ("refs/heads/", "refs/tags/")


# -- refs -----------------------------------------------------------------------------------


def split_ref(name: str) -> tuple[str, str]:
    """("refs/heads/", "feature/x") for refs/heads/feature/x, as Ref.prefix and Ref.name."""
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return prefix, name[len(prefix) :]
    head, _, tail = name.rpartition("/")
    return head + "/", tail


def qualified(fake: FakeGitHub, name: str) -> str | None:
    """The full ref a ``qualifiedName`` means: exact if it starts with refs/, else a branch,
    else a tag; None when nothing matches."""
    candidates = [name] if name.startswith("refs/") else [f"{p}{name}" for p in _PREFIXES]
    for candidate in candidates:
        if fake.git.listed_sha(candidate) is not None:
            return candidate
    return None


def ref(fake: FakeGitHub, name: str, repository: Obj) -> Obj | None:
    sha = fake.git.listed_sha(name)
    if sha is None:
        return None
    prefix, short = split_ref(name)
    return {
        "__typename": "Ref",
        "id": payloads.node_id("Ref", name),
        "name": short,
        "prefix": prefix,
        "target": lambda info: git_object(fake, sha),
        "repository": repository,
    }


def ref_name_of_id(node_id: str) -> str | None:
    try:
        kind, _, name = base64.b64decode(node_id, validate=True).decode().partition(":")
    except ValueError:
        return None
    return name if kind == "Ref" and name.startswith("refs/") else None


# -- objects --------------------------------------------------------------------------------


def git_object(fake: FakeGitHub, sha: str, kind: str | None = None) -> Obj | None:
    """The object ``sha`` names, as its GraphQL type; ``kind`` when a tree entry told it."""
    kind = kind or (fake.git.object_type(sha) if is_sha(sha) else None)
    if kind == "commit":
        return commit(fake, sha)
    if kind == "tree":
        return tree(fake, sha)
    if kind == "blob":
        return blob(fake, sha)
    return None


def by_expression(fake: FakeGitHub, expression: str) -> Obj | None:
    """``Repository.object(expression:)``: "<rev>" or "<rev>:<path>", as git rev-parse reads it."""
    rev, colon, path = expression.partition(":")
    sha = fake.git.resolve_ref_name(rev) if rev else None
    if sha is None:
        return None
    if not colon:
        return git_object(fake, sha)
    found = fake.git.entry(sha, path.strip("/"))
    return None if found is None else git_object(fake, found.sha)


def _base(fake: FakeGitHub, kind: str, sha: str) -> Obj:
    return {
        "__typename": kind,
        "id": payloads.node_id(kind, sha),
        "oid": sha,
        "abbreviatedOid": sha[:7],
        "commitUrl": f"{fake.repo_html}/commit/{sha}",
        "commitResourcePath": f"/{fake.full_name}/commit/{sha}",
    }


def blob(fake: FakeGitHub, sha: str) -> Obj:
    data = functools.cache(lambda: fake.git.read_blob(sha))
    binary = functools.cache(lambda: _is_binary(data()))
    return {
        **_base(fake, "Blob", sha),
        "byteSize": lambda info: len(data()),
        "isBinary": lambda info: binary(),
        "isTruncated": False,
        "text": lambda info: None if binary() else data().decode("utf-8"),
    }


def _is_binary(data: bytes) -> bool:
    """Git's own test (a NUL in the first 8000 bytes), plus text GitHub could not decode."""
    if b"\0" in data[:8000]:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def tree(fake: FakeGitHub, sha: str) -> Obj:
    return {
        **_base(fake, "Tree", sha),
        "entries": lambda info: [tree_entry(fake, e, e.path) for e in fake.git.ls_tree(sha)],
    }


def tree_entry(fake: FakeGitHub, entry: TreeEntry, path: str) -> Obj:
    name = path.rpartition("/")[2]
    return {
        "__typename": "TreeEntry",
        "name": name,
        "path": path,
        "oid": entry.sha,
        "mode": int(entry.mode, 8),  # GitHub answers the octal mode as a decimal Int
        "type": entry.type,
        "size": lambda info: entry.size if entry.size is not None else _size(fake, entry),
        "extension": ("." + name.rpartition(".")[2]) if "." in name else "",
        "isGenerated": False,
        # A submodule's commit lives elsewhere: let git_object find it missing.
        "object": lambda info: git_object(fake, entry.sha, entry.type.replace("commit", "")),
    }


def _size(fake: FakeGitHub, entry: TreeEntry) -> int:
    return len(fake.git.read_blob(entry.sha)) if entry.type == "blob" else 0


def commit(fake: FakeGitHub, sha: str) -> Obj:
    info = functools.cache(lambda: fake.git.read_commit(sha))
    return {
        **_base(fake, "Commit", sha),
        "url": f"{fake.repo_html}/commit/{sha}",
        "resourcePath": f"/{fake.full_name}/commit/{sha}",
        "message": lambda i: info().message.rstrip("\n"),
        "messageHeadline": lambda i: info().message.split("\n", 1)[0],
        "messageBody": lambda i: info().message.partition("\n\n")[2].rstrip("\n"),
        "committedDate": lambda i: info().committer.iso,
        "authoredDate": lambda i: info().author.iso,
        "author": lambda i: _actor(fake, info().author),
        "committer": lambda i: _actor(fake, info().committer),
        "tree": lambda i: tree(fake, info().tree),
        "parents": lambda i, **args: _parents(fake, info(), args),
        "history": lambda i, **args: history(fake, sha, args),
        "file": lambda i, path: _file(fake, i.context.trees, sha, path),
        "signature": lambda i: _signature(fake, sha),
        "repository": lambda i: i.context.repository(),
    }


def _actor(fake: FakeGitHub, who: Ident) -> Obj:
    login = fake.login_for_email(who.email)
    person = {"__typename": "User", "login": login} if login else None
    return {"name": who.name, "email": who.email, "date": who.iso, "user": person}


def _parents(fake: FakeGitHub, info: CommitInfo, args: dict[str, Any]) -> Obj:
    parents = list(info.parents)
    return connection(parents, range(len(parents)), lambda p: commit(fake, p), args)


def _file(fake: FakeGitHub, trees: Trees, sha: str, path: str) -> Obj | None:
    clean = path.strip("/")
    found = trees.entry(sha, clean)
    return None if found is None else tree_entry(fake, found, clean)


class Trees:
    """Tree listings read once per call: a query asking for 500 files under one directory
    reads that directory once, not 500 times."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self._listed: dict[str, dict[str, TreeEntry]] = {}
        self._roots: dict[str, str | None] = {}

    def entry(self, commit: str, path: str) -> TreeEntry | None:
        """The entry at ``path`` (no empty, "." or ".." parts) in ``commit``, or None."""
        parts = path.split("/")
        if commit not in self._roots:
            self._roots[commit] = self.fake.git.resolve(commit, "tree")
        tree = self._roots[commit]
        if tree is None or any(p in ("", ".", "..") for p in parts):
            return None
        for depth, part in enumerate(parts):
            found = self._entries(tree).get(part)
            if found is None or (depth < len(parts) - 1 and found.type != "tree"):
                return None
            tree = found.sha
        assert found is not None
        return TreeEntry(found.mode, found.type, found.sha, path, found.size)

    def _entries(self, tree: str) -> dict[str, TreeEntry]:
        if tree not in self._listed:
            self._listed[tree] = {e.path: e for e in self.fake.git.ls_tree(tree)}
        return self._listed[tree]


def _signature(fake: FakeGitHub, sha: str) -> Obj | None:
    record = fake.verifications.get(sha)
    if record is None:
        return None
    return {
        "__typename": "GpgSignature",
        "isValid": record["verified"],
        "state": "VALID" if record["verified"] else "INVALID",
        "wasSignedByGitHub": True,
        "signature": record["signature"],
        "payload": record["payload"],
        "email": "noreply@github.com",
        "signer": None,
    }


def history(fake: FakeGitHub, sha: str, args: dict[str, Any]) -> Obj:
    """``Commit.history``: commits reachable from ``sha``, newest first, by ``path`` and date."""
    bounds = []
    for name in ("since", "until"):
        if args.get(name) is not None:
            bounds.append(f"--{name}=@{_stamp(name, args[name])}")
    path = args.get("path")
    shas = fake.git.rev_list(sha, *bounds, paths=[path.strip("/")] if path else [])
    return connection(shas, range(len(shas)), lambda c: commit(fake, c), args)


def _stamp(name: str, text: str) -> int:
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise GraphQLError(f"Argument '{name}' on Field 'history' has an invalid value.") from None
    return int((when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp())
