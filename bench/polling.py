"""Polling economy: GETs ``wait()`` sends per completed task, against the fewest a poller at the same
``poll_interval`` needs for the task's duration: ceil(duration / poll_interval) - it cannot see the
task done before it is, and each poll costs one GET. Counted by the simulator (``stats``), not by the
client. Also reported: how late ``wait()`` returned after the task completed (its intervals grow, so
fewer polls are paid for with a little lag)."""

from __future__ import annotations

import asyncio
import math
import time

from _harness import FACE_URL, VIDEO_URL, Figure, median
from a2e_faceswap import AsyncA2E
from a2e_faceswap.testing import Simulator


async def _run(sim: Simulator, tasks: int, poll: float, real_duration: float) -> list[float]:
    lags: list[float] = []
    async with AsyncA2E(api_key=sim.token, base_url=sim.base_url) as client:

        async def one() -> None:
            task = await client.tasks.create(face=FACE_URL, video=VIDEO_URL)
            created = time.perf_counter()
            done = await client.tasks.wait(task, poll_interval=poll)
            assert done.is_done
            lags.append(time.perf_counter() - created - real_duration)

        await asyncio.gather(*(one() for _ in range(tasks)))
    return lags


def measure(tasks: int = 20, poll: float = 0.1, real_duration: float = 1.0) -> Figure:
    task_seconds = 60.0
    with Simulator(
        seed=0, speed=task_seconds / real_duration, task_seconds=task_seconds, check_contract=False
    ) as sim:
        lags = asyncio.run(_run(sim, tasks, poll, real_duration))
        gets = sim.stats.requests_to("get_task")
        created = sum(sim.stats.tasks_created_by_name.values())
    per_task = gets / created
    minimum = math.ceil(real_duration / poll)
    return Figure(
        name="polling economy, GETs per task",
        value=per_task,
        unit="requests",
        target=f"<= minimum + 1 = {minimum + 1}",
        met=per_task <= minimum + 1,
        detail=(
            f"{per_task:.2f} GETs per task vs minimum {minimum} (task {real_duration:g} s, poll_interval "
            f"{poll:g} s, {tasks} tasks); returned {median(lags) * 1000:.0f} ms after completion (median)"
        ),
        data={
            "gets_per_task": per_task,
            "minimum": minimum,
            "tasks": tasks,
            "median_lag_seconds": median(lags),
        },
    )


if __name__ == "__main__":
    figure = measure()
    print(f"{figure.name}: {figure.value:.2f}  {figure.detail}")
