"""A bare repository full of what Git allows and fast paths get wrong (odd names, modes,
symlinks, tags, packed and loose refs), and two stores on it: one with the cat-file reader,
one whose reader always fails so every method runs the git command it falls back to."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.rig.ghfake.catfile import CatFileError
from tests.rig.ghfake.gitstore import GitStore
from tests.rig.repos import commit_all, git

ODD_NAMES = ["sp ace.txt", "tab\tname", 'quo"te', "ünï.txt", "new\nline", "x-gabcd", "x:y"]


class _NoReader:
    """A cat-file reader that always fails: the store falls back to its git commands."""

    def info(self, names: Sequence[str]) -> list[None]:
        raise CatFileError("disabled")

    contents = info

    def close(self) -> None:
        return None


def bare_git(bare: Path, *args: str, stdin: bytes | None = None, check: bool = True) -> str:
    result = subprocess.run(
        ["git", f"--git-dir={bare}", *args], input=stdin, capture_output=True, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr.decode()}")
    return result.stdout.decode(errors="replace").strip()


def mktree(bare: Path, lines: Sequence[tuple[str, str, str, str]]) -> str:
    data = b"".join(f"{m} {t} {s}\t{n}\0".encode() for m, t, s, n in lines)
    return bare_git(bare, "mktree", "-z", "--missing", stdin=data)


@pytest.fixture
def zoo(tmp_path: Path) -> Path:
    """A bare repository with odd names, modes, symlinks, binaries, tags, a submodule
    entry, a tree with a non-canonical mode, and several kinds of refs."""
    work = tmp_path / "work"
    (work / "dir" / "sub").mkdir(parents=True)
    (work / "a-gabcd").mkdir()
    (work / "README.md").write_text("# zoo\n")
    (work / "dir" / "file").write_text("one\ntwo\n")
    (work / "dir" / "sub" / "deep.yaml").write_text("deep: true\n")
    (work / "a-gabcd" / "file").write_text("describe-like\n")
    (work / "bin.dat").write_bytes(b"\0\x01\xffbinary")
    (work / "run.sh").write_text("#!/bin/sh\n")
    (work / "run.sh").chmod(0o755)
    os.symlink("README.md", work / "link")
    for name in ODD_NAMES:
        (work / "dir" / name).write_text(f"{name}\n")
    git(work, "init", "-q", "-b", "main")
    first = commit_all(work, "first")
    (work / "dir" / "file").write_text("one\nthree\n")
    (work / "bin.dat").write_bytes(b"\0\x02binary")
    (work / "link").unlink()
    (work / "link").write_text("not a link now\n")
    (work / "README.md").unlink()
    (work / "new.txt").write_text("new\n")
    commit_all(work, "second")
    git(work, "tag", "-a", "-m", "annotated", "v1", first)
    git(work, "tag", "light", first)
    bare = tmp_path / "zoo.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))  # refs land in packed-refs
    main = bare_git(bare, "rev-parse", "main")
    bare_git(bare, "update-ref", "refs/heads/loose", main)
    bare_git(bare, "update-ref", "refs/heads/overridden", first)  # loose over a packed one
    bare_git(bare, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
    bare_git(bare, "update-ref", "refs/heads/refs/heads/ghost", main)  # a dwim-only match
    # A tree git can hold but would not write today: mode 100664, plus a submodule entry.
    blob = bare_git(bare, "rev-parse", "main:dir/file")
    odd = mktree(
        bare,
        [
            ("100664", "blob", blob, "group-writable"),
            ("160000", "commit", "1" * 40, "submodule"),
            ("040000", "tree", bare_git(bare, "rev-parse", "main:dir"), "dir"),
        ],
    )
    commit = bare_git(bare, "commit-tree", odd, "-m", "odd modes")
    bare_git(bare, "update-ref", "refs/heads/odd", commit)
    return bare


@pytest.fixture
def stores(zoo: Path) -> Iterator[tuple[GitStore, GitStore]]:
    fast, cli = GitStore(zoo), GitStore(zoo)
    cli._cat = _NoReader()  # type: ignore[assignment]
    yield fast, cli
    fast.close()
    cli.close()


def outcome(call: object, *args: object) -> object:
    """The result, or the kind of error, of ``call(*args)``."""
    try:
        return call(*args)  # type: ignore[operator]
    except Exception as err:  # the fallbacks must fail the same way, too
        return type(err).__name__
