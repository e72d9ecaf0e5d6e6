"""A server the test session runs as a child process: started in its own process group on a
free 127.0.0.1 port, waited for, and stopped with everything it spawned."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT = 180.0  # a loaded 2-core machine can take a minute to start MLflow
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    startup_seconds: float = 0.0

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL after 10 s."""
        if self.process.poll() is not None:
            return
        _signal_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGKILL)
            self.process.wait(STOP_TIMEOUT)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)  # the server is a session leader: its pgid is its pid


@dataclass
class Launched:
    """A server process that was started but may not answer yet: ``ready()`` waits for it.

    Launching and waiting apart lets the session start its servers while it collects tests.
    """

    service: Service
    probe: str
    started: float

    def ready(self) -> Service:
        """Wait until GET ``probe`` answers 200 (stopping the process if it never does)."""
        if not self.service.startup_seconds:
            try:
                _wait_ready(self.service, self.probe, self.started + STARTUP_TIMEOUT)
            except BaseException:
                self.service.stop()
                raise
            self.service.startup_seconds = time.monotonic() - self.started
        return self.service


def launch(
    name: str, command: list[str], workdir: Path, env: dict[str, str], port: int, probe: str
) -> Launched:
    """Run ``command`` (which listens on ``port``) without waiting for it."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{name}.log"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so stop() reaches the workers it forks
        )
    return Launched(Service(name, f"http://127.0.0.1:{port}", process, log), probe, started)


def start(
    name: str, command: list[str], workdir: Path, env: dict[str, str], port: int, probe: str
) -> Service:
    """Run ``command`` (which listens on ``port``) and wait until GET ``probe`` answers 200."""
    return launch(name, command, workdir, env, port, probe).ready()


def _wait_ready(service: Service, probe: str, deadline: float) -> None:
    # Probe before looking at the clock: a server launched early may be asked for long after
    # its deadline, when it has been answering for minutes.
    while True:
        if service.process.poll() is not None:
            code = service.process.returncode
            raise RuntimeError(f"{service.name} exited with {code}:\n{service.log_tail()}")
        try:
            with urllib.request.urlopen(f"{service.url}{probe}", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"{service.name} not ready after {STARTUP_TIMEOUT:.0f}s:\n{service.log_tail()}"
            )
        time.sleep(0.1)
