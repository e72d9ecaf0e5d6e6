"""Git's smart HTTP protocol on 127.0.0.1: ``git http-backend`` behind a tiny CGI bridge.

The clone-and-push workflow needs a Git remote that behaves like GitHub's: ``git clone``
and ``git push`` over HTTP against the very bare repository the GitHub fake serves its API
from, so the pull request can be opened on the branch the push created. ``http.server``
gives the HTTP; ``git http-backend`` does the protocol, as it does behind Apache or nginx.
"""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, BinaryIO
from urllib.parse import urlsplit

from bench.gitrepos import git_env
from bench.served import Served

BACKEND = ["git", "http-backend"]
COPY_CHUNK = 64 * 1024


@dataclass
class Traffic:
    requests: int = 0
    bytes_in: int = 0  # request bodies as sent (compressed when the client gzipped them)
    bytes_out: int = 0  # response bodies: refs advertisements and packs


def read_chunked(rfile: BinaryIO | io.BufferedIOBase) -> bytes:
    """A ``Transfer-Encoding: chunked`` body: git sends pushes larger than http.postBuffer so."""
    parts = []
    while True:
        size = int(rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            break
        parts.append(rfile.read(size))
        rfile.readline()  # the CRLF that closes every chunk
    while rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers, if any
        pass
    return b"".join(parts)


def parse_cgi_headers(stdout: IO[bytes]) -> tuple[int, list[tuple[str, str]]]:
    """The CGI header block: ``Status:`` becomes the HTTP status, the rest pass through."""
    status, headers = 200, []
    for raw in iter(stdout.readline, b""):
        line = raw.decode("latin-1").rstrip("\r\n")
        if not line:
            break
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.split()[0])
        else:
            headers.append((name, value.strip()))
    return status, headers


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so that "Expect: 100-continue" from libcurl is answered at once (with 1.0 curl
    # waits a second before sending a large push); every response still ends the connection.
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        self._serve(self._body())

    def log_message(self, format: str, *args: Any) -> None:
        return  # the traffic counters are the log

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = read_chunked(self.rfile)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.count(bytes_in=len(body))
        # git gzips large fetch negotiations; decoded here so CONTENT_LENGTH is the real length.
        if self.headers.get("Content-Encoding", "").lower() in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        return body

    def _cgi_env(self, body: bytes) -> dict[str, str]:
        url = urlsplit(self.path)
        env = git_env()
        env.update(
            GIT_PROJECT_ROOT=str(self.server.project_root),
            GIT_HTTP_EXPORT_ALL="1",
            PATH_INFO=url.path,
            QUERY_STRING=url.query,
            REQUEST_METHOD=self.command,
            CONTENT_TYPE=self.headers.get("Content-Type", ""),
            CONTENT_LENGTH=str(len(body)),
            REMOTE_USER=self.server.user,
            REMOTE_ADDR=self.client_address[0],
            # Clients ask for protocol v2 in a Git-Protocol header; http-backend reads it here.
            GIT_PROTOCOL=self.headers.get("Git-Protocol", ""),
        )
        return env

    def _serve(self, body: bytes) -> None:
        with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stderr:
            stdin.write(body)
            stdin.seek(0)
            backend = subprocess.Popen(
                BACKEND,
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=self._cgi_env(body),
            )
            assert backend.stdout is not None
            status, headers = parse_cgi_headers(backend.stdout)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self._stream(backend.stdout)
            if backend.wait() != 0:
                stderr.seek(0)
                self.server.errors.append(stderr.read().decode(errors="replace").strip())
        self.close_connection = True

    def _stream(self, source: IO[bytes]) -> None:
        # Streamed, not buffered: the client reads the pack while pack-objects still writes.
        sent = 0
        while chunk := source.read(COPY_CHUNK):
            self.wfile.write(chunk)
            sent += len(chunk)
        self.server.count(bytes_out=sent, requests=1)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, project_root: Path, user: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.project_root = project_root
        self.user = user
        self.traffic = Traffic()
        self.errors: list[str] = []  # stderr of failed http-backend runs
        self._lock = threading.Lock()

    def count(self, requests: int = 0, bytes_in: int = 0, bytes_out: int = 0) -> None:
        with self._lock:
            self.traffic.requests += requests
            self.traffic.bytes_in += bytes_in
            self.traffic.bytes_out += bytes_out


class GitHttpServer(Served[_Server]):
    """Serves every bare repository under ``project_root`` at ``/<relative path>``.

    Pushes are accepted from anyone: ``REMOTE_USER`` is set for every request, and the
    repositories have ``http.receivepack=true``. Loopback only, for benchmarks and tests.
    """

    def __init__(self, project_root: Path, user: str = "promotion-bot") -> None:
        if shutil.which(BACKEND[0]) is None:
            raise RuntimeError("git is not on PATH")
        super().__init__(_Server(project_root, user), "git-http")

    def __enter__(self) -> GitHttpServer:
        super().__enter__()
        return self

    @property
    def errors(self) -> list[str]:
        return self._server.errors

    def url(self, repo: Path) -> str:
        relative = repo.relative_to(self._server.project_root).as_posix()
        return f"http://127.0.0.1:{self._server.server_port}/{relative}"

    def take_traffic(self) -> Traffic:
        """Traffic since the last call."""
        with self._server._lock:
            seen, self._server.traffic = self._server.traffic, Traffic()
        return seen
