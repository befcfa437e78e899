"""Downloads: constant memory, atomic (no half files), progress; the simulator serves the results."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from a2e_faceswap import APIConnectionError, AsyncA2E, NotFoundError, Task
from a2e_faceswap.testing import FaultKind

from tests.facade.conftest import Env
from tests.facade.support import FACE, FAST, VIDEO, listing

MIB = 1024 * 1024


@pytest.fixture
def result_size(env: Env) -> Iterator[Callable[[int], None]]:
    """Change the size of the results the simulator serves (restored after the test)."""
    size = env.sim.result_size

    def set_size(value: int) -> None:
        env.sim.result_size = value

    yield set_size
    env.sim.result_size = size


async def _completed(api: AsyncA2E) -> Task:
    return await api.tasks.wait(await api.tasks.create(face=FACE, video=VIDEO), **FAST)


async def _download_peak(api: AsyncA2E, task: Task, target: Path) -> int:
    tracemalloc.start()
    try:
        await api.tasks.download(task, target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


async def test_download_runs_in_constant_memory(
    api: AsyncA2E, env: Env, tmp_path: Path, result_size: Callable[[int], None]
) -> None:
    task = await _completed(api)
    result_size(1 * MIB)
    small = await _download_peak(api, task, tmp_path / "small.mp4")
    result_size(16 * MIB)
    big = await _download_peak(api, task, tmp_path / "big.mp4")
    assert (tmp_path / "big.mp4").stat().st_size == 16 * MIB
    # The peak counts the whole process, the simulator's thread included. A file 16 times bigger
    # must not raise it by more than a few chunks.
    assert big < small + MIB // 2, f"peak {big} bytes for 16 MiB, {small} bytes for 1 MiB"
    digest = hashlib.sha256()
    with (tmp_path / "big.mp4").open("rb") as handle:
        while chunk := handle.read(MIB):
            digest.update(chunk)
    assert digest.hexdigest() == env.sim.result_sha256(task.id)


async def test_failed_download_leaves_no_file_and_keeps_the_old_one(
    api: AsyncA2E, env: Env, tmp_path: Path, result_size: Callable[[int], None]
) -> None:
    result_size(4 * MIB)  # big enough that part of it arrives before each reset
    task = await _completed(api)
    target = tmp_path / "result.mp4"
    target.write_bytes(b"previous result")
    env.sim.faults.script("result", [FaultKind.RESET_MID_BODY] * 3)
    progress: list[int] = []
    with pytest.raises(APIConnectionError):
        await api.tasks.download(task, target, lambda done, _total: progress.append(done))
    assert max(progress) > 0  # bytes did arrive, three times
    assert target.read_bytes() == b"previous result"
    assert listing(tmp_path) == ["result.mp4"]


async def test_a_raising_progress_callback_aborts_cleanly(api: AsyncA2E, tmp_path: Path) -> None:
    task = await _completed(api)

    def stop_halfway(done: int, total: int | None) -> None:
        if total and done > total // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await api.tasks.download(task, tmp_path / "x.mp4", stop_halfway)
    assert listing(tmp_path) == []


async def test_download_creates_parent_directories(api: AsyncA2E, env: Env, tmp_path: Path) -> None:
    task = await _completed(api)
    path = await api.tasks.download(task, tmp_path / "a" / "b" / "out.mp4")
    assert path.read_bytes() == env.sim.result_bytes(task.id)


async def test_download_of_a_missing_result_is_not_found(api: AsyncA2E, env: Env, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as caught:
        await api.tasks.download(f"{env.sim.base_url}/results/0123456789abcdef01234567.mp4", tmp_path)
    assert caught.value.operation == "download"
    assert caught.value.snippet == "Not Found"
    assert listing(tmp_path) == []
