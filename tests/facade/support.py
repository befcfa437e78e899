"""Helpers of the facade tests: the sync client behind the async client's surface.

Every scenario is written once, with ``await`` (and ``async for``), against ``AsyncA2E``'s names. For
the sync client, ``as_async`` wraps ``A2E`` so that each method call runs the sync method right away
and hands back an awaitable of its result (or an async iterator over the iterator it returned). Both
clients therefore run the very same scenario code, over real HTTP against the simulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path
from typing import Any, TypedDict, cast

from a2e_faceswap import A2E, AsyncA2E
from a2e_faceswap._account import Account
from a2e_faceswap._faces import Faces
from a2e_faceswap._previews import Previews
from a2e_faceswap._tasks import Tasks
from a2e_faceswap._uploads import Uploads

FACE = "https://example.com/faces/face.jpg"
VIDEO = "https://example.com/videos/clip.mp4"


class WaitArgs(TypedDict):
    poll_interval: float
    timeout: float


#: Waiting in tests: poll every 10 ms (a task takes ~50 ms at the tests' simulator speed).
FAST: WaitArgs = {"poll_interval": 0.01, "timeout": 20.0}


def listing(directory: Path) -> list[str]:
    """Names of the files under ``directory`` (sorted, recursive)."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


_WRAPPED = (A2E, Account, Faces, Previews, Tasks, Uploads)


class _Done:
    """An awaitable that is already resolved."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def __await__(self) -> Generator[Any, None, Any]:
        return self._value
        yield  # pragma: no cover - makes this a generator


async def _aiter(items: Iterator[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


class _AsAsync:
    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if isinstance(value, _WRAPPED):
            return _AsAsync(value)
        if callable(value):
            return self._method(value)
        return value

    @staticmethod
    def _method(method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if isinstance(result, _WRAPPED):
                return _AsAsync(result)
            if isinstance(result, Iterator):
                return _aiter(result)
            return _Done(result)

        return call

    async def __aenter__(self) -> Any:
        self._target.__enter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._target.__exit__(*exc)

    def __repr__(self) -> str:
        return repr(self._target)

    def __str__(self) -> str:
        return str(self._target)


def as_async(client: A2E | AsyncA2E) -> AsyncA2E:
    """``client`` with the async surface (the async client itself, or the wrapped sync one)."""
    return client if isinstance(client, AsyncA2E) else cast(AsyncA2E, _AsAsync(client))


def unwrap(client: AsyncA2E) -> A2E | AsyncA2E:
    """The real client behind ``as_async``."""
    return cast(A2E, client._target) if isinstance(client, _AsAsync) else client


class Clients:
    """Builds ``A2E`` or ``AsyncA2E`` (``kind``: "sync" or "async"), each behind the async surface,
    and closes every client it built (``await clients.close()``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._made: list[A2E | AsyncA2E] = []

    def make(self, **options: Any) -> AsyncA2E:
        client: A2E | AsyncA2E = A2E(**options) if self.kind == "sync" else AsyncA2E(**options)
        self._made.append(client)
        return as_async(client)

    async def close(self) -> None:
        for client in self._made:
            if isinstance(client, AsyncA2E):
                await client.close()
            else:
                client.close()
