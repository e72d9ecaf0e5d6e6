"""What the fake's Git store hands around, and Git's text formats it parses: commit
objects, identity lines, ``diff-tree`` output. Pure data and parsing, no git processes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from tests.rig.ghfake import objects

ZERO_SHA = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
TREE_MODE = "040000"
_SHA = re.compile(r"^[0-9a-f]{40}$")
_NUMSTAT = re.compile(rb"(?:\d+|-)\t(?:\d+|-)\t")
_IDENT = re.compile(r"^(?P<name>.*) <(?P<email>[^>]*)> (?P<when>-?\d+) (?P<tz>[+-]\d{4})$")


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

    @property
    def person(self) -> objects.Person:
        return self.name, self.email, self.when, self.tz

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


def parse_commit(sha: str, text: str) -> CommitInfo:
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


def split_diff(out: bytes) -> tuple[bytes, bytes, bytes] | None:
    """Cut ``diff-tree -z --raw --numstat -p`` output into what each format prints alone.

    The layout: per file a raw record (meta NUL path NUL), then as many numstat records
    (added TAB deleted TAB path NUL), then one NUL and the patch, which -z leaves alone.
    None for output not laid out that way.
    """
    pos = count = 0
    while out.startswith(b":", pos):
        meta_end = out.find(b"\0", pos)
        path_end = out.find(b"\0", meta_end + 1) if meta_end >= 0 else -1
        if path_end < 0:
            return None
        pos, count = path_end + 1, count + 1
    raw_end = pos
    for _ in range(count):
        end = out.find(b"\0", pos)
        if end < 0 or not _NUMSTAT.match(out, pos, end):
            return None
        pos = end + 1
    if pos == len(out):
        return out[:raw_end], out[raw_end:pos], b""
    patch = out[pos + 1 :]
    if out[pos] != 0 or not patch.startswith(b"diff --git "):
        return None
    return out[:raw_end], out[raw_end:pos], patch


def diff_changes(raw: str, numstat: str, patch: str) -> list[FileChange]:
    raw_parts = raw.split("\0")
    stats = [part.split("\t") for part in numstat.split("\0") if part.count("\t") == 2]
    patches = split_patch(patch)
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


def split_patch(patch: str) -> list[str | None]:
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
