"""Duplicate-safe task creation: the machine (``CreateFlow``, ``LookupScan``), sans I/O, and its drivers
(``create_sync`` / ``create_async``, ``resolve_sync`` / ``resolve_async``) behind ``tasks.create`` and
``tasks.resolve``. ``CreatePlan`` checks a create's arguments before anything is sent or paid for.

A2E has no idempotency key and every task costs credits. Each create carries a ``name``
(``a2e-faceswap-<UTC time>-<random>`` unless the caller gives one). After a failed attempt:

* **nothing was applied** (the connection could not be opened; 429 or A2E's busy code: A2E refused
  it) → send again after the policy's delay, no lookup;
* **it may have been applied** (a timeout or reset after sending, 408, 5xx including a proxy's HTML
  page, an unreadable answer) → a *settle window* of ``RetryPolicy.settle_window`` seconds (15 by
  default, on the monotonic clock) opens: A2E may still apply a request it received late. During it the
  name is looked up in the task records at growing intervals (the first after the policy's delay,
  ``Retry-After`` honoured). Found → that task is the result, nothing is sent again. The create is sent
  again only after a **conclusive miss** by a lookup that started at or after the window's end, and
  only while retries remain (else the original error is raised: a conclusive miss proves no task
  exists);
* anything else (400, 401, 402, moderation...) → raise at once.

Which record is this call's task (``LookupScan``): one whose name is ours, **and** whose inputs are the
ones we sent (same URL path once scheme/host case and percent-encoding are normalised: A2E may move an
input to its own CDN host, keeping the path), **and** that was created at or after the first attempt
less ``LOOKUP_CLOCK_SKEW`` (A2E's clock may be behind ours). A record with our name that is recent but
has other inputs, or no creation time, means "outcome unknown", never "absent".

A lookup is conclusive only when it read down to a record older than that cutoff, or to the end of the
list (an empty or short page); ``count`` is not trusted. A lookup that stopped at the page cap
(``LOOKUP_MAX_PAGES``) or that failed is inconclusive and never leads to a resend (a failed lookup past
the window's end is tried again, up to the policy's ``max_retries`` times). When the window ends
(or the caller's ``deadline`` comes first) without an answer, ``CreateOutcomeUnknownError`` is raised,
carrying name, inputs, attempt times and ``resolvable_at``; ``tasks.resolve(error)`` looks again later.

Residual risk (docs/reliability.md): A2E applying a request later than the settle window, or its records
list lagging behind by more than that, can still produce a second paid task after a resend.
"""

from __future__ import annotations

import random as _random
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from attrs import frozen

from . import _endpoints as endpoints
from ._retry import RetryPolicy
from ._types import TimeoutArg
from ._validation import (
    MediaSource,
    check_deadline,
    check_http_url,
    check_model_version,
    check_name,
    check_webhook_token,
    check_webhook_url,
    media_source,
)
from .errors import (
    A2EError,
    APIConnectionError,
    APIError,
    CreateOutcomeUnknownError,
    InvalidInputError,
    RateLimitError,
    ServerError,
    UnreadableResponseError,
)
from .models import Task, TaskPage

if TYPE_CHECKING:
    from a2e_api.models import CreateTaskRequest

    from ._api import AsyncApi, SyncApi

__all__ = [
    "CreateFlow",
    "CreatePlan",
    "Found",
    "GiveUp",
    "Identity",
    "Lookup",
    "LookupScan",
    "Miss",
    "NextPage",
    "Submit",
    "create_async",
    "create_sync",
    "default_task_name",
    "find_by_name",
    "maybe_applied",
    "not_applied",
    "resolution",
    "resolve_async",
    "resolve_sync",
    "same_input",
    "still_unknown",
    "submit_async",
    "submit_sync",
    "unknown_outcome",
]

#: Task records per lookup page (A2E's maximum page size).
LOOKUP_PAGE_SIZE = 100
#: Pages one lookup reads at most before it calls itself inconclusive (many creates in flight on one
#: account can push a task below the newest page: found by the chaos run). ``tasks.resolve`` reads more.
LOOKUP_MAX_PAGES = 10
RESOLVE_MAX_PAGES = 50
#: How far behind ours A2E's clock may be: records created before the first attempt less this are not
#: this call's task.
LOOKUP_CLOCK_SKEW = timedelta(minutes=2)
#: Lookups inside the settle window: the first after the policy's delay, then at growing intervals.
LOOKUP_INTERVAL = 0.5
LOOKUP_MAX_INTERVAL = 4.0


def default_task_name(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    return f"a2e-faceswap-{stamp}-{secrets.token_hex(4)}"


def find_by_name(tasks: Iterable[Task], name: str) -> Task | None:
    """The newest task with that name (records come newest first)."""
    return next((task for task in tasks if task.name == name), None)


def _path(url: str) -> str:
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return ""
    return quote(unquote(path), safe="/")


def same_input(sent: str, recorded: str | None) -> bool:
    """Whether a record's input URL is the one we sent: equal paths once percent-encoding is
    normalised, whatever the host (A2E may serve the input from its own CDN). A bare host (path ``/``
    or empty) must match whole, scheme and host case aside."""
    if recorded is None:
        return False
    path = _path(sent)
    if path.strip("/"):
        return path == _path(recorded)
    return sent.strip().lower().rstrip("/") == recorded.strip().lower().rstrip("/")


@frozen
class Identity:
    """What makes a task record this create's: its name and the two inputs it sent."""

    name: str
    face_url: str
    video_url: str


# ------------------------------------------------------------------ one lookup (shared with resolve)


@frozen
class NextPage:
    page: int


@frozen
class Miss:
    """The lookup ended without our task: ``conclusive`` when it proves no such task exists."""

    conclusive: bool
    reason: str


class LookupScan:
    """One lookup, page by page: ``feed(page)`` → ``Found``, ``NextPage`` or ``Miss``."""

    def __init__(self, identity: Identity, cutoff: datetime, max_pages: int = LOOKUP_MAX_PAGES) -> None:
        self._identity = identity
        self._cutoff = cutoff
        self._max_pages = max_pages
        self._doubt: str | None = None

    def _old(self, task: Task) -> bool:
        return task.created_at is not None and task.created_at < self._cutoff

    def feed(self, page: TaskPage) -> Found | NextPage | Miss:
        ours = self._identity
        for task in page.items:
            if task.name != ours.name or self._old(task):
                continue
            if task.created_at is None:
                self._doubt = f"record {task.id} has our name but no creation time"
            elif same_input(ours.face_url, task.face_url) and same_input(ours.video_url, task.video_url):
                return Found(task)
            else:
                self._doubt = f"record {task.id} has our name but other inputs"
        ended = len(page.items) < page.page_size or self._old(page.items[-1])
        if not ended:
            if page.page < self._max_pages:
                return NextPage(page.page + 1)
            return Miss(False, f"the lookup stopped after {page.page} pages of newer records")
        if self._doubt is not None:
            return Miss(False, self._doubt)
        return Miss(True, "no task with this name and these inputs was created")


# ------------------------------------------------------------------ the create flow


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


def not_applied(error: A2EError) -> bool:
    """The failure proves the create was not applied: sending it again cannot pay twice."""
    if isinstance(error, APIConnectionError):
        return not error.outcome_unknown
    return isinstance(error, RateLimitError)


def maybe_applied(error: A2EError) -> bool:
    if isinstance(error, APIConnectionError | UnreadableResponseError | ServerError):
        return True
    return isinstance(error, APIError) and error.status == 408


class CreateFlow:
    """Decides, step by step, what a create does next (see the module rules).

    ``clock`` is monotonic (the settle window, the deadline), ``now`` the wall clock (compared with the
    records' creation times). ``deadline`` is a monotonic instant the flow must not wait past.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        identity: Identity,
        *,
        deadline: float | None = None,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._policy = policy
        self._identity = identity
        self._deadline = deadline
        self._random = random
        self._clock = clock
        self._now = now
        self._attempts: list[datetime] = []
        self._retries = 0
        self._pending: A2EError | None = None
        self._window_end = 0.0
        self._lookups = 0
        self._late_failures = 0
        self._scan: LookupScan | None = None
        self._scan_started = 0.0

    @property
    def attempts(self) -> tuple[datetime, ...]:
        """When each attempt was (to be) sent, wall clock."""
        return tuple(self._attempts)

    def first(self) -> Step:
        return self._submit(0.0)

    def _submit(self, delay: float) -> Submit:
        self._attempts.append(self._now() + timedelta(seconds=delay))
        return Submit(delay)

    def after_error(self, error: A2EError) -> Step:
        """An attempt failed with ``error``."""
        if not_applied(error):  # as safe to send again as a read
            delay = self._policy.decide(self._retries, error, idempotent=True, random=self._random)
            if delay is None:
                return GiveUp(error)
            self._retries += 1
            return self._submit(delay)
        if not maybe_applied(error):
            return GiveUp(error)
        self._pending = error
        self._window_end = self._clock() + self._policy.settle_window
        self._lookups = 0
        self._late_failures = 0
        return self._lookup(self._policy.delay(0, error, self._random))

    def _lookup(self, delay: float) -> Step:
        """A new lookup after ``delay`` seconds (clipped to the window's end), or give up when the
        deadline would pass first."""
        now = self._clock()
        if now < self._window_end:
            delay = min(delay, self._window_end - now)
        delay = max(0.0, delay)
        if self._deadline is not None and now + delay > self._deadline:
            return self._unknown("the caller's deadline ended inside the settle window")
        first = self._attempts[0] if self._attempts else self._now()
        self._scan = LookupScan(self._identity, first - LOOKUP_CLOCK_SKEW)
        self._scan_started = now + delay
        self._lookups += 1
        return Lookup(delay)

    def after_lookup_page(self, page: TaskPage) -> Step:
        """One page of the current lookup was read."""
        assert self._scan is not None
        assert self._pending is not None
        verdict = self._scan.feed(page)
        if isinstance(verdict, Found):
            return verdict
        if isinstance(verdict, NextPage):
            return Lookup(0.0, verdict.page)
        if verdict.conclusive and self._scan_started >= self._window_end:
            if self._retries >= self._policy.max_retries:
                self._pending.add_note(f"a lookup after the settle window found no task: {verdict.reason}")
                return GiveUp(self._pending)
            self._retries += 1
            return self._submit(0.0)
        return self._again(verdict.reason)

    def after_lookup_error(self, error: A2EError) -> Step:
        """The current lookup failed (after the transport's own retries). Past the window, a failed
        lookup is tried again up to the policy's ``max_retries`` times before the outcome is unknown."""
        reason = f"looking it up failed ({type(error).__name__}: {error})"
        if self._scan_started >= self._window_end and self._late_failures < self._policy.max_retries:
            self._late_failures += 1
            return self._lookup(self._policy.backoff(self._late_failures - 1, self._random))
        return self._again(reason)

    def _again(self, reason: str) -> Step:
        """Look again later inside the window; past it, the outcome stays unknown."""
        if self._scan_started >= self._window_end:
            return self._unknown(reason)
        interval = min(LOOKUP_MAX_INTERVAL, LOOKUP_INTERVAL * 2.0**self._lookups)
        return self._lookup(interval)

    def _unknown(self, reason: str) -> GiveUp:
        assert self._pending is not None
        return GiveUp(
            unknown_outcome(
                self._identity,
                self.attempts,
                self._now() + timedelta(seconds=max(0.0, self._window_end - self._clock())),
                reason,
                self._pending,
            )
        )


def unknown_outcome(
    identity: Identity,
    attempts: tuple[datetime, ...],
    resolvable_at: datetime,
    reason: str,
    cause: BaseException | None,
) -> CreateOutcomeUnknownError:
    error = CreateOutcomeUnknownError(
        f"the task {identity.name!r} may or may not have been created ({reason}); it was not sent again. "
        f"Call tasks.resolve(error) from {resolvable_at.isoformat(timespec='seconds')} on to find out",
        name=identity.name,
        face_url=identity.face_url,
        video_url=identity.video_url,
        attempts=attempts,
        resolvable_at=resolvable_at,
        reason=reason,
    )
    error.__cause__ = cause
    return error


def resolution(error: object, now: datetime | None = None) -> tuple[LookupScan, float]:
    """For ``tasks.resolve``: the lookup to run (reading up to ``RESOLVE_MAX_PAGES`` pages) and the
    seconds to wait before it can be conclusive."""
    if not isinstance(error, CreateOutcomeUnknownError):
        raise InvalidInputError(
            f"resolve needs the CreateOutcomeUnknownError a create raised, got {type(error).__name__}"
        )
    identity = Identity(error.name, error.face_url, error.video_url)
    first = min(error.attempts, default=error.resolvable_at)
    scan = LookupScan(identity, first - LOOKUP_CLOCK_SKEW, RESOLVE_MAX_PAGES)
    wait = (error.resolvable_at - (now or datetime.now(UTC))).total_seconds()
    return scan, max(0.0, wait)


def still_unknown(error: CreateOutcomeUnknownError, reason: str) -> CreateOutcomeUnknownError:
    """A ``resolve`` whose lookup was inconclusive again."""
    identity = Identity(error.name, error.face_url, error.video_url)
    return unknown_outcome(identity, error.attempts, error.resolvable_at, reason, error)


# ------------------------------------------------------------------ the call, checked


@frozen
class CreatePlan:
    """A validated ``tasks.create`` call: everything checked before the first request."""

    face: MediaSource
    video: MediaSource
    name: str
    cover_url: str | None
    model_version: str | None
    webhook_url: str | None
    webhook_token: str | None
    deadline: float | None

    @classmethod
    def of(
        cls,
        face: object,
        video: object,
        name: str | None,
        cover_url: str | None,
        model_version: str | None,
        webhook_url: str | None,
        webhook_token: str | None,
        deadline: object = None,
    ) -> CreatePlan:
        return cls(
            face=media_source(face, "face"),
            video=media_source(video, "video"),
            name=default_task_name() if name is None else check_name(name),
            cover_url=None if cover_url is None else check_http_url(cover_url, "cover_url"),
            model_version=None if model_version is None else check_model_version(model_version),
            webhook_url=None if webhook_url is None else check_webhook_url(webhook_url),
            webhook_token=None if webhook_token is None else check_webhook_token(webhook_token),
            deadline=check_deadline(deadline),
        )

    def body(self, face_url: str, video_url: str) -> CreateTaskRequest:
        from a2e_api.models.create_task_request import CreateTaskRequest
        from a2e_api.models.create_task_request_model_version import CreateTaskRequestModelVersion
        from a2e_api.types import UNSET

        return CreateTaskRequest(
            name=self.name,
            face_url=face_url,
            video_url=video_url,
            cover_url=self.cover_url if self.cover_url is not None else UNSET,
            model_version=UNSET
            if self.model_version is None
            else CreateTaskRequestModelVersion(self.model_version),
            webhook_url=self.webhook_url if self.webhook_url is not None else UNSET,
            webhook_token=self.webhook_token if self.webhook_token is not None else UNSET,
        )

    def flow(self, api: SyncApi | AsyncApi, body: CreateTaskRequest) -> CreateFlow:
        deadline = None if self.deadline is None else api.now() + self.deadline
        identity = Identity(body.name, body.face_url, body.video_url)
        return CreateFlow(api.config.retry, identity, deadline=deadline, clock=api.now)


# ------------------------------------------------------------------ the drivers


def submit_sync(api: SyncApi, body: CreateTaskRequest, timeout: TimeoutArg) -> Task:
    """One create attempt, never retried here (what to do after a failure is the caller's machine)."""
    answer = api.call(endpoints.CREATE_TASK, timeout, retry=False, body=body)
    return Task.from_wire(answer.data.to_dict())


async def submit_async(api: AsyncApi, body: CreateTaskRequest, timeout: TimeoutArg) -> Task:
    """``submit_sync``, awaited."""
    answer = await api.call(endpoints.CREATE_TASK, timeout, retry=False, body=body)
    return Task.from_wire(answer.data.to_dict())


def create_sync(
    api: SyncApi,
    plan: CreatePlan,
    body: CreateTaskRequest,
    lookup: Callable[[int], TaskPage],
    timeout: TimeoutArg,
) -> Task:
    """Send ``body`` as the flow says; ``lookup(page)`` reads one page of task records."""
    flow = plan.flow(api, body)
    step = flow.first()
    while True:
        if isinstance(step, Found):
            return step.task
        if isinstance(step, GiveUp):
            raise step.error
        api.sleep(step.delay)
        if isinstance(step, Submit):
            try:
                return submit_sync(api, body, timeout)
            except A2EError as error:
                step = flow.after_error(error)
        else:
            try:
                step = flow.after_lookup_page(lookup(step.page))
            except A2EError as error:
                step = flow.after_lookup_error(error)


async def create_async(
    api: AsyncApi,
    plan: CreatePlan,
    body: CreateTaskRequest,
    lookup: Callable[[int], Awaitable[TaskPage]],
    timeout: TimeoutArg,
) -> Task:
    """``create_sync``, awaited."""
    flow = plan.flow(api, body)
    step = flow.first()
    while True:
        if isinstance(step, Found):
            return step.task
        if isinstance(step, GiveUp):
            raise step.error
        await api.sleep(step.delay)
        if isinstance(step, Submit):
            try:
                return await submit_async(api, body, timeout)
            except A2EError as error:
                step = flow.after_error(error)
        else:
            try:
                step = flow.after_lookup_page(await lookup(step.page))
            except A2EError as error:
                step = flow.after_lookup_error(error)


def _verdict(error: CreateOutcomeUnknownError, verdict: Found | NextPage | Miss) -> Task | int | None:
    """A resolve's answer (the task, ``None`` for "none was made") or the next page to read."""
    if isinstance(verdict, Found):
        return verdict.task
    if isinstance(verdict, NextPage):
        return verdict.page
    if verdict.conclusive:
        return None
    raise still_unknown(error, verdict.reason)


def resolve_sync(api: SyncApi, error: object, lookup: Callable[[int], TaskPage]) -> Task | None:
    """Wait until ``error.resolvable_at``, then look the task up (see ``tasks.resolve``)."""
    scan, wait = resolution(error)
    assert isinstance(error, CreateOutcomeUnknownError)  # resolution() refused anything else
    api.sleep(wait)
    answer = _verdict(error, scan.feed(lookup(1)))
    while isinstance(answer, int):
        answer = _verdict(error, scan.feed(lookup(answer)))
    return answer


async def resolve_async(
    api: AsyncApi, error: object, lookup: Callable[[int], Awaitable[TaskPage]]
) -> Task | None:
    """``resolve_sync``, awaited."""
    scan, wait = resolution(error)
    assert isinstance(error, CreateOutcomeUnknownError)
    await api.sleep(wait)
    answer = _verdict(error, scan.feed(await lookup(1)))
    while isinstance(answer, int):
        answer = _verdict(error, scan.feed(await lookup(answer)))
    return answer
