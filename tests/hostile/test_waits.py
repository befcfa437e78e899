"""Deadlines against servers that trickle or stall, and ``completed`` records without a result URL
(issue 9, rows 5 and 15), for the sync and the async client.

A request's ``timeout`` bounds the whole attempt (connect to last byte), not each httpx phase; a wait
ends within its deadline + 1.5 s whatever the server does; a task or preview that says ``completed``
with no result URL is polled again until the URL comes, and is a ``WaitTimeoutError`` if it never does.
Downloads are not bounded as a whole: one that flows steadily may outlast its (per-read) timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from a2e_faceswap import A2E, AsyncA2E
from a2e_faceswap.errors import APITimeoutError, WaitTimeoutError
from a2e_faceswap.models import Preview, Task

from ._server import Conn, Request, Serve, envelope

TOKEN = "sk-hostile-waits-0123456789"
TASK_ID = "a" * 24
PREVIEW_ID = "b" * 24
URL = "https://cdn.example/result.mp4"
#: The issue's bound: a wait ends within its deadline + 1.5 s.
WAIT_MARGIN = 1.5
#: How long a hostile server keeps trickling before it gives up (so old code fails in seconds).
TRICKLE_FOR = 4.0


def _answer(data: dict[str, Any]) -> bytes:
    body = envelope(data)
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def _record(request: Request, status: str = "processing", result_url: str | None = "") -> dict[str, Any]:
    subject = PREVIEW_ID if "Preview" in request.path else TASK_ID
    return {"_id": subject, "current_status": status, "result_url": result_url}


def _trickle(mode: str) -> Callable[[Request, Conn], None]:
    """``head``: the whole answer one byte per 0.2 s; ``stall``: the head at once, one body byte late,
    then silence (each read alone stays under the request timeout in both)."""

    def handler(request: Request, conn: Conn) -> None:
        data = _answer(_record(request))
        if mode == "head":
            conn.trickle(data[: int(TRICKLE_FOR / 0.2)], 0.2)
            return
        split = data.index(b"\r\n\r\n") + 4
        if conn.send(data[:split]) and conn.sleep(0.8) and conn.send(data[split : split + 1]):
            conn.sleep(TRICKLE_FOR)

    return handler


def _run(kind: str, base_url: str, call: Callable[[Any], Any], retries: int = 0) -> tuple[Any, float]:
    """``call(client)`` with a sync or async client; (result or exception, seconds)."""
    started = time.monotonic()
    result: Any
    try:
        if kind == "sync":
            with A2E(TOKEN, base_url=base_url, max_retries=retries) as client:
                result = call(client)
        else:

            async def go() -> Any:
                async with AsyncA2E(TOKEN, base_url=base_url, max_retries=retries) as client:
                    return await call(client)

            result = asyncio.run(go())
    except Exception as exc:  # the test inspects it
        result = exc
    return result, time.monotonic() - started


KINDS = ["sync", "async"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["head", "stall"])
def test_request_timeout_bounds_the_whole_attempt(serve: Serve, kind: str, mode: str) -> None:
    server = serve(_trickle(mode))
    error, took = _run(kind, server.url, lambda client: client.tasks.get(TASK_ID, timeout=1.0))
    assert took < 1.0 + 0.5, f"get(timeout=1) took {took:.2f}s against a {mode} trickle"
    assert isinstance(error, APITimeoutError), repr(error)


@pytest.mark.parametrize("kind", KINDS)
def test_wait_ends_within_its_deadline_against_a_trickling_server(serve: Serve, kind: str) -> None:
    server = serve(_trickle("head"))
    error, took = _run(
        kind,
        server.url,
        lambda client: client.tasks.wait(TASK_ID, timeout=1.0, poll_interval=0.2),
        retries=2,  # timed-out polls are ridden out until the deadline
    )
    assert 1.0 - 0.1 <= took <= 1.0 + WAIT_MARGIN, f"wait(timeout=1) took {took:.2f}s"
    assert isinstance(error, WaitTimeoutError), repr(error)


def _completed_without_url(polls_without: int) -> Callable[[Request, Conn], None]:
    """``completed`` with an empty (then null) result URL for the first ``polls_without`` polls."""
    seen = [0]

    def handler(request: Request, conn: Conn) -> None:
        seen[0] += 1
        url = (None if seen[0] % 2 else "") if seen[0] <= polls_without else URL
        conn.json({"code": 0, "data": _record(request, "completed", url)})

    return handler


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("subject", ["task", "preview"])
def test_completed_without_result_url_is_polled_until_the_url_comes(
    serve: Serve, kind: str, subject: str
) -> None:
    server = serve(_completed_without_url(polls_without=2))

    def wait(client: Any) -> Any:
        if subject == "task":
            return client.tasks.wait(TASK_ID, timeout=5.0, poll_interval=0.05)
        return client.previews.wait(PREVIEW_ID, timeout=5.0, poll_interval=0.05)

    record, _ = _run(kind, server.url, wait)
    assert isinstance(record, Task | Preview), repr(record)
    assert record.result_url == URL
    assert server.count() == 3


@pytest.mark.parametrize("kind", KINDS)
def test_completed_without_result_url_that_never_comes_is_a_wait_timeout(serve: Serve, kind: str) -> None:
    server = serve(_completed_without_url(polls_without=10**6))
    error, took = _run(
        kind, server.url, lambda client: client.tasks.wait(TASK_ID, timeout=0.6, poll_interval=0.05)
    )
    assert isinstance(error, WaitTimeoutError), repr(error)
    assert "result URL never came" in str(error)
    assert error.task is not None
    assert error.task.is_done
    assert not error.task.result_url
    assert server.count() >= 2
    assert took <= 0.6 + WAIT_MARGIN


def _steady_file(chunks: int, size: int, delay: float) -> Callable[[Request, Conn], None]:
    def handler(request: Request, conn: Conn) -> None:
        headers = [("Content-Type", "video/mp4"), ("Content-Length", str(chunks * size))]
        if conn.head(200, headers):
            for _ in range(chunks):
                if not (conn.send(b"v" * size) and conn.sleep(delay)):
                    return

    return handler


@pytest.mark.parametrize("kind", KINDS)
def test_download_is_not_bounded_as_a_whole(serve: Serve, kind: str, tmp_path: Any) -> None:
    """The whole-attempt bound is for API requests: a download that flows steadily may take longer
    than its ``timeout`` (which bounds each read)."""
    server = serve(_steady_file(chunks=16, size=16384, delay=0.1))  # gaps of 0.1 s, 1.6 s in all
    target = tmp_path / f"{kind}.mp4"
    path, took = _run(
        kind, server.url, lambda client: client.tasks.download(server.url + "/r.mp4", target, timeout=1.0)
    )
    assert not isinstance(path, Exception), repr(path)
    assert took > 1.0 * 1.2
    assert target.stat().st_size == 16 * 16384
