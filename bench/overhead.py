"""Per-call overhead: ``client.tasks.get`` against the same GET made with raw httpx, sync and async.

Both sides use an httpx client with the facade's pool settings (httpx defaults, the facade's default
timeout), talk to the same simulator process and fetch the same task. The raw side sends the bearer
header itself and reads the JSON (``response.json()`` and a look at ``code``), which is the least any
caller does with an answer.

A third side shows the facade's own work alone: raw httpx again, but with the cookie jar of the
facade's pools (``_pools._Cookies``: an answer that sets no cookie skips ``http.cookiejar``, which
costs as much CPU as the facade's own per-call work). The facade against it is an informational row,
with no target: it says how much the facade's code costs, apart from what its pool saves.

The sides take turns call by call (and which goes first rotates every call), so drifts of the
machine hit all alike.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
from _harness import FACE_URL, TASK_PATH, VIDEO_URL, Figure, SimEndpoint, median, percentile, ratio_figure
from a2e_faceswap import A2E, DEFAULT_TIMEOUT, AsyncA2E
from a2e_faceswap._pools import own_async_pool, own_pool

TARGET = 1.05
#: the sides: the facade, raw httpx, raw httpx with the facade's cookie jar
_SIDES = 3


def _raw_headers(sim: SimEndpoint) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.token}"}


def _check(response: httpx.Response) -> dict[str, Any]:
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    if body.get("code") != 0:
        raise RuntimeError(f"unexpected answer {body!r}")
    return body


Times = tuple[list[float], ...]


def _turns(calls: int) -> Iterator[int]:
    """Which side runs next: each once per call, the first one rotating."""
    for i in range(calls):
        for step in range(_SIDES):
            yield (i + step) % _SIDES


def _interleave_sync(calls: int, *sides: Callable[[], object]) -> Times:
    clock = time.perf_counter
    times: Times = tuple([] for _ in sides)
    for side in _turns(calls):
        start = clock()
        sides[side]()
        times[side].append(clock() - start)
    return times


async def _interleave_async(calls: int, *sides: Callable[[], Awaitable[object]]) -> Times:
    clock = time.perf_counter
    times: Times = tuple([] for _ in sides)
    for side in _turns(calls):
        start = clock()
        await sides[side]()
        times[side].append(clock() - start)
    return times


def _info(name: str, value: float, detail: str, data: dict[str, Any]) -> Figure:
    return Figure(
        name=name, value=value, unit="x", target="(informational)", met=None, detail=detail, data=data
    )


def _figures(mode: str, times: Times) -> list[Figure]:
    """The median against raw httpx (the issue's target), and two rows without a target: the p95 (on a
    shared 2-core VM it swings from 1.07x to 1.24x between runs of the same code) and the facade's
    own work (against raw httpx with the facade's cookie jar)."""
    facade, raw, same_jar = times
    calls = len(facade)
    f_med, r_med, j_med = median(facade), median(raw), median(same_jar)
    f_p95, r_p95 = percentile(facade, 0.95), percentile(raw, 0.95)
    return [
        ratio_figure(
            f"tasks.get overhead, {mode}, median",
            f_med / r_med,
            TARGET,
            f"facade {f_med * 1e6:.0f} us vs raw httpx {r_med * 1e6:.0f} us ({calls} calls each)",
            {"facade_seconds": f_med, "raw_seconds": r_med, "calls": calls},
        ),
        _info(
            f"tasks.get overhead, {mode}, p95",
            f_p95 / r_p95,
            f"facade {f_p95 * 1e6:.0f} us vs raw httpx {r_p95 * 1e6:.0f} us",
            {"facade_seconds": f_p95, "raw_seconds": r_p95, "calls": calls},
        ),
        _info(
            f"tasks.get, facade's own work, {mode}, median",
            f_med / j_med,
            f"facade {f_med * 1e6:.0f} us vs raw httpx with the facade's cookie jar {j_med * 1e6:.0f} us",
            {"facade_seconds": f_med, "same_jar_seconds": j_med, "calls": calls},
        ),
    ]


def measure_sync(sim: SimEndpoint, calls: int, warmup: int) -> list[Figure]:
    with (
        A2E(api_key=sim.token, base_url=sim.base_url) as client,
        httpx.Client(base_url=sim.base_url, timeout=DEFAULT_TIMEOUT, headers=_raw_headers(sim)) as raw,
        own_pool(DEFAULT_TIMEOUT, _raw_headers(sim)) as same_jar,
    ):
        task_id = client.tasks.create(face=FACE_URL, video=VIDEO_URL).id
        path = TASK_PATH + task_id

        def facade_call() -> object:
            return client.tasks.get(task_id)

        def raw_call() -> object:
            return _check(raw.get(path))

        def same_jar_call() -> object:
            return _check(same_jar.get(sim.base_url + path))

        _interleave_sync(warmup, facade_call, raw_call, same_jar_call)
        times = _interleave_sync(calls, facade_call, raw_call, same_jar_call)
    return _figures("sync", times)


async def _measure_async(sim: SimEndpoint, calls: int, warmup: int) -> list[Figure]:
    async with (
        AsyncA2E(api_key=sim.token, base_url=sim.base_url) as client,
        httpx.AsyncClient(base_url=sim.base_url, timeout=DEFAULT_TIMEOUT, headers=_raw_headers(sim)) as raw,
        own_async_pool(DEFAULT_TIMEOUT, _raw_headers(sim)) as same_jar,
    ):
        task_id = (await client.tasks.create(face=FACE_URL, video=VIDEO_URL)).id
        path = TASK_PATH + task_id

        async def facade_call() -> object:
            return await client.tasks.get(task_id)

        async def raw_call() -> object:
            return _check(await raw.get(path))

        async def same_jar_call() -> object:
            return _check(await same_jar.get(sim.base_url + path))

        await _interleave_async(warmup, facade_call, raw_call, same_jar_call)
        times = await _interleave_async(calls, facade_call, raw_call, same_jar_call)
    return _figures("async", times)


def measure_async(sim: SimEndpoint, calls: int, warmup: int) -> list[Figure]:
    return asyncio.run(_measure_async(sim, calls, warmup))


def measure(sim: SimEndpoint, calls: int = 2000, warmup: int = 200) -> list[Figure]:
    return measure_sync(sim, calls, warmup) + measure_async(sim, calls, warmup)


if __name__ == "__main__":
    from _harness import simulator_process

    with simulator_process() as endpoint:
        for figure in measure(endpoint):
            print(f"{figure.name:40} {figure.value:.3f}x  {figure.detail}")
