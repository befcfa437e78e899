"""The duplicate-safe create flow on its own (sans I/O, a fake clock): which failures are sent again at
once, which open the settle window, which record is this call's task, when a lookup is conclusive, and
when the outcome stays unknown. The HTTP-level scenarios are in tests/hostile/test_money.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from a2e_faceswap import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CreateOutcomeUnknownError,
    InvalidInputError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Task,
    UnreadableResponseError,
)
from a2e_faceswap._create import (
    LOOKUP_CLOCK_SKEW,
    LOOKUP_INTERVAL,
    LOOKUP_MAX_INTERVAL,
    LOOKUP_MAX_PAGES,
    RESOLVE_MAX_PAGES,
    CreateFlow,
    Found,
    GiveUp,
    Lookup,
    LookupScan,
    Miss,
    NextPage,
    Submit,
    resolution,
    same_input,
)
from a2e_faceswap.errors import A2EError

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

WINDOW = 10.0
POLICY = RetryPolicy(max_retries=2, initial_delay=1.0, jitter=0.0, settle_window=WINDOW)

CONNECT = APIConnectionError("ConnectError", outcome_unknown=False)
READ_TIMEOUT = APITimeoutError("ReadTimeout", outcome_unknown=True)
BUSY = RateLimitError("busy", status=200, code=429)


def _http(status: int, retry_after: str | None = None) -> APIError:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    response = httpx.Response(status, headers=headers, json={"code": status, "msg": "x"})
    cls = {429: RateLimitError, 408: APIError}.get(status, ServerError if status >= 500 else BadRequestError)
    return cls("x", status=status, code=status, response=response)


def _flow(clock: Clock, policy: RetryPolicy = POLICY, deadline: float | None = None) -> CreateFlow:
    return start_flow(clock, policy, deadline)


def _others(count: int, created: datetime | None = START, prefix: str = "other") -> list[Task]:
    return [record(f"{prefix}-{i}", created) for i in range(count)]


NEWER = START + timedelta(seconds=1)
OLD = START - LOOKUP_CLOCK_SKEW - timedelta(seconds=1)


def _lost(clock: Clock, flow: CreateFlow, error: A2EError = LOST) -> Lookup:
    step = flow.after_error(error)
    assert isinstance(step, Lookup)
    assert step.page == 1
    clock.sleep(step)
    return step


def _miss_until_window_end(clock: Clock, flow: CreateFlow) -> Submit | GiveUp:
    """Feed conclusive misses until the flow stops looking; returns its decision."""
    for _ in range(50):
        step = flow.after_lookup_page(task_page(1, _others(3)))
        if not isinstance(step, Lookup):
            assert isinstance(step, Submit | GiveUp)
            return step
        clock.sleep(step)
    raise AssertionError("the flow never stopped looking")


# ------------------------------------------------------------------ which failures do what


def test_a_connect_error_is_sent_again_after_the_policy_delay_without_a_lookup() -> None:
    clock = Clock()
    flow = _flow(clock)
    assert flow.after_error(CONNECT) == Submit(1.0)
    assert flow.after_error(CONNECT) == Submit(2.0)
    assert flow.after_error(CONNECT) == GiveUp(CONNECT)
    assert len(flow.attempts) == 3


@pytest.mark.parametrize("error", [BUSY, _http(429)], ids=["busy-code", "http-429"])
def test_a_refusal_for_load_is_sent_again_without_a_lookup(error: A2EError) -> None:
    flow = _flow(Clock())
    step = flow.after_error(error)
    assert isinstance(step, Submit)
    assert step.delay == 1.0


def test_a_429_with_retry_after_waits_that_long() -> None:
    assert _flow(Clock()).after_error(_http(429, "3")) == Submit(3.0)


@pytest.mark.parametrize(
    "error",
    [LOST, READ_TIMEOUT, _http(500), _http(502), _http(503), _http(408), UnreadableResponseError("html")],
    ids=["reset", "timeout", "500", "502", "503", "408", "unreadable"],
)
def test_a_failure_that_may_have_been_applied_opens_the_settle_window(error: A2EError) -> None:
    clock = Clock()
    flow = _flow(clock)
    assert flow.after_error(error) == Lookup(1.0)


def test_the_first_lookup_honours_retry_after_within_the_window() -> None:
    assert _flow(Clock()).after_error(_http(503, "4")) == Lookup(4.0)
    assert _flow(Clock()).after_error(_http(503, "25")) == Lookup(WINDOW)


@pytest.mark.parametrize("error", [_http(400), AuthenticationError("x", status=401), _http(404), _http(402)])
def test_refusals_raise_at_once(error: A2EError) -> None:
    assert _flow(Clock()).after_error(error) == GiveUp(error)


# ------------------------------------------------------------------ the settle window


def test_a_miss_inside_the_window_looks_again_at_growing_intervals_up_to_its_end() -> None:
    clock = Clock()
    flow = _flow(clock)
    _lost(clock, flow)
    delays = []
    for _ in range(20):
        step = flow.after_lookup_page(task_page(1, _others(3)))
        if not isinstance(step, Lookup):
            break
        delays.append(step.delay)
        clock.sleep(step)
    assert step == Submit(0.0)
    assert delays == [1.0, 2.0, 4.0, 2.0]  # 0.5 * 2**n, the last one clipped to the window's end
    assert clock.t == Clock.ORIGIN + WINDOW
    assert LOOKUP_INTERVAL * 2**3 == LOOKUP_MAX_INTERVAL


def test_the_create_is_sent_again_only_after_a_conclusive_miss_at_or_after_the_window() -> None:
    clock = Clock()
    flow = _flow(clock)
    _lost(clock, flow)
    assert _miss_until_window_end(clock, flow) == Submit(0.0)
    assert clock.t >= Clock.ORIGIN + WINDOW
    assert len(flow.attempts) == 2


def test_a_task_applied_late_inside_the_window_is_found_and_not_sent_again() -> None:
    clock = Clock()
    flow = _flow(clock)
    _lost(clock, flow)
    step = flow.after_lookup_page(task_page(1, _others(2)))
    assert isinstance(step, Lookup)
    clock.sleep(step)
    late = record(created=START + timedelta(seconds=3))
    assert flow.after_lookup_page(task_page(1, [late, *_others(2)])) == Found(late)


def test_resends_stop_at_the_retry_budget() -> None:
    clock = Clock()
    flow = _flow(clock)  # max_retries=2
    decisions = []
    for _ in range(3):
        _lost(clock, flow)
        decisions.append(_miss_until_window_end(clock, flow))
    assert decisions == [Submit(0.0), Submit(0.0), GiveUp(LOST)]
    assert any("found no task" in note for note in LOST.__notes__)
    assert len(flow.attempts) == 3


def test_no_retry_budget_still_looks_up_and_raises_the_original_error_after_a_conclusive_miss() -> None:
    clock = Clock()
    flow = _flow(clock, RetryPolicy(max_retries=0, jitter=0.0, settle_window=1.0))
    error = APIConnectionError("reset", outcome_unknown=True)
    _lost(clock, flow, error)
    assert _miss_until_window_end(clock, flow) == GiveUp(error)


def test_a_lookup_that_fails_inside_the_window_is_tried_again_and_past_it_the_outcome_is_unknown() -> None:
    clock = Clock()
    flow = _flow(clock)
    _lost(clock, flow)
    outcome: Submit | Lookup | Found | GiveUp = Lookup(0.0)
    after_window = 0
    for _ in range(20):
        outcome = flow.after_lookup_error(_http(503))
        if not isinstance(outcome, Lookup):
            break
        clock.sleep(outcome)
        after_window += clock.t >= Clock.ORIGIN + WINDOW
    assert isinstance(outcome, GiveUp)
    error = outcome.error
    assert isinstance(error, CreateOutcomeUnknownError)
    assert after_window == 1 + POLICY.max_retries  # the lookup at the window's end, then its retries
    assert "looking it up failed" in error.reason
    assert (error.name, error.face_url, error.video_url) == ("mine", FACE, VIDEO)
    assert error.attempts == (START,)
    assert error.resolvable_at == clock.wall()  # past the window: resolvable at once
    assert error.__cause__ is LOST
    assert error.operation == "create_task"
    assert isinstance(error, APIError)
    assert "tasks.resolve" in str(error)


def test_the_callers_deadline_inside_the_window_makes_the_outcome_unknown() -> None:
    clock = Clock()
    flow = _flow(clock, deadline=clock.t + 3.0)
    _lost(clock, flow)  # first lookup at +1 s
    step = flow.after_lookup_page(task_page(1, _others(3)))
    assert isinstance(step, Lookup)  # +2 s: still before the deadline
    clock.sleep(step)
    outcome = flow.after_lookup_page(task_page(1, _others(3)))
    assert isinstance(outcome, GiveUp)
    assert isinstance(outcome.error, CreateOutcomeUnknownError)
    assert "deadline" in outcome.error.reason
    assert outcome.error.resolvable_at == START + timedelta(seconds=WINDOW)


# ------------------------------------------------------------------ which record is ours


def test_yesterdays_task_with_the_same_name_and_inputs_is_not_ours() -> None:
    clock = Clock()
    flow = _flow(clock)
    _lost(clock, flow)
    yesterday = record(created=START - timedelta(days=1))
    step = flow.after_lookup_page(task_page(1, [*_others(3, NEWER), yesterday]))
    assert isinstance(step, Lookup)  # not Found; a conclusive miss, looked at again until the window ends


def test_a_recent_record_with_our_name_and_other_inputs_means_unknown_never_absent() -> None:
    clock = Clock()
    flow = _flow(clock)
    _lost(clock, flow)
    foreign = record(video="https://media.example.com/in/other.mp4", created=NEWER)
    outcome: Submit | Lookup | Found | GiveUp = Lookup(0.0)
    for _ in range(20):
        outcome = flow.after_lookup_page(task_page(1, [foreign, record("x", OLD)]))
        if not isinstance(outcome, Lookup):
            break
        clock.sleep(outcome)
    assert isinstance(outcome, GiveUp)
    assert isinstance(outcome.error, CreateOutcomeUnknownError)
    assert "other inputs" in outcome.error.reason


def test_a_record_with_our_name_and_no_creation_time_is_not_proof_either_way() -> None:
    scan = LookupScan(ME, START - LOOKUP_CLOCK_SKEW)
    verdict = scan.feed(task_page(1, [record(created=None), record("x", OLD)]))
    assert verdict == Miss(False, f"record {'a' * 24} has our name but no creation time")


@pytest.mark.parametrize(
    ("sent", "recorded", "same"),
    [
        (FACE, FACE, True),
        (FACE, "https://dh24as48lv9ce.cloudfront.net/in/face.jpg", True),  # moved to A2E's CDN
        ("https://media.example.com/in/my%20face.jpg", "HTTPS://MEDIA.example.com/in/my face.jpg", True),
        ("https://media.example.com/in/a%2Fb.jpg", "https://media.example.com/in/a/b.jpg", True),
        (FACE, "https://media.example.com/in/face.png", False),
        (FACE, "https://media.example.com/other/face.jpg", False),
        (FACE, None, False),
        ("https://media.example.com/", "https://MEDIA.example.com", True),
        ("https://media.example.com/", "https://elsewhere.example.com/", False),
    ],
)
def test_inputs_match_by_normalised_path(sent: str, recorded: str | None, same: bool) -> None:
    assert same_input(sent, recorded) is same


def test_our_task_moved_to_a_cdn_host_is_found() -> None:
    scan = LookupScan(ME, START - LOOKUP_CLOCK_SKEW)
    moved = record(face="https://cdn.a2e.example/in/face.jpg", video="https://cdn.a2e.example/in/clip.mp4")
    assert scan.feed(task_page(1, [moved])) == Found(moved)


# ------------------------------------------------------------------ when a lookup is conclusive


def test_a_full_page_of_newer_records_leads_to_the_next_page_where_the_task_is_found() -> None:
    clock = Clock()
    flow = _flow(clock)
    _lost(clock, flow)
    assert flow.after_lookup_page(task_page(1, _others(100, NEWER))) == Lookup(0.0, 2)
    mine = record(created=NEWER)
    page = task_page(2, [*_others(40, NEWER), mine, *_others(59, NEWER, "more")])
    assert flow.after_lookup_page(page) == Found(mine)


def test_the_oldest_record_of_a_page_decides_whether_to_read_the_next() -> None:
    scan = LookupScan(ME, START - LOOKUP_CLOCK_SKEW)
    # newest first: the last record is the oldest; an old one before it does not end the lookup
    items = [*_others(98, NEWER), record("old", OLD), record("new", NEWER)]
    assert scan.feed(task_page(1, items)) == NextPage(2)
    scan = LookupScan(ME, START - LOOKUP_CLOCK_SKEW)
    assert scan.feed(task_page(1, [*_others(99, NEWER), record("old", OLD)])) == Miss(
        True, "no task with this name and these inputs was created"
    )


def test_a_lying_count_does_not_end_the_lookup() -> None:
    scan = LookupScan(ME, START - LOOKUP_CLOCK_SKEW)
    assert scan.feed(task_page(1, _others(100, NEWER), total=5)) == NextPage(2)


def test_a_short_or_empty_page_is_the_end_of_the_list() -> None:
    assert LookupScan(ME, START).feed(task_page(1, _others(99, NEWER))).conclusive  # type: ignore[union-attr]
    assert LookupScan(ME, START).feed(task_page(3, [])).conclusive  # type: ignore[union-attr]


def test_a_lookup_that_reaches_the_page_cap_is_inconclusive_and_never_resends() -> None:
    clock = Clock()
    flow = _flow(clock)
    _lost(clock, flow)
    outcome: Submit | Lookup | Found | GiveUp = Lookup(0.0)
    for _ in range(200):
        assert isinstance(outcome, Lookup)
        outcome = flow.after_lookup_page(task_page(outcome.page, _others(100, None)))
        if isinstance(outcome, Lookup) and outcome.page == 1:
            clock.sleep(outcome)
        if not isinstance(outcome, Lookup):
            break
    assert isinstance(outcome, GiveUp)
    assert isinstance(outcome.error, CreateOutcomeUnknownError)
    assert f"after {LOOKUP_MAX_PAGES} pages" in outcome.error.reason
    assert len(flow.attempts) == 1


# ------------------------------------------------------------------ resolve


def test_resolve_waits_for_the_window_and_reads_more_pages() -> None:
    scan, wait = resolution(unknown_outcome(START + timedelta(seconds=12)), now=START + timedelta(seconds=2))
    assert wait == 10.0
    for number in range(1, RESOLVE_MAX_PAGES):
        assert scan.feed(task_page(number, _others(100, None))) == NextPage(number + 1)
    assert isinstance(scan.feed(task_page(RESOLVE_MAX_PAGES, _others(100, None))), Miss)
    _, wait = resolution(unknown_outcome(START), now=START + timedelta(seconds=2))
    assert wait == 0.0


def test_resolve_counts_from_the_first_attempt() -> None:
    scan, _ = resolution(unknown_outcome(START), now=START)
    mine = record(created=START + timedelta(seconds=1))
    assert scan.feed(task_page(1, [mine])) == Found(mine)


def test_resolve_refuses_anything_but_an_unknown_outcome() -> None:
    with pytest.raises(InvalidInputError):
        resolution(LOST)
