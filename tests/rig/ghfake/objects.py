"""Git's object formats, for the writes the fake does without spawning git.

Blobs and trees are simple enough to write directly: the id is the SHA-1 of
``<type> <size>\\0<data>`` and the file is that, zlib-compressed, under ``objects/xx/``. Trees
follow ``git mktree``: entries sorted as Git sorts them, modes in octal without leading zero.
Reading trees follows ``git ls-tree``, which reports canonical modes (``100664`` as ``100644``).
Commits are written directly only when ``git commit-tree`` would copy its input unchanged:
identities it would not trim, dates it reads one way, messages it would not re-encode.
Anything else goes to git, whose header rules are worth not re-implementing.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import zlib
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path

_OCTAL = re.compile(rb"[0-7]+")
# What ident.c's crud() trims from both ends of a name or email (and "." for safety: older
# versions trimmed it too); "<", ">" and newlines it drops anywhere.
_CRUD = frozenset(",:;<>\"\\'.")
_TZ = re.compile(r"[+-](?:0\d|1[0-4])[0-5]\d")
_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
S_IFGITLINK = 0o160000
# What core.looseCompression defaults to; any level reads back the same.
_LOOSE_LEVEL = 1


class MalformedTree(ValueError):
    """A tree git would refuse to parse, or an entry ``git mktree`` would refuse to write."""


def object_id(kind: str, data: bytes) -> str:
    return hashlib.sha1(b"%s %d\0%s" % (kind.encode(), len(data), data)).hexdigest()


def loose_path(objects_dir: Path, sha: str) -> Path:
    return objects_dir / sha[:2] / sha[2:]


def write_loose(objects_dir: Path, sha: str, kind: str, data: bytes) -> None:
    """Store an object as git does: a read-only temp file in the fan-out dir, then a link.

    Linking (not renaming) means a concurrent writer of the same object never replaces a
    finished file, and a reader never sees a partial one.
    """
    target = loose_path(objects_dir, sha)
    target.parent.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="tmp_obj_", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            header = b"%s %d\0" % (kind.encode(), len(data))
            out.write(zlib.compress(header + data, _LOOSE_LEVEL))
        os.chmod(tmp, 0o444)
        with suppress(FileExistsError):
            os.link(tmp, target)
    finally:
        os.unlink(tmp)


def canon_mode(mode: int) -> int:
    """Git's canon_mode(): what ls-tree and tree walks report for a stored mode."""
    if stat.S_ISREG(mode):
        return stat.S_IFREG | (0o755 if mode & 0o100 else 0o644)
    if stat.S_ISLNK(mode):
        return stat.S_IFLNK
    if stat.S_ISDIR(mode):
        return stat.S_IFDIR
    return S_IFGITLINK


def mode_type(mode: int) -> str:
    """The object type a tree entry's mode implies (Git's object_type())."""
    if stat.S_ISDIR(mode):
        return "tree"
    if stat.S_IFMT(mode) == S_IFGITLINK:
        return "commit"
    return "blob"


def parse_tree(raw: bytes) -> list[tuple[int, bytes, str]]:
    """(canonical mode, name, sha) per entry, in stored order; refuses what git refuses."""
    entries = []
    pos, end = 0, len(raw)
    while pos < end:
        space = raw.find(b" ", pos)
        nul = raw.find(b"\0", space + 1)
        if space <= pos or nul < 0 or nul + 21 > end or not _OCTAL.fullmatch(raw, pos, space):
            raise MalformedTree("malformed tree entry")
        name = raw[space + 1 : nul]
        if not name:
            raise MalformedTree("empty filename in tree entry")
        # get_mode() accumulates into a 32-bit unsigned int; absurd modes wrap the same way.
        mode = canon_mode(int(raw[pos:space], 8) & 0xFFFFFFFF)
        entries.append((mode, name, raw[nul + 1 : nul + 21].hex()))
        pos = nul + 21
    return entries


def tree_data(entries: Iterable[tuple[str, str, str, str]]) -> bytes:
    """The tree object ``git mktree -z`` writes for (mode, type, sha, name) entries.

    Checks what mktree checks about the lines themselves; whether the objects exist is the
    caller's business (the routes validate every sha they accept).
    """
    rows = []
    for mode_text, kind, sha, name in entries:
        raw_name = name.encode()
        if not _OCTAL.fullmatch(mode_text.encode()) or not _HEX40.fullmatch(sha):
            raise MalformedTree(f"input format error: {mode_text} {kind} {sha}")
        if b"\0" in raw_name:
            raise MalformedTree(f"input format error: {name!r}")
        if b"/" in raw_name:
            raise MalformedTree(f"path {name} contains slash")
        mode = int(mode_text, 8)
        if mode_type(mode) != kind:
            raise MalformedTree(f"entry '{name}' object type ({kind}) doesn't match mode")
        # base_name_compare(): a tree sorts as if its name ended in "/".
        key = raw_name + b"/" if stat.S_ISDIR(mode) else raw_name
        rows.append((key, b"%o %s\0" % (mode, raw_name) + bytes.fromhex(sha)))
    rows.sort(key=lambda row: row[0])
    return b"".join(row for _, row in rows)


def walk_tree(
    read_tree: Callable[[str], tuple[str, bytes] | None], tree_ish: str, path: bytes
) -> str | None:
    """The sha at ``path`` below ``tree_ish``, found the way Git's get_tree_entry() does.

    ``read_tree`` peels a name to a tree and returns (tree sha, raw tree), or None. Entries
    are scanned in stored order, stopping where a sorted tree could no longer hold the
    name; only directories are walked into; "a/" names the directory "a" itself.
    """
    while True:
        found = read_tree(tree_ish)
        if found is None:
            return None
        if not path:
            return found[0]
        step = None
        for mode, name, sha in parse_tree(found[1]):
            size = len(name)
            if size > len(path) or path[:size] > name:
                continue
            if path[:size] < name:
                break
            if size == len(path):
                return sha
            if path[size] != ord("/"):
                continue
            if not stat.S_ISDIR(mode):
                break
            if size + 1 == len(path):
                return sha
            step = sha, path[size + 1 :]
            break
        if step is None:
            return None
        tree_ish, path = step


# (name, email, seconds since the epoch, "+hhmm" offset)
Person = tuple[str, str, int, str]


def commit_data(
    tree: str, parents: list[str], author: Person, committer: Person, message: str
) -> bytes | None:
    """The commit ``git commit-tree`` writes for these fields with this message on stdin,
    or None when git would write something else (or refuse): identities it would trim,
    dates it might read another way, a message it would re-encode, repeated parents."""
    if len(set(parents)) < len(parents) or not _plain_message(message):
        return None
    if not (_plain_person(author) and _plain_person(committer)):
        return None
    lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
    lines += [f"author {_person_line(author)}", f"committer {_person_line(committer)}"]
    return ("\n".join(lines) + "\n\n" + message).encode()


def _person_line(person: Person) -> str:
    name, email, when, tz = person
    return f"{name} <{email}> {when} {tz}"


def _plain_person(person: Person) -> bool:
    name, email, when, tz = person
    # "-0000" reads as +0000; offsets past 14 hours and huge dates take other paths.
    if not _TZ.fullmatch(tz) or tz == "-0000" or not 0 <= when < 1 << 40:
        return False
    return _plain_ident_part(name) and _plain_ident_part(email)


def _plain_ident_part(text: str) -> bool:
    if not text or _trimmed(text[0]) or _trimmed(text[-1]) or not _encodable(text):
        return False
    return all(c >= " " and c not in "<>" for c in text)


def _trimmed(char: str) -> bool:
    return char <= " " or char in _CRUD


def _plain_message(message: str) -> bool:
    """Text commit-tree stores as given: UTF-8 its verify_utf8() accepts, and no NUL."""
    if "\0" in message or not _encodable(message):
        return False
    # verify_utf8() re-encodes non-characters: U+FDD0..U+FDEF and U+xxFFFE/U+xxFFFF.
    return not any(
        0xFDD0 <= ord(c) <= 0xFDEF or ord(c) & 0xFFFE == 0xFFFE for c in message if c > "\ufdcf"
    )


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
