"""The batch machine without I/O but its journal: what it asks for next, and what each answer does to
a row (rules in ``a2e_faceswap._batch``'s docstring). A fake wall clock moves only when told."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from a2e_faceswap import RetryPolicy, Task, TaskPage
from a2e_faceswap._batch import (
    Balance,
    BatchEvent,
    BatchScheduler,
    Create,
    Download,
    Finish,
    Read,
    Resolve,
    Settings,
    Sleep,
)
from a2e_faceswap._create import Miss
from a2e_faceswap._journal import Journal
from a2e_faceswap._manifest import Job, rows_from_jobs, task_name
from a2e_faceswap.errors import (
    A2EError,
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    RateLimitError,
    ServerError,
)

POLICY = RetryPolicy(initial_delay=1.0, jitter=0.0, settle_window=15.0)
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC).timestamp()


class Wall:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    jobs = [Job(face=f"https://x.example/f{n}.jpg", video=f"https://x.example/v{n}.mp4") for n in range(6)]
    with Journal.open(tmp_path / "j.sqlite", batch_id="b1") as opened:
        opened.sync_rows(rows_from_jobs(jobs, tmp_path))
        yield opened


def machine(
    journal: Journal,
    wall: Wall,
    events: list[BatchEvent] | None = None,
    *,
    cost: float | None = 1.0,
    **settings: float,
) -> BatchScheduler:
    """The machine on ``journal``; ``cost``: a task's credits from A2E's quote (None: no quote, so the
    balance is read with the statuses)."""
    options = {"concurrency": 2, "poll_interval": 5.0, **settings}
    made = BatchScheduler(
        journal,
        Settings(**options),  # type: ignore[arg-type]
        POLICY,
        lambda key, attempt: task_name("b1", key, attempt),
        now=wall,
        on_event=None if events is None else events.append,
    )
    made.cost = cost
    return made


def task(task_id: str, status: str = "processing", result: str | None = None) -> Task:
    wire: dict[str, object] = {"_id": task_id, "current_status": status}
    if result is not None:
        wire["result_url"] = result
    return Task.from_wire(wire)


def tid(n: int) -> str:
    return f"{n:024x}"


def states(journal: Journal) -> dict[str, int]:
    return {state: n for state, n in journal.counts().items() if n}


def test_creates_up_to_the_concurrency_each_journaled_before_it_is_sent(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall)
    first = s.next()
    assert isinstance(first, Create)
    row = next(r for r in journal.rows() if r.key == first.key)
    assert (row.state, row.task_name, row.attempt) == ("creating", first.name, 1)
    assert first.name == task_name("b1", first.key, 1)
    second = s.next()
    assert isinstance(second, Create)
    assert second.key != first.key
    assert isinstance(s.next(), Sleep)  # two in flight: nothing to do until an answer comes
    s.created(first.key, task(tid(1)))
    assert isinstance(s.next(), Sleep)  # still two in flight: the task is created, not done
    assert states(journal) == {"pending": 4, "creating": 1, "created": 1}


def test_statuses_are_read_for_all_running_tasks_at_the_poll_interval(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall, concurrency=6)
    keys = []
    while isinstance(action := s.next(), Create):
        keys.append(action.key)
        s.created(action.key, task(tid(len(keys))))
    assert len(keys) == 6
    assert action == Sleep(5.0)  # a new task is first read one interval after its create
    wall.t += 5.0
    assert s.next() == Read(tuple(tid(n) for n in range(1, 7)))  # one read for all
    assert s.next() == Sleep(5.0)


def test_a_completed_task_is_downloaded_then_saved_and_a_failed_one_fails_its_row(
    journal: Journal, wall: Wall
) -> None:
    events: list[BatchEvent] = []
    s = machine(journal, wall, events)
    a, b = s.next(), s.next()
    assert isinstance(a, Create)
    assert isinstance(b, Create)
    s.created(a.key, task(tid(1)))
    s.created(b.key, task(tid(2)))
    wall.t += 5.0
    assert isinstance(s.next(), Read)
    s.read({tid(1): task(tid(1), "completed", "https://cdn.example/r1.mp4"), tid(2): task(tid(2), "failed")})
    assert s.next() == Download(a.key, "https://cdn.example/r1.mp4", tid(1))
    s.saved(a.key, "/out/r1.mp4")
    failed = next(r for r in journal.rows() if r.key == b.key)
    assert (failed.state, failed.task_id) == ("failed", tid(2))
    kinds = [e.kind for e in events if e.key in (a.key, b.key)]
    assert kinds == ["creating", "creating", "created", "created", "completed", "failed", "saved"]
    assert events[-1].counts == {"pending": 4, "saved": 1, "failed": 1}  # each event carries the counts


def test_busy_answers_slow_the_whole_batch_and_put_the_row_back(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall)
    first = s.next()
    assert isinstance(first, Create)
    s.create_failed(first.key, RateLimitError("busy", status=429))
    assert next(r.state for r in journal.rows() if r.key == first.key) == "pending"
    nothing = s.next()
    assert isinstance(nothing, Sleep)
    assert nothing.seconds == pytest.approx(1.0)
    wall.t += 1.0
    again = s.next()
    assert isinstance(again, Create)
    assert again.key == first.key
    assert again.name == first.name


def test_402_pauses_creation_running_tasks_finish_and_rows_stay_pending(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall)
    a, b = s.next(), s.next()
    assert isinstance(a, Create)
    assert isinstance(b, Create)
    s.created(a.key, task(tid(1)))
    s.create_failed(b.key, InsufficientCreditsError("no credits", status=402))
    assert s.paused == "credits"
    wall.t += 5.0
    assert isinstance(s.next(), Read)
    s.read({tid(1): task(tid(1), "completed", "https://cdn.example/r.mp4")})
    assert isinstance(s.next(), Download)
    s.saved(a.key, "/out/r.mp4")
    assert isinstance(s.next(), Finish)
    assert states(journal) == {"saved": 1, "pending": 5}


def test_a_create_that_may_have_been_applied_is_resolved_after_the_settle_window(
    journal: Journal, wall: Wall
) -> None:
    s = machine(journal, wall, concurrency=1)
    first = s.next()
    assert isinstance(first, Create)
    s.create_failed(first.key, APIConnectionError("reset after sending", outcome_unknown=True))
    assert next(r.state for r in journal.rows() if r.key == first.key) == "doubt"
    wait = s.next()  # a doubtful row is in flight: nothing else is created meanwhile
    assert wait == Sleep(15.0)
    wall.t += 15.0
    assert s.next() == Resolve((first.key,))
    s.resolved(first.key, task(tid(9)))
    row = next(r for r in journal.rows() if r.key == first.key)
    assert (row.state, row.task_id) == ("created", tid(9))


def test_a_conclusive_miss_sends_the_row_again_and_an_inconclusive_one_waits(
    journal: Journal, wall: Wall
) -> None:
    s = machine(journal, wall, concurrency=1)
    first = s.next()
    assert isinstance(first, Create)
    s.create_failed(first.key, ServerError("bad gateway", status=502))
    wall.t += 15.0
    assert isinstance(s.next(), Resolve)
    s.resolved(first.key, Miss(False, "stopped at the page cap"))
    later = s.next()
    assert isinstance(later, Sleep)
    assert later.seconds > 0
    wall.t += later.seconds
    assert isinstance(s.next(), Resolve)
    s.resolved(first.key, Miss(True, "no such task"))
    again = s.next()
    assert isinstance(again, Create)
    assert again.key == first.key
    assert again.name == first.name


def test_a_row_left_creating_by_a_killed_run_is_resolved_not_sent_again(journal: Journal, wall: Wall) -> None:
    key = journal.rows()[0].key
    journal.mark_creating(key, task_name("b1", key, 1), 1, datetime.fromtimestamp(wall.t, UTC))
    s = machine(journal, wall, concurrency=1)
    assert isinstance(s.next(), Sleep)  # the only slot is the doubtful row: wait for its window
    wall.t += 15.0
    assert s.next() == Resolve((key,))


def test_a_refused_create_fails_its_row_with_the_error_code(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall)
    first = s.next()
    assert isinstance(first, Create)
    s.create_failed(first.key, BadRequestError("bad video", status=400, code=1001))
    row = next(r for r in journal.rows() if r.key == first.key)
    assert (row.state, row.code) == ("failed", "1001")
    assert "bad video" in (row.message or "")


def test_a_task_that_never_ends_fails_its_row_after_the_task_timeout(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall, concurrency=1, task_timeout=60.0)
    first = s.next()
    assert isinstance(first, Create)
    s.created(first.key, task(tid(1)))
    wall.t += 61.0
    assert isinstance(s.next(), Read)
    s.read({tid(1): task(tid(1))})
    row = next(r for r in journal.rows() if r.key == first.key)
    assert (row.state, row.task_id) == ("failed", tid(1))
    assert "did not end" in (row.message or "")


def test_a_quoted_budget_stops_creating_before_the_limit(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall, concurrency=6, max_credits=3.0)
    created = 0
    while isinstance(action := s.next(), Create):
        created += 1
        s.created(action.key, task(tid(created)))
    assert created == 3
    assert s.paused == "budget"


def test_without_a_quote_the_balance_is_read_with_the_statuses_and_stops_creation(
    journal: Journal, wall: Wall
) -> None:
    s = machine(journal, wall, concurrency=2, max_credits=2.0, cost=None)
    s.balance(100.0)  # read before the run
    a, b = s.next(), s.next()
    assert isinstance(a, Create)
    assert isinstance(b, Create)
    s.created(a.key, task(tid(1)))
    s.created(b.key, task(tid(2)))
    wall.t += 5.0
    assert isinstance(s.next(), Read)
    s.read({tid(1): task(tid(1), "completed", "https://cdn.example/r.mp4")})
    assert s.next() == Download(a.key, "https://cdn.example/r.mp4", tid(1))
    s.saved(a.key, "/out/r.mp4")
    assert s.next() == Balance()  # with each status read
    s.balance(98.0)
    assert s.credits_spent() == 2.0
    assert not isinstance(s.next(), Create)  # a slot is free, but the limit is reached
    assert s.paused == "budget"


def budget(s: BatchScheduler) -> tuple[str | None, float | None]:
    """Why creation stopped, and what the budget counts (read through a call: mypy keeps no narrowing)."""
    return s.paused, s.credits_spent()


def test_a_doubtful_create_holds_its_share_of_a_quoted_budget_and_is_counted_once(
    journal: Journal, wall: Wall
) -> None:
    # a create that may have made a task counts from when it is sent: were it counted only once
    # found, a third task would be created meanwhile and the limit of two passed
    s = machine(journal, wall, concurrency=3, max_credits=2.0)
    a = s.next()
    assert isinstance(a, Create)
    s.create_failed(a.key, APIConnectionError("reset after sending", outcome_unknown=True))
    b = s.next()
    assert isinstance(b, Create)
    s.created(b.key, task(tid(2)))
    assert s.credits_spent() == 2.0
    assert not isinstance(s.next(), Create)
    assert s.paused == "budget"
    wall.t += 15.0
    assert s.next() == Resolve((a.key,))
    s.resolved(a.key, task(tid(1)))  # found: the share it held, not a second one
    assert s.credits_spent() == 2.0
    assert states(journal) == {"created": 2, "pending": 4}


@pytest.mark.parametrize(
    "failure",
    [
        RateLimitError("busy", status=429),
        APIConnectionError("connection refused", outcome_unknown=False),
        BadRequestError("bad video", status=400, code=1001),
        InsufficientCreditsError("no credits", status=402),
        "conclusive miss",
    ],
    ids=["429", "not sent", "400", "402", "conclusive miss"],
)
def test_a_create_proven_to_have_made_no_task_gives_its_share_back(
    journal: Journal, wall: Wall, failure: A2EError | str
) -> None:
    s = machine(journal, wall, concurrency=2, max_credits=1.0)
    a = s.next()
    assert isinstance(a, Create)
    if isinstance(failure, str):
        s.create_failed(a.key, ServerError("bad gateway", status=502))
        assert s.credits_spent() == 1.0  # a doubt holds its share until its lookup
        wall.t += 15.0
        assert isinstance(s.next(), Resolve)
        s.resolved(a.key, Miss(True, "no such task"))
    else:
        s.create_failed(a.key, failure)
    assert s.credits_spent() == 0.0
    if s.paused is None:  # the 402 pauses creation whatever the budget
        wall.t += 5.0
        again = s.next()
        assert isinstance(again, Create)
        s.created(again.key, task(tid(1)))
        assert s.credits_spent() == 1.0
        assert not isinstance(s.next(), Create)
        assert s.paused == "budget"


def test_a_share_given_back_lifts_the_budget_pause(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall, concurrency=3, max_credits=2.0)
    a, b = s.next(), s.next()
    assert isinstance(a, Create)
    assert isinstance(b, Create)
    s.create_failed(a.key, ServerError("bad gateway", status=502))
    s.created(b.key, task(tid(2)))
    assert not isinstance(s.next(), Create)
    assert s.paused == "budget"  # the doubtful create holds its share
    wall.t += 15.0
    assert s.next() == Resolve((a.key,))
    s.resolved(a.key, Miss(True, "no such task"))
    assert budget(s) == (None, 1.0)
    assert s.next() == Read((tid(2),))  # due since the clock moved
    s.read({})
    again = s.next()
    assert isinstance(again, Create)  # the limit has room again
    s.created(again.key, task(tid(3)))
    assert not isinstance(s.next(), Create)
    assert budget(s) == ("budget", 2.0)


def test_a_create_answered_with_a_task_keeps_its_share_whatever_the_lookup_finds(
    journal: Journal, wall: Wall
) -> None:
    # A2E answered with a task under another name: the row is looked up by its own, and a miss sends
    # it again, but the task A2E made is paid for: it is never given back
    s = machine(journal, wall, concurrency=1, max_credits=2.0)
    keys = []
    for n in (1, 2):
        send = s.next()
        assert isinstance(send, Create)
        keys.append(send.key)
        s.created(send.key, Task.from_wire({"_id": tid(n), "current_status": "initialized", "name": "x"}))
        wall.t += 15.0
        assert s.next() == Resolve((send.key,))
        s.resolved(send.key, Miss(True, "no such task"))
        assert s.credits_spent() == float(n)
    assert keys[0] == keys[1]  # the same row, sent again after the miss
    assert not isinstance(s.next(), Create)  # a third send would pass the limit
    assert budget(s) == ("budget", 2.0)


def test_the_batch_spending_is_journaled_before_a_create_and_counts_in_the_next_run(
    journal: Journal, wall: Wall
) -> None:
    s = machine(journal, wall, concurrency=2, max_credits=3.0)
    a = s.next()
    assert isinstance(a, Create)
    assert journal.credits_spent() == 1.0  # before the create is sent: a run killed now still counts it
    b = s.next()
    assert isinstance(b, Create)
    s.created(a.key, task(tid(1)))
    s.create_failed(b.key, RateLimitError("busy", status=429))  # its share is given back
    assert journal.credits_spent() == 1.0
    later = machine(journal, wall, concurrency=4, max_credits=3.0)
    assert budget(later) == (None, 0.0)
    assert later.batch_credits_spent() == 1.0
    assert later.next() == Read((tid(1),))
    later.read({})
    first, second = later.next(), later.next()
    assert isinstance(first, Create)
    assert isinstance(second, Create)
    assert not isinstance(later.next(), Create)  # 1 earlier + 2 now: the batch's limit
    assert budget(later) == ("budget", 2.0)
    assert journal.credits_spent() == 3.0


def test_without_a_quote_the_batch_spending_comes_from_the_balance_and_counts_in_the_next_run(
    journal: Journal, wall: Wall
) -> None:
    s = machine(journal, wall, max_credits=3.0, cost=None)
    s.balance(100.0)
    s.balance(98.0)
    assert journal.credits_spent() == 2.0
    later = machine(journal, wall, max_credits=3.0, cost=None)
    later.balance(98.0)
    assert isinstance(later.next(), Create)  # 2 of 3 spent
    later.balance(97.0)
    assert not isinstance(later.next(), Create)
    assert (later.paused, later.batch_credits_spent(), journal.credits_spent()) == ("budget", 3.0, 3.0)


def test_without_a_quote_creates_a_stopped_run_left_uncounted_count_in_the_next(
    journal: Journal, wall: Wall
) -> None:
    # the balance is read with the statuses: a run stopped (killed, Ctrl-C) after its creates and
    # before its next read never counted them; the next run finds them below the balance last recorded
    s = machine(journal, wall, concurrency=2, max_credits=4.0, cost=None)
    s.balance(100.0)
    assert [isinstance(s.next(), Create) for _ in range(3)] == [True, True, False]  # then stopped
    assert journal.credits_spent() == 0.0  # the 2 tasks (2 credits each) were never counted
    for _ in range(2):  # the same command again, twice
        later = machine(journal, wall, concurrency=4, max_credits=4.0, cost=None)
        later.balance(96.0)
        assert not isinstance(later.next(), Create)
        assert budget(later) == ("budget", 0.0)
        assert later.batch_credits_spent() == 4.0
    assert (journal.credits_spent(), journal.balance_seen()) == (4.0, 96.0)


def test_a_rising_balance_never_erases_spending(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall, max_credits=10.0, cost=None)
    s.balance(100.0)
    s.balance(98.0)
    s.balance(1098.0)  # topped up
    assert (s.credits_spent(), journal.credits_spent()) == (2.0, 2.0)
    s.balance(1097.0)
    assert (s.credits_spent(), journal.credits_spent()) == (3.0, 3.0)
    later = machine(journal, wall, max_credits=10.0, cost=None)
    later.balance(5000.0)  # topped up between runs: nothing earlier is erased
    assert later.batch_credits_spent() == 3.0


def test_without_a_quote_nor_a_limit_the_balance_is_still_read_for_a_later_limit(
    journal: Journal, wall: Wall
) -> None:
    s = machine(journal, wall, concurrency=1, cost=None)
    s.balance(100.0)
    first = s.next()
    assert isinstance(first, Create)
    s.created(first.key, task(tid(1)))
    wall.t += 5.0
    assert isinstance(s.next(), Read)
    s.read({})
    assert s.next() == Balance()
    s.balance(97.0)
    assert journal.credits_spent() == 3.0


def test_a_quoted_run_catches_up_from_the_balance_then_counts_per_task(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall, concurrency=2, cost=None)
    s.balance(100.0)
    assert [isinstance(s.next(), Create) for _ in range(2)] == [True, True]  # 2 credits each, then stopped
    later = machine(journal, wall, concurrency=4, max_credits=5.0, cost=2.0)
    assert later.balance_to_catch_up
    later.catch_up(96.0)  # what the stopped run spent after its last reading
    assert (journal.credits_spent(), journal.balance_seen()) == (4.0, None)
    assert not isinstance(later.next(), Create)  # 4 + 2 would pass 5
    assert later.paused == "budget"


def test_a_quoted_run_that_cannot_catch_up_keeps_the_reading_for_a_later_run(
    journal: Journal, wall: Wall
) -> None:
    s = machine(journal, wall, cost=None)
    s.balance(100.0)
    later = machine(journal, wall, cost=2.0)
    later.catch_up(None)  # the balance did not answer
    assert isinstance(later.next(), Create)
    assert (journal.credits_spent(), journal.balance_seen()) == (2.0, 100.0)


def test_an_unsaved_result_is_not_downloaded_again_in_the_same_run(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall, concurrency=1)
    first = s.next()
    assert isinstance(first, Create)
    s.created(first.key, task(tid(1), "completed", "https://cdn.example/r.mp4"))
    assert isinstance(s.next(), Download)
    s.save_failed(first.key, APIConnectionError("cut", outcome_unknown=True))
    assert not isinstance(s.next(), Download)
    assert next(r.state for r in journal.rows() if r.key == first.key) == "completed"  # a rerun saves it


def test_lookups_share_pages_and_each_row_gets_its_own_verdict(journal: Journal, wall: Wall) -> None:
    from a2e_faceswap._batch import Inputs

    rows = rows_from_jobs(
        [Job(face=f"https://x.example/f{n}.jpg", video=f"https://x.example/v{n}.mp4") for n in range(6)],
        Path("."),
    )
    s = machine(journal, wall, concurrency=2)
    a, b = s.next(), s.next()
    assert isinstance(a, Create)
    assert isinstance(b, Create)
    for action in (a, b):
        s.create_failed(action.key, APIConnectionError("reset", outcome_unknown=True))
    wall.t += 15.0
    resolve = s.next()
    assert resolve == Resolve((a.key, b.key)) or resolve == Resolve((b.key, a.key))
    lookup = s.lookup(resolve.keys, Inputs(rows, journal))
    face, video = Inputs(rows, journal).urls(a.key)
    created = datetime.fromtimestamp(T0 + 1, UTC).isoformat()
    ours = Task.from_wire(
        {"_id": tid(5), "name": a.name, "face_url": face, "video_url": video, "createdAt": created}
    )
    older = Task.from_wire({"_id": tid(6), "name": "x", "createdAt": "2026-01-01T00:00:00+00:00"})
    assert lookup.feed(TaskPage(items=(ours, older), total=2, page=1, page_size=100)) is None
    assert lookup.verdicts[a.key] == ours
    miss = lookup.verdicts[b.key]
    assert isinstance(miss, Miss)
    assert miss.conclusive


def test_an_input_that_could_not_be_uploaded_never_makes_the_row_doubtful(
    journal: Journal, wall: Wall
) -> None:
    """The create was never sent: no lookup, no settle window; the row waits or fails at once."""
    s = machine(journal, wall, concurrency=1)
    first = s.next()
    assert isinstance(first, Create)
    s.not_sent(first.key, APIConnectionError("upload cut", outcome_unknown=True))
    assert next(r.state for r in journal.rows() if r.key == first.key) == "pending"
    wait = s.next()
    assert isinstance(wait, Sleep)
    assert wait.seconds < POLICY.settle_window  # the shared backoff, not a settle window
    wall.t += wait.seconds
    again = s.next()
    assert isinstance(again, Create)
    assert again.key == first.key
    s.not_sent(first.key, BadRequestError("the upload URL was refused", status=400))
    row = next(r for r in journal.rows() if r.key == first.key)
    assert row.state == "failed"
    assert "not sent" in (row.message or "")
    second = s.next()
    assert isinstance(second, Create)
    s.not_sent(second.key, InsufficientCreditsError("no credits for the upload URL", status=402))
    assert s.paused == "credits"


def test_a_refused_key_pauses_the_batch_instead_of_failing_every_row(journal: Journal, wall: Wall) -> None:
    s = machine(journal, wall, concurrency=2)
    first = s.next()
    assert isinstance(first, Create)
    s.create_failed(first.key, AuthenticationError("invalid token", status=401))
    assert s.paused == "auth"
    assert isinstance(s.next(), Finish)
    assert states(journal) == {"pending": 6}


def test_a_budget_whose_spending_cannot_be_told_creates_nothing(journal: Journal, wall: Wall) -> None:
    """Neither a quote nor a balance: max_credits never silently turns itself off."""
    events: list[BatchEvent] = []
    s = machine(journal, wall, events, max_credits=5.0, cost=None)
    s.balance(None)  # the first reading failed
    assert isinstance(s.next(), Finish)
    assert s.paused == "budget"
    assert "cannot be told" in (events[-1].message or "")
    s.balance(100.0)  # a later one answers: the budget is checked again, with something to count
    assert isinstance(s.next(), Create)
