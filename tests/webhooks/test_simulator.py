"""The simulator delivers webhooks by itself, on its clock, to a real local receiver, with faults."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from a2e_faceswap import webhooks
from a2e_faceswap.models import TaskStatus
from a2e_faceswap.testing import SimStats, Simulator

from tests._support.webhooks import FACE, HOOK_TOKEN, VIDEO
from tests.conftest import MakeSim


def _until(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return check()


def _create(sim: Simulator, listener: webhooks.Listener, token: str = HOOK_TOKEN) -> str:
    with sim.client() as client:
        task = client.tasks.create(face=FACE, video=VIDEO, webhook_url=listener.url, webhook_token=token)
    return task.id


def test_a_task_ending_on_advance_is_delivered_without_any_read(
    make_sim: MakeSim, listener: webhooks.Listener
) -> None:
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    task_id = _create(sim, listener)
    time.sleep(0.2)
    assert listener.events == []
    assert sim.stats.webhooks == {}
    sim.clock.advance(31)
    assert _until(lambda: len(listener.events) == 1)
    event = listener.events[0]
    assert (event.task_id, event.event, event.status) == (task_id, "task.completed", TaskStatus.COMPLETED)
    assert event.task is not None
    assert event.task.result_url
    assert sim.stats.requests_to("get_task") == 0
    assert sim.stats.webhooks["delivered"] == 1


def test_a_running_clock_delivers_on_its_own(make_sim: MakeSim, listener: webhooks.Listener) -> None:
    sim = make_sim(webhooks_to_loopback=True, task_seconds=30)  # speed 600: 50 ms
    sim.fail_next_task(error_code="1003", message="no face")
    task_id = _create(sim, listener)
    assert _until(lambda: len(listener.events) == 1)
    event = listener.events[0]
    assert (event.task_id, event.event, event.status) == (task_id, "task.failed", TaskStatus.FAILED)
    assert event.task is not None
    assert event.task.failure_message == "no face"


def test_loopback_needs_the_simulators_permission(make_sim: MakeSim, listener: webhooks.Listener) -> None:
    sim = make_sim(speed=0)
    _create(sim, listener)
    sim.clock.advance(31)
    assert _until(lambda: sim.stats.webhooks["skipped"] == 1)
    time.sleep(0.1)
    assert listener.events == []


def test_dropped_duplicated_and_wrong_token_deliveries(
    make_sim: MakeSim, listener: webhooks.Listener, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    sim.webhook_faults.script(["dropped", "duplicated", "wrong_token"])
    dropped, duplicated, forged = (_create(sim, listener) for _ in range(3))
    sim.clock.advance(31)
    assert _until(lambda: sim.stats.webhooks["rejected"] == 1 and sim.stats.webhooks["delivered"] == 2)
    stats = sim.stats.webhooks
    assert (stats["dropped"], stats["duplicated"], stats["wrong_token"]) == (1, 1, 1)
    assert [e.task_id for e in listener.events] == [duplicated, duplicated]
    assert dropped not in {e.task_id for e in listener.events}
    assert forged not in {e.task_id for e in listener.events}
    assert "refused" in caplog.text
    for secret in (HOOK_TOKEN, sim.token):
        assert secret not in caplog.text


def test_an_early_delivery_comes_while_the_record_says_processing_and_only_once(
    make_sim: MakeSim, listener: webhooks.Listener
) -> None:
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    sim.webhook_faults.add("early")
    task_id = _create(sim, listener)
    sim.clock.advance(16)
    assert _until(lambda: len(listener.events) == 1)
    event = listener.events[0]
    assert event.task_id == task_id
    assert event.task is not None
    assert event.task.status is TaskStatus.PROCESSING
    sim.clock.advance(20)
    time.sleep(0.2)
    assert len(listener.events) == 1


def test_a_delayed_delivery_comes_late(make_sim: MakeSim, listener: webhooks.Listener) -> None:
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    sim.webhook_faults.add("delayed", delay=0.4)
    _create(sim, listener)
    sim.clock.advance(31)
    started = time.monotonic()
    time.sleep(0.2)
    assert listener.events == []
    assert _until(lambda: len(listener.events) == 1)
    assert time.monotonic() - started >= 0.35


def test_a_receiver_that_is_gone_is_counted_unreachable(make_sim: MakeSim) -> None:
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    with webhooks.Listener(HOOK_TOKEN) as gone:
        pass
    _create(sim, gone)
    sim.clock.advance(31)
    assert _until(lambda: sim.stats.webhooks["unreachable"] == 1)


def test_faults_are_drawn_from_the_seed(make_sim: MakeSim, listener: webhooks.Listener) -> None:
    outcomes = []
    for _ in range(2):
        sim = make_sim(speed=0, webhooks_to_loopback=True, seed=7)
        sim.webhook_faults.add("dropped", 0.5)
        for _ in range(8):
            _create(sim, listener)
        sim.clock.advance(31)
        counted = sim.stats

        def settled(counted: SimStats = counted) -> bool:
            return counted.webhooks["delivered"] + counted.webhooks["dropped"] == 8

        assert _until(settled)
        outcomes.append(sim.stats.webhooks)
    assert outcomes[0] == outcomes[1]
    assert 0 < outcomes[0]["dropped"] < 8
