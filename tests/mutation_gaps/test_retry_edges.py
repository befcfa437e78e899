"""The retry policy and the page cursor at their boundaries: settings' limits and messages, the
documented defaults, the jitter's direction, Retry-After in every form (an HTTP date without a zone
too), which statuses count as "under HTTP 2xx", and page sizes of 1."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from a2e_faceswap import (
    APIConnectionError,
    BadRequestError,
    InvalidInputError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Task,
    UnreadableResponseError,
)
from a2e_faceswap._paging import PageCursor
from a2e_faceswap._retry import MAX_PROGRESS_RESETS, RetryCount, is_retryable, retry_after_seconds
from a2e_faceswap.errors import APIError

NOW = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)
RESET = APIConnectionError("RemoteProtocolError", outcome_unknown=True)


def _hinted(value: str) -> RateLimitError:
    response = httpx.Response(429, headers={"Retry-After": value})
    return RateLimitError("slow down", status=429, code=429, response=response)


def test_the_documented_defaults() -> None:
    policy = RetryPolicy()
    assert (policy.max_retries, policy.initial_delay, policy.max_delay) == (2, 0.5, 8.0)
    assert (policy.multiplier, policy.jitter, policy.retry_after_cap) == (2.0, 0.25, 30.0)
    assert policy.settle_window == 15.0
    assert MAX_PROGRESS_RESETS == 1000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_retries": -1}, "max_retries must be an int >= 0, got -1"),
        ({"max_retries": True}, "max_retries must be an int >= 0, got True"),
        ({"max_retries": 1.0}, "max_retries must be an int >= 0, got 1.0"),
        ({"initial_delay": -0.5}, "initial_delay must be a finite number >= 0, got -0.5"),
        ({"max_delay": True}, "max_delay must be a finite number >= 0, got True"),
        ({"multiplier": float("inf")}, "multiplier must be a finite number >= 0, got inf"),
        ({"retry_after_cap": "1"}, "retry_after_cap must be a finite number >= 0, got '1'"),
        ({"settle_window": -1}, "settle_window must be a finite number >= 0, got -1"),
        ({"jitter": 1.01}, "jitter must be between 0 and 1, got 1.01"),
        ({"jitter": -0.1}, "jitter must be a finite number >= 0, got -0.1"),
    ],
)
def test_a_setting_out_of_range_is_refused_with_its_name(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_the_bounds_themselves_are_accepted() -> None:
    edge = RetryPolicy(
        max_retries=0,
        initial_delay=0,
        max_delay=0,
        multiplier=0,
        jitter=1,
        retry_after_cap=0,
        settle_window=0,
    )
    assert edge.max_retries == 0
    assert edge.jitter == 1
    assert RetryPolicy(jitter=0.0).jitter == 0.0


def test_the_jitter_shortens_the_delay_by_its_draw() -> None:
    policy = RetryPolicy(initial_delay=1.0, multiplier=2.0, max_delay=100.0, jitter=0.5)
    assert policy.backoff(0, lambda: 0.5) == 0.75
    assert policy.backoff(2, lambda: 1.0) == 2.0
    assert policy.backoff(2, lambda: 0.0) == 4.0


def test_the_backoff_exponent_is_capped_so_a_long_count_never_overflows() -> None:
    policy = RetryPolicy(initial_delay=1.0, multiplier=2.0, max_delay=1e300, jitter=0.0)
    assert policy.backoff(64, lambda: 0.0) == 2.0**64
    assert policy.backoff(5000, lambda: 0.0) == 2.0**64


def test_a_retry_after_replaces_the_backoff_and_is_capped() -> None:
    policy = RetryPolicy(max_retries=3, initial_delay=5.0, max_delay=20.0, jitter=0.0, retry_after_cap=10.0)
    assert policy.decide(0, _hinted("2"), idempotent=True) == 2.0
    assert policy.decide(2, _hinted("10"), idempotent=True) == 10.0
    assert policy.decide(0, _hinted("11"), idempotent=True) == 10.0
    assert policy.decide(3, _hinted("1"), idempotent=True) is None  # the budget still ends it
    assert policy.decide(1, _hinted("never"), idempotent=True) == 10.0  # unreadable: the backoff (5*2)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 7 ", 7.0),
        ("0.25", 0.25),
        ("-3", 0.0),
        ("0", 0.0),
        ("inf", None),
        ("nan", None),
        ("", None),
        ("soon", None),
        ("Sat, 05 Dec 2026 12:00:30 GMT", 30.0),
        ("Sat, 05 Dec 2026 13:00:30 +0100", 30.0),
        ("Sat, 05 Dec 2026 12:00:30", 30.0),  # no zone: read as UTC
        ("Sat, 05 Dec 2026 11:59:00 GMT", 0.0),  # in the past: at once
        ("Sat, 99 Dec 2026 12:00:30 GMT", None),
    ],
)
def test_retry_after_in_every_form(value: str, seconds: float | None) -> None:
    assert retry_after_seconds(_hinted(value), now=NOW) == seconds


def test_no_retry_after_without_an_answer_or_a_header() -> None:
    assert retry_after_seconds(RESET) is None
    assert retry_after_seconds(RateLimitError("x", status=429, response=httpx.Response(429))) is None
    assert retry_after_seconds(RateLimitError("x", status=429)) is None


def test_an_http_date_is_measured_from_now_by_default() -> None:
    hinted = retry_after_seconds(_hinted("Sat, 05 Dec 2026 12:00:30 GMT"))
    expected = (datetime(2026, 12, 5, 12, 0, 30, tzinfo=UTC) - datetime.now(UTC)).total_seconds()
    assert hinted == pytest.approx(max(0.0, expected), abs=5)


def _coded(status: int | None, code: int) -> APIError:
    return RateLimitError("busy", status=status, code=code)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(None, True), (200, True), (299, True), (199, False), (300, False), (400, False)],
)
def test_a_busy_code_is_retryable_only_under_http_2xx(status: int | None, expected: bool) -> None:
    assert is_retryable(_coded(status, 429), idempotent=True) is expected
    assert is_retryable(_coded(status, 503), idempotent=True) is expected
    assert is_retryable(_coded(status, 500), idempotent=True) is False


def test_a_poll_rides_out_server_errors_and_unreadable_answers_but_nothing_else() -> None:
    for error in (ServerError("x", status=500), UnreadableResponseError("x", status=200)):
        assert is_retryable(error, idempotent=True, polling=True) is True
        assert is_retryable(error, idempotent=True) is False
        assert is_retryable(error, idempotent=False, polling=True) is False
    assert is_retryable(BadRequestError("x", status=400), idempotent=True, polling=True) is False
    policy = RetryPolicy(max_retries=1, initial_delay=1.0, jitter=0.0)
    assert policy.decide(0, ServerError("x", status=500), idempotent=True, polling=True) == 1.0
    assert policy.decide(0, ServerError("x", status=500), idempotent=True) is None


def test_progress_restarts_the_count_only_after_a_retry_and_only_up_to_the_cap() -> None:
    policy = RetryPolicy(max_retries=1, initial_delay=1.0, multiplier=2.0, jitter=0.0)
    count = RetryCount(policy, idempotent=True)
    assert count.after_error(RESET, progressed=True) == 1.0
    assert (count.in_a_row, count.spent, count.resets) == (1, 1, 0)  # nothing spent before: no reset
    count = RetryCount(policy, idempotent=True, in_a_row=1, resets=MAX_PROGRESS_RESETS - 1)
    assert count.after_error(RESET, progressed=True) == 1.0
    assert (count.in_a_row, count.spent, count.resets) == (1, 1, MAX_PROGRESS_RESETS)
    assert count.after_error(RESET, progressed=True) is None  # the cap reached: no more fresh starts
    assert (count.in_a_row, count.spent, count.resets) == (1, 1, MAX_PROGRESS_RESETS)
    idle = RetryCount(policy, idempotent=False)
    assert idle.after_error(RESET) is None  # a paid POST that may have landed is not resent here
    assert (idle.in_a_row, idle.spent) == (0, 0)


# ------------------------------------------------------------------ page cursor


def _rows(*ids: str) -> list[Task]:
    return [
        Task.from_wire({"_id": i, "current_status": "completed", "result_url": "https://c/r.mp4"})
        for i in ids
    ]


def _walk(cursor: PageCursor, pages: dict[int, list[str]], total: int) -> tuple[list[int], list[str]]:
    asked: list[int] = []
    seen: list[str] = []
    while (page := cursor.next_page()) is not None and len(asked) < 20:
        asked.append(page)
        seen += [t.id for t in cursor.feed(_rows(*pages.get(page, [])), total)]
    return asked, seen


@pytest.mark.parametrize(
    ("pages", "total", "asked"),
    [
        ({1: ["a"], 2: ["b"], 3: ["c"]}, 3, [1, 2, 3]),  # the last page reaches the count
        ({1: ["a"], 2: ["b"], 3: ["c"], 4: ["d"]}, 3, [1, 2, 3]),  # never past the count
        ({1: ["a"], 2: ["b"]}, 5, [1, 2, 3]),  # count too high: the empty page ends it
        ({1: ["a"]}, 1, [1]),
        ({1: []}, 0, [1]),
        ({1: ["a"]}, 0, [1]),  # a count of 0 with a row: one page only
    ],
)
def test_a_page_size_of_one_stops_at_the_boundaries(
    pages: dict[int, list[str]], total: int, asked: list[int]
) -> None:
    assert _walk(PageCursor(1), pages, total)[0] == asked


def test_a_short_page_ends_the_walk_whatever_the_count_says() -> None:
    assert _walk(PageCursor(2), {1: ["a", "b"], 2: ["c"], 3: ["d"]}, 10) == ([1, 2], ["a", "b", "c"])


def test_a_walk_can_start_on_a_later_page_and_ends_with_nothing_more() -> None:
    cursor = PageCursor(2, first_page=3)
    assert cursor.page_size == 2
    assert _walk(cursor, {3: ["e", "f"], 4: ["g"]}, 7) == ([3, 4], ["e", "f", "g"])
    assert cursor.next_page() is None
    assert cursor.feed(_rows("h"), 9) == []  # after the end, a late page is ignored
    assert cursor.next_page() is None


def test_rows_without_an_id_are_never_taken_for_duplicates() -> None:
    cursor = PageCursor(3)
    fresh = cursor.feed(_rows("", "", "a"), 6)
    assert [t.id for t in fresh] == ["", "", "a"]
    assert [t.id for t in cursor.feed(_rows("a", "", "b"), 6)] == ["", "b"]


def test_a_retry_count_without_progress_spends_its_budget() -> None:
    count = RetryCount(RetryPolicy(max_retries=1, initial_delay=1.0, jitter=0.0), idempotent=True)
    assert count.after_error(RESET) == 1.0
    assert count.after_error(RESET) is None  # no progress claimed: no fresh start
    assert (count.in_a_row, count.spent, count.resets) == (1, 1, 0)


def test_the_random_draw_given_is_the_one_used() -> None:
    policy = RetryPolicy(max_retries=3, initial_delay=2.0, max_delay=100.0, jitter=0.5)
    assert policy.decide(0, RESET, idempotent=True, random=lambda: 1.0) == 1.0
    assert policy.decide(1, RESET, idempotent=True, random=lambda: 0.0) == 4.0
    count = RetryCount(policy, idempotent=True)
    assert count.after_error(RESET, random=lambda: 1.0) == 1.0
    assert count.after_error(RESET, random=lambda: 0.5) == 3.0
