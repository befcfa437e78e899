"""tasks.wait(task, events=listener): woken by deliveries, confirmed by one read, polling as the net."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest
from a2e_faceswap import webhooks
from a2e_faceswap.errors import InvalidInputError
from a2e_faceswap.models import Task, TaskStatus
from a2e_faceswap.testing import Simulator

from tests._support.webhooks import FACE, HOOK_TOKEN, VIDEO
from tests.conftest import MakeSim


def _later(seconds: float, action: object) -> threading.Timer:
    timer = threading.Timer(seconds, action)  # type: ignore[arg-type]
    timer.start()
    return timer


def _after_reads(sim: Simulator, reads: int, action: Callable[[], object]) -> threading.Thread:
    """Run ``action`` in a thread once the wait has polled ``reads`` times (waiting at most 20 s). A
    wait that moves on only then shows, by its request count and not by a stopwatch, what woke it: with
    poll_interval=60 its next poll would come after the test's 30 s wait timeout."""

    def run() -> None:
        deadline = time.monotonic() + 20.0
        while sim.stats.requests_to("get_task") < reads and time.monotonic() < deadline:
            time.sleep(0.02)
        action()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _create(sim: Simulator, listener: webhooks.Listener) -> Task:
    with sim.client() as client:
        return client.tasks.create(face=FACE, video=VIDEO, webhook_url=listener.url, webhook_token=HOOK_TOKEN)


@pytest.mark.parametrize("fault", [None, "duplicated"])
def test_a_wait_returns_right_after_the_delivery_with_one_confirming_read(
    make_sim: MakeSim, listener: webhooks.Listener, fault: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    if fault:
        sim.webhook_faults.add(fault)
    task = _create(sim, listener)
    timer = _after_reads(sim, 1, lambda: sim.clock.advance(31))  # the first poll found it running
    with sim.client() as client:
        done = client.tasks.wait(task, events=listener, poll_interval=60, timeout=30)
    timer.join()
    assert (done.id, done.status) == (task.id, TaskStatus.COMPLETED)
    assert sim.stats.requests_to("get_task") == 2  # that first poll, then one confirming read
    for secret in (HOOK_TOKEN, sim.token):
        assert secret not in caplog.text


async def test_the_async_wait_is_woken_too(make_sim: MakeSim, listener: webhooks.Listener) -> None:
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    task = _create(sim, listener)
    timer = _after_reads(sim, 1, lambda: sim.clock.advance(31))
    async with sim.async_client() as client:
        done = await client.tasks.wait(task, events=listener, poll_interval=60, timeout=30)
    timer.join()
    assert done.status is TaskStatus.COMPLETED
    assert sim.stats.requests_to("get_task") == 2


def test_with_half_the_deliveries_dropped_every_wait_still_returns_its_task(
    make_sim: MakeSim, listener: webhooks.Listener
) -> None:
    sim = make_sim(webhooks_to_loopback=True, task_seconds=60)  # speed 600: 0.1 s each
    sim.webhook_faults.add("dropped", 0.5)
    tasks = [_create(sim, listener) for _ in range(6)]
    with sim.client() as client:
        done = [client.tasks.wait(t, events=listener, poll_interval=0.3, timeout=20) for t in tasks]
    assert [(d.id, d.status) for d in done] == [(t.id, TaskStatus.COMPLETED) for t in tasks]
    assert 0 < sim.stats.webhooks["dropped"] < 6


def test_an_early_event_costs_one_read_and_never_ends_the_wait(
    make_sim: MakeSim, listener: webhooks.Listener
) -> None:
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    sim.webhook_faults.add("early")
    task = _create(sim, listener)
    seen: list[str] = []
    early = _later(0.1, lambda: sim.clock.advance(16))
    late = _later(0.5, lambda: sim.clock.advance(20))
    with sim.client() as client:
        done = client.tasks.wait(
            task,
            events=listener,
            poll_interval=1.5,
            timeout=30,
            on_update=lambda t: seen.append(t.raw_status),
        )
    early.join()
    late.join()
    assert done.status is TaskStatus.COMPLETED
    assert seen[-1] == "completed"
    assert seen.count("completed") == 1
    assert "processing" in seen  # the early event's read found it running and the wait went on
    assert len(listener.events) == 1


def test_a_forged_delivery_wakes_nothing_and_polling_still_finishes(
    make_sim: MakeSim, listener: webhooks.Listener
) -> None:
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    sim.webhook_faults.add("wrong_token")
    task = _create(sim, listener)
    timer = _later(0.1, lambda: sim.clock.advance(31))
    with sim.client() as client:
        done = client.tasks.wait(task, events=listener, poll_interval=0.5, timeout=30)
    timer.join()
    assert done.status is TaskStatus.COMPLETED
    assert sim.stats.webhooks["rejected"] == 1
    assert listener.events == []


def test_an_unreadable_delivery_wakes_the_wait_for_one_read(make_sim: MakeSim) -> None:
    sim = make_sim(speed=0)
    listener = webhooks.Listener(HOOK_TOKEN)  # not serving: fed by hand, as from a mounted app

    def finish_then_deliver_garbage() -> None:
        sim.clock.advance(31)
        listener.deliver(webhooks.WebhookEvent(task_id=None))

    with sim.client() as client:
        task = client.tasks.create(face=FACE, video=VIDEO)
        timer = _after_reads(sim, 1, finish_then_deliver_garbage)
        done = client.tasks.wait(task, events=listener, poll_interval=60, timeout=30)
    timer.join()
    assert done.status is TaskStatus.COMPLETED
    assert sim.stats.requests_to("get_task") == 2  # the first poll, then the read the event asked for


def test_events_must_be_a_listener(sim: Simulator) -> None:
    with sim.client() as client, pytest.raises(InvalidInputError):
        client.tasks.wait("0123456789abcdef01234567", events="http://x")  # type: ignore[arg-type]
