"""``FaultProxy``: a tiny HTTP-aware TCP proxy on 127.0.0.1 that breaks the next N requests.

Put it in front of the GitHub fake or the MLflow server and point the client at ``proxy.url``
(``proxy.url_for(fake.base_url)`` keeps the path). Every request gets its own upstream
connection: the proxy reads the request head and body, forwards them with
``Connection: close``, reads the answer until the upstream closes and passes it on, with the
upstream's ``host:port`` replaced by the proxy's (the GitHub fake writes absolute URLs, and
PyGithub follows them only to the host and port it was given). Faults apply to
the next N requests (or the next N whose ``"METHOD /path"`` equals ``match``, query string
ignored), the oldest queued fault first:

``proxy.reset(times=1)``
    read the request, then close the client connection with a TCP RST (SO_LINGER 0): the
    client sees "connection reset by peer" with no answer at all;
``proxy.reset(times=1, after_forward=True)``
    the same, but only after the upstream has handled the request: the server did the work
    and the answer is lost, as when a gateway drops a connection;
``proxy.answer(status=503, times=1, headers=None, body=b"")``
    answer without asking the upstream.

``proxy.requests`` logs every request line with what happened to it (``forwarded``,
``reset``, or the status answered). Use it as a context manager or call ``start``/``stop``.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

_MAX_HEAD = 64 * 1024
_TIMEOUT = 30.0


@dataclass
class _Fault:
    kind: str  # "reset" | "answer"
    times: int
    after_forward: bool = False
    match: str | None = None
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Seen:
    """One request as the proxy saw it."""

    method: str
    target: str
    outcome: str  # "forwarded" | "reset" | "503" ...


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        """``upstream``: ``host:port`` or any ``http://host:port/...`` URL."""
        netloc = urlsplit(upstream).netloc if "://" in upstream else upstream
        host, _, port = netloc.rpartition(":")
        self.upstream = (host or "127.0.0.1", int(port))
        self.requests: list[Seen] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._port: int | None = None  # kept after stop(): the address then refuses
        self._thread: threading.Thread | None = None
        self._workers: list[threading.Thread] = []
        self._stopping = threading.Event()

    # -- faults ---------------------------------------------------------------------------

    def reset(self, times: int = 1, after_forward: bool = False, match: str | None = None) -> None:
        """Close the next ``times`` connections abruptly, after reading their request (and,
        with ``after_forward``, after the upstream answered it)."""
        with self._lock:
            self._faults.append(_Fault("reset", times, after_forward=after_forward, match=match))

    def answer(
        self,
        status: int = 503,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: bytes | str = b"",
        match: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests with ``status`` without forwarding them."""
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._faults.append(
                _Fault(
                    "answer",
                    times,
                    status=status,
                    headers=dict(headers or {}),
                    body=data,
                    match=match,
                )
            )

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def count(self, outcome: str | None = None) -> int:
        with self._lock:
            return sum(1 for seen in self.requests if outcome in (None, seen.outcome))

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        if self._sock is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        sock.settimeout(0.05)
        self._sock = sock
        self._port = int(sock.getsockname()[1])
        self._stopping.clear()
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        sock.close()
        for worker in self._workers:
            worker.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FaultProxy is not started; call start() first")
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, upstream_url: str) -> str:
        """``upstream_url`` with the proxy's address instead of the upstream's."""
        parts = urlsplit(upstream_url)
        return urlunsplit(("http", f"127.0.0.1:{self.port}", parts.path, parts.query, ""))

    # -- serving --------------------------------------------------------------------------

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._workers = [w for w in self._workers if w.is_alive()] + [worker]
            worker.start()

    def _take(self, method: str, target: str) -> _Fault | None:
        request = f"{method} {target.split('?', 1)[0]}"
        with self._lock:
            for fault in self._faults:
                if fault.match in (None, request):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def _log(self, method: str, target: str, outcome: str) -> None:
        with self._lock:
            self.requests.append(Seen(method, target, outcome))

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(_TIMEOUT)
        try:
            request = _read_request(client)
            if request is None:
                return
            method, target, head, body = request
            fault = self._take(method, target)
            if fault is not None and fault.kind == "reset":
                if fault.after_forward:
                    self._log(method, target, "forwarded, then reset")
                    self._forward(None, head, body)
                else:
                    self._log(method, target, "reset")
                # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if fault is not None:
                self._log(method, target, str(fault.status))
                client.sendall(_response(fault))
                return
            self._log(method, target, "forwarded")
            self._forward(client, head, body)
        except OSError:
            return
        finally:
            client.close()

    def _forward(self, client: socket.socket | None, head: list[bytes], body: bytes) -> None:
        """Send the request upstream and the answer to ``client`` (None: drop the answer)."""
        with socket.create_connection(self.upstream, timeout=_TIMEOUT) as upstream:
            lines = [line for line in head[1:] if not line.lower().startswith(b"connection:")]
            upstream.sendall(b"\r\n".join([head[0], *lines, b"Connection: close", b"", b""]) + body)
            answer = b""
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                answer += chunk
        if client is not None:
            client.sendall(self._rewritten(answer))

    def _rewritten(self, answer: bytes) -> bytes:
        """The answer with ``Connection: close`` (the proxy closes every connection) and the
        upstream's address replaced by the proxy's, so that absolute URLs in payloads and
        headers (the GitHub fake's) lead back through the proxy."""
        host, port = self.upstream
        old, new = f"{host}:{port}".encode(), f"127.0.0.1:{self.port}".encode()
        raw_head, _, body = answer.partition(b"\r\n\r\n")
        lines = raw_head.split(b"\r\n")
        if old in answer:
            chunked = any(
                line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower()
                for line in lines
            )
            if chunked:
                body = _dechunk(body)
            body = body.replace(old, new)
            lines = [
                line.replace(old, new)
                for line in lines
                if not line.lower().startswith((b"content-length:", b"transfer-encoding:"))
            ]
            lines.append(b"Content-Length: " + str(len(body)).encode())
        lines = [line for line in lines if not line.lower().startswith(b"connection:")]
        lines.append(b"Connection: close")
        return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2 :]
    return out


def _read_request(client: socket.socket) -> tuple[str, str, list[bytes], bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > _MAX_HEAD:
            return None
    raw_head, _, body = data.partition(b"\r\n\r\n")
    head = raw_head.split(b"\r\n")
    method, target, _ = (head[0].decode("latin-1") + "  ").split(" ", 2)
    length = 0
    for line in head[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    # Read the whole body: unread bytes would make even a clean close() send an RST.
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            break
        body += chunk
    return method, target.strip(), head, body


def _response(fault: _Fault) -> bytes:
    try:
        phrase = HTTPStatus(fault.status).phrase
    except ValueError:
        phrase = "Error"
    headers = {"Content-Length": str(len(fault.body)), "Connection": "close", **fault.headers}
    lines = [f"HTTP/1.1 {fault.status} {phrase}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + fault.body
