"""Waiting for a task or a preview to end: the one wait state machine, sans I/O, and its two drivers
(``wait_sync`` / ``wait_async``), shared by ``tasks.wait`` and ``previews.wait`` in both clients.

The driver feeds it what it observed (a fresh record, or the error a poll raised) and
the current monotonic clock; the machine answers with one decision:

* ``Sleep(seconds)``  — sleep, then poll again;
* ``Done(record)``    — the record completed with its result URL: return it;
* ``Fail(error)``     — raise ``error`` (``TaskFailedError``, ``WaitTimeoutError`` or the poll's error).

Each decision also names the record to pass to ``on_update`` (``notify``), set whenever the status
differs from the last one seen, or the result URL appears or goes (the first observation counts as
a change).

Rules: the first poll comes soon (after ``first_delay``, or at once when no record is known yet);
then the interval starts at ``poll_interval``, grows by ``growth`` per poll up to ``max_interval``,
and is shortened by up to ``jitter`` of itself at random. No sleep goes past the deadline, and one
last poll happens at the deadline before ``WaitTimeoutError``. Unknown statuses mean "still
running". A record that says ``completed`` while its ``result_url`` is empty or null is not a usable
success: the wait keeps polling (same intervals, same deadline) until the URL is there, and if the
deadline comes first it raises ``WaitTimeoutError`` whose message says the result URL never came
(its ``task`` is that completed record). A poll error the retry policy calls retryable for a status
poll (``polling=True``: the idempotent rules plus HTTP 500 and unreadable answers) is tolerated up to
``retry.max_retries`` times in a row and is followed by the policy's delay (Retry-After honoured);
any other error ends the wait. Nothing is ever cancelled or deleted.

One slow poll must not carry the wait past its deadline either: ``request_timeout(now, default)`` is
the timeout to give the poll sent at ``now`` — the per-request ``default`` clipped to the time left
before the deadline. A poll sent in the last ``min_request_timeout`` seconds (``MIN_POLL_TIMEOUT``,
0.5 s) still gets that much, so that the last poll at the deadline has a chance, but never more than
reaches ``deadline + min_request_timeout``: no floor past the deadline. The transport makes a request
timeout bound the whole attempt (connect to last byte, see ``_reading.Deadline``), so a wait ends by
its deadline plus ``MIN_POLL_TIMEOUT`` (and the time to raise), whatever the server does.

With webhook events (``events=``, a ``webhooks.Listener``), each sleep ends early when an event for the
subject (or an unreadable delivery) arrives; nothing else changes. The next step is still a poll, so an
event is never a result: a duplicate or early one costs one read and the wait goes on, and a lost one
costs only time, as the polling goes on at its own (preferably long) interval.
"""

from __future__ import annotations

import inspect
import math
import random as _random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from attrs import frozen

from ._logging import logger
from ._reading import RequestTimeout, clip_timeout
from ._retry import RetryPolicy
from .errors import A2EError, InvalidInputError, TaskFailedError, WaitTimeoutError
from .models import Preview, Task

if TYPE_CHECKING:
    from ._api import AsyncApi, SyncApi
    from ._types import TimeoutArg
    from ._webhook_listener import Listener, Watch

__all__ = [
    "MIN_POLL_TIMEOUT",
    "Decision",
    "Done",
    "Fail",
    "OnUpdate",
    "RequestTimeout",
    "Sleep",
    "WaitMachine",
    "clip_timeout",
    "wait_async",
    "wait_sync",
]

R = TypeVar("R", Task, Preview)
#: The least time a poll sent before the deadline is given; no poll runs past deadline + this.
MIN_POLL_TIMEOUT = 0.5
#: The least timeout ever handed to a poll (a poll cannot be sent with no time at all).
_TINY = 0.001


@frozen
class Sleep(Generic[R]):
    seconds: float
    notify: R | None = None


@frozen
class Done(Generic[R]):
    record: R
    notify: R | None = None


@frozen
class Fail(Generic[R]):
    error: A2EError
    notify: R | None = None


Decision = Sleep[R] | Done[R] | Fail[R]


def _positive(name: str, value: float) -> float:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidInputError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


class WaitMachine(Generic[R]):
    """Decides, observation after observation, whether to sleep, return or raise."""

    def __init__(
        self,
        subject_id: str,
        *,
        now: float,
        timeout: float | None,
        poll_interval: float,
        retry: RetryPolicy,
        max_interval: float | None = None,
        first_delay: float | None = None,
        growth: float = 1.25,
        jitter: float = 0.2,
        min_request_timeout: float = MIN_POLL_TIMEOUT,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.subject_id = subject_id
        self._interval = _positive("poll_interval", poll_interval)
        self._max_interval = max(
            self._interval, max_interval if max_interval is not None else 3 * self._interval
        )
        self._first_delay = min(1.0, self._interval) if first_delay is None else first_delay
        self._growth = growth
        self._jitter = jitter
        self._retry = retry
        self._min_request_timeout = _positive("min_request_timeout", min_request_timeout)
        self._random = random
        self._started = now
        self._deadline = math.inf if timeout is None else now + _positive("timeout", timeout)
        self._last: R | None = None
        self._errors_in_a_row = 0

    @property
    def last(self) -> R | None:
        """The last record observed."""
        return self._last

    def request_timeout(self, now: float, default: RequestTimeout) -> RequestTimeout:
        """The timeout of a poll sent at ``now``: ``default`` clipped to the time left before the
        deadline, at least ``min_request_timeout`` but never past deadline + it (see the module rules)."""
        left = self._deadline - now
        if math.isinf(left):
            return default
        floor = min(self._min_request_timeout, left + self._min_request_timeout)
        return clip_timeout(default, max(left, floor, _TINY))

    def start(self, known: R | None, now: float) -> Decision[R]:
        """First decision: judge ``known`` (e.g. the record ``create`` returned) or poll at once."""
        if known is not None:
            return self.observe(known, now, first_delay=True)
        return Sleep(0.0)

    def observe(self, record: R, now: float, *, first_delay: bool = False) -> Decision[R]:
        """A poll succeeded and returned ``record``."""
        last = self._last
        changed = (
            last is None
            or last.raw_status != record.raw_status
            or bool(last.result_url) != bool(record.result_url)
        )
        notify = record if changed else None
        self._last = record
        self._errors_in_a_row = 0
        if record.is_done and record.result_url:
            return Done(record, notify)
        if record.is_failed:
            return Fail(TaskFailedError(record), notify)
        if first_delay:
            return self._sleep(self._first_delay, now, notify)
        delay = self._interval * (1.0 - self._jitter * self._random())
        self._interval = min(self._max_interval, self._interval * self._growth)
        return self._sleep(delay, now, notify)

    def observe_error(self, error: A2EError, now: float) -> Decision[R]:
        """A poll raised ``error``."""
        delay = self._retry.decide(
            self._errors_in_a_row, error, idempotent=True, polling=True, random=self._random
        )
        if delay is None:
            return Fail(error)
        self._errors_in_a_row += 1
        return self._sleep(delay, now, None, cause=error)

    def _sleep(
        self, delay: float, now: float, notify: R | None, cause: A2EError | None = None
    ) -> Decision[R]:
        remaining = self._deadline - now
        if remaining <= 0:
            error = WaitTimeoutError(self.subject_id, now - self._started, self._last)
            if self._last is not None and self._last.is_done:
                error.message += " (it says completed, but its result URL never came)"
            if cause is not None:
                error.__cause__ = cause
            return Fail(error, notify)
        return Sleep(max(0.0, min(delay, remaining)), notify)


# ------------------------------------------------------------------ the drivers

#: ``on_update(record)``; with the async client it may also be a coroutine function.
OnUpdate = Callable[[R], object]


def _machine(api: SyncApi | AsyncApi, subject_id: str, timeout: float | None, poll: float) -> WaitMachine[R]:
    return WaitMachine(subject_id, now=api.now(), timeout=timeout, poll_interval=poll, retry=api.config.retry)


def watch_of(events: Listener | None, subject_id: str) -> Watch | None:
    """The watch a wait sleeps on, or ``None`` without events."""
    if events is None:
        return None
    from ._webhook_listener import Listener

    if not isinstance(events, Listener):
        raise InvalidInputError(f"events must be a webhooks.Listener, got {type(events).__name__}")
    return events.watch(subject_id)


def _note(decision: Decision[R]) -> R | None:
    record = decision.notify
    if record is not None:
        logger.info("%s %s is %s", type(record).__name__.lower(), record.id, record.raw_status or "?")
    return record


def wait_sync(
    api: SyncApi,
    fetch: Callable[[RequestTimeout], R],
    subject: tuple[str, R | None],
    timeout: float | None,
    poll_interval: float,
    on_update: Callable[[R], object] | None,
    request_timeout: TimeoutArg,
    events: Listener | None = None,
) -> R:
    """Poll with ``fetch(timeout)`` (one request, that timeout) until the machine returns or raises.
    ``subject``: the id waited on, and its record when the caller has one (judged first); ``events``
    cut sleeps short (module docstring)."""
    subject_id, known = subject
    machine: WaitMachine[R] = _machine(api, subject_id, timeout, poll_interval)
    watch = watch_of(events, subject_id)
    default = api.timeout_for(request_timeout)
    decision = machine.start(known, api.now())
    while True:
        record = _note(decision)
        if record is not None and on_update is not None:
            on_update(record)
        if isinstance(decision, Done):
            return decision.record
        if isinstance(decision, Fail):
            raise decision.error
        if watch is None:
            api.sleep(decision.seconds)
        else:
            watch.sleep(decision.seconds)
        try:
            decision = machine.observe(fetch(machine.request_timeout(api.now(), default)), api.now())
        except A2EError as error:
            decision = machine.observe_error(error, api.now())


async def wait_async(
    api: AsyncApi,
    fetch: Callable[[RequestTimeout], Awaitable[R]],
    subject: tuple[str, R | None],
    timeout: float | None,
    poll_interval: float,
    on_update: Callable[[R], object] | None,
    request_timeout: TimeoutArg,
    events: Listener | None = None,
) -> R:
    """``wait_sync``, awaited; ``on_update`` may be a coroutine function."""
    subject_id, known = subject
    machine: WaitMachine[R] = _machine(api, subject_id, timeout, poll_interval)
    watch = watch_of(events, subject_id)
    default = api.timeout_for(request_timeout)
    decision = machine.start(known, api.now())
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
        if watch is None:
            await api.sleep(decision.seconds)
        else:
            await watch.sleep_async(decision.seconds)
        try:
            decision = machine.observe(await fetch(machine.request_timeout(api.now(), default)), api.now())
        except A2EError as error:
            decision = machine.observe_error(error, api.now())
