"""How many detail GETs (``GET /api/v1/userFaceSwapTask/{_id}``) per second the simulator answers on loopback.

Two set-ups, each with and without contract checking:

- server: the simulator in its own process (``python -m a2e_faceswap.testing``), loaded by several client
  processes with keep-alive httpx clients. This is the simulator's capacity; it should stay well above
  what one client process asks of it, so benchmarks measure the client.
- in-process: ``Simulator`` in a background thread and one sync httpx client in the same process (they
  share the GIL), the way most tests use it.

For the first set-up it also prints the CPU time the simulator process spends per request next to the
CPU time of the (raw httpx) client per request: the steadiest figure on a busy machine, and the one that
says whether the client or the simulator is the bottleneck.

Usage: ``python bench/sim_capacity.py [--seconds 3] [--clients 2]``. Prints one line per figure (Linux:
the CPU figures read /proc).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from a2e_faceswap.testing import Simulator

TASK = {
    "name": "capacity",
    "face_url": "https://media.example.com/f.jpg",
    "video_url": "https://media.example.com/v.mp4",
}


def _create_task(client: httpx.Client) -> str:
    response = client.post("/api/v1/userFaceSwapTask/add", json=TASK)
    response.raise_for_status()
    task_id: str = response.json()["data"]["_id"]
    return task_id


def _hammer(base_url: str, token: str, seconds: float) -> float:
    """Detail GETs per second one keep-alive client manages for ``seconds`` (after a short warm-up)."""
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        path = f"/api/v1/userFaceSwapTask/{_create_task(client)}"
        for _ in range(50):
            client.get(path)
        count = 0
        started = time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            client.get(path).raise_for_status()
            count += 1
        return count / elapsed


@contextlib.contextmanager
def _server_process(contract: bool) -> Iterator[tuple[int, str, str]]:
    """A simulator process: (pid, base_url, token); terminated on exit."""
    command = [sys.executable, "-m", "a2e_faceswap.testing", "--port", "0", "--credits", "1000000"]
    if not contract:
        command.append("--no-contract")
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        found: dict[str, str] = {}
        while len(found) < 2:
            line = server.stdout.readline()
            if not line:
                raise RuntimeError("the simulator process exited before printing its address")
            key, sep, value = line.strip().partition("=")
            if sep:
                found[key] = value
        yield server.pid, found["A2E_BASE_URL"], found["A2E_API_KEY"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_request(*, contract: bool, requests: int = 3000) -> tuple[float, float]:
    """(simulator, client) CPU microseconds per detail GET, one raw httpx client, simulator in its process."""
    with (
        _server_process(contract) as (pid, base_url, token),
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client,
    ):
        path = f"/api/v1/userFaceSwapTask/{_create_task(client)}"
        for _ in range(100):
            client.get(path)
        server_before, client_before = _cpu_seconds(pid), time.process_time()
        for _ in range(requests):
            client.get(path).raise_for_status()
        server_cpu = _cpu_seconds(pid) - server_before
        client_cpu = time.process_time() - client_before
    return server_cpu / requests * 1e6, client_cpu / requests * 1e6


def server_capacity(*, contract: bool, clients: int, seconds: float) -> float:
    """Requests/second of a simulator process under ``clients`` client processes."""
    with (
        _server_process(contract) as (_, base_url, token),
        multiprocessing.get_context("spawn").Pool(clients) as pool,
    ):
        return sum(pool.starmap(_hammer, [(base_url, token, seconds)] * clients))


def in_process(*, contract: bool, seconds: float) -> float:
    """Requests/second of one client against a Simulator thread in the same process."""
    with Simulator(check_contract=contract, credits=1_000_000) as sim:
        return _hammer(sim.base_url, sim.token, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per figure")
    parser.add_argument("--clients", type=int, default=2, help="client processes loading the server")
    args = parser.parse_args()
    for contract in (False, True):
        label = "contract checking on " if contract else "contract checking off"
        server_us, client_us = cpu_per_request(contract=contract)
        print(
            f"cpu        {label}: simulator {server_us:5.0f} us/request, raw httpx client {client_us:5.0f} us"
        )
        rate = server_capacity(contract=contract, clients=args.clients, seconds=args.seconds)
        print(f"server     {label}: {rate:7.0f} requests/s ({args.clients} client processes)")
        rate = in_process(contract=contract, seconds=args.seconds)
        print(f"in-process {label}: {rate:7.0f} requests/s (1 client, same process)")


if __name__ == "__main__":
    main()
