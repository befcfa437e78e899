"""The simulator against a hostile client (row 16 of issue 9): it must stay up, small and honest.

An API body over the limit is refused (413) before it is read whole, whoever sends it (no token needed);
JSON nested too deep to parse is a 400, not a 500; a ``Range`` that cannot be read is ignored (200, the
whole file) and one past the end is a 416 - never a negative Content-Length or a dropped connection.
Raw sockets where httpx would not send the request as meant; memory measured in a fresh child process.
"""

from __future__ import annotations

import contextlib
import socket

import httpx
import pytest
from a2e_faceswap.testing import Simulator

from tests.conftest import MakeSim
from tests.hostile._child import run_child
from tests.testing.helpers import TASKS, client_for, create_task, error_of

MiB = 1024 * 1024
HUGE = 300 * MiB
#: Peak RSS growth allowed to the simulator's process while a 300 MiB body is thrown at it.
MAX_GROWTH = 50 * MiB


def _status_after_sending(port: int, data: bytes, *, timeout: float = 3.0) -> int | None:
    """Send ``data``; the status code of the answer, or None when none came within ``timeout``."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        answer = b""
        with contextlib.suppress(OSError):  # a server that closed early, or never answered
            sock.sendall(data)
            answer = sock.recv(65536)
    if not answer.startswith(b"HTTP/1.1 "):
        return None
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize("authorized", [False, True], ids=["no token", "token"])
def test_an_oversized_declared_body_is_413_before_it_is_read(make_sim: MakeSim, authorized: bool) -> None:
    sim = make_sim()
    auth = f"Authorization: Bearer {sim.token}\r\n" if authorized else ""
    head = (
        f"POST {TASKS}/add HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\n"
        f"Content-Length: {HUGE}\r\n\r\n"
    ).encode()
    # Only 256 KiB of the 300 MiB are sent: an answer can only come from the declared length.
    assert _status_after_sending(sim.port, head + b"x" * 256 * 1024) == 413
    assert sim.stats.requests_to("create_task") == 1
    assert sim.stats.tasks_created_by_name == {}


def test_an_oversized_chunked_body_is_413_once_past_the_limit(make_sim: MakeSim) -> None:
    sim = make_sim()
    head = (f"POST {TASKS}/add HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
    with socket.create_connection(("127.0.0.1", sim.port), timeout=3) as sock:
        sock.sendall(head)
        answer = b""
        for _ in range(64):  # 4 MiB at most: four times the limit
            try:
                sock.sendall(chunk)
            except OSError:
                break
            sock.setblocking(False)
            try:
                answer = sock.recv(65536)
            except BlockingIOError:
                pass
            except OSError:
                break
            finally:
                sock.setblocking(True)
            if answer:
                break
        if not answer:
            sock.settimeout(2)
            with contextlib.suppress(OSError):  # no answer in time: the assertion below says so
                answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_a_300_mib_body_does_not_grow_the_simulator() -> None:
    """The whole 300 MiB offered, unauthenticated; the simulator's process (a fresh child) stays small."""
    setup = """
        import socket, time
        from a2e_faceswap.testing import Simulator
        sim = Simulator(seed=0, speed=600).start()
        chunk = b"x" * (1024 * 1024)
    """
    body = f"""
        head = (
            "POST /api/v1/userFaceSwapTask/add HTTP/1.1\\r\\nHost: x\\r\\n"
            "Content-Type: application/json\\r\\nContent-Length: {HUGE}\\r\\n\\r\\n"
        ).encode()
        status = None
        with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as sock:
            sock.sendall(head)
            try:
                for _ in range({HUGE // MiB}):
                    sock.sendall(chunk)
            except OSError:
                pass
            try:
                status = int(sock.recv(65536).split(b" ", 2)[1])
            except (OSError, IndexError, ValueError):
                pass
        sim.stop()
        result = status
    """
    outcome = run_child(setup, body, timeout=60)
    assert outcome["growth"] < MAX_GROWTH, f"grew {outcome['growth'] / MiB:.0f} MiB"


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_json_nested_too_deep_is_a_400(make_sim: MakeSim, strict: bool) -> None:
    sim = make_sim(strict=strict)
    deep = b"[" * 100_000 + b"]" * 100_000
    with client_for(sim) as api:
        answer = api.post(f"{TASKS}/add", content=deep, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400
        error_of(answer)
        assert api.get(f"{TASKS}/records", params={"pageNum": 1, "pageSize": 10}).status_code == 200
    assert [v for v in sim.stats.contract_violations if "simulator error" in v] == []
    if strict:  # an off-contract request: recorded, and reported once
        with pytest.raises(AssertionError, match="request body"):
            sim.check()


def _result(sim: Simulator) -> str:
    with client_for(sim) as api:
        task = create_task(api, "ranges")
    sim.clock.advance(3600)
    return f"{sim.base_url}/results/{task['_id']}.mp4"


#: Range header -> (status, Content-Range) the simulator must answer for a 1000-byte file.
RANGES: dict[str, tuple[int, str | None]] = {
    "bytes=5-2": (200, None),  # last before first: not a readable range, so the whole file
    "bytes=-": (200, None),
    "bytes=+1-2": (200, None),
    "bytes=1-2, 4-5": (200, None),
    "bytes=99999999999999999999-": (416, "bytes */1000"),
    "bytes=1000-": (416, "bytes */1000"),
    "bytes=-0": (416, "bytes */1000"),
    "bytes=998-5000": (206, "bytes 998-999/1000"),
    "bytes=-3": (206, "bytes 997-999/1000"),
}


def test_odd_ranges_are_200_206_or_416_never_a_dropped_connection(make_sim: MakeSim) -> None:
    sim = make_sim(speed=0, result_size=1000)
    url = _result(sim)
    whole = sim.result_bytes(url.rsplit("/", 1)[1].partition(".")[0])
    seen: dict[str, object] = {}
    with httpx.Client(timeout=5) as http:
        for range_, (status, _) in RANGES.items():
            try:
                answer = http.get(url, headers={"Range": range_})
            except httpx.HTTPError as exc:  # a dropped connection, a negative Content-Length
                seen[range_] = repr(exc)
                continue
            length = int(answer.headers.get("content-length", "-1"))
            body_ok = answer.content == whole if status == 200 else length == len(answer.content)
            seen[range_] = (answer.status_code, answer.headers.get("content-range"), body_ok or status == 416)
    assert seen == {range_: (*expected, True) for range_, expected in RANGES.items()}
