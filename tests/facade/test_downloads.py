"""Downloads: constant memory, atomic (no half files), progress; the simulator serves the results."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections import Counter
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


@pytest.fixture
def no_ranges(env: Env) -> Iterator[None]:
    """A simulator that ignores Range and always sends the whole file (restored after the test)."""
    env.sim.ranges = False
    yield
    env.sim.ranges = True


Progress = list[tuple[int, int | None]]


def _recorder(target: Path, progress: Progress) -> Callable[[int, int | None], None]:
    """An on_progress that records the reports and checks the target is not there before the end."""

    def record(done: int, total: int | None) -> None:
        assert not target.exists()
        progress.append((done, total))

    return record


def _result_answers(env: Env, before: Counter[tuple[str, int]]) -> dict[int, int]:
    """Answers of the result route since ``before``, by HTTP status."""
    new = env.sim.stats.requests - before  # Counter subtraction keeps the positive counts only
    return {status: n for (route, status), n in new.items() if route == "result"}


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
    result_size(4 * MIB)  # big enough that part of it arrives before the cut
    task = await _completed(api)
    target = tmp_path / "result.mp4"
    target.write_bytes(b"previous result")
    # A cut that keeps bytes, then two resets before any byte: no progress, so the budget (2 retries)
    # is spent and the second reset is final.
    env.sim.faults.script("result", [FaultKind.RESET_MID_BODY, FaultKind.RESET, FaultKind.RESET])
    progress: list[int] = []
    with pytest.raises(APIConnectionError):
        await api.tasks.download(task, target, lambda done, _total: progress.append(done))
    assert max(progress) > 0  # bytes did arrive (a temporary file existed)
    assert env.sim.faults.pending_script("result") == []
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


async def _cut_download(
    api: AsyncA2E,
    env: Env,
    tmp_path: Path,
    cuts: int = 1,
    also: Callable[[int], None] | None = None,
    same_file: bool = True,
) -> tuple[dict[int, int], Progress]:
    """Download a completed task's result to ``tmp_path/result.mp4`` while the simulator cuts it
    ``cuts`` times mid-body (``also(done)`` runs on each progress report), and check what every such
    download must give: the whole file, progress that ends at the file's size and, while the file stays
    the same, never goes back or repeats; no temporary file left. Returns the result route's answers by
    status, and the progress."""
    task = await _completed(api)
    target = tmp_path / "result.mp4"
    env.sim.faults.script("result", [FaultKind.RESET_MID_BODY] * cuts)  # headers, half, then a reset
    before = env.sim.stats.requests
    progress: Progress = []
    record = _recorder(target, progress)

    def on_progress(done: int, total: int | None) -> None:
        record(done, total)
        if also is not None:
            also(done)

    path = await api.tasks.download(task, target, on_progress)
    assert path.read_bytes() == env.sim.result_bytes(task.id)
    assert env.sim.faults.pending_script("result") == []
    done = [d for d, _ in progress]
    assert done == sorted(set(done)) or not same_file  # bytes fetched again are not reported twice
    size = path.stat().st_size
    assert progress[-1] == (size, size)
    assert listing(tmp_path) == ["result.mp4"]
    return _result_answers(env, before), progress


async def test_a_cut_off_download_resumes_where_it_stopped(
    api: AsyncA2E, env: Env, tmp_path: Path, result_size: Callable[[int], None]
) -> None:
    result_size(4 * MIB)
    answers, progress = await _cut_download(api, env, tmp_path)
    assert answers == {200: 1, 206: 1}  # the retry asked for the rest only
    assert {total for _, total in progress} == {4 * MIB}
    assert progress[0] == (0, 4 * MIB)
    assert progress[-1] == (4 * MIB, 4 * MIB)


async def test_a_server_ignoring_ranges_makes_the_download_start_over(
    api: AsyncA2E, env: Env, tmp_path: Path, result_size: Callable[[int], None], no_ranges: None
) -> None:
    result_size(4 * MIB)
    answers, progress = await _cut_download(api, env, tmp_path)  # truncated, then the whole file again
    assert answers == {200: 2}
    assert progress[-1] == (4 * MIB, 4 * MIB)


async def test_a_file_changed_before_the_resume_is_fetched_whole(
    api: AsyncA2E, env: Env, tmp_path: Path, result_size: Callable[[int], None]
) -> None:
    result_size(2 * MIB)

    def change_the_file(done: int) -> None:
        if done > 0:
            env.sim.result_size = 3 * MIB  # a new file, with a new ETag, while the first is cut off

    answers, progress = await _cut_download(api, env, tmp_path, also=change_the_file, same_file=False)
    # If-Range carried the first ETag: the simulator sent the new file whole instead of a 206 of it.
    assert answers == {200: 2}
    assert progress[-1] == (3 * MIB, 3 * MIB)


async def test_a_download_cut_more_often_than_the_retry_budget_finishes_while_each_cut_adds_bytes(
    api: AsyncA2E, env: Env, tmp_path: Path, result_size: Callable[[int], None]
) -> None:
    result_size(256 * 1024)  # small enough that each cut delivers most of its half
    cuts = 7  # well over max_retries=2; each cut delivers half of what was asked (the rest of the file)
    answers, progress = await _cut_download(api, env, tmp_path, cuts)
    assert answers == {200: 1, 206: cuts}  # each retry asked for the rest only
    assert progress[-1] == (256 * 1024, 256 * 1024)


@pytest.mark.parametrize("late", [False, True], ids=["from-the-start", "after-progress"])
async def test_attempts_that_add_no_bytes_still_give_up_after_the_retry_budget(
    api: AsyncA2E, env: Env, tmp_path: Path, late: bool
) -> None:
    task = await _completed(api)
    target = tmp_path / "result.mp4"
    # RESET: the connection drops before any byte. After attempts that made progress, the budget counts
    # again from the last of them: its own retry plus one more (max_retries=2) before giving up.
    progressing = [FaultKind.RESET_MID_BODY] * 4 if late else []
    spent = 2 if late else 3
    env.sim.faults.script("result", [*progressing, *[FaultKind.RESET] * spent, None])
    with pytest.raises(APIConnectionError):
        await api.tasks.download(task, target)
    assert env.sim.faults.pending_script("result") == [None]  # the answer that would have worked
    assert listing(tmp_path) == []
