"""The network guard: the httpcore network backend of an httpx pool, wrapped so that each socket
connect / read / write is clipped to the running API request's deadline (``_reading.DEADLINE``, a
context variable set only while an API request runs; elsewhere the wrappers change nothing). Imported
with the first request, so that ``import a2e_faceswap`` does not import httpcore. httpx is pinned to
0.28, whose private layout (``_transport._pool._network_backend``, ``_mounts``) this relies on.
"""

from __future__ import annotations

import time
from typing import Any

import httpcore
import httpx

from ._reading import DEADLINE

__all__ = ["wrap_backends"]


def _limit(timeout: float | None, expired: type[httpcore.TimeoutException]) -> float | None:
    """One socket operation's timeout, clipped to the running request's deadline."""
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    limit = deadline.limit(timeout, time.monotonic())
    if limit is not None and limit <= 0:
        raise expired("the request's timeout passed (it bounds the whole attempt)")
    return limit


class _GuardedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _limit(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _limit(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        return _GuardedStream(
            self._inner.start_tls(ssl_context, server_hostname, _limit(timeout, httpcore.ConnectTimeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        return _GuardedStream(
            self._inner.connect_tcp(host, port, _limit(timeout, httpcore.ConnectTimeout), *args, **kwargs)
        )

    def connect_unix_socket(self, path: str, timeout: float | None = None, *args: Any, **kwargs: Any) -> Any:
        return _GuardedStream(
            self._inner.connect_unix_socket(path, _limit(timeout, httpcore.ConnectTimeout), *args, **kwargs)
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncGuardedStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, _limit(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, _limit(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        inner = await self._inner.start_tls(
            ssl_context, server_hostname, _limit(timeout, httpcore.ConnectTimeout)
        )
        return _AsyncGuardedStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        limit = _limit(timeout, httpcore.ConnectTimeout)
        return _AsyncGuardedStream(await self._inner.connect_tcp(host, port, limit, *args, **kwargs))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        limit = _limit(timeout, httpcore.ConnectTimeout)
        return _AsyncGuardedStream(await self._inner.connect_unix_socket(path, limit, *args, **kwargs))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def wrap_backends(http: httpx.Client | httpx.AsyncClient) -> None:
    """Wrap the network backend of each httpcore pool behind ``http`` (its transport and its proxy
    mounts). A transport without one (a mock, a custom transport) keeps only the phase clipping and the
    deadline check between chunks."""
    for transport in (getattr(http, "_transport", None), *getattr(http, "_mounts", {}).values()):
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, _GuardedBackend | _AsyncGuardedBackend):
            continue
        if isinstance(backend, httpcore.NetworkBackend):
            pool._network_backend = _GuardedBackend(backend)  # type: ignore[union-attr]
        elif isinstance(backend, httpcore.AsyncNetworkBackend):
            pool._network_backend = _AsyncGuardedBackend(backend)  # type: ignore[union-attr]
