"""Each retry rule, retried and not retried, with faults the simulator injects; Retry-After; the
duplicate-safe task creation; transient errors while waiting."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid

import pytest
from a2e_faceswap import (
    APIConnectionError,
    APITimeoutError,
    AsyncA2E,
    CreateOutcomeUnknownError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    UnreadableResponseError,
)
from a2e_faceswap.testing import FaultKind

from tests.facade.conftest import Env, MakeApi
from tests.facade.support import FACE, FAST, VIDEO


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _retry_logs(caplog: pytest.LogCaptureFixture, operation: str) -> int:
    return sum(
        1
        for r in caplog.records
        if r.name == "a2e_faceswap" and r.getMessage().startswith(f"retrying {operation}")
    )


# ------------------------------------------------------------------ idempotent requests


@pytest.mark.parametrize(
    "fault",
    [
        FaultKind.HTTP_502,
        FaultKind.HTTP_502_HTML,
        FaultKind.HTTP_503,
        FaultKind.HTTP_503_HTML,
        FaultKind.HTTP_429,
        FaultKind.CODE_BUSY,
        FaultKind.RESET,
        FaultKind.RESET_MID_BODY,
    ],
)
async def test_reads_are_retried_on_transient_faults(api: AsyncA2E, env: Env, fault: FaultKind) -> None:
    task = await api.tasks.create(face=FACE, video=VIDEO)
    env.sim.faults.script("get_task", [fault, fault])
    assert (await api.tasks.get(task.id)).id == task.id
    assert env.sim.faults.pending_script("get_task") == []


async def test_reads_are_retried_after_a_timeout(make_api: MakeApi, env: Env) -> None:
    api = make_api(timeout=1.5)  # the retry must answer within it, even on a loaded machine
    env.sim.faults.add(FaultKind.SLOW, route="list_task_records", times=1, delay=5.0)
    page = await api.tasks.list()
    assert page.total == 0
    assert env.sim.faults.history[-1] == ("list_task_records", FaultKind.SLOW)


async def test_batch_detail_is_a_read_and_is_retried(api: AsyncA2E, env: Env) -> None:
    task = await api.tasks.create(face=FACE, video=VIDEO)
    env.sim.faults.script("batch_task_detail", [FaultKind.HTTP_503, FaultKind.RESET])
    assert list(await api.tasks.get_many([task.id])) == [task.id]


async def test_reads_are_not_retried_on_500_or_refusals(api: AsyncA2E, env: Env) -> None:
    env.sim.faults.script("get_task", [FaultKind.HTTP_500, None])
    with pytest.raises(ServerError):
        await api.tasks.get("0123456789abcdef01234567")
    assert env.sim.faults.pending_script("get_task") == [None]


async def test_retries_stop_after_max_retries(make_api: MakeApi, env: Env) -> None:
    api = make_api(max_retries=2)
    env.sim.faults.script("list_task_statuses", [FaultKind.HTTP_503] * 4)
    with pytest.raises(ServerError):
        await api.tasks.active()
    assert env.sim.faults.pending_script("list_task_statuses") == [FaultKind.HTTP_503]
    env.sim.faults.clear()
    env.sim.faults.script("list_task_statuses", [FaultKind.HTTP_503, None])
    with pytest.raises(ServerError):
        await api.with_options(max_retries=0).tasks.active()
    assert env.sim.faults.pending_script("list_task_statuses") == [None]


async def test_delete_retried_after_a_lost_answer_counts_the_404_as_done(api: AsyncA2E, env: Env) -> None:
    task = await api.tasks.create(face=FACE, video=VIDEO)
    env.sim.faults.script("delete_task", [FaultKind.APPLIED_THEN_RESET])
    await api.tasks.delete(task.id)
    assert task.id not in {t["_id"] for t in env.sim.tasks(env.token)}
    face = await api.faces.add(FACE)
    env.sim.faults.script("delete_face_image", [FaultKind.APPLIED_THEN_RESET])
    await api.faces.delete(face.id)
    assert await api.faces.list() == []


# ------------------------------------------------------------------ POST


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (FaultKind.HTTP_503, ServerError),
        (FaultKind.HTTP_429, RateLimitError),
        (FaultKind.CODE_BUSY, RateLimitError),
        (FaultKind.RESET, APIConnectionError),
        (FaultKind.APPLIED_THEN_RESET, APIConnectionError),
    ],
)
async def test_paid_posts_are_not_retried_once_sent(
    api: AsyncA2E, env: Env, fault: FaultKind, error: type[Exception]
) -> None:
    env.sim.faults.script("create_preview", [fault, None])
    with pytest.raises(error):
        await api.previews.create(face=FACE, video=VIDEO)
    assert env.sim.faults.pending_script("create_preview") == [None]
    env.sim.faults.script("create_upload_url", [fault, None])
    with pytest.raises(error):
        await api.uploads.upload(b"\xff\xd8\xff data")
    assert env.sim.faults.pending_script("create_upload_url") == [None]


async def test_posts_are_retried_when_the_connection_never_opened(
    make_api: MakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="a2e_faceswap")
    api = make_api(base_url=f"http://127.0.0.1:{_closed_port()}", max_retries=2)
    with pytest.raises(APIConnectionError) as caught:
        await api.previews.create(face=FACE, video=VIDEO)
    assert not caught.value.outcome_unknown
    assert _retry_logs(caplog, "create_preview") == 2


# ------------------------------------------------------------------ Retry-After


async def test_retry_after_is_honoured(api: AsyncA2E, env: Env) -> None:
    env.sim.faults.script("list_task_records", [FaultKind.HTTP_429_RETRY_AFTER])
    started = time.monotonic()
    await api.tasks.list()
    assert time.monotonic() - started >= 1.0  # the simulator sends Retry-After: 1


async def test_retry_after_is_capped(make_api: MakeApi, env: Env) -> None:
    api = make_api(retry_policy=RetryPolicy(initial_delay=0.005, retry_after_cap=0.05))
    env.sim.faults.script("list_task_records", [FaultKind.HTTP_429_RETRY_AFTER] * 2)
    started = time.monotonic()
    await api.tasks.list()
    assert time.monotonic() - started < 0.8


# ------------------------------------------------------------------ raw calls


async def test_upload_put_and_download_are_retried(api: AsyncA2E, env: Env, tmp_path: object) -> None:
    env.sim.faults.script("upload_put", [FaultKind.HTTP_503, FaultKind.RESET])
    url = await api.uploads.upload(b"\xff\xd8\xff face")
    assert url.startswith(env.sim.base_url)
    task = await api.tasks.wait(await api.tasks.create(face=url, video=VIDEO), **FAST)
    env.sim.faults.script("result", [FaultKind.RESET_MID_BODY, FaultKind.HTTP_502_HTML])
    path = await api.tasks.download(task, str(tmp_path))
    assert path.read_bytes() == env.sim.result_bytes(task.id)


# ------------------------------------------------------------------ duplicate-safe create


@pytest.mark.parametrize(
    "faults",
    [
        [FaultKind.APPLIED_THEN_RESET],
        [FaultKind.RESET_MID_BODY],
        [FaultKind.APPLIED_THEN_RESET, FaultKind.APPLIED_THEN_RESET],
    ],
    ids=["applied-then-reset", "reset-mid-body", "twice"],
)
async def test_create_whose_answer_was_lost_returns_the_existing_task(
    api: AsyncA2E, env: Env, faults: list[FaultKind]
) -> None:
    name = f"dedupe-{uuid.uuid4().hex}"
    env.sim.faults.script("create_task", faults)
    task = await api.tasks.create(face=FACE, video=VIDEO, name=name)
    assert task.name == name
    assert env.sim.stats.tasks_created_by_name[name] == 1
    assert [t["_id"] for t in env.sim.tasks(env.token)] == [task.id]
    assert env.sim.faults.pending_script("create_task") == faults[1:]


@pytest.mark.parametrize(
    ("fault", "looked_up"),
    [
        # may have been applied: looked up until the settle window ends, then sent again
        (FaultKind.HTTP_500, True),
        (FaultKind.HTTP_503, True),
        (FaultKind.RESET, True),
        (FaultKind.MALFORMED_JSON, True),
        # refused for load, so certainly not applied: sent again at once, no lookup
        (FaultKind.CODE_BUSY, False),
        (FaultKind.HTTP_429, False),
    ],
)
async def test_a_create_that_failed_is_sent_again_once_safe(
    api: AsyncA2E, env: Env, fault: FaultKind, looked_up: bool
) -> None:
    creates, lookups = env.requests_to("create_task"), env.requests_to("list_task_records")
    env.sim.faults.script("create_task", [fault])
    task = await api.tasks.create(face=FACE, video=VIDEO)
    assert task.name is not None
    assert env.sim.stats.tasks_created_by_name[task.name] == 1
    assert (env.requests_to("list_task_records") > lookups) is looked_up
    assert env.requests_to("create_task") == creates + 2
    assert len(env.sim.tasks(env.token)) == 1


async def test_create_connect_error_is_sent_again_without_lookup(
    make_api: MakeApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="a2e_faceswap")
    api = make_api(base_url=f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(APIConnectionError):
        await api.tasks.create(face=FACE, video=VIDEO)
    assert not any("list_task_records" in r.getMessage() for r in caplog.records)


async def test_create_never_resends_when_the_lookup_keeps_failing(api: AsyncA2E, env: Env) -> None:
    name = f"lookup-fails-{uuid.uuid4().hex}"
    env.sim.faults.script("create_task", [FaultKind.APPLIED_THEN_RESET])
    env.sim.faults.add(FaultKind.HTTP_500, route="list_task_records")
    with pytest.raises(CreateOutcomeUnknownError) as caught:
        await api.tasks.create(face=FACE, video=VIDEO, name=name)
    assert caught.value.name == name
    assert isinstance(caught.value.__cause__, APIConnectionError)
    assert env.sim.stats.tasks_created_by_name[name] == 1
    env.sim.faults.clear()
    found = await api.tasks.resolve(caught.value)
    assert found is not None
    assert found.name == name
    assert env.sim.stats.tasks_created_by_name[name] == 1


async def test_create_whose_lookup_failed_once_finds_the_task_on_the_next_lookup(
    api: AsyncA2E, env: Env
) -> None:
    name = f"lookup-fails-once-{uuid.uuid4().hex}"
    env.sim.faults.script("create_task", [FaultKind.APPLIED_THEN_RESET])
    env.sim.faults.script("list_task_records", [FaultKind.HTTP_500])
    task = await api.tasks.create(face=FACE, video=VIDEO, name=name)
    assert task.name == name
    assert env.sim.stats.tasks_created_by_name[name] == 1


async def test_create_gives_up_after_the_budget(make_api: MakeApi, env: Env) -> None:
    api = make_api(max_retries=1)
    env.sim.faults.script("create_task", [FaultKind.RESET, FaultKind.RESET, None])
    with pytest.raises(APIConnectionError):
        await api.tasks.create(face=FACE, video=VIDEO)
    assert env.sim.faults.pending_script("create_task") == [None]
    assert env.sim.tasks(env.token) == []


async def test_create_timeout_is_an_unknown_outcome(make_api: MakeApi, env: Env) -> None:
    api = make_api(max_retries=0)
    # applied only after 5 s: long after the settle window's lookups end, however loaded the machine
    env.sim.faults.add(FaultKind.SLOW, route="create_task", times=1, delay=5.0)
    with pytest.raises(APITimeoutError) as caught:
        await api.tasks.create(face=FACE, video=VIDEO, timeout=0.2)
    assert caught.value.outcome_unknown


# ------------------------------------------------------------------ waiting through transient errors


async def test_wait_rides_out_transient_poll_errors(api: AsyncA2E, env: Env) -> None:
    task = await api.tasks.create(face=FACE, video=VIDEO)
    env.sim.faults.script("get_task", [FaultKind.HTTP_503, FaultKind.RESET, None, FaultKind.CODE_BUSY])
    done = await api.tasks.wait(task.id, **FAST)
    assert done.is_done
    preview = await api.previews.create(face=FACE, video=VIDEO)
    env.sim.faults.script("get_preview_status", [FaultKind.HTTP_502_HTML, FaultKind.HTTP_429])
    assert (await api.previews.wait(preview, **FAST)).is_done


async def test_wait_ends_when_poll_errors_outlast_the_retries(make_api: MakeApi, env: Env) -> None:
    api = make_api(max_retries=1)
    task = await api.tasks.create(face=FACE, video=VIDEO)
    env.sim.faults.script("get_task", [FaultKind.HTTP_503, FaultKind.HTTP_503])
    with pytest.raises(ServerError):
        await api.tasks.wait(task.id, **FAST)
    env.sim.faults.script("get_task", [FaultKind.HTTP_500, FaultKind.MALFORMED_JSON])
    with pytest.raises(UnreadableResponseError):
        await api.tasks.wait(task.id, **FAST)


async def test_wait_rides_out_one_http_500_or_unreadable_poll(api: AsyncA2E, env: Env) -> None:
    def finish_once_the_faults_are_met() -> None:
        for _ in range(2000):  # at most 10 s
            if not env.sim.faults.pending_script("get_task"):
                break
            time.sleep(0.005)
        env.sim.clock.advance(3600)

    speed, env.sim.clock.speed = env.sim.clock.speed, 0  # in flight until every scripted poll is answered
    try:
        task = await api.tasks.create(face=FACE, video=VIDEO)
        env.sim.faults.script("get_task", [FaultKind.HTTP_500, None, FaultKind.MALFORMED_JSON])
        finisher = threading.Thread(target=finish_once_the_faults_are_met)
        finisher.start()
        done = await api.tasks.wait(task.id, **FAST)
        finisher.join(15)
    finally:
        env.sim.clock.speed = speed
    assert done.is_done
    assert env.sim.faults.pending_script("get_task") == []
