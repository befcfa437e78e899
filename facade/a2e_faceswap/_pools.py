"""The clients' connection pools: ``own_pool`` / ``own_async_pool`` (the ``httpx`` clients we make when
the user gives none), ``LoopPools`` (the async client's, one per event loop) and ``OneLoopPool`` (a
user's ``httpx.AsyncClient``, bound to the loop it is first used in)."""

from __future__ import annotations

import contextlib
import sys
import weakref
from collections.abc import AsyncGenerator, Callable, Mapping
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING

import httpx

from .errors import InvalidInputError

if TYPE_CHECKING:  # asyncio is imported on first use (import time)
    import asyncio

__all__ = ["LoopPools", "OneLoopPool", "own_async_pool", "own_pool"]


class _Cookies(httpx.Cookies):
    """httpx's cookie jar, minus its pass through ``http.cookiejar`` for an answer that sets no cookie:
    httpx hands every answer to the jar, which finds nothing to do there but spends some 45 µs of CPU
    per call on the way (the per-call overhead in docs/bench.md). Cookies that are set are kept as
    httpx keeps them."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


#: What httpx takes as a client's cookies.
_CookieTypes = httpx.Cookies | CookieJar | dict[str, str] | list[tuple[str, str]]


class _OwnJar:
    """The ``cookies`` of the ``httpx`` clients we make: httpx's, with ``_Cookies`` as their jar (a
    user's client is never changed)."""

    _jar: _Cookies

    @property
    def cookies(self) -> httpx.Cookies:
        return self._jar

    @cookies.setter
    def cookies(self, cookies: _CookieTypes) -> None:
        self._jar = _Cookies(cookies)


class _OwnClient(_OwnJar, httpx.Client):
    def __init__(self, timeout: float | httpx.Timeout | None, headers: Mapping[str, str]) -> None:
        self._jar = _Cookies()
        super().__init__(timeout=timeout, headers=headers)


class _OwnAsyncClient(_OwnJar, httpx.AsyncClient):
    def __init__(self, timeout: float | httpx.Timeout | None, headers: Mapping[str, str]) -> None:
        self._jar = _Cookies()
        super().__init__(timeout=timeout, headers=headers)


def own_pool(timeout: float | httpx.Timeout | None, headers: Mapping[str, str]) -> httpx.Client:
    return _OwnClient(timeout, headers)


def own_async_pool(timeout: float | httpx.Timeout | None, headers: Mapping[str, str]) -> httpx.AsyncClient:
    return _OwnAsyncClient(timeout, headers)


async def _closer(http: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Parked at its ``yield`` for the life of a loop's pool; closing it closes the pool."""
    try:
        yield
    finally:
        await http.aclose()


_Guard = AsyncGenerator[None, None]


class LoopPools:
    """The async client's connection pools: one ``httpx.AsyncClient`` per event loop, made by ``factory``
    on first use in that loop, since a pool's connections belong to the loop that opened them (the
    first ``asyncio.run()``'s pool fails in the second with "Event loop is closed").

    A pool closes with its loop: a parked async generator (``_closer``) is registered with the running
    loop, and ``asyncio.run()`` (like every runner that calls ``loop.shutdown_asyncgens()``) closes it,
    so the pool's connections are closed while their loop still runs. ``aclose()`` closes the running
    loop's pool and forgets the others (closed with their loops; closing them from another loop would
    raise). Outside asyncio (trio) there is one pool, closed by ``aclose()``. A pool closed by
    ``aclose()`` is made again if the client is used after it.
    """

    def __init__(self, factory: Callable[[], httpx.AsyncClient]) -> None:
        self._factory = factory
        self._pools: dict[asyncio.AbstractEventLoop | None, tuple[httpx.AsyncClient, _Guard]] = {}

    @staticmethod
    def _loop() -> asyncio.AbstractEventLoop | None:
        asyncio = sys.modules.get("asyncio")  # not imported: no asyncio loop runs (import time)
        if asyncio is None:
            return None
        try:
            return asyncio.get_running_loop()  # type: ignore[no-any-return]
        except RuntimeError:  # not in asyncio (trio through anyio): one pool
            return None

    def current(self) -> httpx.AsyncClient:
        """The running loop's pool (made, and registered to close with the loop, on first use)."""
        loop = self._loop()
        found = self._pools.get(loop)
        if found is not None and not found[0].is_closed:
            return found[0]
        # Loops that ended: their pools were closed with them (or, for a loop closed without
        # shutdown_asyncgens, are left to the garbage collector).
        for old in list(self._pools):  # list(): another thread's loop may add its pool meanwhile
            if old is not None and old.is_closed():
                self._pools.pop(old, None)
        http = self._factory()
        guard = _closer(http)
        if loop is not None:
            # Creating the first step calls the loop's firstiter hook: the loop now tracks the generator.
            # Nothing is awaited before the yield, so one send() runs it there (StopIteration: it yielded).
            with contextlib.suppress(StopIteration):
                guard.__anext__().send(None)
        self._pools[loop] = (http, guard)
        return http

    async def aclose(self) -> None:
        pools, self._pools = self._pools, {}
        found = pools.get(self._loop())
        if found is not None:
            http, guard = found
            await guard.aclose()  # runs _closer's finally, or nothing if it never started
            await http.aclose()  # a no-op if the line above closed it


class OneLoopPool:
    """A user's ``httpx.AsyncClient`` (``AsyncA2E(http_client=...)``), used as is: its connections belong
    to the event loop it is first used in, so use from another loop is refused (``InvalidInputError``,
    before sending) instead of failing inside httpx. Never closed by us."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http
        self._loop: weakref.ref[asyncio.AbstractEventLoop] | None = None

    def current(self) -> httpx.AsyncClient:
        loop = LoopPools._loop()
        if loop is not None:
            if self._loop is None:
                self._loop = weakref.ref(loop)
            elif self._loop() is not loop:
                raise InvalidInputError(
                    "this AsyncA2E was given an http_client, which belongs to the event loop it was first "
                    "used in (an httpx.AsyncClient's connections cannot move between loops): make the "
                    "httpx.AsyncClient and the AsyncA2E inside each asyncio.run(), or leave http_client "
                    "out (AsyncA2E then keeps one pool per event loop)"
                )
        return self._http

    async def aclose(self) -> None:
        """Nothing: the user's client is theirs to close."""
