"""The one retry policy, sans I/O: given how many retries were spent and the error just met, it
answers "retry after N seconds" or "give up". Its two drivers, ``retry_sync`` and ``retry_async``, run
an attempt until it succeeds or the policy gives up; the wait loop and the duplicate-safe task creation
ask the same policy in their own machines.

Rules:

* At most ``max_retries`` retries (so ``max_retries + 1`` attempts).
* Idempotent requests (GET, DELETE, the read-only batch POST, the upload PUT, downloads) are retried
  on connection errors, timeouts, HTTP 408, 429, 502, 503, 504 and A2E's "busy" codes under HTTP 200
  (``codes.RETRYABLE_CODES``). HTTP 500 is not retried: it usually means the request itself is bad.
* Any other request (a POST that spends credits) is retried only when it certainly never reached the
  server: the connection could not be opened (``APIConnectionError.outcome_unknown is False``).
* A status poll inside a wait (``polling=True``) also rides out HTTP 500 (any ``ServerError``) and an
  unreadable answer: the poll is a read that changes nothing, and one glitch must not end a wait for a
  task that is already paid for. The retry budget still bounds how many such errors come in a row.
* An operation that can make progress across attempts (a resumable download) counts its retries *in a
  row*: an attempt that failed after getting further than any before it (``progressed=True``) starts the
  count again, so a long download over a link that keeps dropping finishes as long as each attempt adds
  bytes. Such fresh starts are capped (``MAX_PROGRESS_RESETS``), so the loop always ends; an attempt
  that adds nothing spends the budget as usual.
* A paid create whose outcome is unknown is not retried by these rules: ``settle_window`` is how long
  it looks itself up before it may be sent again (see ``_create``).
* Delay: exponential backoff ``initial_delay * multiplier**n`` capped at ``max_delay``, minus up to
  ``jitter`` of it at random; a ``Retry-After`` header (seconds or an HTTP date) replaces the backoff,
  capped at ``retry_after_cap`` seconds.
"""

from __future__ import annotations

import email.utils
import math
import random as _random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from . import codes
from ._logging import logger
from .errors import (
    A2EError,
    APIConnectionError,
    APIError,
    InvalidInputError,
    NotFoundError,
    ServerError,
    UnreadableResponseError,
)

__all__ = [
    "MAX_PROGRESS_RESETS",
    "RETRYABLE_STATUSES",
    "RetryCount",
    "RetryPolicy",
    "is_retryable",
    "retry_after_seconds",
    "retry_async",
    "retry_sync",
]

T = TypeVar("T")

#: How many times an operation's retry count may start again because an attempt made progress.
MAX_PROGRESS_RESETS = 1000

#: HTTP statuses after which an idempotent request may be sent again.
RETRYABLE_STATUSES: frozenset[int] = frozenset({408, 429, 502, 503, 504})


def _non_negative(name: str, value: object) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise InvalidInputError(f"{name} must be a finite number >= 0, got {value!r}")


def is_retryable(error: A2EError, *, idempotent: bool, polling: bool = False) -> bool:
    """Whether ``error`` allows sending the same request again (``polling``: a status poll of a wait)."""
    if isinstance(error, APIConnectionError):
        return idempotent or not error.outcome_unknown
    if not idempotent or not isinstance(error, APIError):
        return False
    if polling and isinstance(error, ServerError | UnreadableResponseError):
        return True
    if error.status in RETRYABLE_STATUSES:
        return True
    ok_status = error.status is None or 200 <= error.status < 300
    return ok_status and error.code in codes.RETRYABLE_CODES


def retry_after_seconds(error: A2EError, *, now: datetime | None = None) -> float | None:
    """The ``Retry-After`` of the answer behind ``error`` in seconds (``None`` if absent or unreadable)."""
    response = getattr(error, "response", None)
    if response is None:
        return None
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How many times and how long to wait before sending a request again (see the module rules).
    A frozen dataclass: ``dataclasses.replace(policy, max_retries=5)`` makes a changed copy."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    multiplier: float = 2.0
    jitter: float = 0.25
    retry_after_cap: float = 30.0
    #: Seconds a create that may have been applied is looked up before it may be sent again.
    settle_window: float = 15.0

    def __post_init__(self) -> None:
        value = self.max_retries
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidInputError(f"max_retries must be an int >= 0, got {value!r}")
        for name in (
            "initial_delay",
            "max_delay",
            "multiplier",
            "jitter",
            "retry_after_cap",
            "settle_window",
        ):
            _non_negative(name, getattr(self, name))
        if self.jitter > 1:
            raise InvalidInputError(f"jitter must be between 0 and 1, got {self.jitter!r}")

    def backoff(self, retries_done: int, random: Callable[[], float] = _random.random) -> float:
        """The delay before retry number ``retries_done + 1`` when the server gave no Retry-After."""
        exponent = min(retries_done, 64)
        base = min(self.max_delay, self.initial_delay * self.multiplier**exponent)
        return base * (1.0 - self.jitter * random())

    def decide(
        self,
        retries_done: int,
        error: A2EError,
        *,
        idempotent: bool,
        polling: bool = False,
        random: Callable[[], float] = _random.random,
    ) -> float | None:
        """Seconds to wait before retrying, or ``None`` to give up and raise ``error``."""
        if retries_done >= self.max_retries or not is_retryable(
            error, idempotent=idempotent, polling=polling
        ):
            return None
        return self.delay(retries_done, error, random)

    def delay(
        self, retries_done: int, error: A2EError, random: Callable[[], float] = _random.random
    ) -> float:
        """The wait before trying again after ``error``: its ``Retry-After`` (capped), else the backoff."""
        hinted = retry_after_seconds(error)
        if hinted is not None:
            return min(hinted, self.retry_after_cap)
        return self.backoff(retries_done, random)


@dataclass
class RetryCount:
    """The retries of one operation, sans I/O: the sync and async retry loops both drive it.

    ``after_error`` answers the delay before the next attempt (and counts that retry) or ``None`` to give
    up. ``in_a_row`` is what the policy's ``max_retries`` bounds; it starts again after an attempt that
    made progress, at most ``MAX_PROGRESS_RESETS`` times. ``spent`` counts every retry.
    """

    policy: RetryPolicy
    idempotent: bool
    in_a_row: int = 0
    spent: int = 0
    resets: int = 0

    def after_error(
        self,
        error: A2EError,
        *,
        progressed: bool = False,
        random: Callable[[], float] = _random.random,
    ) -> float | None:
        if progressed and self.in_a_row > 0 and self.resets < MAX_PROGRESS_RESETS:
            self.in_a_row = 0
            self.resets += 1
        delay = self.policy.decide(self.in_a_row, error, idempotent=self.idempotent, random=random)
        if delay is not None:
            self.in_a_row += 1
            self.spent += 1
        return delay


# ------------------------------------------------------------------ the drivers


def _log_retry(what: str, delay: float, count: RetryCount, error: A2EError) -> None:
    logger.info(
        "retrying %s in %.2fs (retry %d/%d) after %s: %s",
        what,
        delay,
        count.in_a_row,
        count.policy.max_retries,
        type(error).__name__,
        error,
    )


def _settled(error: A2EError, count: RetryCount, settle: Callable[[], object] | None) -> bool:
    """A 404 on a retry of a DELETE: an earlier attempt was applied, so the goal is reached."""
    return settle is not None and count.spent > 0 and isinstance(error, NotFoundError)


def _next_delay(
    what: str, error: A2EError, count: RetryCount, progressed: Callable[[], bool] | None
) -> float | None:
    delay = count.after_error(error, progressed=progressed is not None and progressed())
    if delay is not None:
        _log_retry(what, delay, count, error)
    return delay


def retry_sync(
    what: str,
    attempt: Callable[[], T],
    count: RetryCount,
    sleep: Callable[[float], object],
    *,
    settle: Callable[[], T] | None = None,
    progressed: Callable[[], bool] | None = None,
) -> T:
    """Run ``attempt`` until it succeeds or ``count``'s policy gives up (the last error is raised).
    ``progressed()`` (asked after a failed attempt) tells whether it got further than any attempt
    before; ``settle()`` is the result when a retry of a DELETE meets 404."""
    while True:
        try:
            return attempt()
        except A2EError as error:
            if settle is not None and _settled(error, count, settle):
                return settle()
            delay = _next_delay(what, error, count, progressed)
            if delay is None:
                raise
            sleep(delay)


async def retry_async(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    count: RetryCount,
    sleep: Callable[[float], Awaitable[object]],
    *,
    settle: Callable[[], T] | None = None,
    progressed: Callable[[], bool] | None = None,
) -> T:
    """``retry_sync`` for an awaited attempt."""
    while True:
        try:
            return await attempt()
        except A2EError as error:
            if settle is not None and _settled(error, count, settle):
                return settle()
            delay = _next_delay(what, error, count, progressed)
            if delay is None:
                raise
            await sleep(delay)
