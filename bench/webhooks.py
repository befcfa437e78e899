"""Webhooks (issue 13): how late ``tasks.wait()`` returns after a task completes, woken by the
simulator's deliveries (``events=listener``) or by polling alone, and the status reads each costs.

Both cases run at the same time, each on its own threaded simulator in this process (so their request
counters stay apart), with the same tasks: ``TASK_REAL`` real seconds each, created ``STAGGER`` s
apart so that completions (and deliveries) do not all land on the same instant. The webhook case
waits with ``poll_interval=FALLBACK`` (polling is only the safety net), the polling case with
``POLL``. Each wait starts a share of ``POLL`` after its create (0 for the first task, almost ``POLL``
for the last), as if the tasks' lengths varied: otherwise every task would end at the same point
between two polls and the polling lag would be one number repeated. Faults off: every delivery
arrives.

The lag is measured from the instant the simulator completes the task to ``wait()`` returning. That
instant is on the simulator's clock (``completed_time`` of the returned record, simulated seconds
after ``clock.epoch``) and is turned into this process's monotonic time through one pair of readings
(``clock.now()``, ``time.monotonic()``) taken together: the clock runs at a constant speed, nobody
advances it here. Status reads are ``get_task`` and ``batch_task_detail`` counted by each simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from _harness import FACE_URL, VIDEO_URL, Figure, fmt, median, percentile
from a2e_faceswap import AsyncA2E, webhooks
from a2e_faceswap.models import Task
from a2e_faceswap.testing import Simulator

TASK_SECONDS = 60.0  # simulated
TASK_REAL = 10.0  # real seconds per task
STAGGER = 0.2  # real seconds between two creates
POLL = 5.0  # the polling case's poll_interval
FALLBACK = 60.0  # the webhook case's poll_interval (longer than a task: no periodic read is due)
LAG_TARGET_MS = 50.0
HOOK_TOKEN = "bench-webhook-token-3f9a1c"  # noqa: S105 - a made-up token for the local listener
STATUS_ROUTES = ("get_task", "batch_task_detail")


class _Anchor:
    """Turns a simulated instant into this process's monotonic time (constant speed, no advances)."""

    def __init__(self, sim: Simulator) -> None:
        before = time.monotonic()
        sim_now = sim.clock.now()
        after = time.monotonic()
        self._mono = (before + after) / 2
        self._sim = sim_now
        self._speed = sim.clock.speed
        self._epoch = sim.clock.epoch

    def completed(self, task: Task) -> float:
        if task.completed_at is None:
            raise RuntimeError(f"task {task.id} returned without completed_time")
        sim_done = (task.completed_at - self._epoch).total_seconds()
        return self._mono + (sim_done - self._sim) / self._speed


def _simulator() -> Simulator:
    return Simulator(
        seed=0,
        speed=TASK_SECONDS / TASK_REAL,
        task_seconds=TASK_SECONDS,
        credits=10_000_000,
        check_contract=False,
        webhooks_to_loopback=True,
    )


async def _case(sim: Simulator, tasks: int, listener: webhooks.Listener | None) -> list[float]:
    """Lags (seconds) of ``tasks`` create + wait, the creates ``STAGGER`` s apart."""
    anchor = _Anchor(sim)
    lags: list[float] = []
    async with AsyncA2E(api_key=sim.token, base_url=sim.base_url) as client:

        async def one(i: int) -> None:
            await asyncio.sleep(i * STAGGER)
            if listener is None:
                task = await client.tasks.create(face=FACE_URL, video=VIDEO_URL)
                await asyncio.sleep(POLL * i / tasks)
                done = await client.tasks.wait(task, poll_interval=POLL)
            else:
                task = await client.tasks.create(
                    face=FACE_URL, video=VIDEO_URL, webhook_url=listener.url, webhook_token=HOOK_TOKEN
                )
                await asyncio.sleep(POLL * i / tasks)
                done = await client.tasks.wait(task, poll_interval=FALLBACK, events=listener)
            returned = time.monotonic()
            if not done.is_done:
                raise RuntimeError(f"task {done.id} ended {done.raw_status}")
            lags.append(returned - anchor.completed(done))

        await asyncio.gather(*(one(i) for i in range(tasks)))
    return lags


def _reads(sim: Simulator) -> int:
    return sum(sim.stats.requests_to(route) for route in STATUS_ROUTES)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def measure(quick: bool = False) -> list[Figure]:
    tasks = 20 if quick else 50
    with _simulator() as hooked, _simulator() as polled, webhooks.Listener(HOOK_TOKEN) as listener:

        async def both() -> tuple[list[float], list[float]]:
            return await asyncio.gather(_case(hooked, tasks, listener), _case(polled, tasks, None))

        hook_lags, poll_lags = asyncio.run(both())
        hook_reads, poll_reads = _reads(hooked) / tasks, _reads(polled) / tasks
        deliveries = hooked.stats.webhooks
    hook_median, hook_p95 = _ms(median(hook_lags)), _ms(percentile(hook_lags, 0.95))
    poll_median, poll_p95 = _ms(median(poll_lags)), _ms(percentile(poll_lags, 0.95))
    setup = (
        f"{tasks} tasks of {TASK_REAL:g} s, created {STAGGER:g} s apart, webhooks and polling side by side"
    )
    data: dict[str, Any] = {
        "tasks": tasks,
        "task_seconds_real": TASK_REAL,
        "webhooks": {
            "median_ms": hook_median,
            "p95_ms": hook_p95,
            "reads_per_task": hook_reads,
            "poll_interval": FALLBACK,
            "deliveries": dict(deliveries),
        },
        "polling": {
            "median_ms": poll_median,
            "p95_ms": poll_p95,
            "reads_per_task": poll_reads,
            "poll_interval": POLL,
        },
    }
    return [
        Figure(
            name="webhooks, lag completion -> wait() (median)",
            value=hook_median,
            unit="ms",
            target=f"<= {LAG_TARGET_MS:g} ms",
            met=hook_median <= LAG_TARGET_MS,
            detail=(
                f"p95 {hook_p95:g} ms; polling every {POLL:g} s: median {poll_median:g} ms, p95 "
                f"{poll_p95:g} ms ({setup}; webhook fallback poll_interval {FALLBACK:g} s; "
                f"{deliveries['delivered']} deliveries)"
            ),
            data=data,
        ),
        Figure(
            name="webhooks, status reads per task",
            value=hook_reads,
            unit="requests",
            target="<= 2",
            met=hook_reads <= 2,
            detail=(
                f"get_task + batch_task_detail: the first look (1 s after wait() starts) and one "
                f"confirming read per delivery; polling every {POLL:g} s: {poll_reads:.2f} per task ({setup})"
            ),
            data=data,
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Webhook figures of issue 13.")
    parser.add_argument("--quick", action="store_true", help="20 tasks instead of 50")
    for figure in measure(parser.parse_args().quick):
        print(f"{figure.name}: {fmt(figure.value, figure.unit)}  {figure.detail}")
