"""Batch face swap: many rows, resumable, within budget, in few requests.

``BatchScheduler`` is the machine: it knows every row's state (kept in the journal, ``_journal``) and
answers, each time it is asked, the one thing to do next — ``Create`` a row's task, ``Read`` the
statuses of the tasks in flight (``batch_task_detail``, up to 100 ids a request), ``Resolve`` rows
whose create may or may not have been applied (one scan of the task records for all of them),
``Download`` a completed result, check the ``Balance``, ``Sleep``, or ``Finish``. It sends nothing;
it records each state change in the journal (a local SQLite file, the same for both drivers) before
the action that depends on it. ``run_sync`` / ``run_async`` are its drivers. Only a request's own
error is handed back as its failure (``create_failed``, ``read_failed``, ...): one raised while the
scheduler takes an answer in (the journal, the caller's ``on_event``) ends the run, so a paid create
is never taken for a failed one.

Rules (the README's Batch section says them for users):

* A row is journaled ``creating`` (task name, attempt, time) **before** its create is sent. Its task
  name is ``a2e-batch-<batch id>-<row key>-<attempt>``: a row can never be confused with another, and
  machines running other shards of the same batch id never create the same row.
* Concurrency bounds the tasks in flight on A2E's side (``creating``, ``created``, ``doubt``), not the
  threads here: requests are sent one after another.
* A create that failed without being applied (no connection; 429 or A2E's busy code) puts the row back
  to ``pending`` and slows the whole batch (shared backoff). 402 pauses creation: tasks in flight finish,
  the rows left are ``pending`` and the run ends with ``BatchReport.exit_code`` 75 (rerun to continue).
  A create that may have been applied (timeout or reset after sending, 5xx, unreadable answer) makes
  the row ``doubt``; once the settle window (``RetryPolicy.settle_window``) has passed since its attempt,
  the doubtful rows are resolved together by one scan of the records (``_create.LookupScan``'s matching
  rules): found → ``created``; a conclusive miss → ``pending`` (sent again, same name); still unknown →
  tried again later in the run, and left ``doubt`` (exit 75) if it never settles. Rows a killed run
  left ``creating`` are ``doubt`` on resume.
* A task is never deleted or cancelled. One that does not end within ``task_timeout`` of its create
  fails its row (its id in the report). A result that cannot be saved leaves the row ``completed``
  (a rerun downloads it; it is never paid for again).
* Budget: with ``max_credits``, creation stops before the limit would be passed. The limit is the
  batch's: what its earlier runs spent is kept in the journal (``credits_spent``) and counts with this
  run's. The cost of one task comes from A2E's quote when it answers one: a create then counts from the
  moment it is decided (the total journaled before the row is ``creating``) until it is proven to have
  made no task (never sent, not applied, refused, or a conclusive miss of its lookup; never once A2E
  answered it with a task id, nor for a row an earlier run left unsettled), so a doubtful create holds
  its share of the limit and one found later is not counted twice; a share given back lets creation go
  on. Otherwise the balance is read before the run and at each status read (with or without a limit):
  its decreases are the spending (a top-up between two readings hides what was spent between them),
  journaled with the balance last read, which the next run's first read is compared with (what a
  stopped run spent after it counts; a quoted run reads the balance once for it: ``catch_up``). Creation
  stops once the credits spent reach the limit: that can overshoot by at most the tasks created between
  two balance reads (at most ``concurrency`` tasks' cost).
* Webhooks (``Settings.events``, a ``webhooks.Listener`` the creates point at): the statuses of all
  tasks in flight are read only every ``FALLBACK_FACTOR`` (10) times ``poll_interval``, the safety net
  for lost deliveries; ``evented(task_ids)`` asks for a read of exactly the evented tasks still in
  flight, all in one request (``evented(None)``: a delivery verified but unreadable, so every task in
  flight is read once). The record read is the truth: an early event (still processing) or a
  duplicate (the row already moved on) changes nothing. The drivers hand over the listener's events
  before each decision and sleep on its ``Inbox``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from attrs import define, frozen

from ._batch_plan import file_digest, unrecorded_spending
from ._create import (
    LOOKUP_CLOCK_SKEW,
    LOOKUP_PAGE_SIZE,
    CreatePlan,
    Identity,
    LookupScan,
    Miss,
    NextPage,
    maybe_applied,
    not_applied,
    submit_async,
    submit_sync,
)
from ._journal import STATES
from ._retry import RetryPolicy, is_retryable
from ._types import NOT_GIVEN
from ._validation import is_id
from .errors import A2EError, AuthenticationError, InsufficientCreditsError
from .models import Task, TaskPage

if TYPE_CHECKING:
    from a2e_api.models import CreateTaskRequest

    from ._api import AsyncApi, SyncApi
    from ._journal import Journal
    from ._manifest import Row
    from ._tasks import AsyncTasks, Tasks
    from ._uploads import AsyncUploads, Uploads
    from ._webhook_listener import Inbox

__all__ = [
    "BatchEvent",
    "BatchScheduler",
    "Create",
    "Download",
    "Finish",
    "Read",
    "Resolve",
    "Settings",
    "Sleep",
]

#: ids per status read (A2E's batch operations take up to 200; we stay below, as ``get_many`` does).
READ_BATCH = 100
#: How often a doubtful row is looked for again when a scan could not tell, and how many times.
RESOLVE_RETRY = 30.0
RESOLVE_TRIES = 5

IN_FLIGHT = ("creating", "created", "doubt")
#: With webhooks, the periodic status read comes every FALLBACK_FACTOR times poll_interval.
FALLBACK_FACTOR = 10


@frozen
class Settings:
    concurrency: int = 8
    max_credits: float | None = None
    task_timeout: float = 7200.0
    poll_interval: float = 5.0
    #: the creates carry a webhook_url: statuses are read on events, periodically only as a fallback
    events: bool = False

    @property
    def read_interval(self) -> float:
        """Seconds between two periodic reads of every task in flight."""
        return self.poll_interval * (FALLBACK_FACTOR if self.events else 1)


@frozen
class BatchEvent:
    """What ``on_event`` receives: ``kind`` is the row's new state (``creating``, ``created``,
    ``completed``, ``saved``, ``failed``, ``doubt``, ``pending``) or a batch-wide ``paused`` / ``budget``
    (``failed`` is also sent, with the row left ``completed``, when a result could not be saved)."""

    kind: str
    key: str | None = None
    line: int | None = None
    task_id: str | None = None
    message: str | None = None
    #: rows by state after this event, and the credits this run spent so far (when known)
    counts: Mapping[str, int] = attrs.field(factory=dict)
    credits_spent: float | None = None


# ------------------------------------------------------------------ actions


@frozen
class Create:
    key: str
    name: str


@frozen
class Read:
    task_ids: tuple[str, ...]


@frozen
class Resolve:
    keys: tuple[str, ...]


@frozen
class Download:
    key: str
    url: str
    task_id: str


@frozen
class Balance:
    pass


@frozen
class Sleep:
    seconds: float


@frozen
class Finish:
    pass


Action = Create | Read | Resolve | Download | Balance | Sleep | Finish


@define
class _Slot:
    """One row as the scheduler sees it."""

    key: str
    line: int
    state: str
    attempt: int
    task_name: str | None = None
    attempted_at: float | None = None  # wall clock (it outlives a run)
    task_id: str | None = None
    result_url: str | None = None
    note: str | None = None  # a result that could not be saved this run (a rerun saves it)
    resolve_tries: int = 0
    resolve_at: float = 0.0
    charged: bool = False  # its create, decided this run, may have made a task (counted by the budget)


class BatchScheduler:
    """The batch machine (see the module docstring). ``journal`` is the ``_journal.Journal`` of this
    batch; ``name_of(key, attempt)`` the task name; ``now()`` the wall clock in seconds.

    Rows are indexed by state (insertion-ordered dicts), so each decision costs the rows in flight,
    not the whole batch."""

    def __init__(
        self,
        journal: Journal,
        settings: Settings,
        retry: RetryPolicy,
        name_of: Callable[[str, int], str],
        *,
        now: Callable[[], float] = time.time,
        on_event: Callable[[BatchEvent], object] | None = None,
    ) -> None:
        self._journal = journal
        self._settings = settings
        self._retry = retry
        self._name_of = name_of
        self._now = now
        self._on_event = on_event
        self._slots: dict[str, _Slot] = {}
        self._by_state: dict[str, dict[str, _Slot]] = {state: {} for state in STATES}
        self._by_task: dict[str, _Slot] = {}  # by lowercase task id (events carry ids in any case)
        for record in journal.rows():  # in line order
            slot = _Slot(
                key=record.key,
                line=record.line,
                state=record.state,
                attempt=record.attempt,
                task_name=record.task_name,
                attempted_at=record.attempted_at.timestamp() if record.attempted_at is not None else None,
                task_id=record.task_id,
                result_url=record.result_url,
            )
            if slot.state == "creating":  # left by a run that stopped before knowing: look it up
                slot.state = "doubt"
            if slot.state == "created" and slot.attempted_at is None:  # its task timeout counts from now
                slot.attempted_at = now()
            self._slots[slot.key] = slot
            self._by_state.setdefault(slot.state, {})[slot.key] = slot
            if slot.task_id is not None:
                self._by_task[slot.task_id.lower()] = slot
        self._next_read = 0.0
        self._evented: dict[str, None] = {}  # task ids to read now, in order (a set)
        self._backoff_until = 0.0
        self._busy_in_a_row = 0
        self.paused: str | None = None  # why creation stopped: "credits" (402) or "budget"
        self.charged = 0  # creates decided this run, not proven to have made no task (module rules)
        self.spent_before = journal.credits_spent()  # by the batch's earlier runs
        self._seen = journal.balance_seen()  # the balance that total was counted up to, if it was
        self._balance_spent = 0.0  # this run's balance decreases
        self._recorded = (self.spent_before, self._seen)
        self.cost: float | None = None  # credits per task, from a quote
        self.balance_now: float | None = None
        self._balance_due = False
        for slot in list(self._by_state["created"].values()):  # a journal written by hand, or tampered
            if not is_id(slot.task_id):
                self._fail(
                    slot, f"the journal holds no readable task id for this row ({slot.task_id!r})", None
                )

    # ---------------------------------------------------------------- queries

    def slot(self, key: str) -> _Slot:
        return self._slots[key]

    def __contains__(self, key: object) -> bool:
        return key in self._slots

    def counts(self) -> dict[str, int]:
        return {state: len(slots) for state, slots in self._by_state.items() if slots}

    def _in_flight(self) -> int:
        return sum(len(self._by_state[state]) for state in IN_FLIGHT)

    def credits_spent(self) -> float | None:
        if self.balance_now is not None:
            return self._balance_spent
        if self.cost is not None:
            return self.cost * self.charged
        return None

    def batch_credits_spent(self) -> float | None:
        """What the batch's runs spent, this one's included (None when this run's cannot be told)."""
        spent = self.credits_spent()
        return None if spent is None else self.spent_before + spent

    def _record_spent(self) -> None:
        """Keep the batch's spending in the journal, for the next run's limit, with the balance it was
        counted up to when it comes from the balance."""
        total = self.batch_credits_spent()
        if total is None:
            return
        # a quoted run keeps an earlier run's reading until ``catch_up`` has counted from it
        recorded = (total, self.balance_now if self.cost is None else self._seen)
        if recorded != self._recorded:
            self._journal.record_spent(*recorded)
            self._recorded = recorded

    def _budget_allows(self) -> bool:
        limit = self._settings.max_credits
        if limit is None:
            return True
        if self.cost is not None:
            return self.spent_before + (self.charged + 1) * self.cost <= limit
        spent = self.batch_credits_spent()
        return spent is not None and spent < limit  # unknown spending never lifts the limit

    def _may_create(self) -> bool:
        return self.paused is None and self._in_flight() < self._settings.concurrency

    def _looking(self) -> list[_Slot]:
        """Doubtful rows still to be looked for in this run."""
        return [s for s in self._by_state["doubt"].values() if s.resolve_tries < RESOLVE_TRIES]

    # ---------------------------------------------------------------- the decision

    def next(self) -> Action:
        now = self._now()
        for slot in self._by_state["completed"].values():  # results first: they are what the user wants
            if slot.note is None and slot.result_url and slot.task_id:
                return Download(slot.key, slot.result_url, slot.task_id)
        ripe = tuple(s.key for s in self._looking() if self._ripe(s) <= now)
        if ripe:
            return Resolve(ripe)
        running = tuple(s.task_id for s in self._by_state["created"].values() if s.task_id)
        if running and now >= self._next_read:
            self._next_read = now + self._settings.read_interval
            self._evented.clear()  # this read covers them
            self._balance_due = self.cost is None
            return Read(running)
        evented = tuple(self._evented)
        self._evented.clear()
        evented = tuple(i for i in evented if self._by_task[i.lower()].state == "created")
        if evented:
            self._balance_due = self.cost is None
            return Read(evented)
        if self._balance_due:
            self._balance_due = False
            return Balance()
        pending = next(iter(self._by_state["pending"].values()), None)
        if pending is not None and self._may_create():
            if not self._budget_allows():
                self.paused = "budget"
                why = (
                    "the credit limit would be passed"
                    if self.credits_spent() is not None
                    else ("the credits spent cannot be told (neither A2E's quote nor its balance answered)")
                )
                self._emit(BatchEvent("budget", message=why))
            elif now >= self._backoff_until:
                name = self._name_of(pending.key, pending.attempt)
                pending.task_name, pending.attempted_at = name, now
                self._charge(pending, True)  # recorded before the row is journaled creating
                self._journal.mark_creating(pending.key, name, pending.attempt, _utc(now))
                self._move(pending, "creating")
                self._emit(BatchEvent("creating", pending.key, pending.line))
                return Create(pending.key, name)
        waits = [self._next_read - now] if running else []
        waits += [self._ripe(s) - now for s in self._looking()]
        if pending is not None and self._may_create():
            waits.append(self._backoff_until - now)
        if waits:
            return Sleep(max(0.0, min(waits)))
        if self._by_state["creating"]:
            return Sleep(self._settings.poll_interval)  # a create's answer is awaited
        return Finish()

    def _ripe(self, slot: _Slot) -> float:
        attempted = slot.attempted_at if slot.attempted_at is not None else 0.0
        return max(attempted + self._retry.settle_window, slot.resolve_at)

    def _move(self, slot: _Slot, state: str) -> None:
        del self._by_state[slot.state][slot.key]
        slot.state = state
        if state == "pending":  # a row put back goes first (rare: busy answers, conclusive misses)
            self._by_state[state] = {slot.key: slot, **self._by_state[state]}
        else:
            self._by_state[state][slot.key] = slot

    # ---------------------------------------------------------------- what happened

    def created(self, key: str, task: Task) -> None:
        """A create's answer. A task that cannot be the row's (another name, an id another row holds)
        is not taken: the row is looked up by its own name instead; an answer without a readable id
        fails the row, keeping what A2E said."""
        slot = self._slots[key]
        if not is_id(task.id):
            self._fail(slot, f"A2E answered the create without a readable task id ({task.id!r})", None)
            return
        holder = self._by_task.get(task.id.lower())
        if (task.name is not None and task.name != slot.task_name) or holder not in (None, slot):
            reason = f"A2E answered the create with task {task.id}, which is not this row's"
            slot.charged = False  # A2E answered with a task: its share stays, whatever the lookup finds
            # (counted again when the id is another row's: on the safe side)
            self._journal.mark_doubt(key, reason)
            self._move(slot, "doubt")
            self._emit(BatchEvent("doubt", key, slot.line, message=reason))
            return
        self._busy_in_a_row = 0
        now = self._now()
        if self._next_read <= now:  # the first read of a new task waits one interval
            self._next_read = now + self._settings.read_interval
        self._found(slot, task, None)

    def _found(self, slot: _Slot, task: Task, message: str | None) -> None:
        slot.task_id = task.id
        self._by_task[task.id.lower()] = slot
        self._journal.mark_created(slot.key, task.id)
        self._move(slot, "created")
        self._emit(BatchEvent("created", slot.key, slot.line, task.id, message))
        self.observed(task)

    def create_failed(self, key: str, error: A2EError) -> None:
        """The create was sent and failed: sent again, looked up, or the row fails (module rules)."""
        slot = self._slots[key]
        if not_applied(error) or not maybe_applied(error):  # refused or never sent: no task was made
            self._charge(slot, False)
        if isinstance(error, InsufficientCreditsError):
            self._pause_for_credits(slot, error)
        elif isinstance(error, AuthenticationError):
            self._pause_for_key(slot, error)
        elif not_applied(error):
            self._back_off(slot, error)
        elif maybe_applied(error):
            self._journal.mark_doubt(key, str(error))
            self._move(slot, "doubt")
            self._emit(BatchEvent("doubt", key, slot.line, message=str(error)))
        else:
            self._fail(slot, str(error), _code(error))

    def not_sent(self, key: str, error: A2EError) -> None:
        """The row's create was never sent (an input could not be uploaded, or its body was refused):
        it waits for another try when the failure may pass, else it fails."""
        slot = self._slots[key]
        self._charge(slot, False)
        if isinstance(error, InsufficientCreditsError):
            self._pause_for_credits(slot, error)
        elif isinstance(error, AuthenticationError):
            self._pause_for_key(slot, error)
        elif is_retryable(error, idempotent=True):
            self._back_off(slot, error)
        else:
            self._fail(slot, f"not sent: {error}", _code(error))

    def _charge(self, slot: _Slot, charged: bool) -> None:
        """Count a row's create against the budget, or give its share back (only once, only this
        run's); a share given back lifts a budget pause, which the next decision checks again."""
        if slot.charged == charged:
            return
        slot.charged = charged
        self.charged += 1 if charged else -1
        self._record_spent()
        if not charged and self.paused == "budget" and self.cost is not None:
            self.paused = None

    def _pause_for_credits(self, slot: _Slot, error: A2EError) -> None:
        self.paused = "credits"
        self._back_to_pending(slot, None)
        self._emit(BatchEvent("paused", message=f"A2E says the credits ran out: {error}"))

    def _pause_for_key(self, slot: _Slot, error: A2EError) -> None:
        """A2E refused the API key: no other row can do better; running tasks finish, rows wait."""
        self.paused = "auth"
        self._back_to_pending(slot, None)
        self._emit(BatchEvent("paused", message=f"A2E refused the API key: {error}"))

    def _back_off(self, slot: _Slot, error: A2EError) -> None:
        """A busy or unreachable A2E slows the whole batch (shared backoff); the row goes back."""
        self._busy_in_a_row += 1
        delay = self._retry.delay(min(self._busy_in_a_row - 1, 10), error)
        self._backoff_until = max(self._backoff_until, self._now() + delay)
        self._back_to_pending(slot, None)

    def _back_to_pending(self, slot: _Slot, message: str | None) -> None:
        self._journal.mark_pending(slot.key)
        self._move(slot, "pending")
        if message is not None:
            self._emit(BatchEvent("pending", slot.key, slot.line, message=message))

    def observed(self, task: Task) -> None:
        """A record read from A2E (a status read, or a create's answer)."""
        slot = self._by_task.get(task.id.lower())
        if slot is None or slot.state != "created" or task.name not in (None, slot.task_name):
            return  # not a task of ours in flight (a stranger's record under one of our ids is ignored)
        if task.is_done and task.result_url:
            slot.result_url = task.result_url
            self._journal.mark_completed(slot.key, task.result_url)
            self._move(slot, "completed")
            self._emit(BatchEvent("completed", slot.key, slot.line, task.id))
        elif task.is_failed:
            message = task.failure_message or f"the task failed (status {task.raw_status!r})"
            self._fail(slot, message, task.error_code)

    def read(self, found: Mapping[str, Task]) -> None:
        """The answer of a ``Read``: the records found, by id (a missing id means nothing)."""
        for task in found.values():
            self.observed(task)
        now = self._now()
        limit = self._settings.task_timeout
        for slot in list(self._by_state["created"].values()):
            if slot.attempted_at is not None and now - slot.attempted_at > limit:
                self._fail(slot, f"the task did not end within {limit / 3600:g} h (left alone on A2E)", None)

    def evented(self, task_ids: Iterable[str] | None) -> None:
        """Webhook deliveries verified for ``task_ids`` (``None``: one that could not be read): the
        tasks concerned that are still in flight are read at the next decision, in one request.
        Ids of no task in flight (another batch's, a duplicate after the row moved on) are ignored."""
        if task_ids is None:
            slots: Iterable[_Slot] = list(self._by_state["created"].values())
        else:
            found = (self._by_task.get(task_id.lower()) for task_id in task_ids)
            slots = [slot for slot in found if slot is not None and slot.state == "created"]
        for slot in slots:
            if slot.task_id:
                self._evented[slot.task_id] = None

    def read_failed(self, error: A2EError) -> None:
        """A status read failed after its retries: the next one comes at the next interval."""

    @property
    def balance_to_catch_up(self) -> bool:
        """Whether an earlier run counted from the balance, so a quoted run reads it once to start."""
        return self._seen is not None

    def catch_up(self, coins: float | None) -> None:
        """A quoted run's one reading of the balance: what was spent after an earlier run's last
        reading (a run stopped before its next one) counts as the earlier runs' spending."""
        if coins is None or self._seen is None:
            return
        self.spent_before += unrecorded_spending(self._seen, coins)
        self._seen = None
        self._record_spent()

    def balance(self, coins: float | None) -> None:
        if coins is None:
            return
        last, self.balance_now = self.balance_now, coins
        if last is None:  # this run's first reading: what a stopped run spent after its last one counts
            self.spent_before += unrecorded_spending(self._seen, coins)
        elif coins < last:  # only decreases count: a top-up never erases spending
            self._balance_spent += last - coins
        self._record_spent()
        if last is None and self.paused == "budget" and self.cost is None:  # paused with nothing to count:
            self.paused = None  # the next decision checks the limit again

    def lookup(self, keys: Sequence[str], inputs: Inputs) -> BatchLookup:
        """The one scan that resolves the doubtful rows ``keys`` together."""
        scans = []
        for key in keys:
            slot = self._slots[key]
            face, video = inputs.urls(key)
            identity = Identity(slot.task_name or self._name_of(key, slot.attempt), face, video)
            cutoff = _utc(slot.attempted_at or 0.0) - LOOKUP_CLOCK_SKEW
            scans.append(LookupScan(identity, cutoff, max_pages(len(self._slots))))
        return BatchLookup(tuple(keys), scans)

    def resolved(self, key: str, verdict: Task | Miss) -> None:
        """One doubtful row's answer: its task, or the scan's miss."""
        slot = self._slots[key]
        if isinstance(verdict, Task):
            self._found(slot, verdict, "found after a doubtful create")
        elif verdict.conclusive:
            self._charge(slot, False)
            self._back_to_pending(slot, "the doubtful create made no task")
        else:
            slot.resolve_tries += 1
            slot.resolve_at = self._now() + RESOLVE_RETRY * slot.resolve_tries

    def resolve_failed(self, keys: Sequence[str], error: A2EError) -> None:
        for key in keys:
            self.resolved(key, Miss(False, str(error)))

    def saved(self, key: str, path: str) -> None:
        slot = self._slots[key]
        self._journal.mark_saved(key, path)
        self._move(slot, "saved")
        self._emit(BatchEvent("saved", key, slot.line, slot.task_id))

    def save_failed(self, key: str, error: A2EError) -> None:
        slot = self._slots[key]
        if error.task_id is None:
            error.task_id = slot.task_id  # the result of a paid task: say which
        slot.note = f"the result could not be saved: {error}"
        self._emit(BatchEvent("failed", key, slot.line, slot.task_id, slot.note))

    def _fail(self, slot: _Slot, message: str, code: str | None) -> None:
        self._journal.mark_failed(slot.key, message, code, task_id=slot.task_id)
        self._move(slot, "failed")
        self._emit(BatchEvent("failed", slot.key, slot.line, slot.task_id, message))

    def _emit(self, event: BatchEvent) -> None:
        if self._on_event is not None:
            self._on_event(attrs.evolve(event, counts=self.counts(), credits_spent=self.credits_spent()))


class BatchLookup:
    """Several ``LookupScan`` fed the same pages, newest first: ``feed(page)`` answers the next page
    to read, or ``None`` when every scan has its verdict (``verdicts``: key → task or miss)."""

    def __init__(self, keys: tuple[str, ...], scans: list[LookupScan]) -> None:
        self._looking = dict(zip(keys, scans, strict=True))
        self.verdicts: dict[str, Task | Miss] = {}

    def feed(self, page: TaskPage) -> int | None:
        wanted: int | None = None
        for key, scan in list(self._looking.items()):
            result = scan.feed(page)
            if isinstance(result, NextPage):
                wanted = result.page
                continue
            self.verdicts[key] = result if isinstance(result, Miss) else result.task
            del self._looking[key]
        return wanted


def max_pages(rows: int) -> int:
    """Pages a batch scan may read: enough to reach past every task this batch could have created."""
    return max(50, math.ceil(rows / 100) + 10)


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _code(error: A2EError) -> str | None:
    code = getattr(error, "code", None)
    return None if code is None else str(code)


# ------------------------------------------------------------------ inputs: each local file uploaded once


class Inputs:
    """The URLs each row sends. A local file is uploaded once per batch, known by the SHA-256 of its
    content (recorded in the journal, so a resumed run reuses the upload)."""

    def __init__(self, rows: Sequence[Row], journal: Journal, webhook: tuple[str, str] | None = None) -> None:
        self._rows = {row.key: row for row in rows}
        self._webhook = webhook  # (url, token) every create carries, or None
        self._journal = journal
        self._digests: dict[Path, str] = {}

    def _digest(self, path: Path) -> str:
        if path not in self._digests:
            self._digests[path] = file_digest(path)
        return self._digests[path]

    def missing(self, key: str) -> list[tuple[str, Path]]:
        """The row's local files not uploaded yet: (content hash, path)."""
        row = self._rows[key]
        out: list[tuple[str, Path]] = []
        for source in (row.face, row.video):
            if isinstance(source, Path):
                digest = self._digest(source)
                if self._journal.upload_for(digest) is None and all(d != digest for d, _ in out):
                    out.append((digest, source))
        return out

    def record(self, digest: str, url: str) -> None:
        self._journal.record_upload(digest, url)

    def url(self, source: str | Path) -> str:
        if isinstance(source, str):
            return source
        url = self._journal.upload_for(self._digest(source))
        assert url is not None, "missing() first"
        return url

    def urls(self, key: str) -> tuple[str, str]:
        row = self._rows[key]
        return self.url(row.face), self.url(row.video)

    def body(self, key: str, name: str) -> CreateTaskRequest:
        """The row's create body, checked as ``tasks.create`` checks its arguments (call ``missing``
        and upload first)."""
        face, video = self.urls(key)
        url, token = self._webhook if self._webhook is not None else (None, None)
        return CreatePlan.of(face, video, name, None, None, url, token).body(face, video)


# ------------------------------------------------------------------ the drivers


def _next(scheduler: BatchScheduler, inbox: Inbox | None) -> Action:
    """The listener's events since the last decision handed over, then the next decision."""
    if inbox is not None:
        task_ids, unreadable = inbox.take()
        if unreadable:
            scheduler.evented(None)
        if task_ids:
            scheduler.evented(task_ids)
    return scheduler.next()


def run_sync(
    scheduler: BatchScheduler,
    inputs: Inputs,
    api: SyncApi,
    tasks: Tasks,
    uploads: Uploads,
    out_dir: Path,
    outputs: dict[str, str],
    balance: Callable[[], float | None],
    sleep: Callable[[float], object],
    inbox: Inbox | None = None,
) -> None:
    """Do what the scheduler says until it says ``Finish``; with ``inbox``, a webhook event ends a
    sleep and is handed to the scheduler."""
    while not isinstance(action := _next(scheduler, inbox), Finish):
        if isinstance(action, Sleep):
            if inbox is None:
                sleep(action.seconds)
            else:
                inbox.sleep(action.seconds)
        elif isinstance(action, Create):
            try:
                for digest, path in inputs.missing(action.key):
                    inputs.record(digest, uploads.upload(path))
                body = inputs.body(action.key, action.name)
            except A2EError as error:
                scheduler.not_sent(action.key, error)
                continue
            try:
                made = submit_sync(api, body, NOT_GIVEN)  # the client's timeout
            except A2EError as error:
                scheduler.create_failed(action.key, error)
            else:
                scheduler.created(action.key, made)
        elif isinstance(action, Read):
            try:
                found = tasks.get_many(action.task_ids)
            except A2EError as error:
                scheduler.read_failed(error)
            else:
                scheduler.read(found)
        elif isinstance(action, Resolve):
            lookup = scheduler.lookup(action.keys, inputs)
            try:
                page: int | None = 1
                while page is not None:
                    page = lookup.feed(tasks.list(page, LOOKUP_PAGE_SIZE))
            except A2EError as error:
                scheduler.resolve_failed([k for k in action.keys if k not in lookup.verdicts], error)
            for key, verdict in lookup.verdicts.items():
                scheduler.resolved(key, verdict)
        elif isinstance(action, Download):
            try:
                path = tasks.download(action.url, out_dir / outputs[action.key])
            except A2EError as error:
                scheduler.save_failed(action.key, error)
            else:
                scheduler.saved(action.key, str(path))
        else:
            scheduler.balance(balance())


async def run_async(
    scheduler: BatchScheduler,
    inputs: Inputs,
    api: AsyncApi,
    tasks: AsyncTasks,
    uploads: AsyncUploads,
    out_dir: Path,
    outputs: dict[str, str],
    balance: Callable[[], Awaitable[float | None]],
    sleep: Callable[[float], Awaitable[object]],
    inbox: Inbox | None = None,
) -> None:
    """``run_sync``, awaited."""
    while not isinstance(action := _next(scheduler, inbox), Finish):
        if isinstance(action, Sleep):
            if inbox is None:
                await sleep(action.seconds)
            else:
                await inbox.sleep_async(action.seconds)
        elif isinstance(action, Create):
            try:
                for digest, path in inputs.missing(action.key):
                    inputs.record(digest, await uploads.upload(path))
                body = inputs.body(action.key, action.name)
            except A2EError as error:
                scheduler.not_sent(action.key, error)
                continue
            try:
                made = await submit_async(api, body, NOT_GIVEN)
            except A2EError as error:
                scheduler.create_failed(action.key, error)
            else:
                scheduler.created(action.key, made)
        elif isinstance(action, Read):
            try:
                found = await tasks.get_many(action.task_ids)
            except A2EError as error:
                scheduler.read_failed(error)
            else:
                scheduler.read(found)
        elif isinstance(action, Resolve):
            lookup = scheduler.lookup(action.keys, inputs)
            try:
                page: int | None = 1
                while page is not None:
                    page = lookup.feed(await tasks.list(page, LOOKUP_PAGE_SIZE))
            except A2EError as error:
                scheduler.resolve_failed([k for k in action.keys if k not in lookup.verdicts], error)
            for key, verdict in lookup.verdicts.items():
                scheduler.resolved(key, verdict)
        elif isinstance(action, Download):
            try:
                path = await tasks.download(action.url, out_dir / outputs[action.key])
            except A2EError as error:
                scheduler.save_failed(action.key, error)
            else:
                scheduler.saved(action.key, str(path))
        else:
            scheduler.balance(await balance())
