"""The thin loops that drive ``WaitMachine``: poll (with the timeout the machine allows), tell the
machine, do what it says. ``fetch(timeout)`` sends one poll with that request timeout."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ._logging import logger
from ._polling import Decision, Done, Fail, RequestTimeout, WaitMachine
from .errors import A2EError
from .models import Preview, Task

__all__ = ["OnUpdate", "wait_async", "wait_sync"]

R = TypeVar("R", Task, Preview)
#: ``on_update(record)``; with the async client it may also be a coroutine function.
OnUpdate = Callable[[R], object]


def _note(decision: Decision[R]) -> R | None:
    record = decision.notify
    if record is not None:
        logger.info("%s %s is %s", type(record).__name__.lower(), record.id, record.raw_status or "?")
    return record


def wait_sync(
    machine: WaitMachine[R],
    fetch: Callable[[RequestTimeout], R],
    known: R | None,
    on_update: Callable[[R], object] | None,
    sleep: Callable[[float], None],
    now: Callable[[], float],
    timeout: RequestTimeout,
) -> R:
    decision = machine.start(known, now())
    while True:
        record = _note(decision)
        if record is not None and on_update is not None:
            on_update(record)
        if isinstance(decision, Done):
            return decision.record
        if isinstance(decision, Fail):
            raise decision.error
        sleep(decision.seconds)
        try:
            decision = machine.observe(fetch(machine.request_timeout(now(), timeout)), now())
        except A2EError as error:
            decision = machine.observe_error(error, now())


async def wait_async(
    machine: WaitMachine[R],
    fetch: Callable[[RequestTimeout], Awaitable[R]],
    known: R | None,
    on_update: Callable[[R], object] | None,
    sleep: Callable[[float], Awaitable[None]],
    now: Callable[[], float],
    timeout: RequestTimeout,
) -> R:
    decision = machine.start(known, now())
    while True:
        record = _note(decision)
        if record is not None and on_update is not None:
            result = on_update(record)
            if inspect.isawaitable(result):
                await result
        if isinstance(decision, Done):
            return decision.record
        if isinstance(decision, Fail):
            raise decision.error
        await sleep(decision.seconds)
        try:
            decision = machine.observe(await fetch(machine.request_timeout(now(), timeout)), now())
        except A2EError as error:
            decision = machine.observe_error(error, now())
