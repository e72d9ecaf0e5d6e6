"""Which names the fake's fast paths may handle, and reading or moving one ref without git.

Git's revision syntax is large, and every piece of it that a fast path would read
differently from the git command it replaces is a way for the fake to answer differently.
So the fast paths take only plain names, whose meaning is simple and the same in both;
everything else goes to git, which knows the full rules.
"""

from __future__ import annotations

import os
import re
import stat
from contextlib import suppress
from pathlib import Path

# Revisions cat-file resolves exactly as ``rev-parse --verify`` / ``cat-file -t`` do: one
# line with no blanks (cat-file reads names verbatim, a line each), nothing rev-parse
# parses itself (options, "a..b", "^a", "a^@"), and no short sha or describe name
# ("v1-g1a2b3c"), whose lookup uses a loose-object cache a long-lived process keeps stale.
_PLAIN_REV = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./+-]*")
_SHORT_OID = re.compile(r"[0-9a-fA-F]{4,39}|.*-g[0-9a-fA-F]{4,}")
# In "<sha>:<path>" git first tries the whole string as a revision, then splits at the
# colon; a path without these cannot resolve the first way (suffixes, reflogs, describe
# names, ranges) nor be read as relative ("./x").
_PATH_SYNTAX = ("-g", "^", "~", "@", "{", "}", "..", "\0")
_REF_CHARS = re.compile(r"[A-Za-z0-9_./+-]+")
# What files_read_raw_ref() accepts as a loose ref (its parse_oid_hex also takes upper case).
_LOOSE_REF = re.compile(rb"([0-9a-f]{40})(?:[ \t\n\r].*)?", re.DOTALL)
_PACKED_REF = re.compile(r"([0-9a-f]{40}) (refs/[^ \n]+)")
_SHA = re.compile(r"[0-9a-f]{40}")


class Unsure(Exception):
    """A ref whose reading takes more of git's rules than ``RefFiles`` knows."""


def plain_rev(rev: str) -> bool:
    return bool(_PLAIN_REV.fullmatch(rev)) and ".." not in rev and not _SHORT_OID.fullmatch(rev)


def plain_path(path: str) -> bool:
    """Paths ``<sha>:<path>`` reads as nothing but a path in the tree."""
    return not any(syntax in path for syntax in _PATH_SYNTAX)


def plain_ref_name(name: str) -> bool:
    """Names ``check_refname_format`` certainly accepts (with two or more components).

    Restricted to characters whose rules are simple; git itself judges everything else
    (control characters, "@{", "*", non-ASCII, ...).
    """
    if not _REF_CHARS.fullmatch(name) or name[0] == "-" or name[-1] == "." or ".." in name:
        return False
    parts = name.split("/")
    return len(parts) > 1 and all(p and p[0] != "." and not p.endswith(".lock") for p in parts)


class RefFiles:
    """The files ref backend's reading of one plain ref (the loose file, else packed-refs),
    and its compare-and-swap of one loose ref under git's own lock file."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self._packed: tuple[tuple[int, int, int], dict[str, str]] | None = None

    def read(self, name: str) -> str | None:
        """The sha ``name`` holds, or None if it does not exist.

        Raises ``Unsure`` for what git reads with more rules: symbolic refs, symlinks,
        directories or files in the way, contents git might call broken.
        """
        loose = self.git_dir / name
        try:
            mode = os.lstat(loose).st_mode
        except FileNotFoundError:
            return self._packed_refs().get(name)
        except OSError:
            raise Unsure(name) from None
        if not stat.S_ISREG(mode):
            raise Unsure(name)
        try:
            content = loose.read_bytes()
        except OSError:  # deleted or replaced meanwhile: git would look again
            raise Unsure(name) from None
        match = _LOOSE_REF.fullmatch(content)
        if match is None:
            raise Unsure(name)
        return match[1].decode()

    def _packed_refs(self) -> dict[str, str]:
        """packed-refs as a dict, re-read when the file changes (git replaces it by rename)."""
        try:
            with open(self.git_dir / "packed-refs", "rb") as handle:
                st = os.fstat(handle.fileno())
                key = (st.st_ino, st.st_size, st.st_mtime_ns)
                if self._packed is not None and self._packed[0] == key:
                    return self._packed[1]
                lines = handle.read().decode(errors="replace").splitlines()
        except FileNotFoundError:
            return {}
        refs: dict[str, str] = {}
        for index, line in enumerate(lines):
            header = index == 0 and line.startswith("# pack-refs with:")
            if header or (line.startswith("^") and _SHA.fullmatch(line, 1)):
                continue
            match = _PACKED_REF.fullmatch(line)
            if match is None or match[2] in refs:
                raise Unsure("packed-refs")
            refs[match[2]] = match[1]
        self._packed = key, refs
        return refs

    def swap(self, name: str, new: str, old: str | None) -> bool:
        """Point ``name`` at ``new`` if it now holds ``old`` (None: does not exist), as
        ``git update-ref name new old`` does; False if it holds something else or another
        writer holds its lock. Raises ``Unsure`` for what git does with more rules: reflogs,
        shared-repository modes, names that clash with a ref's directory or a packed ref.
        """
        if (self.git_dir / "logs").exists() or self._configured("logallrefupdates", "shared"):
            raise Unsure(name)
        packed = self._packed_refs()
        prefixes = ["/".join(name.split("/")[:n]) for n in range(2, name.count("/") + 1)]
        if any(p in packed for p in prefixes) or any(r.startswith(name + "/") for r in packed):
            raise Unsure(name)
        path = self.git_dir / name
        if path.is_dir():  # git removes it if empty, else refuses
            raise Unsure(name)
        lock = path.with_name(path.name + ".lock")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            raise Unsure(name) from None  # git waits a while for a held lock: let it
        except OSError:
            raise Unsure(name) from None  # a file where a directory should be, and the like
        try:
            os.write(fd, f"{new}\n".encode())
            os.close(fd)
            fd = -1
            if self.read(name) != old:
                return False
            os.rename(lock, path)
            return True
        finally:
            if fd >= 0:
                os.close(fd)
            with suppress(FileNotFoundError):
                os.unlink(lock)

    def _configured(self, *words: str) -> bool:
        try:
            config = (self.git_dir / "config").read_text(errors="replace").lower()
        except FileNotFoundError:
            return False
        return any(word in config for word in words)
