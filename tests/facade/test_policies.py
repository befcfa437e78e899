"""The sans-I/O decision makers on their own: retry policy, wait machine, page cursor, create flow,
download resumption."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from a2e_faceswap import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InvalidInputError,
    NotFoundError,
    Preview,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Task,
    TaskFailedError,
    UnreadableResponseError,
    WaitTimeoutError,
)
from a2e_faceswap._create import default_task_name, find_by_name
from a2e_faceswap._download import Answer, ResumeState
from a2e_faceswap._paging import PageCursor
from a2e_faceswap._retry import MAX_PROGRESS_RESETS, RetryCount, is_retryable, retry_after_seconds
from a2e_faceswap._waiting import MIN_POLL_TIMEOUT, Done, Fail, Sleep, WaitMachine
from a2e_faceswap.errors import A2EError, APIError
from hypothesis import given
from hypothesis import strategies as st

NO_JITTER = RetryPolicy(max_retries=3, initial_delay=1.0, max_delay=10.0, multiplier=2.0, jitter=0.0)


def _http(status: int, code: int | None = None, retry_after: str | None = None) -> APIError:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    response = httpx.Response(status, headers=headers, json={"code": code or status, "msg": "x"})
    cls = {429: RateLimitError, 500: ServerError, 502: ServerError, 503: ServerError, 504: ServerError}
    return cls.get(status, BadRequestError)("x", status=status, code=code or status, response=response)


def _task(status: str, task_id: str = "t1") -> Task:
    url = "https://cdn.example/r.mp4" if status == "completed" else ""  # completed without it: not done
    wire = {"_id": task_id, "current_status": status, "faild_message": "bad face", "result_url": url}
    return Task.from_wire(wire)


CONNECT = APIConnectionError("ConnectError", outcome_unknown=False)
RESET = APIConnectionError("RemoteProtocolError", outcome_unknown=True)
READ_TIMEOUT = APITimeoutError("ReadTimeout", outcome_unknown=True)
BUSY = RateLimitError("busy", status=200, code=429)
UNAVAILABLE = ServerError("unavailable", status=200, code=503)
UNREADABLE = UnreadableResponseError("not JSON", status=200, snippet="<html>")


# ------------------------------------------------------------------ retry policy


@pytest.mark.parametrize(
    ("error", "idempotent", "expected"),
    [
        (CONNECT, False, True),
        (CONNECT, True, True),
        (RESET, True, True),
        (RESET, False, False),
        (READ_TIMEOUT, True, True),
        (READ_TIMEOUT, False, False),
        (APITimeoutError("ConnectTimeout", outcome_unknown=False), False, True),
        (_http(408), True, True),
        (_http(429), True, True),
        (_http(502), True, True),
        (_http(503), True, True),
        (_http(504), True, True),
        (_http(500), True, False),
        (_http(400), True, False),
        (AuthenticationError("x", status=401), True, False),
        (NotFoundError("x", status=404), True, False),
        (BUSY, True, True),
        (UNAVAILABLE, True, True),
        (BUSY, False, False),
        (_http(429), False, False),
        (_http(503), False, False),
        (UnreadableResponseError("x", status=200), True, False),
        (TaskFailedError(_task("failed")), True, False),
    ],
)
def test_what_is_retryable(error: A2EError, idempotent: bool, expected: bool) -> None:
    assert is_retryable(error, idempotent=idempotent) is expected
    decided = NO_JITTER.decide(0, error, idempotent=idempotent)
    assert (decided is not None) is expected


def test_backoff_is_exponential_and_capped() -> None:
    delays = [NO_JITTER.decide(n, CONNECT, idempotent=False) for n in range(3)]
    assert delays == [1.0, 2.0, 4.0]
    assert NO_JITTER.decide(3, CONNECT, idempotent=False) is None
    capped = RetryPolicy(max_retries=20, initial_delay=1.0, max_delay=5.0, jitter=0.0)
    assert capped.decide(10, CONNECT, idempotent=False) == 5.0


@given(st.integers(0, 50), st.floats(0, 1, exclude_max=True), st.floats(0, 1))
def test_jitter_only_shortens_the_delay(retries_done: int, draw: float, jitter: float) -> None:
    policy = RetryPolicy(max_retries=100, initial_delay=0.5, max_delay=8.0, jitter=jitter)
    base = min(8.0, 0.5 * 2.0**retries_done)
    delay = policy.backoff(retries_done, lambda: draw)
    assert base * (1 - jitter) <= delay <= base


def test_retry_after_is_honoured_and_capped() -> None:
    policy = RetryPolicy(retry_after_cap=5.0, jitter=0.0)
    assert policy.decide(0, _http(429, retry_after="3"), idempotent=True) == 3.0
    assert policy.decide(0, _http(503, retry_after="120"), idempotent=True) == 5.0
    assert policy.decide(0, _http(429, retry_after="soon"), idempotent=True) == policy.initial_delay
    later = datetime.now(UTC) + timedelta(seconds=30)
    hinted = retry_after_seconds(_http(429, retry_after=format_datetime(later, usegmt=True)))
    assert hinted is not None
    assert 25 <= hinted <= 30
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert retry_after_seconds(_http(429, retry_after=past)) == 0.0
    assert retry_after_seconds(CONNECT) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"max_retries": 1.5},
        {"initial_delay": -1},
        {"jitter": 2},
        {"max_delay": float("nan")},
    ],
)
def test_policy_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(InvalidInputError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------ wait machine


def _machine(timeout: float | None = 10.0, max_retries: int = 2) -> WaitMachine[Task]:
    return WaitMachine[Task](
        "t1",
        now=0.0,
        timeout=timeout,
        poll_interval=1.0,
        max_interval=2.0,
        retry=RetryPolicy(max_retries=max_retries, initial_delay=0.1, jitter=0.0),
        jitter=0.0,
    )


def test_wait_first_poll_soon_then_growing_capped_interval() -> None:
    machine = _machine(timeout=None)
    assert machine.start(None, 0.0) == Sleep(0.0)
    first = machine.observe(_task("initialized"), 0.0)
    assert isinstance(first, Sleep)
    assert first.seconds == 1.0
    assert first.notify is not None
    delays = []
    for step in range(6):
        decision = machine.observe(_task("initialized"), float(step))
        assert isinstance(decision, Sleep)
        assert decision.notify is None
        delays.append(decision.seconds)
    assert delays[0] == 1.25
    assert delays == sorted(delays)
    assert delays[-1] == 2.0


def test_wait_notifies_on_each_status_change_and_returns_completed() -> None:
    machine = _machine()
    seen = []
    for status in ("initialized", "initialized", "sent", "processing", "processing", "completed"):
        decision = machine.observe(_task(status), 1.0)
        if decision.notify is not None:
            seen.append(decision.notify.raw_status)
    assert seen == ["initialized", "sent", "processing", "completed"]
    assert isinstance(decision, Done)
    assert decision.record.is_done


def test_wait_known_terminal_record_needs_no_poll() -> None:
    decision = _machine().start(_task("completed"), 0.0)
    assert isinstance(decision, Done)


def test_wait_failed_raises_at_once_with_the_message() -> None:
    decision = _machine().observe(_task("failed"), 1.0)
    assert isinstance(decision, Fail)
    assert isinstance(decision.error, TaskFailedError)
    assert decision.error.failure_message == "bad face"
    assert decision.notify is not None


def test_wait_unknown_status_means_still_running() -> None:
    decision = _machine().observe(_task("rendering-v9"), 1.0)
    assert isinstance(decision, Sleep)
    assert decision.notify is not None


def test_wait_completed_without_result_url_polls_on_until_it_comes() -> None:
    machine = _machine()
    for url, notified in (("", True), (None, False), ("", False)):  # "" and null alike: not done
        record = Task.from_wire({"_id": "t1", "current_status": "completed", "result_url": url})
        decision = machine.observe(record, 1.0)
        assert isinstance(decision, Sleep)
        assert (decision.notify is not None) is notified
    decision = machine.observe(_task("completed"), 2.0)
    assert isinstance(decision, Done)
    assert decision.notify is not None  # the URL came: a change worth telling
    assert decision.record.result_url


def test_wait_timeout_says_when_the_result_url_never_came() -> None:
    machine = _machine(timeout=10.0)
    machine.observe(Task.from_wire({"_id": "t1", "current_status": "completed", "result_url": ""}), 1.0)
    decision = machine.observe(Task.from_wire({"_id": "t1", "current_status": "completed"}), 10.0)
    assert isinstance(decision, Fail)
    assert isinstance(decision.error, WaitTimeoutError)
    assert "result URL never came" in str(decision.error)
    late = _machine(timeout=10.0).observe(_task("processing"), 10.0)
    assert isinstance(late, Fail)
    assert "result URL" not in str(late.error)


def test_wait_deadline_clips_the_sleep_then_times_out_with_last_state() -> None:
    machine = _machine(timeout=3.0)
    machine.observe(_task("sent"), 0.0)
    clipped = machine.observe(_task("sent"), 2.5)
    assert clipped == Sleep(0.5)
    decision = machine.observe(_task("processing"), 3.0)
    assert isinstance(decision, Fail)
    assert isinstance(decision.error, WaitTimeoutError)
    assert decision.error.task is not None
    assert decision.error.task.raw_status == "processing"
    assert decision.notify is not None  # the change to processing is still reported


@pytest.mark.parametrize(
    ("status", "other"), [(503, RESET), (500, UNREADABLE)], ids=["503-reset", "500-unreadable"]
)
def test_wait_rides_out_transient_poll_errors_while_retries_remain(status: int, other: A2EError) -> None:
    machine = _machine(max_retries=2)
    machine.observe(_task("sent"), 0.0)
    assert isinstance(machine.observe_error(_http(status), 1.0), Sleep)
    assert isinstance(machine.observe_error(other, 2.0), Sleep)
    third = machine.observe_error(_http(status), 3.0)
    assert isinstance(third, Fail)
    assert isinstance(third.error, ServerError)


def test_wait_a_good_poll_between_errors_resets_their_count() -> None:
    machine = _machine(max_retries=1)
    assert isinstance(machine.observe_error(_http(503), 1.0), Sleep)
    machine.observe(_task("sent"), 1.5)
    assert isinstance(machine.observe_error(_http(503), 2.0), Sleep)


def test_wait_retry_after_is_used_between_polls() -> None:
    decision = _machine().observe_error(_http(429, retry_after="2"), 1.0)
    assert decision == Sleep(2.0)


def test_wait_non_transient_error_ends_the_wait() -> None:
    decision = _machine().observe_error(NotFoundError("gone", status=404), 1.0)
    assert isinstance(decision, Fail)
    assert isinstance(decision.error, NotFoundError)


def test_a_500_or_unreadable_answer_is_retried_only_while_polling() -> None:
    # outside a wait these errors are final: a plain GET is not retried after a 500
    assert not is_retryable(_http(500), idempotent=True)
    assert not is_retryable(UNREADABLE, idempotent=True)
    assert is_retryable(_http(500), idempotent=True, polling=True)
    assert is_retryable(UNREADABLE, idempotent=True, polling=True)
    assert not is_retryable(_http(500), idempotent=False, polling=True)
    assert not is_retryable(NotFoundError("gone", status=404), idempotent=True, polling=True)


def test_wait_error_after_deadline_is_a_wait_timeout() -> None:
    machine = _machine(timeout=1.0)
    decision = machine.observe_error(_http(503), 5.0)
    assert isinstance(decision, Fail)
    assert isinstance(decision.error, WaitTimeoutError)
    assert isinstance(decision.error.__cause__, ServerError)


def test_wait_machine_works_for_previews_and_checks_its_arguments() -> None:
    machine = WaitMachine[Preview]("p", now=0.0, timeout=1.0, poll_interval=0.5, retry=RetryPolicy())
    assert isinstance(
        machine.observe(
            Preview.from_wire(
                {"_id": "p", "current_status": "completed", "result_url": "https://cdn.example/p.png"}
            ),
            0.1,
        ),
        Done,
    )
    for bad in (0, -1, float("inf")):
        with pytest.raises(InvalidInputError):
            WaitMachine[Task]("t", now=0.0, timeout=bad, poll_interval=1.0, retry=RetryPolicy())
        with pytest.raises(InvalidInputError):
            WaitMachine[Task]("t", now=0.0, timeout=1.0, poll_interval=bad, retry=RetryPolicy())


def test_wait_clips_each_poll_timeout_to_the_time_left_and_never_past_deadline_plus_floor() -> None:
    machine = _machine(timeout=10.0)  # deadline at 10.0
    assert machine.request_timeout(0.0, 60.0) == 10.0
    assert machine.request_timeout(7.5, 60.0) == 2.5
    assert machine.request_timeout(7.5, 1.5) == 1.5  # already shorter
    assert machine.request_timeout(9.8, 60.0) == MIN_POLL_TIMEOUT  # the last poll still gets the floor
    assert machine.request_timeout(10.0, 60.0) == MIN_POLL_TIMEOUT
    assert machine.request_timeout(10.2, 60.0) == pytest.approx(MIN_POLL_TIMEOUT - 0.2)  # no floor past it
    assert machine.request_timeout(12.0, 60.0) == 0.001
    assert machine.request_timeout(4.0, None) == 6.0  # "no timeout" still ends at the deadline
    clipped = machine.request_timeout(7.0, httpx.Timeout(60.0, connect=2.0, pool=None))
    assert clipped == httpx.Timeout(connect=2.0, read=3.0, write=3.0, pool=3.0)


def test_wait_without_deadline_keeps_the_request_timeout() -> None:
    machine = _machine(timeout=None)
    timeout = httpx.Timeout(60.0, connect=10.0)
    assert machine.request_timeout(1e9, timeout) is timeout
    assert machine.request_timeout(1e9, None) is None
    assert machine.request_timeout(1e9, 60.0) == 60.0


def test_wait_floor_is_adjustable_and_checked() -> None:
    policy = RetryPolicy()
    machine = WaitMachine[Task](
        "t", now=0.0, timeout=1.0, poll_interval=0.5, retry=policy, min_request_timeout=0.2
    )
    assert machine.request_timeout(0.9, 60.0) == 0.2
    with pytest.raises(InvalidInputError):
        WaitMachine[Task]("t", now=0.0, timeout=1.0, poll_interval=0.5, retry=policy, min_request_timeout=0)


# ------------------------------------------------------------------ page cursor


def _rows(*ids: str) -> list[Task]:
    return [_task("completed", i) for i in ids]


@pytest.mark.parametrize(
    ("pages", "total", "expected_requests"),
    [
        ([[]], 0, 1),  # empty
        ([["a", "b"], ["c"]], 3, 2),  # short last page
        ([["a", "b"], ["c", "d"]], 4, 2),  # exact multiple: no third request
        ([["a", "b"], []], 9, 2),  # count too high: stop on the empty page
        ([["a", "b"], ["c", "d"]], 2, 1),  # count reached: stop even on a full page
    ],
)
def test_cursor_stops_at_the_right_page(pages: list[list[str]], total: int, expected_requests: int) -> None:
    cursor = PageCursor(2)
    requested = []
    while (page := cursor.next_page()) is not None:
        requested.append(page)
        cursor.feed(_rows(*pages[page - 1]), total)
    assert requested == list(range(1, expected_requests + 1))


def test_cursor_skips_records_shifted_onto_the_next_page() -> None:
    cursor = PageCursor(2)
    assert [t.id for t in cursor.feed(_rows("c", "b"), 4)] == ["c", "b"]
    assert [t.id for t in cursor.feed(_rows("b", "a"), 4)] == ["a"]


# ------------------------------------------------------------------ create flow


def test_default_names_are_unique_and_findable() -> None:
    names = {default_task_name() for _ in range(200)}
    assert len(names) == 200
    assert all(n.startswith("a2e-faceswap-") for n in names)
    rows = [Task.from_wire({"_id": "2", "current_status": "sent", "name": "x"}), _task("sent", "1")]
    assert find_by_name(rows, "x") is rows[0]
    assert find_by_name(rows, "y") is None


# ------------------------------------------------------------------ download resumption

SIZE = 1000
STRONG = '"v1"'
DATE = "Wed, 21 Oct 2015 07:28:00 GMT"


def _cut_at(have: int, **headers: str) -> ResumeState:
    """A state after a first 200 of SIZE bytes (with ``headers``) cut off after ``have`` bytes."""
    state = ResumeState()
    assert state.next_request().headers == {"Accept-Encoding": "identity"}
    assert state.judge(200, {"content-length": str(SIZE), **headers}) is Answer.RESTART
    state.received(have)
    return state


def _range(first: int, last: int, total: int | str = SIZE, **more: str) -> dict[str, str]:
    return {"content-range": f"bytes {first}-{last}/{total}", "content-length": str(last - first + 1), **more}


def test_resume_asks_for_the_rest_and_appends_it() -> None:
    state = _cut_at(400, etag=STRONG)
    ask = state.next_request()
    assert ask.headers == {"Accept-Encoding": "identity", "Range": "bytes=400-", "If-Range": STRONG}
    assert ask.accept == frozenset({416})
    assert state.judge(206, _range(400, SIZE - 1, etag=STRONG)) is Answer.APPEND
    assert (state.have, state.total) == (400, SIZE)
    state.received(SIZE - 400)
    state.check_complete()


@pytest.mark.parametrize(
    ("headers", "if_range"),
    [
        ({"etag": STRONG, "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT"}, STRONG),
        (
            {"etag": 'W/"v1"', "last-modified": "Wed, 21 Oct 2015 07:28:00 GMT"},
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ),
        ({"etag": 'W/"v1"'}, None),
        ({}, None),
    ],
)
def test_if_range_quotes_a_strong_etag_or_else_last_modified(
    headers: dict[str, str], if_range: str | None
) -> None:
    sent = _cut_at(10, **headers).next_request().headers
    assert sent["Range"] == "bytes=10-"
    assert sent.get("If-Range") == if_range


def test_a_whole_file_answer_to_a_range_starts_over_with_its_own_size() -> None:
    state = _cut_at(400, etag=STRONG)
    state.next_request()
    assert state.judge(200, {"content-length": "1200", "etag": '"v2"'}) is Answer.RESTART
    assert (state.have, state.total, state.validator) == (0, 1200, '"v2"')


@pytest.mark.parametrize(
    "answer",
    [
        (416, {"content-range": f"bytes */{SIZE}"}),
        (206, _range(0, SIZE - 1)),  # from the start, not from 400
        (206, _range(500, SIZE - 1)),  # a hole
        (206, _range(400, 1199, 1200)),  # the file changed size
        (206, _range(400, SIZE, SIZE)),  # past its own total
        (206, _range(400, SIZE - 1, etag='"v2"')),  # another version (If-Range ignored)
        (206, {"content-length": "600"}),  # no Content-Range
        (206, {"content-range": "bytes 400-999"}),  # malformed
        (206, {"content-range": "items 400-999/1000"}),
    ],
)
def test_an_answer_that_does_not_continue_the_bytes_is_dropped(answer: tuple[int, dict[str, str]]) -> None:
    state = _cut_at(400, etag=STRONG)
    state.next_request()
    assert state.judge(*answer) is Answer.REFETCH
    assert (state.have, state.total, state.validator) == (0, None, None)
    ask = state.next_request()  # at once, for the whole file: nothing left to mismatch
    assert "Range" not in ask.headers
    assert ask.accept == frozenset()


def test_a_range_with_an_unknown_total_continues_the_known_one() -> None:
    state = _cut_at(400)
    state.next_request()
    assert state.judge(206, _range(400, SIZE - 1, "*")) is Answer.APPEND


def test_nothing_is_resumed_without_a_size() -> None:
    state = ResumeState()
    state.next_request()
    assert state.judge(200, {}) is Answer.RESTART
    assert state.total is None
    state.received(400)
    state.check_complete()  # nothing to compare with
    assert "Range" not in state.next_request().headers
    assert state.have == 0  # the next answer replaces the kept bytes


@pytest.mark.parametrize("status", [200, 206])
@pytest.mark.parametrize("encoding", ["gzip", "gzip, gzip", "br", "identity, gzip"])
def test_an_encoding_that_was_not_asked_for_is_refused(status: int, encoding: str) -> None:
    state = _cut_at(400) if status == 206 else ResumeState()
    state.next_request()
    headers = {"content-encoding": encoding, **(_range(400, SIZE - 1) if status == 206 else {})}
    with pytest.raises(UnreadableResponseError, match="Content-Encoding"):
        state.judge(status, headers)
    for plain in ("identity", " Identity ", ""):
        assert ResumeState().judge(200, {"content-encoding": plain}) is Answer.RESTART


def test_a_206_to_a_whole_file_request_counts_only_from_byte_0() -> None:
    state = ResumeState()
    state.next_request()
    assert state.judge(206, _range(0, SIZE - 1, etag=STRONG)) is Answer.APPEND
    assert (state.total, state.validator) == (SIZE, STRONG)
    other = ResumeState()
    other.next_request()
    with pytest.raises(UnreadableResponseError):
        other.judge(206, _range(10, SIZE - 1))


def test_a_short_body_is_a_retryable_error_that_keeps_the_bytes() -> None:
    state = _cut_at(400)
    with pytest.raises(APIConnectionError) as caught:
        state.check_complete()
    assert "400 of 1000" in str(caught.value)
    assert is_retryable(caught.value, idempotent=True)
    assert state.have == 400
    too_long = _cut_at(SIZE + 1)
    with pytest.raises(APIConnectionError):
        too_long.check_complete()
    assert too_long.have == 0  # nothing kept can be trusted


@given(st.integers(1, 10_000), st.data())
def test_only_the_range_starting_at_the_kept_bytes_is_appended(total: int, data: st.DataObject) -> None:
    have = data.draw(st.integers(0, total - 1))
    first = data.draw(st.integers(0, total - 1))
    state = ResumeState(have=have, total=total)
    ranged = "Range" in state.next_request().headers
    assert ranged == (have > 0)
    answer = (206, _range(first, total - 1, total))
    if first == have:
        assert state.judge(*answer) is Answer.APPEND
    elif ranged:
        assert state.judge(*answer) is Answer.REFETCH
    else:
        with pytest.raises(UnreadableResponseError):
            state.judge(*answer)


def test_retry_count_starts_again_after_progress_but_only_a_bounded_number_of_times() -> None:
    policy = RetryPolicy(max_retries=2, initial_delay=1.0, max_delay=10.0, multiplier=2.0, jitter=0.0)
    count = RetryCount(policy, idempotent=True)
    cut = APIConnectionError("cut", outcome_unknown=True)
    assert count.after_error(cut, progressed=True) == 1.0  # the first attempt's bytes: nothing to reset
    assert count.after_error(cut, progressed=False) == 2.0
    assert count.after_error(cut, progressed=True) == 1.0  # progress: the backoff and the count restart
    assert count.after_error(cut, progressed=False) == 2.0
    assert count.after_error(cut, progressed=False) is None  # two retries in a row without progress
    count = RetryCount(policy, idempotent=True)
    delays = [
        count.after_error(cut, progressed=True) for _ in range(MAX_PROGRESS_RESETS + policy.max_retries)
    ]
    assert all(delay is not None for delay in delays)
    assert count.resets == MAX_PROGRESS_RESETS
    assert count.after_error(cut, progressed=True) is None  # the hard cap: progress no longer resets
    assert count.spent == MAX_PROGRESS_RESETS + policy.max_retries
    assert count.after_error(BadRequestError("no", status=400), progressed=True) is None  # never retryable
