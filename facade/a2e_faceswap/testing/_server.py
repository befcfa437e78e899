"""The simulator's HTTP server: uvicorn (h11) on its own event loop in a background thread.

uvicorn's h11 protocol is subclassed only to keep a registry of open connections. The registry counts
them and lets the app drop one on purpose: ``abort`` resets the TCP connection (SO_LINGER 0, so the
client sees a reset rather than an orderly close) without any HTTP answer, which an ASGI app cannot
otherwise do - raising before the response starts makes uvicorn send a 500 instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

Peer = tuple[str, int]


class ConnectionRegistry:
    """Open connections of one server, by the client's (host, port)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[Peer, H11Protocol] = {}
        self._total = 0

    @property
    def open(self) -> int:
        with self._lock:
            return len(self._open)

    @property
    def total(self) -> int:
        with self._lock:
            return self._total

    def opened(self, protocol: H11Protocol) -> None:
        if protocol.client is None:
            return
        with self._lock:
            self._open[(protocol.client[0], protocol.client[1])] = protocol
            self._total += 1

    def closed(self, protocol: H11Protocol) -> None:
        if protocol.client is None:
            return
        with self._lock:
            if self._open.get((protocol.client[0], protocol.client[1])) is protocol:
                del self._open[(protocol.client[0], protocol.client[1])]

    async def abort(self, client: Any) -> None:
        """Reset the connection of ``client`` (the ASGI scope's client) at once, sending nothing more."""
        if not client:
            return
        with self._lock:
            protocol = self._open.get((client[0], client[1]))
        if protocol is None:
            return
        transport = protocol.transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: close() sends RST instead of FIN, as a crashed peer or middlebox would.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        # Let connection_lost run, so uvicorn knows there is nobody left to answer.
        for _ in range(3):
            await asyncio.sleep(0)


def _protocol_class(registry: ConnectionRegistry) -> type[H11Protocol]:
    class RegisteredH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            registry.opened(self)

        def connection_lost(self, exc: Exception | None) -> None:
            registry.closed(self)
            super().connection_lost(exc)

    return RegisteredH11Protocol


class ServerThread:
    """Runs an ASGI app with uvicorn in a daemon thread; ``start()`` returns once it listens."""

    def __init__(self, app: Any, *, host: str, port: int, registry: ConnectionRegistry) -> None:
        self.host = host
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            loop="asyncio",
            http=_protocol_class(registry),
            ws="none",
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self.port = port

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 15.0) -> None:
        if self._thread is not None:
            raise RuntimeError("the simulator server was already started")
        self._thread = threading.Thread(target=self._run, name="a2e-simulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the simulator could not listen on {self.host}:{self.port}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the simulator did not start within {timeout} s")
            time.sleep(0.005)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def _run(self) -> None:
        # uvicorn raises SystemExit when it cannot bind; start() reports it.
        with contextlib.suppress(SystemExit):
            self._server.run()

    def stop(self, timeout: float = 15.0) -> None:
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            self._server.force_exit = True
            thread.join(timeout)
        if thread.is_alive():
            raise RuntimeError("the simulator server thread did not stop")
