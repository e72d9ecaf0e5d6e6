"""The fake's object database: a real bare Git repository driven through the ``git`` CLI.

Every object the fake GitHub hands out (blob, tree, commit, ref) exists in this repository,
so a test can ``git clone`` it and inspect history with ordinary Git commands. Ref moves
use ``git update-ref <ref> <new> <old>``, a compare-and-swap, so a racing writer (another
request, or a test pushing into the bare repository) loses cleanly instead of being
silently overwritten.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ZERO_SHA = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
TREE_MODE = "040000"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_IDENT = re.compile(r"^(?P<name>.*) <(?P<email>[^>]*)> (?P<when>-?\d+) (?P<tz>[+-]\d{4})$")


def _git_env() -> dict[str, str]:
    """An environment that ignores the developer's Git config and any inherited GIT_* paths.

    Without this a global ``commit.gpgSign`` or a ``GIT_DIR`` exported by a hook would leak
    into the fake and change the objects it writes.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        LC_ALL="C",
    )
    return env


def is_sha(value: str) -> bool:
    return bool(_SHA.match(value))


class GitError(RuntimeError):
    """A git command failed where the fake did not expect it to."""


@dataclass(frozen=True)
class Ident:
    """An author or committer line: ``Name <email> <epoch> <tz>``."""

    name: str
    email: str
    when: int
    tz: str = "+0000"

    @classmethod
    def parse(cls, line: str) -> Ident:
        match = _IDENT.match(line)
        if match is None:
            raise GitError(f"unparseable identity line: {line!r}")
        return cls(match["name"], match["email"], int(match["when"]), match["tz"])

    @property
    def iso(self) -> str:
        """GitHub reports every Git date in UTC with a ``Z`` suffix."""
        return datetime.fromtimestamp(self.when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def env(self, role: str) -> dict[str, str]:
        return {
            f"GIT_{role}_NAME": self.name,
            f"GIT_{role}_EMAIL": self.email,
            f"GIT_{role}_DATE": f"@{self.when} {self.tz}",
        }


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    type: str
    sha: str
    path: str
    size: int | None = None


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Ident
    committer: Ident
    message: str
    raw: str


@dataclass(frozen=True)
class FileChange:
    """One file of a diff, in the terms GitHub's ``files`` arrays use."""

    filename: str
    status: str  # added | removed | modified
    sha: str
    additions: int
    deletions: int
    patch: str | None


_STATUS = {"A": "added", "D": "removed", "M": "modified", "T": "changed"}


class GitStore:
    """Read and write the bare repository at ``path``; every method is one or two git calls."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._env = _git_env()

    # -- plumbing -------------------------------------------------------------------------

    def run(
        self,
        *args: str,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        result = subprocess.run(
            ["git", f"--git-dir={self.path}", *args],
            input=stdin,
            capture_output=True,
            env={**self._env, **(env or {})},
            check=False,
        )
        if check and result.returncode != 0:
            stderr = result.stderr.decode(errors="replace").strip()
            raise GitError(f"git {' '.join(args)} failed ({result.returncode}): {stderr}")
        return result

    def text(self, *args: str, stdin: bytes | None = None) -> str:
        return self.run(*args, stdin=stdin).stdout.decode()

    def init(self, default_branch: str) -> None:
        if (self.path / "HEAD").exists():
            return
        self.path.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "init", "-q", "--bare", f"--initial-branch={default_branch}", str(self.path)],
            check=True,
            capture_output=True,
            env=self._env,
        )
        # A background gc could repack while a test inspects objects; the repo is tiny anyway.
        self.run("config", "gc.auto", "0")

    # -- objects --------------------------------------------------------------------------

    def object_type(self, rev: str) -> str | None:
        if not rev or rev.startswith("-"):
            return None
        result = self.run("cat-file", "-t", rev, check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def resolve(self, rev: str, peel: str = "commit") -> str | None:
        """Full sha of ``rev`` peeled to ``peel`` (commit or tree), or None."""
        if not rev or rev.startswith("-"):
            return None
        result = self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{{peel}}}", check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def resolve_ref_name(self, name: str) -> str | None:
        """What GitHub accepts as ``ref``/``sha`` parameters: branch, tag, full ref or sha."""
        for candidate in (f"refs/heads/{name}", f"refs/tags/{name}", name):
            sha = self.resolve(candidate)
            if sha is not None:
                return sha
        return None

    def write_blob(self, data: bytes) -> str:
        return self.text("hash-object", "-w", "--no-filters", "--stdin", stdin=data).strip()

    def read_blob(self, sha: str) -> bytes:
        return self.run("cat-file", "blob", sha).stdout

    def ls_tree(self, tree: str, recursive: bool = False) -> list[TreeEntry]:
        flags = ["-r", "-t"] if recursive else []
        out = self.run("ls-tree", "-z", "-l", *flags, tree).stdout.decode()
        entries = []
        for record in filter(None, out.split("\0")):
            meta, path = record.split("\t", 1)
            mode, kind, sha, size = meta.split()
            entries.append(TreeEntry(mode, kind, sha, path, None if size == "-" else int(size)))
        return entries

    def entry(self, commit: str, path: str) -> TreeEntry | None:
        """The tree entry at ``path`` in ``commit``; the root tree for an empty path."""
        if not path:
            tree = self.resolve(commit, "tree")
            return None if tree is None else TreeEntry(TREE_MODE, "tree", tree, "")
        parent, _, name = path.rpartition("/")
        # Not resolve(): in "<rev>:<path>" a "^{tree}" suffix would be read as part of the path.
        found = self.run("rev-parse", "--verify", "--quiet", f"{commit}:{parent}", check=False)
        tree = found.stdout.decode().strip()
        if found.returncode != 0 or self.object_type(tree) != "tree":
            return None
        for item in self.ls_tree(tree):
            if item.path == name:
                return TreeEntry(item.mode, item.type, item.sha, path, item.size)
        return None

    def make_tree(self, entries: Iterable[TreeEntry]) -> str:
        lines = b"".join(f"{e.mode} {e.type} {e.sha}\t{e.path}\0".encode() for e in entries)
        return self.text("mktree", "-z", stdin=lines).strip()

    def build_tree(self, base: str | None, changes: Mapping[str, TreeEntry | None]) -> str:
        """Apply ``changes`` (path -> entry, None deletes) on top of tree ``base``.

        Nested paths rebuild only the subtrees they touch, the way GitHub's create-tree does;
        a subtree left empty disappears, because Git cannot record an empty directory.
        """
        entries = {e.path: e for e in self.ls_tree(base)} if base else {}
        nested: dict[str, dict[str, TreeEntry | None]] = {}
        for path, change in changes.items():
            head, _, rest = path.partition("/")
            if rest:
                nested.setdefault(head, {})[rest] = change
            elif change is None:
                entries.pop(head, None)
            else:
                entries[head] = TreeEntry(change.mode, change.type, change.sha, head)
        for name, sub_changes in nested.items():
            current = entries.get(name)
            sub_base = current.sha if current is not None and current.type == "tree" else None
            sub_tree = self.build_tree(sub_base, sub_changes)
            if sub_tree == EMPTY_TREE:
                entries.pop(name, None)
            else:
                entries[name] = TreeEntry(TREE_MODE, "tree", sub_tree, name)
        return self.make_tree(entries.values())

    def commit_tree(
        self, tree: str, parents: Iterable[str], message: str, author: Ident, committer: Ident
    ) -> str:
        args = ["commit-tree", "--no-gpg-sign", tree]
        for parent in parents:
            args += ["-p", parent]
        env = {**author.env("AUTHOR"), **committer.env("COMMITTER")}
        return self.run(*args, stdin=message.encode(), env=env).stdout.decode().strip()

    def read_commits(self, shas: list[str]) -> list[CommitInfo]:
        """Parse many commits with one ``cat-file --batch`` call (list pages stay cheap)."""
        if not shas:
            return []
        out = self.run("cat-file", "--batch", stdin="".join(f"{s}\n" for s in shas).encode())
        data, pos, commits = out.stdout, 0, []
        for _ in shas:
            header_end = data.index(b"\n", pos)
            sha, kind, size = data[pos:header_end].decode().split()
            if kind != "commit":
                raise GitError(f"{sha} is a {kind}, not a commit")
            body = data[header_end + 1 : header_end + 1 + int(size)]
            commits.append(_parse_commit(sha, body.decode(errors="replace")))
            pos = header_end + 1 + int(size) + 1
        return commits

    def read_commit(self, sha: str) -> CommitInfo:
        return self.read_commits([sha])[0]

    # -- refs -----------------------------------------------------------------------------

    def refs(self) -> list[tuple[str, str, str]]:
        """Every ref as (name, sha, object type), sorted by name."""
        fmt = "%(refname)%00%(objectname)%00%(objecttype)"
        refs = []
        for line in self.text("for-each-ref", f"--format={fmt}").splitlines():
            name, sha, kind = line.split("\0")
            refs.append((name, sha, kind))
        return refs

    def ref_sha(self, name: str) -> str | None:
        result = self.run("show-ref", "--verify", "--hash", name, check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def valid_ref_name(self, name: str) -> bool:
        return self.run("check-ref-format", name, check=False).returncode == 0

    def update_ref(self, name: str, new: str | None, old: str | None) -> bool:
        """Compare-and-swap ``name`` from ``old`` to ``new``; None means absent / delete."""
        expected = old or ZERO_SHA
        if new is None:
            args = ["update-ref", "-d", name, expected]
        else:
            args = ["update-ref", "-m", "fake-github", name, new, expected]
        return self.run(*args, check=False).returncode == 0

    # -- history --------------------------------------------------------------------------

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        args = ("merge-base", "--is-ancestor", ancestor, descendant)
        return self.run(*args, check=False).returncode == 0

    def merge_base(self, a: str, b: str) -> str | None:
        result = self.run("merge-base", a, b, check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def rev_list(self, *revs: str, paths: Iterable[str] = (), reverse: bool = False) -> list[str]:
        flags = ["--reverse"] if reverse else []
        return self.text("rev-list", *flags, *revs, "--", *paths).split()

    def merge_trees(self, ours: str, theirs: str) -> str | None:
        """The tree of merging ``theirs`` into ``ours``, or None when the merge conflicts."""
        result = self.run(
            "merge-tree", "--write-tree", "--no-messages", "--allow-unrelated-histories",
            ours, theirs, check=False,
        )  # fmt: skip
        if result.returncode == 0:
            return result.stdout.decode().split()[0]
        if result.returncode == 1:
            return None
        raise GitError(f"merge-tree {ours} {theirs}: {result.stderr.decode().strip()}")

    def diff(self, old: str | None, new: str) -> list[FileChange]:
        """Files changed from ``old`` (None = nothing) to ``new``, with numstat and patch."""
        base = old or EMPTY_TREE
        raw = self.run("diff-tree", "-r", "-z", "--no-renames", base, new).stdout.decode()
        numstat = self.run(
            "diff-tree", "-r", "-z", "--no-renames", "--numstat", base, new
        ).stdout.decode()
        patch = self.run("diff-tree", "-r", "-p", "--no-renames", base, new).stdout.decode()
        return _changes(raw, numstat, patch)


def _parse_commit(sha: str, text: str) -> CommitInfo:
    header, _, message = text.partition("\n\n")
    fields: dict[str, list[str]] = {}
    key = ""
    for line in header.splitlines():
        if line.startswith(" "):  # continuation of a multi-line header such as gpgsig
            continue
        key, _, value = line.partition(" ")
        fields.setdefault(key, []).append(value)
    return CommitInfo(
        sha=sha,
        tree=fields["tree"][0],
        parents=tuple(fields.get("parent", [])),
        author=Ident.parse(fields["author"][0]),
        committer=Ident.parse(fields["committer"][0]),
        message=message,
        raw=text,
    )


def _changes(raw: str, numstat: str, patch: str) -> list[FileChange]:
    raw_parts = raw.split("\0")
    stats = [part.split("\t") for part in numstat.split("\0") if part.count("\t") == 2]
    patches = _split_patch(patch)
    changes = []
    for index in range(len(raw_parts) // 2):
        meta, filename = raw_parts[2 * index], raw_parts[2 * index + 1]
        if not meta.startswith(":"):
            continue
        _, _, old_sha, new_sha, status = meta[1:].split()
        added, deleted, _ = stats[index] if index < len(stats) else ("0", "0", filename)
        changes.append(
            FileChange(
                filename=filename,
                status=_STATUS.get(status[0], "modified"),
                sha=old_sha if status == "D" else new_sha,
                additions=int(added) if added.isdigit() else 0,
                deletions=int(deleted) if deleted.isdigit() else 0,
                patch=patches[index] if index < len(patches) else None,
            )
        )
    return changes


def _split_patch(patch: str) -> list[str | None]:
    """One entry per file, starting at the first hunk header like GitHub's ``patch`` field."""
    sections: list[list[str]] = []
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            sections.append([])
        elif sections:
            sections[-1].append(line)
    result: list[str | None] = []
    for lines in sections:
        start = next((i for i, line in enumerate(lines) if line.startswith("@@")), None)
        result.append(None if start is None else "\n".join(lines[start:]))
    return result
