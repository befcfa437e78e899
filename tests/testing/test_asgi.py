"""The simulator in process: an ASGI app for ``AsyncA2E`` through ``httpx.ASGITransport``.

What it serves there and what it refuses (socket faults, a sync client) is documented on ``Simulator``
and in the README ("In process").
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2e_faceswap import APITimeoutError, AsyncA2E, RetryPolicy
from a2e_faceswap.testing import (
    IN_PROCESS_BASE_URL,
    SOCKET_FAULTS,
    ContractViolationError,
    FaultKind,
    Simulator,
)

from tests.testing.helpers import FACE, TASKS, VIDEO

FAST_RETRIES = RetryPolicy(max_retries=5, initial_delay=0.01, max_delay=0.02)


def _in_process(**options: Any) -> Simulator:
    return Simulator(**{"seed": 0, "speed": 600.0, "result_size": 64 * 1024, "in_process": True, **options})


async def test_whole_workflow_in_process(tmp_path: Path) -> None:
    face = tmp_path / "me.jpg"
    face.write_bytes(b"\xff\xd8\xff\xe0 a face")
    with _in_process() as sim:
        assert sim.base_url == IN_PROCESS_BASE_URL
        async with sim.async_client() as client:
            result = await client.tasks.run(face=face, video=VIDEO, download_to=tmp_path, poll_interval=0.02)
        assert result.path is not None
        assert result.path.read_bytes() == sim.result_bytes(result.task.id)
        routes = {route for route, status in sim.stats.requests if status == 200}
        assert {"create_upload_url", "upload_put", "create_task", "get_task", "result"} <= routes
        assert (sim.stats.connections_total, sim.stats.open_connections) == (0, 0)  # no socket at all


async def test_a_client_of_ones_own_on_sim_asgi() -> None:
    """The README's alternative: the user's own httpx.AsyncClient over ASGITransport, via http_client=."""
    with _in_process() as sim:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.asgi))
        async with http, AsyncA2E(api_key=sim.token, base_url=sim.base_url, http_client=http) as client:
            task = await client.tasks.create(face=FACE, video=VIDEO, name="own")
            assert (await client.tasks.get(task.id)).id == task.id
        assert sim.stats.tasks_created_by_name["own"] == 1


async def test_faults_without_a_socket_work_in_process() -> None:
    with _in_process() as sim:
        sim.faults.script(
            "get_task",
            [FaultKind.HTTP_503, FaultKind.CODE_BUSY, FaultKind.HTTP_502_HTML, (FaultKind.SLOW, 0.05)],
        )
        async with sim.async_client(retry_policy=FAST_RETRIES) as client:
            task = await client.tasks.create(face=FACE, video=VIDEO)
            assert (await client.tasks.get(task.id)).id == task.id
        assert [kind for _, kind in sim.faults.history] == [
            FaultKind.HTTP_503,
            FaultKind.CODE_BUSY,
            FaultKind.HTTP_502_HTML,
            FaultKind.SLOW,
        ]
        # one attempt each: 503, CODE_BUSY (under 200), the 502 page, then SLOW's late normal answer
        assert sim.stats.requests[("get_task", 503)] == sim.stats.requests[("get_task", 502)] == 1
        assert sim.stats.requests[("get_task", 200)] == 2


async def test_a_slow_answer_is_waited_out_in_process() -> None:
    """ASGITransport cannot interrupt the app: the answer comes whole, late, and is then a timeout."""
    with _in_process() as sim:
        sim.faults.script("get_task", [(FaultKind.SLOW, 0.3)])
        async with sim.async_client(max_retries=0) as client:
            task = await client.tasks.create(face=FACE, video=VIDEO)
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                await client.tasks.get(task.id, timeout=0.05)
            assert time.monotonic() - started >= 0.3


def test_socket_faults_are_the_three_resets() -> None:
    assert {FaultKind.RESET, FaultKind.APPLIED_THEN_RESET, FaultKind.RESET_MID_BODY} == SOCKET_FAULTS
    assert all(kind.needs_socket == (kind in SOCKET_FAULTS) for kind in FaultKind)


@pytest.mark.parametrize("kind", sorted(SOCKET_FAULTS))
def test_socket_faults_are_refused_in_process(kind: FaultKind) -> None:
    with pytest.raises(ValueError, match=f"'{kind.value}' needs a socket: .*threaded server"):
        Simulator(in_process=True, faults=f"create_task:{kind.value}")
    with pytest.raises(ValueError, match="needs a socket"):
        Simulator(in_process=True, faults=f"result=none/{kind.value}")
    with _in_process() as sim:
        with pytest.raises(ValueError, match="needs a socket"):
            sim.faults.add(kind, "get_task", 0.5)
        with pytest.raises(ValueError, match="needs a socket"):
            sim.faults.script("result", [None, kind])
        with pytest.raises(ValueError, match="needs a socket"):
            sim.faults.add_spec(f"*:{kind.value}:0.1")
        assert sim.faults.rules == []
        assert sim.faults.pending_script("result") == []
    # the threaded server takes them
    Simulator(faults=f"create_task:{kind.value}").faults.add(kind, "get_task")


def test_other_faults_are_accepted_in_process() -> None:
    with _in_process() as sim:
        for kind in FaultKind:
            if not kind.needs_socket:
                sim.faults.add(kind, "get_task", 0.0)
        assert len(sim.faults.rules) == len(FaultKind) - len(SOCKET_FAULTS)


async def test_contract_is_checked_in_process() -> None:
    sim = _in_process().start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=sim.asgi),
            base_url=sim.base_url,
            headers={"Authorization": f"Bearer {sim.token}"},
        ) as http:
            answer = await http.post(f"{TASKS}/add", json={"face_url": FACE, "video_url": VIDEO})
        assert answer.status_code == 400
        assert "contract violation" in answer.json()["msg"]
    finally:
        sim.stop()
    with pytest.raises(ContractViolationError, match="'name' is a required property"):
        sim.check()


def test_what_an_in_process_simulator_has_not() -> None:
    sim = _in_process()
    with pytest.raises(RuntimeError, match="not started"):
        _ = sim.asgi
    with sim:
        assert sim.running
        with pytest.raises(RuntimeError, match="AsyncA2E only"):
            sim.client()
        with pytest.raises(RuntimeError, match="no port"):
            _ = sim.port
        with pytest.raises(RuntimeError, match="already started"):
            sim.start()
    assert not sim.running
    with Simulator() as threaded, pytest.raises(RuntimeError, match="in_process=True"):
        _ = threaded.asgi
