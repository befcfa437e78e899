"""Duplicate-safe task creation, sans I/O (the sync and async ``tasks.create`` drive it).

A2E has no idempotency key and every task costs credits. Each create therefore carries a unique
``name`` (``a2e-faceswap-<UTC time>-<random>`` unless the caller gives one), and:

* the connection could not be opened → the request never left: send it again (policy backoff);
* the outcome is unknown (timeout or reset after sending, 5xx, 408/429/busy, an unreadable answer)
  → wait the policy's delay, then look the name up in the task records (newest first, page after
  page while the records are recent enough to be ours). Found → that task is the result, nothing is
  sent again. Not found and retries remain → send again. Not found and
  no retry left → raise the original error;
* the lookup itself fails → raise the original error (a note says the lookup failed): sending again
  blindly could pay twice;
* anything else (400, 401, 402, moderation...) → raise at once.

Limits: a request that is still queued inside A2E when the lookup runs is not visible yet; the delay
before the lookup makes that unlikely, not impossible. The lookup reads at most ``LOOKUP_MAX_PAGES``
pages: an account creating more tasks than that between the attempt and the lookup can still pay twice.
"""

from __future__ import annotations

import random as _random
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from attrs import frozen

from ._retry import RetryPolicy, is_retryable
from .errors import A2EError, APIConnectionError, APIError, UnreadableResponseError
from .models import Task, TaskPage

__all__ = ["CreateFlow", "Found", "GiveUp", "Lookup", "Submit", "default_task_name", "find_by_name"]

#: Task records per lookup page (A2E's maximum page size).
LOOKUP_PAGE_SIZE = 100
#: The lookup reads further pages while the last record seen was created after the first attempt (less
#: ``LOOKUP_CLOCK_SKEW`` for a clock difference with A2E), up to this many pages: with many creates
#: running at once, the task may already sit below the newest page (found by the chaos run, bench/).
LOOKUP_MAX_PAGES = 10
LOOKUP_CLOCK_SKEW = timedelta(minutes=10)


def default_task_name(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    return f"a2e-faceswap-{stamp}-{secrets.token_hex(4)}"


def find_by_name(tasks: Iterable[Task], name: str) -> Task | None:
    """The newest task with that name (records come newest first)."""
    return next((task for task in tasks if task.name == name), None)


@frozen
class Submit:
    delay: float


@frozen
class Lookup:
    delay: float
    page: int = 1


@frozen
class Found:
    task: Task


@frozen
class GiveUp:
    error: A2EError


Step = Submit | Lookup | Found | GiveUp


def _maybe_applied(error: A2EError) -> bool:
    if isinstance(error, APIConnectionError):
        return error.outcome_unknown
    if isinstance(error, UnreadableResponseError):
        return True
    if isinstance(error, APIError) and error.status is not None and error.status >= 500:
        return True
    return is_retryable(error, idempotent=True)


class CreateFlow:
    def __init__(
        self,
        policy: RetryPolicy,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._policy = policy
        self._random = random
        self._now = now
        self._since: datetime | None = None
        self._retries = 0
        self._pending: A2EError | None = None

    def first(self) -> Step:
        self._since = self._now()
        return Submit(0.0)

    def after_error(self, error: A2EError) -> Step:
        if isinstance(error, APIConnectionError) and not error.outcome_unknown:
            delay = self._policy.decide(self._retries, error, idempotent=False, random=self._random)
            if delay is None:
                return GiveUp(error)
            self._retries += 1
            return Submit(delay)
        if _maybe_applied(error):
            self._pending = error
            delay = self._policy.decide(self._retries, error, idempotent=True, random=self._random)
            return Lookup(delay if delay is not None else self._policy.backoff(self._retries, self._random))
        return GiveUp(error)

    def after_lookup_page(self, page: TaskPage, name: str) -> Step:
        """One page of the lookup was read: the task, the next page, or "not found" (``after_lookup``)."""
        found = find_by_name(page.items, name)
        if found is None and page.has_more and page.page < LOOKUP_MAX_PAGES and self._recent(page):
            return Lookup(0.0, page.page + 1)
        return self.after_lookup(found)

    def _recent(self, page: TaskPage) -> bool:
        """Whether the page's oldest record may be younger than the first attempt (then so may the next)."""
        oldest = page.items[-1].created_at if page.items else None
        return oldest is None or self._since is None or oldest >= self._since - LOOKUP_CLOCK_SKEW

    def after_lookup(self, found: Task | None) -> Step:
        assert self._pending is not None
        if found is not None:
            return Found(found)
        if self._retries >= self._policy.max_retries:
            return GiveUp(self._pending)
        self._retries += 1
        return Submit(0.0)

    def after_lookup_error(self, error: A2EError) -> Step:
        assert self._pending is not None
        self._pending.add_note(
            f"the task may exist: looking it up by name failed ({type(error).__name__}: {error}); "
            "it was not sent again"
        )
        return GiveUp(self._pending)
