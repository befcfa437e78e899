"""A batch woken by webhooks (``client.batch.run(..., events=listener)``): the simulator delivers to a
``webhooks.Listener`` on 127.0.0.1; statuses are read on its events, periodically only as the fallback
(every ``FALLBACK_FACTOR`` x poll_interval), and the record read stays the truth."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from a2e_faceswap import Job, RetryPolicy, Task, webhooks
from a2e_faceswap._batch import (
    FALLBACK_FACTOR,
    BatchEvent,
    BatchScheduler,
    Create,
    Download,
    Read,
    Settings,
    Sleep,
)
from a2e_faceswap._journal import Journal
from a2e_faceswap._manifest import rows_from_jobs, task_name
from a2e_faceswap.errors import InvalidInputError
from a2e_faceswap.testing import Simulator

from tests._support.webhooks import HOOK_TOKEN
from tests.batch.test_runs import async_client, check_all_saved, client, jobs
from tests.conftest import MakeSim

#: Seconds between status reads without webhooks: the fallback read comes only after FALLBACK_FACTOR
#: times this (100 s), far beyond what 20 rows take even on a loaded machine (about 30 s at worst seen).
POLL = 10.0


def reads(sim: Simulator) -> int:
    return sim.stats.requests_to("batch_task_detail")


def once_created(sim: Simulator, rows: int, action: Callable[[], object]) -> threading.Thread:
    """Run ``action`` in a thread once the simulator holds ``rows`` tasks (waiting at most 20 s): the
    clock is moved only when every create is in, however slow the machine is."""

    def run() -> None:
        deadline = time.monotonic() + 20.0
        while sum(sim.stats.tasks_created_by_name.values()) < rows and time.monotonic() < deadline:
            time.sleep(0.02)
        action()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_batch_on_webhooks_reads_statuses_only_on_events(
    make_sim: MakeSim, listener: webhooks.Listener, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rows = 20
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    seen: dict[str, int] = {}

    def finish_every_task() -> None:
        seen["reads before"] = reads(sim)
        sim.clock.advance(31)

    timer = once_created(sim, rows, finish_every_task)
    started = time.monotonic()
    with client(sim) as api:
        report = api.batch.run(jobs(rows), tmp_path, events=listener, concurrency=rows, poll_interval=POLL)
    elapsed = time.monotonic() - started
    timer.join()
    assert (report.exit_code, dict(report.counts)) == (0, {"saved": rows})
    check_all_saved(sim, tmp_path)
    assert elapsed < FALLBACK_FACTOR * POLL  # so no periodic read was due: every read came from events
    assert seen["reads before"] == 0
    assert 1 <= reads(sim) <= rows  # deliveries coming together share a read
    assert sim.stats.webhooks["delivered"] == rows
    for secret in (HOOK_TOKEN, sim.token):
        assert secret not in caplog.text
        assert secret not in (tmp_path / "report.csv").read_text(encoding="utf-8")


async def test_the_async_batch_is_woken_too(
    make_sim: MakeSim, listener: webhooks.Listener, tmp_path: Path
) -> None:
    rows = 10
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    timer = once_created(sim, rows, lambda: sim.clock.advance(31))
    started = time.monotonic()
    async with async_client(sim) as api:
        report = await api.batch.run(
            jobs(rows), tmp_path, events=listener, concurrency=rows, poll_interval=POLL
        )
    timer.join()
    assert report.exit_code == 0
    assert time.monotonic() - started < FALLBACK_FACTOR * POLL
    assert 1 <= reads(sim) <= rows


def test_with_half_the_deliveries_dropped_the_fallback_finishes_the_batch(
    make_sim: MakeSim, listener: webhooks.Listener, tmp_path: Path
) -> None:
    rows = 20
    sim = make_sim(webhooks_to_loopback=True)
    sim.webhook_faults.add("dropped", 0.5)
    with client(sim) as api:
        report = api.batch.run(jobs(rows), tmp_path, events=listener, concurrency=rows, poll_interval=0.05)
    assert (report.exit_code, dict(report.counts)) == (0, {"saved": rows})
    check_all_saved(sim, tmp_path)
    assert 0 < sim.stats.webhooks["dropped"] < rows


def test_duplicated_and_early_deliveries_never_save_a_row_twice_or_early(
    make_sim: MakeSim, listener: webhooks.Listener, tmp_path: Path
) -> None:
    rows = 20
    sim = make_sim(webhooks_to_loopback=True, task_seconds=60)  # 0.1 s each at the tests' speed
    sim.webhook_faults.add("duplicated", 0.5)
    sim.webhook_faults.add("early", 0.5)
    events: list[BatchEvent] = []
    wrong: list[str] = []

    def on_event(event: BatchEvent) -> None:
        events.append(event)
        if event.kind == "completed":
            status = {t["_id"]: t["current_status"] for t in sim.tasks()}[event.task_id]
            if status != "completed":
                wrong.append(status)

    with client(sim) as api:
        report = api.batch.run(
            jobs(rows), tmp_path, events=listener, concurrency=rows, poll_interval=0.05, on_event=on_event
        )
    assert report.exit_code == 0
    check_all_saved(sim, tmp_path)
    assert wrong == []
    for kind in ("completed", "saved"):
        assert Counter(e.key for e in events if e.kind == kind) == {r.key: 1 for r in report.rows}
    assert sim.stats.webhooks["duplicated"] > 0
    assert sim.stats.webhooks["early"] > 0


def test_a_verified_unreadable_delivery_costs_exactly_one_read_of_the_tasks_in_flight(
    make_sim: MakeSim, listener: webhooks.Listener, tmp_path: Path
) -> None:
    rows = 5
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    seen: dict[str, int] = {}

    def deliver_garbage_then_finish() -> None:
        seen["before"] = reads(sim)
        answer = httpx.post(listener.url, content=b"not json", headers={webhooks.HEADER: HOOK_TOKEN})
        seen["status"] = answer.status_code
        deadline = time.monotonic() + 10.0  # the read it asks for comes at once; a loaded machine is slow
        while reads(sim) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        seen["after"] = reads(sim)
        sim.clock.advance(31)

    timer = once_created(sim, rows, deliver_garbage_then_finish)
    with client(sim) as api:
        report = api.batch.run(jobs(rows), tmp_path, events=listener, concurrency=rows, poll_interval=3.0)
    timer.join()
    assert report.exit_code == 0
    assert seen == {"before": 0, "status": 204, "after": 1}
    assert sim.stats.requests_to("get_task") == 0


def test_a_forged_delivery_wakes_nothing(
    make_sim: MakeSim, listener: webhooks.Listener, tmp_path: Path
) -> None:
    sim = make_sim(speed=0, webhooks_to_loopback=True)
    seen: dict[str, int] = {}

    def forge_then_finish() -> None:
        answer = httpx.post(listener.url, content=b"{}", headers={webhooks.HEADER: "not-the-token"})
        seen["status"] = answer.status_code
        time.sleep(0.3)
        seen["reads"] = reads(sim)
        sim.clock.advance(31)

    timer = once_created(sim, 3, forge_then_finish)
    with client(sim) as api:
        report = api.batch.run(jobs(3), tmp_path, events=listener, concurrency=3, poll_interval=3.0)
    timer.join()
    assert report.exit_code == 0
    assert seen == {"status": 401, "reads": 0}


def test_webhook_arguments_are_checked_before_anything_is_sent(sim: Simulator, tmp_path: Path) -> None:
    with client(sim) as api:
        with pytest.raises(InvalidInputError, match="events"):
            api.batch.run(jobs(2), tmp_path, webhook_url="https://hooks.example.com/a2e")
        with pytest.raises(InvalidInputError, match="Listener"):
            api.batch.run(jobs(2), tmp_path, events="http://127.0.0.1:9/")  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="not started"):
            api.batch.run(jobs(2), tmp_path, events=webhooks.Listener(HOOK_TOKEN))
    assert sum(sim.stats.requests.values()) == 0


# ------------------------------------------------------------ the machine alone (no I/O but its journal)


def _task(task_id: str, status: str = "processing") -> Task:
    wire: dict[str, object] = {"_id": task_id, "current_status": status}
    if status == "completed":
        wire["result_url"] = f"https://cdn.example/{task_id}.mp4"
    return Task.from_wire(wire)


def test_the_machine_reads_only_the_evented_tasks_and_falls_back_every_ten_intervals(tmp_path: Path) -> None:
    wall = [1_800_000_000.0]
    jobs_ = [Job(f"https://x.example/f{n}.jpg", "https://x.example/v.mp4") for n in range(3)]
    with Journal.open(tmp_path / "j.sqlite", batch_id="b1") as journal:
        journal.sync_rows(rows_from_jobs(jobs_, tmp_path))
        scheduler = BatchScheduler(
            journal,
            Settings(concurrency=3, poll_interval=5.0, events=True),
            RetryPolicy(jitter=0.0),
            lambda key, attempt: task_name("b1", key, attempt),
            now=lambda: wall[0],
        )
        scheduler.cost = 1.0  # a quote answered: no balance reads between the statuses
        ids, keys = [], []
        for number in range(3):
            action = scheduler.next()
            assert isinstance(action, Create)
            ids.append(f"65ab{number:020x}")
            keys.append(action.key)
            scheduler.created(action.key, _task(ids[-1]))
        assert scheduler.next() == Sleep(FALLBACK_FACTOR * 5.0)
        scheduler.evented([ids[1].upper(), "65abffffffffffffffffffff"])  # any case; a stranger ignored
        assert scheduler.next() == Read((ids[1],))
        scheduler.read({ids[1]: _task(ids[1])})  # early: the record still says processing
        assert scheduler.counts() == {"created": 3}
        scheduler.evented([ids[1], ids[1]])
        assert scheduler.next() == Read((ids[1],))  # duplicates while in flight: one read
        scheduler.read({ids[1]: _task(ids[1], "completed")})
        assert isinstance(scheduler.next(), Download)
        scheduler.saved(keys[1], str(tmp_path / "out.mp4"))
        scheduler.evented([ids[1]])  # the row moved on: nothing to read
        assert isinstance(scheduler.next(), Sleep)
        scheduler.evented(None)  # an unreadable delivery: every task in flight, in one read
        assert scheduler.next() == Read((ids[0], ids[2]))
        assert isinstance(scheduler.next(), Sleep)
        wall[0] += FALLBACK_FACTOR * 5.0
        assert scheduler.next() == Read((ids[0], ids[2]))  # the periodic fallback
