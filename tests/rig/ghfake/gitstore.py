"""The fake's object database: a real bare Git repository.

Every object the fake GitHub hands out (blob, tree, commit, ref) exists in this repository,
so a test can ``git clone`` it and inspect history with ordinary Git commands. Ref moves are
compare-and-swaps (``git update-ref <ref> <new> <old>``, or the same under Git's own lock
file), so a racing writer (another request, or a test pushing into the bare repository)
loses cleanly instead of being silently overwritten.

Spawning git costs milliseconds, so the hot paths avoid it where the answer is provably
the same: reads go through one long-lived ``git cat-file --batch-command`` (see
``catfile``), blobs, trees and commits are written as loose objects directly (see
``objects``), plain refs are read and moved through their files (see ``revs``), and a
commit one step ahead of another answers ancestry questions by itself. Each of these takes
only inputs whose meaning is simple; anything else (odd revision syntax, symbolic refs, a
missing object, trimmed identities, grafts) falls back to the one-shot git command the
method always ran, so errors read as they always did.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from contextlib import suppress
from pathlib import Path

from tests.rig.ghfake import objects
from tests.rig.ghfake.catfile import CatFile, CatFileError
from tests.rig.ghfake.gitdata import (
    EMPTY_TREE,
    TREE_MODE,
    ZERO_SHA,
    CommitInfo,
    FileChange,
    GitError,
    Ident,
    TreeEntry,
    diff_changes,
    is_sha,
    parse_commit,
    split_diff,
)
from tests.rig.ghfake.revs import RefFiles, Unsure, plain_path, plain_ref_name, plain_rev


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


def _encodable(text: str) -> bool:
    try:
        os.fsencode(text)
    except UnicodeEncodeError:
        return False
    return True


class GitStore:
    """Read and write the bare repository at ``path``.

    Call ``close`` when done (``FakeGitHub.stop`` does); a store used again afterwards
    starts a new reader.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._env = _git_env()
        # Started on first read, not here: the bench swaps the directory before serving.
        self._cat = CatFile(path, self._env)
        self._refs = RefFiles(path)

    def close(self) -> None:
        self._cat.close()

    def warm(self) -> None:
        """Start the reader now: GitHub does not make the first request wait for one."""
        with suppress(CatFileError):
            self._cat.info(["HEAD"])

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
        if plain_rev(rev):
            with suppress(CatFileError):
                found = self._cat.info([rev])[0]
                return None if found is None else found.type
        result = self.run("cat-file", "-t", rev, check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def resolve(self, rev: str, peel: str = "commit") -> str | None:
        """Full sha of ``rev`` peeled to ``peel`` (commit or tree), or None."""
        if not rev or rev.startswith("-"):
            return None
        if plain_rev(rev) and peel in ("commit", "tree"):
            with suppress(CatFileError):
                found = self._cat.info([f"{rev}^{{{peel}}}"])[0]
                return None if found is None else found.sha
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
        """What ``git hash-object -w --no-filters --stdin`` writes."""
        return self._write("blob", data)

    def _write(self, kind: str, data: bytes) -> str:
        sha = objects.object_id(kind, data)
        if not self._stored(sha):
            objects.write_loose(self.path / "objects", sha, kind, data)
        return sha

    def _types(self, shas: list[str]) -> list[str | None] | None:
        """Each full sha's object type (None if missing); None when the reader cannot say."""
        if all(is_sha(sha) for sha in shas):
            with suppress(CatFileError):
                return [None if f is None else f.type for f in self._cat.info(shas)]
        return None

    def _stored(self, sha: str) -> bool:
        """Whether git's own write would skip ``sha`` (a loose file or a pack holds it)."""
        if objects.loose_path(self.path / "objects", sha).exists():
            return True
        if sha == EMPTY_TREE:  # cat-file knows it without any file; git still writes it
            return False
        with suppress(CatFileError):
            return self._cat.info([sha])[0] is not None
        return False

    def read_blob(self, sha: str) -> bytes:
        if is_sha(sha):
            with suppress(CatFileError):
                found = self._cat.contents([sha])[0]
                if found is not None and found.type == "blob":
                    return found.data
        return self.run("cat-file", "blob", sha).stdout

    def ls_tree(self, tree: str, recursive: bool = False) -> list[TreeEntry]:
        if not recursive and is_sha(tree):
            with suppress(CatFileError, objects.MalformedTree):
                entries = self._read_tree(tree)
                if entries is not None:
                    return entries
        flags = ["-r", "-t"] if recursive else []
        out = self.run("ls-tree", "-z", "-l", *flags, tree).stdout.decode()
        entries = []
        for record in filter(None, out.split("\0")):
            meta, path = record.split("\t", 1)
            mode, kind, sha, size = meta.split()
            entries.append(TreeEntry(mode, kind, sha, path, None if size == "-" else int(size)))
        return entries

    def _read_tree(self, tree: str) -> list[TreeEntry] | None:
        """``ls-tree -l`` read through cat-file; None where git has more to say (missing)."""
        found = self._cat.contents([f"{tree}^{{tree}}"])[0]
        if found is None:
            return None
        rows = [
            (mode, objects.mode_type(mode), name, sha)
            for mode, name, sha in objects.parse_tree(found.data)
        ]
        blobs = [sha for _, kind, _, sha in rows if kind == "blob"]
        sizes = {}
        for sha, info in zip(blobs, self._cat.info(blobs), strict=True):
            if info is None:  # ls-tree prints "BAD" as the size; let it
                return None
            sizes[sha] = info.size
        return [
            TreeEntry(
                f"{mode:06o}", kind, sha, name.decode(), sizes.get(sha) if kind == "blob" else None
            )
            for mode, kind, name, sha in rows
        ]

    def entry(self, commit: str, path: str) -> TreeEntry | None:
        """The tree entry at ``path`` in ``commit``; the root tree for an empty path."""
        if not path:
            tree = self.resolve(commit, "tree")
            return None if tree is None else TreeEntry(TREE_MODE, "tree", tree, "")
        parent, _, name = path.rpartition("/")
        tree = self._path_sha(commit, parent)
        if tree is None or self.object_type(tree) != "tree":
            return None
        for item in self.ls_tree(tree):
            if item.path == name:
                return TreeEntry(item.mode, item.type, item.sha, path, item.size)
        return None

    def _path_sha(self, commit: str, path: str) -> str | None:
        """What ``git rev-parse --verify <commit>:<path>`` prints, or None if it fails."""
        if is_sha(commit) and plain_path(path):
            with suppress(CatFileError, objects.MalformedTree):
                return objects.walk_tree(self._tree_object, commit, os.fsencode(path))
        # Not resolve(): in "<rev>:<path>" a "^{tree}" suffix would be read as part of the path.
        found = self.run("rev-parse", "--verify", "--quiet", f"{commit}:{path}", check=False)
        return found.stdout.decode().strip() if found.returncode == 0 else None

    def _tree_object(self, tree_ish: str) -> tuple[str, bytes] | None:
        found = self._cat.contents([f"{tree_ish}^{{tree}}"])[0]
        return None if found is None else (found.sha, found.data)

    def make_tree(self, entries: Iterable[TreeEntry]) -> str:
        """What ``git mktree -z`` writes for ``entries`` (whose objects the caller checked)."""
        rows = ((e.mode, e.type, e.sha, e.path) for e in entries)
        try:
            data = objects.tree_data(rows)
        except objects.MalformedTree as err:
            raise GitError(f"git mktree would refuse this tree: {err}") from None
        return self._write("tree", data)

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
        parents = list(parents)
        if self._types([tree, *parents]) == ["tree", *(["commit"] * len(parents))]:
            data = objects.commit_data(tree, parents, author.person, committer.person, message)
            if data is not None:
                return self._write("commit", data)
        args = ["commit-tree", "--no-gpg-sign", tree]
        for parent in parents:
            args += ["-p", parent]
        env = {**author.env("AUTHOR"), **committer.env("COMMITTER")}
        return self.run(*args, stdin=message.encode(), env=env).stdout.decode().strip()

    def read_commits(self, shas: list[str]) -> list[CommitInfo]:
        """Parse many commits with one ``cat-file --batch`` call (list pages stay cheap)."""
        if not shas:
            return []
        if all(is_sha(sha) for sha in shas):
            with suppress(CatFileError):
                found = self._cat.contents(shas)
                if all(obj is not None and obj.type == "commit" for obj in found):
                    return [
                        parse_commit(obj.sha, obj.data.decode(errors="replace"))
                        for obj in found
                        if obj is not None
                    ]
        out = self.run("cat-file", "--batch", stdin="".join(f"{s}\n" for s in shas).encode())
        data, pos, commits = out.stdout, 0, []
        for _ in shas:
            header_end = data.index(b"\n", pos)
            sha, kind, size = data[pos:header_end].decode().split()
            if kind != "commit":
                raise GitError(f"{sha} is a {kind}, not a commit")
            body = data[header_end + 1 : header_end + 1 + int(size)]
            commits.append(parse_commit(sha, body.decode(errors="replace")))
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
        """What ``git show-ref --verify --hash <name>`` prints: None for a missing ref, an
        invalid name, or a ref whose object is missing."""
        if name.startswith("refs/") and plain_ref_name(name):
            with suppress(CatFileError, Unsure):
                sha = self._refs.read(name)
                return None if sha is None or self._cat.info([sha])[0] is None else sha
        result = self.run("show-ref", "--verify", "--hash", name, check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def listed_sha(self, name: str) -> str | None:
        """The sha ``refs()`` lists for ``name`` (None if it lists no such ref), from one
        lookup instead of a listing. Listed names start with refs/, and none holds a NUL or
        fails to encode."""
        if not name.startswith("refs/") or "\0" in name or not _encodable(name):
            return None
        return self.ref_sha(name)

    def valid_ref_name(self, name: str) -> bool:
        if plain_ref_name(name):
            return True
        return self.run("check-ref-format", name, check=False).returncode == 0

    def update_ref(self, name: str, new: str | None, old: str | None) -> bool:
        """Compare-and-swap ``name`` from ``old`` to ``new``; None means absent / delete."""
        if new is not None and self._plain_swap(name, new, old):
            with suppress(Unsure):
                return self._refs.swap(name, new, old)
        expected = old or ZERO_SHA
        if new is None:
            args = ["update-ref", "-d", name, expected]
        else:
            args = ["update-ref", "-m", "fake-github", name, new, expected]
        return self.run(*args, check=False).returncode == 0

    def _plain_swap(self, name: str, new: str, old: str | None) -> bool:
        if not (name.startswith("refs/") and plain_ref_name(name)):
            return False
        if old is not None and (not is_sha(old) or old == ZERO_SHA):
            return False
        kinds = self._types([new])
        # update-ref checks that the new object exists, and that a branch gets a commit.
        allowed = (
            ("commit",) if name.startswith("refs/heads/") else ("commit", "tree", "blob", "tag")
        )
        return kinds is not None and kinds[0] in allowed

    # -- history --------------------------------------------------------------------------

    # A branch one commit ahead of its base (every promotion) is answered from the commits
    # themselves: a commit and its only parent, or twice the same commit, leave no doubt.

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        known = self._kinship(ancestor, descendant)
        if known is not None:
            return known in ("same", "parent")
        args = ("merge-base", "--is-ancestor", ancestor, descendant)
        return self.run(*args, check=False).returncode == 0

    def merge_base(self, a: str, b: str) -> str | None:
        known = self._kinship(a, b)
        if known is not None:
            return b if known == "child" else a
        result = self.run("merge-base", a, b, check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def rev_list(self, *revs: str, paths: Iterable[str] = (), reverse: bool = False) -> list[str]:
        paths = list(paths)
        if len(revs) == 1 and not paths:
            base, dots, head = revs[0].partition("..")
            known = self._kinship(base, head) if dots else None
            if known is not None:
                return [head] if known == "parent" else []
        flags = ["--reverse"] if reverse else []
        return self.text("rev-list", *flags, *revs, "--", *paths).split()

    def _kinship(self, a: str, b: str) -> str | None:
        """ "same", "parent" (a is b's only parent), "child" (b is a's), or None when only
        git can tell: other shapes, names rather than shas, grafted or shallow history."""
        if not (is_sha(a) and is_sha(b)) or self._history_rewritten():
            return None
        with suppress(CatFileError, GitError):
            found = self._cat.contents([a] if a == b else [a, b])
            if not all(obj is not None and obj.type == "commit" for obj in found):
                return None
            if a == b:
                return "same"
            parents = [
                parse_commit(o.sha, o.data.decode(errors="replace")).parents for o in found if o
            ]
            if parents[1] == (a,):
                return "parent"
            if parents[0] == (b,):
                return "child"
        return None

    def _history_rewritten(self) -> bool:
        # Both git and the reader honour replace refs; grafts and shallow files only git.
        return (self.path / "shallow").exists() or (self.path / "info" / "grafts").exists()

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
        args = ("diff-tree", "-r", "-z", "--no-renames", "--raw", "--numstat", "-p", base, new)
        parts = split_diff(self.run(*args).stdout)
        if parts is None:  # not the layout split_diff knows: ask for each part on its own
            parts = (
                self.run("diff-tree", "-r", "-z", "--no-renames", base, new).stdout,
                self.run("diff-tree", "-r", "-z", "--no-renames", "--numstat", base, new).stdout,
                self.run("diff-tree", "-r", "-p", "--no-renames", base, new).stdout,
            )
        raw, numstat, patch = (part.decode() for part in parts)
        return diff_changes(raw, numstat, patch)
