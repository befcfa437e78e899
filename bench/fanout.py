"""Async fan-out: N concurrent create+wait workflows, ``AsyncA2E`` against a raw-httpx script doing the
same (POST the task, then GET it every ``poll_interval`` until it completes), with the same pool
settings. Throughput = workflows completed per second of wall time; the rounds alternate sides and the
median round counts. The client process's CPU time per workflow is reported too: it is what the
client itself costs, and it is much less sensitive to a busy machine than wall time."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import httpx
from _harness import CREATE_PATH, FACE_URL, TASK_PATH, VIDEO_URL, Figure, SimEndpoint, median
from a2e_faceswap import DEFAULT_TIMEOUT, AsyncA2E

TARGET = 0.8


async def _facade_round(sim: SimEndpoint, workflows: int, poll: float) -> float:
    async with AsyncA2E(api_key=sim.token, base_url=sim.base_url) as client:

        async def one() -> None:
            task = await client.tasks.create(face=FACE_URL, video=VIDEO_URL)
            done = await client.tasks.wait(task, poll_interval=poll)
            assert done.is_done

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(workflows)))
        return time.perf_counter() - start


def _data(response: httpx.Response) -> dict[str, Any]:
    response.raise_for_status()
    body = response.json()
    if body.get("code") != 0:
        raise RuntimeError(f"unexpected answer {body!r}")
    data: dict[str, Any] = body["data"]
    return data


async def _raw_round(sim: SimEndpoint, workflows: int, poll: float) -> float:
    headers = {"Authorization": f"Bearer {sim.token}"}
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=DEFAULT_TIMEOUT, headers=headers) as raw:

        async def one() -> None:
            body = {"name": f"raw-{secrets.token_hex(6)}", "face_url": FACE_URL, "video_url": VIDEO_URL}
            task = _data(await raw.post(CREATE_PATH, json=body))
            while task["current_status"] != "completed":
                await asyncio.sleep(poll)
                task = _data(await raw.get(TASK_PATH + task["_id"]))

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(workflows)))
        return time.perf_counter() - start


async def _measure(sim: SimEndpoint, workflows: int, rounds: int, poll: float) -> Figure:
    await _facade_round(sim, 20, poll)
    await _raw_round(sim, 20, poll)
    facade: list[float] = []
    raw: list[float] = []
    cpu: dict[str, list[float]] = {"facade": [], "raw": []}
    for i in range(rounds):
        sides = (("facade", _facade_round, facade), ("raw", _raw_round, raw))
        for side, run, sink in sides if i % 2 == 0 else reversed(sides):
            started = time.process_time()
            sink.append(await run(sim, workflows, poll))
            cpu[side].append((time.process_time() - started) / workflows)
    f_rate = workflows / median(facade)
    r_rate = workflows / median(raw)
    f_cpu, r_cpu = median(cpu["facade"]), median(cpu["raw"])
    ratio = f_rate / r_rate
    return Figure(
        name=f"async fan-out, {workflows} create+wait",
        value=ratio,
        unit="x",
        target=f">= {TARGET:.2f}x",
        met=ratio >= TARGET,
        detail=(
            f"facade {f_rate:.0f}/s vs raw httpx {r_rate:.0f}/s (median of {rounds} rounds each); client CPU "
            f"{f_cpu * 1000:.1f} vs {r_cpu * 1000:.1f} ms per workflow"
        ),
        data={
            "facade_cpu_seconds_per_workflow": f_cpu,
            "raw_cpu_seconds_per_workflow": r_cpu,
            "facade_per_second": f_rate,
            "raw_per_second": r_rate,
            "facade_rounds": facade,
            "raw_rounds": raw,
        },
    )


def measure(sim: SimEndpoint, workflows: int = 200, rounds: int = 7, poll: float = 0.05) -> Figure:
    return asyncio.run(_measure(sim, workflows, rounds, poll))


if __name__ == "__main__":
    from _harness import simulator_process

    with simulator_process() as endpoint:
        figure = measure(endpoint)
        print(f"{figure.name}: {figure.value:.3f}x  {figure.detail}  {figure.data}")
