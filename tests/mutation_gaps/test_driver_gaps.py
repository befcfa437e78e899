"""The download and wait drivers where the other suites left mutants alive: a download passes on its
``accept`` (a 416 after a range) and its idle ``timeout``; a wait gives each poll its
``request_timeout``; the async wait sleeps on its webhook listener. Real HTTP on 127.0.0.1 against
small hostile servers, with the sync and the async client."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2e_faceswap import APITimeoutError, AsyncA2E, RetryPolicy, webhooks

from tests._support.webhooks import HOOK_TOKEN
from tests.facade.support import Clients, listing
from tests.hostile._server import Conn, Request, Serve, envelope

TOKEN = "sk-driver-gaps-0123456789"
TASK_ID = "c" * 24
URL = "https://cdn.example/result.mp4"
BODY = bytes(range(256)) * 8
HALF = len(BODY) // 2
#: How long a stalling server keeps silent before it answers after all (a driver that lost its
#: timeout then succeeds, and the test fails, in this many seconds).
STALL = 10.0


def _record(status: str, result_url: str = "") -> dict[str, Any]:
    return {"_id": TASK_ID, "current_status": status, "result_url": result_url}


def _file_head(conn: Conn) -> bool:
    headers = [("Content-Type", "video/mp4"), ("Content-Length", str(len(BODY))), ("ETag", '"v1"')]
    return conn.head(200, headers)


# ------------------------------------------------------------------ downloads


async def test_a_416_to_a_resumed_download_is_answered_by_a_whole_file_request(
    clients: Clients, serve: Serve, tmp_path: Path
) -> None:
    whole: list[int] = []

    def handler(request: Request, conn: Conn) -> None:
        if "range" in request.headers:
            conn.respond(416, headers=[("Content-Range", f"bytes */{len(BODY)}")])
        elif not whole:
            whole.append(1)
            if _file_head(conn):
                conn.send(BODY[:HALF])  # then the connection closes: cut midway
        else:
            conn.respond(200, BODY, [("ETag", '"v1"')], content_type="video/mp4")

    server = serve(handler)
    policy = RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.05, jitter=0.0)
    client = clients.make(api_key=TOKEN, base_url=server.url, retry_policy=policy)
    path = await client.tasks.download(f"{server.url}/r/out.mp4", tmp_path / "out.mp4")
    assert path.read_bytes() == BODY
    # the cut one, the resume the 416 refused (let through, not raised), then the whole file again
    assert [r.headers.get("range") for r in server.requests] == [None, f"bytes={HALF}-", None]


async def test_a_download_stalled_midway_fails_after_its_idle_timeout(
    clients: Clients, serve: Serve, tmp_path: Path
) -> None:
    def handler(request: Request, conn: Conn) -> None:
        if _file_head(conn) and conn.send(BODY[:HALF]) and conn.sleep(STALL):
            conn.send(BODY[HALF:])  # only reached by a client that did not give up

    server = serve(handler)
    client = clients.make(api_key=TOKEN, base_url=server.url, max_retries=0)
    with pytest.raises(APITimeoutError):
        await client.tasks.download(f"{server.url}/r/out.mp4", tmp_path / "out.mp4", timeout=1.0)
    assert listing(tmp_path) == []  # no file, no temporary file
    assert server.count() == 1


# ------------------------------------------------------------------ waits


async def test_a_wait_gives_each_poll_its_request_timeout(clients: Clients, serve: Serve) -> None:
    def handler(request: Request, conn: Conn) -> None:
        if conn.sleep(STALL):  # a poll still waiting by then gets a completed task
            conn.respond(200, envelope(_record("completed", URL)))

    server = serve(handler)
    client = clients.make(api_key=TOKEN, base_url=server.url, max_retries=0)
    with pytest.raises(APITimeoutError):  # the deadline is far: only request_timeout ends the poll
        await client.tasks.wait(TASK_ID, request_timeout=1.0, timeout=120.0, poll_interval=1.0)
    assert server.count() == 1


async def test_the_async_wait_is_woken_by_a_delivery_to_its_listener(
    serve: Serve, listener: webhooks.Listener
) -> None:
    polls: list[str] = []

    def handler(request: Request, conn: Conn) -> None:
        polls.append(request.target)
        if len(polls) > 1:
            conn.respond(200, envelope(_record("completed", URL)))
            return
        conn.respond(200, envelope(_record("processing")))
        conn.close()
        # then A2E's webhook call: a real delivery to the listener
        headers = {webhooks.HEADER: HOOK_TOKEN}
        httpx.post(listener.url, json=_record("completed", URL), headers=headers, timeout=20.0)

    server = serve(handler)
    async with AsyncA2E(TOKEN, base_url=server.url, max_retries=0) as client:
        # without the wake the next poll would come in about an hour: 30 s is plenty for a woken one
        waiting = client.tasks.wait(TASK_ID, events=listener, poll_interval=3600.0, timeout=3600.0)
        done = await asyncio.wait_for(waiting, 30.0)
    assert (done.id, done.result_url) == (TASK_ID, URL)
    assert [event.task_id for event in listener.events] == [TASK_ID]
    assert server.count() == 2  # the first poll, then the one read the event asked for
