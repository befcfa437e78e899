"""webhooks.app through httpx.ASGITransport: answers, hand-off to a callback and a queue, no token in logs."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
from a2e_faceswap import webhooks
from a2e_faceswap.errors import InvalidInputError
from a2e_faceswap.models import TaskStatus

TOKEN = "whsec-app-test-9876543210"
TASK_ID = "0123456789abcdef01234567"
BODY = json.dumps({"event": "task.completed", "data": {"_id": TASK_ID, "current_status": "completed"}})


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver")  # type: ignore[arg-type]


async def test_a_verified_delivery_is_answered_204_and_queued_on_any_path() -> None:
    queue: asyncio.Queue[webhooks.WebhookEvent] = asyncio.Queue()
    async with _client(webhooks.app(TOKEN, queue=queue)) as client:
        for path in ("/", "/a2e/webhook"):
            answer = await client.post(path, content=BODY, headers={"x-a2e-webhook-token": TOKEN})
            assert answer.status_code == 204
            event = queue.get_nowait()
            assert (event.task_id, event.status) == (TASK_ID, TaskStatus.COMPLETED)
        assert (await client.get("/")).status_code == 405


async def test_callbacks_sync_and_async_get_the_event_and_their_failure_is_not_the_senders() -> None:
    seen: list[str | None] = []

    async def on_event(event: webhooks.WebhookEvent) -> None:
        seen.append(event.task_id)

    def broken(event: webhooks.WebhookEvent) -> None:
        raise RuntimeError("boom")

    async with _client(webhooks.app(TOKEN, on_event=on_event)) as client:
        answer = await client.post("/", content=BODY, headers={"X-A2e-Webhook-Token": TOKEN})
    assert (answer.status_code, seen) == (204, [TASK_ID])
    async with _client(webhooks.app(TOKEN, on_event=broken)) as client:
        answer = await client.post("/", content=BODY, headers={"X-A2e-Webhook-Token": TOKEN})
    assert answer.status_code == 204


@pytest.mark.parametrize(
    "headers", [{}, {"X-A2e-Webhook-Token": "forged-token"}, {"X-A2e-Webhook-Token": ""}]
)
async def test_a_forged_or_unsigned_delivery_is_401_and_queued_nowhere(
    headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    queue: asyncio.Queue[webhooks.WebhookEvent] = asyncio.Queue()
    caplog.set_level(logging.DEBUG)
    async with _client(webhooks.app(TOKEN, queue=queue)) as client:
        answer = await client.post("/hook", content=BODY, headers=headers)
    assert answer.status_code == 401
    assert queue.empty()
    assert "refused" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in answer.text


async def test_an_oversized_body_is_413_by_its_length_or_as_it_streams() -> None:
    queue: asyncio.Queue[webhooks.WebhookEvent] = asyncio.Queue()
    app = webhooks.app(TOKEN, queue=queue, max_body=1000)
    headers = {"X-A2e-Webhook-Token": TOKEN}

    async def chunks() -> object:
        for _ in range(10):
            yield b"x" * 200

    async with _client(app) as client:
        assert (await client.post("/", content=b"x" * 1001, headers=headers)).status_code == 413
        assert (await client.post("/", content=chunks(), headers=headers)).status_code == 413  # type: ignore[arg-type]
        # an unsigned request is refused before its body is read, whatever its size
        assert (await client.post("/", content=b"x" * 1001)).status_code == 401
    assert queue.empty()


@pytest.mark.parametrize("body", [b"<html>", b"{}", b"[1, 2]", b'{"event": "task.completed"}'])
async def test_a_verified_but_unreadable_delivery_still_wakes_the_listener(
    body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    queue: asyncio.Queue[webhooks.WebhookEvent] = asyncio.Queue()
    caplog.set_level(logging.INFO)
    async with _client(webhooks.app(TOKEN, queue=queue)) as client:
        answer = await client.post("/", content=body, headers={"X-A2e-Webhook-Token": TOKEN})
    assert answer.status_code == 204
    assert queue.get_nowait().task_id is None
    assert TOKEN not in caplog.text


async def test_a_full_queue_drops_the_event_and_still_answers_204(caplog: pytest.LogCaptureFixture) -> None:
    queue: asyncio.Queue[webhooks.WebhookEvent] = asyncio.Queue(maxsize=1)
    async with _client(webhooks.app(TOKEN, queue=queue)) as client:
        for _ in range(2):
            answer = await client.post("/", content=BODY, headers={"X-A2e-Webhook-Token": TOKEN})
            assert answer.status_code == 204
    assert queue.qsize() == 1
    assert "queue is full" in caplog.text


@pytest.mark.parametrize(("token", "max_body"), [("", 10), (TOKEN, 0), (TOKEN, True)])
def test_app_refuses_a_bad_setup(token: str, max_body: int) -> None:
    with pytest.raises(InvalidInputError):
        webhooks.app(token, max_body=max_body)
