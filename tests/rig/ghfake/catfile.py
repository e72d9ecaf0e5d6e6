"""One long-lived ``git cat-file --batch-command`` per repository, for the fake's reads.

Spawning git costs a couple of milliseconds and a request used to spawn five to fifteen;
a command to a running cat-file answers in tens of microseconds. The process still sees
what other processes write (pushes, ``update-ref``, ``commit-tree``): it reads loose refs
afresh on every lookup, re-validates packed-refs by stat, and rescans packs when an object
is not where it looked before.

Callers send only names that are one line with no surrounding blanks (cat-file reads a
command per line and keeps spaces); anything cat-file cannot answer cleanly raises
``CatFileError`` so the caller can fall back to a one-shot git command.
"""

from __future__ import annotations

import os
import subprocess
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# Keep a batch's commands well under a pipe's 64 KiB: once they are all written, cat-file
# can answer the whole batch while we read, however large the answers are.
_BATCH_BYTES = 16 * 1024


class CatFileError(RuntimeError):
    """cat-file died, or answered something this module does not expect."""


@dataclass(frozen=True)
class Found:
    sha: str
    type: str
    size: int
    data: bytes = b""  # only for ``contents``


class CatFile:
    """Thread-safe; started on first use, restarted if it died or the repository was
    replaced (the bench swaps in a template directory), stopped by ``close``."""

    def __init__(self, git_dir: Path, env: Mapping[str, str]) -> None:
        self._git_dir = git_dir
        self._env = dict(env)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._repo_id: tuple[int, int] | None = None
        self._finalizer: Callable[[], object] | None = None

    def info(self, names: Sequence[str]) -> list[Found | None]:
        """``info`` for each name, None where cat-file reports it missing or ambiguous."""
        return self._run("info", names)

    def contents(self, names: Sequence[str]) -> list[Found | None]:
        return self._run("contents", names)

    def close(self) -> None:
        with self._lock:
            self._stop()

    # -- internals ------------------------------------------------------------------------

    def _run(self, command: str, names: Sequence[str]) -> list[Found | None]:
        results: list[Found | None] = []
        with self._lock:
            for batch in _batches(command, names):
                results += self._exchange(command, batch)
        return results

    def _exchange(self, command: str, names: list[str]) -> list[Found | None]:
        """Send one batch and read its answers; a process that died is restarted once
        (the commands only read, so sending them again is harmless)."""
        payload = "".join(f"{command} {name}\n" for name in names).encode()
        for attempt in (1, 2):
            proc = self._process()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(payload)
                proc.stdin.flush()
                return [_answer(proc.stdout, command, name) for name in names]
            except (OSError, CatFileError):
                self._stop()
                if attempt == 2:
                    raise CatFileError(f"git cat-file could not answer {command}") from None
            except BaseException:
                self._stop()  # what is left in the pipe would be read as the next answer
                raise
        raise AssertionError("unreachable")

    def _process(self) -> subprocess.Popen[bytes]:
        repo_id = _identity(self._git_dir)
        if self._proc is not None and (self._proc.poll() is not None or repo_id != self._repo_id):
            self._stop()
        if self._proc is None:
            self._proc = subprocess.Popen(
                ["git", f"--git-dir={self._git_dir}", "cat-file", "--batch-command"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # Warnings (e.g. ambiguous names) must not fill a pipe nobody reads.
                stderr=subprocess.DEVNULL,
                env=self._env,
            )
            self._repo_id = repo_id
            # A store dropped without close() (or alive at exit) still ends its process.
            self._finalizer = weakref.finalize(self, _terminate, self._proc)
        return self._proc

    def _stop(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._proc = self._finalizer = None


def _identity(git_dir: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(git_dir)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _batches(command: str, names: Sequence[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for name in names:
        if not name or name != name.strip() or "\n" in name or "\r" in name or "\0" in name:
            raise CatFileError(f"not a name cat-file reads verbatim: {name!r}")
        line = len(command) + len(name.encode()) + 2
        if batches[-1] and size + line > _BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(name)
        size += line
    return [batch for batch in batches if batch]


def _answer(out: IO[bytes], command: str, name: str) -> Found | None:
    header = out.readline()
    if not header.endswith(b"\n"):
        raise CatFileError("git cat-file exited")
    fields = header[:-1].decode(errors="replace")
    if fields in (f"{name} missing", f"{name} ambiguous"):
        return None
    parts = fields.split(" ")
    if len(parts) != 3 or len(parts[0]) != 40 or not parts[2].isdigit():
        raise CatFileError(f"unexpected answer from git cat-file: {fields!r}")
    found = Found(parts[0], parts[1], int(parts[2]))
    if command != "contents":
        return found
    data = out.read(found.size + 1)
    if len(data) != found.size + 1 or not data.endswith(b"\n"):
        raise CatFileError("git cat-file exited mid-object")
    return Found(found.sha, found.type, found.size, data[:-1])


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    """End of input makes cat-file exit; kill it only if it does not."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
