"""The one writer for GitHub Actions files and workflow commands.

Outputs go to ``$GITHUB_OUTPUT`` as heredocs with a random delimiter (multi-line values and
values that contain a guessable delimiter are safe); the summary goes to
``$GITHUB_STEP_SUMMARY``; annotations and masks are workflow commands on stdout, escaped
so that a message cannot start a command of its own.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

_LOCATED = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+): (?P<message>.*)$", re.DOTALL)
# Overlay problems: "[model/env] path/to/file.yaml: what is wrong".
_IN_FILE = re.compile(
    r"^(?P<subject>\[[^\]]+\] )?(?P<file>[^:\s]+\.ya?ml): (?P<message>.*)$", re.DOTALL
)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


class ActionsIO:
    def __init__(self, env: Mapping[str, str], stream: TextIO | None = None) -> None:
        self._output = env.get("GITHUB_OUTPUT")
        self._summary = env.get("GITHUB_STEP_SUMMARY")
        self._stream = stream or sys.stdout
        self._pending_group: str | None = None  # opened when its first line is written
        workspace = env.get("GITHUB_WORKSPACE")
        self._workspace = Path(workspace).resolve() if workspace else None

    def set_output(self, name: str, value: str) -> None:
        if not self._output:
            return
        delimiter = f"ghadelim_{secrets.token_hex(16)}"
        with Path(self._output).open("a", encoding="utf-8") as handle:
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")

    def summary(self, markdown: str) -> None:
        if self._summary:
            with Path(self._summary).open("a", encoding="utf-8") as handle:
                handle.write(markdown.rstrip("\n") + "\n")

    def mask(self, secret: str) -> None:
        if secret:
            self._command("add-mask", {}, secret)

    def annotate(self, level: str, message: str) -> None:
        """``error``/``warning``; ``file:line: text`` messages point at the file and line."""
        match = _LOCATED.match(message)
        if match:
            props = {"file": self._relative(match["file"]), "line": match["line"]}
            self._command(level, props, match["message"])
            return
        match = _IN_FILE.match(message)
        if match:
            self._command(level, {"file": self._relative(match["file"])}, message)
        else:
            self._command(level, {}, message)

    @contextlib.contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A foldable section of the job log; lines written meanwhile land inside it. It is
        only opened by its first line: an empty section is not shown at all."""
        self._pending_group = title
        try:
            yield
        finally:
            if self._pending_group is None:
                self._command("endgroup", {}, "")
            self._pending_group = None

    def line(self, text: str) -> None:
        """A plain job-log line; escaped so untrusted text cannot start a workflow command
        (one line, and never beginning with ``::``, leading blanks or not)."""
        text = _escape_data(text)
        if text.lstrip().startswith("::"):
            text = "> " + text
        self._write(text)

    def log_handler(self) -> logging.Handler:
        """Log records as job-log lines (one line each, escaped like ``line``)."""
        return _JobLog(self)

    def _relative(self, file: str) -> str:
        # Annotations attach to a file only when its path is relative to the repository root.
        path = Path(file)
        if self._workspace is not None and path.is_absolute():
            try:
                return path.resolve().relative_to(self._workspace).as_posix()
            except ValueError:
                return file
        return file

    def _command(self, name: str, props: dict[str, str], message: str) -> None:
        joined = ",".join(f"{k}={_escape_property(v)}" for k, v in props.items())
        self._write(f"::{name}{' ' + joined if joined else ''}::{_escape_data(message)}")

    def _write(self, line: str) -> None:
        if self._pending_group is not None:
            title, self._pending_group = self._pending_group, None
            self._write(f"::group::{_escape_data(title)}")
        self._stream.write(line + "\n")
        self._stream.flush()


class _JobLog(logging.Handler):
    def __init__(self, io: ActionsIO) -> None:
        super().__init__()
        self._io = io
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._io.line(self.format(record))
        except Exception:  # a log line must never break the run
            self.handleError(record)
