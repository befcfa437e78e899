"""The async client's connection pools: ``LoopPools`` (ours, one per event loop) and ``OneLoopPool``
(a user's ``httpx.AsyncClient``, bound to the loop it is first used in)."""

from __future__ import annotations

import contextlib
import sys
import weakref
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING

import httpx

from .errors import InvalidInputError

if TYPE_CHECKING:  # asyncio is imported on first use (import time)
    import asyncio

__all__ = ["LoopPools", "OneLoopPool"]


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
