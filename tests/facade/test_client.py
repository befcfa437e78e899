"""The client object itself: per-call timeouts that leave the shared pool alone, with_options copies
sharing one pool, closing, and async callbacks."""

from __future__ import annotations

import asyncio

import pytest
from a2e_faceswap import APITimeoutError, AsyncA2E, Task
from a2e_faceswap.testing import FaultKind

from tests.facade.conftest import Env, MakeApi
from tests.facade.support import FACE, FAST, VIDEO, unwrap


async def test_a_per_call_timeout_does_not_change_the_client(make_api: MakeApi, env: Env) -> None:
    api = make_api(timeout=5.0, max_retries=0)
    task = await api.tasks.create(face=FACE, video=VIDEO)
    env.sim.faults.add(FaultKind.SLOW, route="get_task", times=2, delay=0.4)
    with pytest.raises(APITimeoutError):
        await api.tasks.get(task.id, timeout=0.1)
    assert (await api.tasks.get(task.id)).id == task.id  # slow again, but within the client's 5 s
    assert api.timeout == 5.0
    assert unwrap(api)._api.http.timeout.read == 5.0


async def test_with_options_copies_share_one_pool(make_api: MakeApi, env: Env) -> None:
    api = make_api(timeout=5.0)
    quick = api.with_options(timeout=0.1, max_retries=0)
    assert unwrap(quick)._api.http is unwrap(api)._api.http
    task = await api.tasks.create(face=FACE, video=VIDEO)
    env.sim.faults.add(FaultKind.SLOW, route="get_task", times=2, delay=0.4)
    with pytest.raises(APITimeoutError):
        await quick.tasks.get(task.id)
    assert (await api.tasks.get(task.id)).id == task.id


async def _settle(env: Env, wanted: int) -> int:
    """The simulator's open connection count, once it reached ``wanted`` (or after 2 s)."""
    for _ in range(200):
        if env.sim.stats.open_connections == wanted:
            break
        await asyncio.sleep(0.01)
    return env.sim.stats.open_connections


async def test_closing_the_client_closes_its_connections(make_api: MakeApi, env: Env) -> None:
    idle = await _settle(env, 0)
    async with make_api() as api:
        await api.tasks.list()
        assert env.sim.stats.open_connections > idle
    assert await _settle(env, idle) == idle


async def test_async_on_update_may_be_a_coroutine(env: Env) -> None:
    seen: list[str] = []

    async def record(task: Task) -> None:
        await asyncio.sleep(0)
        seen.append(task.raw_status)

    async with AsyncA2E(api_key=env.token, base_url=env.sim.base_url) as api:
        done = await api.tasks.wait(await api.tasks.create(face=FACE, video=VIDEO), on_update=record, **FAST)
    assert done.is_done
    assert seen[0] == "initialized"
    assert seen[-1] == "completed"


async def test_concurrent_async_calls_share_the_client(env: Env) -> None:
    async with AsyncA2E(api_key=env.token, base_url=env.sim.base_url) as api:
        tasks = await asyncio.gather(*(api.tasks.create(face=FACE, video=VIDEO) for _ in range(5)))
        assert len({t.name for t in tasks}) == 5
        done = await asyncio.gather(*(api.tasks.wait(t, **FAST) for t in tasks))
        assert all(t.is_done for t in done)
