"""The server's life: a free port on 127.0.0.1, a clean stop (no thread or socket left behind), the
open-connections counter, and the ``python -m a2e_faceswap.testing`` entry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from a2e_faceswap.testing import Simulator

from tests.testing.helpers import TASKS, client_for, create_task


def _open_sockets() -> int:
    """Sockets this process holds (Linux: through /proc, like the CI machines)."""
    fd_dir = Path("/proc/self/fd")
    count = 0
    for entry in fd_dir.iterdir():
        try:
            if os.readlink(entry).startswith("socket:"):
                count += 1
        except OSError:
            continue  # closed while we looked
    return count


def _settle(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_stop_leaves_no_thread_and_no_socket_behind() -> None:
    threads_before = threading.active_count()
    sockets_before = _open_sockets()
    sim = Simulator(speed=600)
    sim.start()
    assert sim.running
    assert threading.active_count() >= threads_before + 1
    clients = [client_for(sim) for _ in range(3)]
    for client in clients:
        create_task(client)  # each keeps a keep-alive connection open
    assert sim.stats.open_connections == 3
    # listener, 3 server ends, 3 client ends, and the event loop's self-pipe (a socket pair)
    assert _open_sockets() >= sockets_before + 1 + 3 + 3 + 2
    sim.stop()  # with the clients' connections still open
    assert not sim.running
    # "<=": a thread or socket of an earlier test in this worker may end meanwhile; a leak adds one.
    assert threading.active_count() <= threads_before
    assert sim.stats.open_connections == 0
    for client in clients:
        client.close()
    _settle(lambda: _open_sockets() <= sockets_before)
    assert _open_sockets() <= sockets_before
    with pytest.raises(httpx.ConnectError), httpx.Client() as late:
        late.get(f"{sim.base_url}{TASKS}/status")
    sim.check()


def test_stop_is_idempotent_and_start_is_once() -> None:
    sim = Simulator()
    with pytest.raises(RuntimeError, match="not started"):
        _ = sim.base_url
    sim.stop()  # never started: nothing to do
    with sim:
        assert sim.base_url == f"http://127.0.0.1:{sim.port}"
        with pytest.raises(RuntimeError, match="already started"):
            sim.start()
    sim.stop()
    assert not sim.running


def test_two_simulators_listen_on_different_free_ports() -> None:
    with Simulator(seed=1) as one, Simulator(seed=1) as two:
        assert one.port != two.port
        assert one.token == two.token  # same seed, same token
        with client_for(one) as a, client_for(two) as b:
            assert create_task(a)["_id"] == create_task(b)["_id"]  # same seed, same ids
            assert (
                b.get(f"{TASKS}/status").json()["data"][0]["_id"]
                == a.get(f"{TASKS}/status").json()["data"][0]["_id"]
            )


def test_a_taken_port_is_reported() -> None:
    with Simulator() as first:
        taken = Simulator(port=first.port)
        with pytest.raises(RuntimeError, match="could not listen"):
            taken.start()
        assert not taken.running


def test_repr_and_errors_never_show_the_token(sim: Simulator) -> None:
    assert sim.token not in repr(sim)
    assert sim.token not in repr(sim.stats)
    with httpx.Client(base_url=sim.base_url, headers={"Authorization": "Bearer sk_sim_wrong"}) as client:
        assert "sk_sim_wrong" not in client.get(f"{TASKS}/status").text


async def test_usable_from_async_tests(sim: Simulator) -> None:
    async with httpx.AsyncClient(
        base_url=sim.base_url, headers={"Authorization": f"Bearer {sim.token}"}
    ) as client:
        created = await client.post(
            f"{TASKS}/add",
            json={"name": "async", "face_url": "https://x/f.jpg", "video_url": "https://x/v.mp4"},
        )
        assert created.status_code == 200
        assert (await client.get(f"{TASKS}/{created.json()['data']['_id']}")).status_code == 200


def test_importing_the_client_does_not_import_the_simulator() -> None:
    heavy = ("starlette", "uvicorn", "openapi_core", "yaml", "a2e_faceswap.testing")
    code = f"import sys, a2e_faceswap; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_python_m_entry_serves_until_terminated() -> None:
    command = [
        sys.executable, "-m", "a2e_faceswap.testing",
        "--port", "0", "--seed", "5", "--speed", "600", "--faults", "list_task_statuses=http_503",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines: dict[str, str] = {}
        while len(lines) < 2:
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else "no output"
            key, sep, value = line.strip().partition("=")
            if sep:
                lines[key] = value
        base_url, token = lines["A2E_BASE_URL"], lines["A2E_API_KEY"]
        assert base_url.startswith("http://127.0.0.1:")
        assert token.startswith("sk_sim_")
        with httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        ) as client:
            assert client.get(f"{TASKS}/status").status_code == 503  # the --faults script
            assert client.get(f"{TASKS}/status").status_code == 200
            created = client.post(
                f"{TASKS}/add",
                json={"name": "cli", "face_url": "https://x/f.jpg", "video_url": "https://x/v.mp4"},
            )
            assert created.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_python_m_entry_refuses_a_bad_fault_spec() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "a2e_faceswap.testing", "--port", "0", "--faults", "get_task:nonsense"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "unknown fault kind" in result.stderr
