"""webhooks.Listener and its watches, fed by hand (the served path is in test_simulator / test_wait)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from a2e_faceswap import _webhook_listener, webhooks
from a2e_faceswap.errors import InvalidInputError

TOKEN = "whsec-listener-test-3333333333"
TASK_ID = "0123456789abcdef01234567"


def test_a_watch_wakes_on_its_task_only_once_per_event_and_ignores_case() -> None:
    listener = webhooks.Listener(TOKEN)
    watch = listener.watch(TASK_ID)
    listener.deliver(webhooks.WebhookEvent(task_id="ffffffffffffffffffffffff"))
    assert watch.sleep(0.05) is False
    listener.deliver(webhooks.WebhookEvent(task_id=TASK_ID.upper()))
    assert watch.sleep(5) is True
    assert watch.sleep(0.05) is False  # the same event does not wake it twice


def test_an_event_older_than_the_wait_wakes_its_first_sleep_but_an_old_unreadable_one_does_not() -> None:
    listener = webhooks.Listener(TOKEN)
    listener.deliver(webhooks.WebhookEvent(task_id=None))
    assert listener.watch(TASK_ID).sleep(0.05) is False
    listener.deliver(webhooks.WebhookEvent(task_id=TASK_ID))
    assert listener.watch(TASK_ID).sleep(5) is True


async def test_an_async_watch_is_woken_from_another_thread() -> None:
    listener = webhooks.Listener(TOKEN)
    watch = listener.watch(TASK_ID)
    timer = threading.Timer(0.1, listener.deliver, [webhooks.WebhookEvent(task_id=TASK_ID)])
    timer.start()
    started = time.monotonic()
    assert await watch.sleep_async(5) is True
    assert time.monotonic() - started < 2
    timer.join()
    assert await watch.sleep_async(0.05) is False
    assert not listener._loops  # nothing left registered


async def test_a_cancelled_async_sleep_leaves_nothing_registered() -> None:
    listener = webhooks.Listener(TOKEN)
    sleeping = asyncio.ensure_future(listener.watch(TASK_ID).sleep_async(5))
    await asyncio.sleep(0.05)
    sleeping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sleeping
    assert not listener._loops


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_webhook_listener, "MAX_TASKS", 3)
    listener = webhooks.Listener(TOKEN)
    for n in range(5):
        listener.deliver(webhooks.WebhookEvent(task_id=f"{n:024x}"))
    assert len(listener._last_for) == 3
    assert len(listener.events) == 5


def test_the_listener_shows_no_token_and_refuses_a_bad_setup() -> None:
    with webhooks.Listener(TOKEN) as listener:
        assert listener.url.startswith("http://127.0.0.1:")
        assert TOKEN not in repr(listener)
    assert webhooks.Listener(TOKEN, public_url="https://hooks.example/a2e").url == "https://hooks.example/a2e"
    with pytest.raises(InvalidInputError):
        webhooks.Listener("")
    with pytest.raises(InvalidInputError):
        _ = webhooks.Listener(TOKEN).url  # not started
