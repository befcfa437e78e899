"""Small hostile HTTP/1.1 servers on 127.0.0.1 for the hostile-server suite.

A ``HostileServer`` runs in a thread and hands each request to ``handler(request, conn)``. The handler
answers however it likes through ``conn``: a well-formed answer (``conn.respond``), raw bytes
(``conn.send``), bytes one at a time (``conn.trickle``), a TCP reset (``conn.reset``) or nothing at all
(``conn.close``). Every connection is closed after one exchange (``Connection: close``), so a handler
never has to think about keep-alive. The server stops by its handle (``stop()`` or ``with``), and
closes every socket it opened, also those of handlers still sleeping in a trickle.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

__all__ = ["Conn", "HostileServer", "Request", "Serve", "envelope", "servers", "serving"]

#: Requests bigger than this are not read further (the handler sees the start of the body).
MAX_REQUEST_BODY = 1024 * 1024


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def envelope(data: Any, code: int = 0, **extra: Any) -> bytes:
    """A2E's success envelope around ``data`` as JSON bytes."""
    return json.dumps({"code": code, "data": data, **extra}).encode()


class Conn:
    """One accepted connection, as the handler sees it."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock = sock
        self._stopping = stopping

    def send(self, data: bytes) -> bool:
        """Send raw bytes; ``False`` if the client is gone or the server is stopping."""
        if self._stopping.is_set():
            return False
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def head(self, status: int, headers: Iterable[tuple[str, str]] = (), reason: str = "X") -> bool:
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{name}: {value}" for name, value in headers]
        lines.append("Connection: close")
        return self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def respond(
        self,
        status: int = 200,
        body: bytes = b"",
        headers: Iterable[tuple[str, str]] = (),
        *,
        content_type: str = "application/json",
        length: bool = True,
    ) -> bool:
        """A whole answer: head (with Content-Type and Content-Length unless told not to) and body."""
        all_headers = [("Content-Type", content_type), *headers]
        if length:
            all_headers.append(("Content-Length", str(len(body))))
        return self.head(status, all_headers) and self.send(body)

    def json(self, data: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> bool:
        return self.respond(status, json.dumps(data).encode(), headers)

    def trickle(self, data: bytes, delay: float, step: int = 1) -> bool:
        """Send ``data`` ``step`` bytes at a time, ``delay`` seconds apart (stops early if the client
        goes away or the server stops)."""
        for start in range(0, len(data), step):
            if not self.send(data[start : start + step]):
                return False
            if self._stopping.wait(delay):
                return False
        return True

    def stream(self, chunks: Iterable[bytes]) -> bool:
        """Send chunks as they come (a generator can make gigabytes without holding them)."""
        return all(self.send(chunk) for chunk in chunks)

    def reset(self) -> None:
        """Close with a TCP RST (SO_LINGER 0) instead of a FIN."""
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops first (``False`` then)."""
        return not self._stopping.wait(seconds)


Handler = Callable[[Request, Conn], None]


def _read_request(sock: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 256 * 1024:
            return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = ([*lines[0].split(" ", 2), "", ""])[:3]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    try:
        size = min(int(headers.get("content-length", "0")), MAX_REQUEST_BODY)
    except ValueError:
        size = 0
    while len(body) < size:
        chunk = sock.recv(min(65536, size - len(body)))
        if not chunk:
            break
        body += chunk
    return Request(method, target, headers, body[:size])


@dataclass
class HostileServer:
    """``with HostileServer(handler) as server: ... server.url ...``; ``server.requests`` lists what
    came in (method, target, headers, body) in order."""

    handler: Handler
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept, name="hostile-accept", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._acceptor.start()
        return self

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._socks.append(sock)
                thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        conn = Conn(sock, self._stopping)
        try:
            sock.settimeout(10)
            request = _read_request(sock)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
            self.handler(request, conn)
        except OSError:
            pass
        finally:
            conn.close()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method) and (path is None or r.path == path)
            )

    def stop(self) -> None:
        self._stopping.set()
        self._acceptor.join(5)
        self._listener.close()
        with self._lock:
            socks, threads = list(self._socks), list(self._threads)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.close()
        deadline = time.monotonic() + 5
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


@contextlib.contextmanager
def serving(handler: Handler) -> Iterator[HostileServer]:
    with HostileServer(handler) as server:
        yield server


#: ``serve(handler)`` starts one more server and hands it back.
Serve = Callable[[Handler], HostileServer]


@contextlib.contextmanager
def servers() -> Iterator[Serve]:
    """``serve`` for as many servers as a test wants; all of them stop when the block ends (the body of
    the ``serve`` fixture)."""
    with contextlib.ExitStack() as started:
        yield lambda handler: started.enter_context(HostileServer(handler))
