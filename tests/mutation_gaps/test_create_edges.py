"""The create flow where the other suites left mutants alive: the delays of the lookups retried past
the settle window (their count, their draw), the reason an unknown outcome gives, and ``resolve``'s
helpers (``resolution`` with no attempt recorded, ``still_unknown`` keeping every field)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from a2e_faceswap import (
    CreateOutcomeUnknownError,
    InvalidInputError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Task,
)
from a2e_faceswap._create import (
    LOOKUP_CLOCK_SKEW,
    LOOKUP_PAGE_SIZE,
    CreateFlow,
    Found,
    GiveUp,
    Lookup,
    LookupScan,
    Miss,
    NextPage,
    Submit,
    default_task_name,
    resolution,
    same_input,
    still_unknown,
)
from a2e_faceswap.errors import APIConnectionError

from tests._support.create_flow import (
    FACE,
    LOST,
    ME,
    START,
    VIDEO,
    Clock,
    record,
    start_flow,
    task_page,
    unknown_outcome,
)

LOOKUP_FAILED = ServerError("lookup broke", status=500)


def _past_the_window(clock: Clock, flow: CreateFlow, window: float) -> None:
    step = flow.after_error(LOST)
    assert isinstance(step, Lookup)
    clock.t += window  # the lookup runs at the window's end
    assert step.delay == window


def test_failed_lookups_past_the_window_back_off_from_the_first_delay() -> None:
    policy = RetryPolicy(
        max_retries=3, initial_delay=8.0, multiplier=2.0, max_delay=100.0, jitter=0.0, settle_window=1
    )
    clock = Clock()
    flow = start_flow(clock, policy)
    _past_the_window(clock, flow, 1.0)
    delays = []
    for _ in range(3):
        step = flow.after_lookup_error(LOOKUP_FAILED)
        assert isinstance(step, Lookup)
        delays.append(step.delay)
        clock.sleep(step)
    assert delays == [8.0, 16.0, 32.0]
    last = flow.after_lookup_error(LOOKUP_FAILED)
    assert isinstance(last, GiveUp)
    assert isinstance(last.error, CreateOutcomeUnknownError)
    assert last.error.reason == "looking it up failed (ServerError: HTTP 500: lookup broke)"


def test_failed_lookups_past_the_window_use_the_flow_s_random_draw() -> None:
    policy = RetryPolicy(max_retries=1, initial_delay=4.0, max_delay=100.0, jitter=0.5, settle_window=1)
    clock = Clock()
    flow = start_flow(clock, policy, draw=1.0)
    _past_the_window(clock, flow, 1.0)
    step = flow.after_lookup_error(LOOKUP_FAILED)
    assert step == Lookup(2.0)


def test_resolution_without_recorded_attempts_counts_from_the_resolvable_time() -> None:
    resolvable_at = START + timedelta(minutes=10)
    scan, wait = resolution(unknown_outcome(resolvable_at, ()), now=resolvable_at)
    assert wait == 0.0
    recent = record(created=resolvable_at - LOOKUP_CLOCK_SKEW)
    assert scan.feed(task_page(1, [recent])) == Found(recent)
    scan, _ = resolution(unknown_outcome(resolvable_at, ()), now=resolvable_at)
    older = record(created=resolvable_at - LOOKUP_CLOCK_SKEW - timedelta(seconds=1))
    assert scan.feed(task_page(1, [older])) == Miss(
        True, "no task with this name and these inputs was created"
    )


def test_resolution_names_what_it_was_given_instead() -> None:
    with pytest.raises(InvalidInputError) as caught:
        resolution(LOST)
    assert str(caught.value) == (
        "resolve needs the CreateOutcomeUnknownError a create raised, got APIConnectionError"
    )


def test_still_unknown_keeps_every_field_and_chains_the_earlier_error() -> None:
    attempts = (START, START + timedelta(seconds=20))
    resolvable_at = START + timedelta(seconds=35)
    earlier = unknown_outcome(resolvable_at, attempts)
    again = still_unknown(earlier, "the lookup stopped after 50 pages of newer records")
    assert isinstance(again, CreateOutcomeUnknownError)
    assert (again.name, again.face_url, again.video_url) == ("mine", FACE, VIDEO)
    assert again.attempts == attempts
    assert again.resolvable_at == resolvable_at
    assert again.reason == "the lookup stopped after 50 pages of newer records"
    assert again.__cause__ is earlier
    assert again.message == (
        "the task 'mine' may or may not have been created (the lookup stopped after 50 pages of newer "
        "records); it was not sent again. Call tasks.resolve(error) from 2026-12-01T08:00:35+00:00 on to "
        "find out"
    )


@pytest.mark.parametrize(
    ("sent", "recorded", "same"),
    [
        ("https://a.example/X", "https://cdn.example/X", True),  # a one-letter path is a path
        ("https://h.example", "https://H.example/", True),  # a bare host: case and the last / aside
        ("https://h.example/", "https://h.example", True),
        ("https://[::1/a", "https://[::1/b", False),  # unreadable URLs are compared whole
        ("https://[::1/a", "https://[::1/a", True),
    ],
)
def test_inputs_at_the_edges_of_the_path_rule(sent: str, recorded: str, same: bool) -> None:
    assert same_input(sent, recorded) is same


def test_an_inconclusive_lookup_that_starts_exactly_at_the_window_s_end_is_the_last() -> None:
    policy = RetryPolicy(max_retries=2, initial_delay=5.0, jitter=0.0, settle_window=2.0)
    clock = Clock()
    flow = start_flow(clock, policy)
    step = flow.after_error(LOST)
    assert step == Lookup(2.0)  # the backoff (5 s) clipped to the window's end
    clock.sleep(step)
    stranger = record(face="https://media.example.com/in/other.jpg", task_id="c" * 24)
    outcome = flow.after_lookup_page(task_page(1, [stranger]))
    assert isinstance(outcome, GiveUp)
    assert isinstance(outcome.error, CreateOutcomeUnknownError)
    assert outcome.error.reason == f"record {'c' * 24} has our name but other inputs"


def test_a_lookup_due_exactly_at_the_caller_s_deadline_still_runs() -> None:
    policy = RetryPolicy(initial_delay=1.0, jitter=0.0, settle_window=2.0)
    clock = Clock()
    flow = start_flow(clock, policy, deadline=Clock.ORIGIN + 1.0)
    assert flow.after_error(LOST) == Lookup(1.0)  # due at the deadline itself


def test_the_page_cap_is_an_inconclusive_miss() -> None:
    scan = LookupScan(ME, START - LOOKUP_CLOCK_SKEW, max_pages=2)
    strangers = [
        Task.from_wire({"_id": f"{i:024x}", "name": f"other-{i}", "createdAt": START.isoformat()})
        for i in range(LOOKUP_PAGE_SIZE)
    ]
    assert scan.feed(task_page(1, strangers)) == NextPage(2)
    verdict = scan.feed(task_page(2, strangers))
    assert verdict == Miss(False, "the lookup stopped after 2 pages of newer records")
    assert isinstance(verdict, Miss)
    assert verdict.conclusive is False


def test_a_default_name_stamps_the_utc_time_and_a_random_tail() -> None:
    name = default_task_name(datetime(2026, 12, 1, 8, 5, 9, tzinfo=UTC))
    assert re.fullmatch(r"a2e-faceswap-20261201T080509-[0-9a-f]{8}", name)


def test_resends_and_the_first_lookup_use_the_flow_s_draw() -> None:
    policy = RetryPolicy(initial_delay=4.0, max_delay=100.0, jitter=0.5, settle_window=100.0)
    clock = Clock()
    flow = start_flow(clock, policy, draw=1.0)
    assert flow.after_error(APIConnectionError("refused", outcome_unknown=False)) == Submit(2.0)
    assert flow.after_error(RateLimitError("busy", status=200, code=429)) == Submit(4.0)
    assert flow.after_error(LOST) == Lookup(2.0)


def test_the_deadline_reason_is_given() -> None:
    policy = RetryPolicy(initial_delay=5.0, jitter=0.0, settle_window=10.0)
    clock = Clock()
    flow = start_flow(clock, policy, deadline=Clock.ORIGIN + 2.0)
    outcome = flow.after_error(LOST)
    assert isinstance(outcome, GiveUp)
    assert isinstance(outcome.error, CreateOutcomeUnknownError)
    assert outcome.error.reason == "the caller's deadline ended inside the settle window"


def test_a_late_lookup_still_counts_from_the_first_attempt() -> None:
    policy = RetryPolicy(initial_delay=200.0, max_delay=200.0, jitter=0.0, settle_window=600.0)
    clock = Clock()
    flow = start_flow(clock, policy)
    step = flow.after_error(LOST)
    assert step == Lookup(200.0)
    clock.sleep(step)  # 200 s after the attempt: past the clock skew allowed from the lookup's time
    mine = record()
    assert flow.after_lookup_page(task_page(1, [mine])) == Found(mine)


def test_a_slow_first_attempt_still_counts_from_when_it_was_sent() -> None:
    policy = RetryPolicy(initial_delay=1.0, jitter=0.0, settle_window=10.0)
    clock = Clock()
    flow = start_flow(clock, policy)  # sent at the clock's origin
    clock.t += 200.0  # the answer was lost 200 s later (past the clock skew)
    assert flow.after_error(LOST) == Lookup(1.0)
    mine = record(created=START + timedelta(seconds=10))
    assert flow.after_lookup_page(task_page(1, [mine])) == Found(mine)
