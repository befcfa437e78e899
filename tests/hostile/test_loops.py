"""One ``AsyncA2E`` used from successive ``asyncio.run()`` calls (row 13 of issue 9).

httpx pools belong to the event loop that opened their connections; the client keeps one pool per loop
(``LoopPools``), closed when its loop ends. So a second run works, and no connection or socket is left
open after either: the simulator counts its open connections, and ResourceWarnings are recorded.
"""

from __future__ import annotations

import asyncio
import gc
import time
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

from a2e_faceswap import AsyncA2E
from a2e_faceswap.testing import Simulator

FACE = "https://cdn.example.com/face.jpg"
VIDEO = "https://cdn.example.com/clip.mp4"


def _open_after(sim: Simulator, wanted: int = 0) -> int:
    """The simulator's open connections once they dropped to ``wanted`` (or after 2 s)."""
    deadline = time.monotonic() + 2
    while sim.stats.open_connections != wanted and time.monotonic() < deadline:
        time.sleep(0.01)
    return sim.stats.open_connections


def _runs(steps: list[Callable[[], Coroutine[Any, Any, Any]]]) -> tuple[list[str], list[str]]:
    """Each step in its own ``asyncio.run()``: (what the runs raised, ResourceWarnings seen)."""
    errors: list[str] = []
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", ResourceWarning)
        for step in steps:
            try:
                asyncio.run(step())
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        gc.collect()
    return errors, [str(w.message) for w in seen if issubclass(w.category, ResourceWarning)]


def test_one_client_in_two_asyncio_runs(sim: Simulator) -> None:
    client = AsyncA2E(api_key=sim.token, base_url=sim.base_url, max_retries=0)
    quick = client.with_options(timeout=5)  # a copy shares the pools
    open_between: list[int] = []

    async def first() -> None:
        task = await client.tasks.create(face=FACE, video=VIDEO, name="loops")
        await client.tasks.get(task.id)

    async def second() -> None:
        open_between.append(_open_after(sim))
        assert len(await quick.tasks.list()) == 1
        await client.close()

    errors, resource_warnings = _runs([first, second])
    assert errors == []
    assert open_between == [0]  # the first run's pool was closed as its loop ended
    assert _open_after(sim) == 0
    assert resource_warnings == []


def test_a_client_never_closed_leaves_nothing_open_after_each_run(sim: Simulator) -> None:
    client = AsyncA2E(api_key=sim.token, base_url=sim.base_url, max_retries=0)
    open_after: list[int] = []

    async def use() -> None:
        await client.tasks.list()

    steps: list[Callable[[], Coroutine[Any, Any, Any]]] = []
    for _ in range(3):
        steps.append(use)
    errors, resource_warnings = _runs(steps)
    open_after.append(_open_after(sim))
    assert errors == []
    assert open_after == [0]
    assert sim.stats.connections_total == 3  # one pool, one connection, per run
    assert resource_warnings == []


def test_closing_from_a_later_loop_does_not_raise(sim: Simulator) -> None:
    client = AsyncA2E(api_key=sim.token, base_url=sim.base_url, max_retries=0)

    async def use() -> None:
        await client.tasks.list()

    async def close() -> None:
        await client.close()
        await client.close()  # twice is fine

    errors, resource_warnings = _runs([use, close])
    assert errors == []
    assert _open_after(sim) == 0
    assert resource_warnings == []


def test_a_loop_closed_without_shutting_down_leaves_its_pool_to_be_collected(sim: Simulator) -> None:
    """A hand-run loop closed without ``shutdown_asyncgens()`` cannot close its pool: closing the client
    from another loop must not raise, and the garbage collector closes the sockets (with Python's own
    ResourceWarning, which names the unclosed socket, not ours)."""
    client = AsyncA2E(api_key=sim.token, base_url=sim.base_url, max_retries=0)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(client.tasks.list())
    finally:
        loop.close()

    async def again() -> None:
        await client.tasks.list()
        await client.close()

    errors, _ = _runs([again])
    assert errors == []
    assert _open_after(sim) == 0
