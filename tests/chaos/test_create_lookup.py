"""The lookup of duplicate-safe creation reads past the newest page (a finding of the chaos run: with
hundreds of creates in flight on one account, a task whose answer was lost sat below the newest 100
records, was not found, and was paid for twice)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from a2e_faceswap import APIConnectionError, RetryPolicy, Task, TaskPage
from a2e_faceswap._create import (
    LOOKUP_CLOCK_SKEW,
    LOOKUP_MAX_PAGES,
    LOOKUP_PAGE_SIZE,
    CreateFlow,
    Found,
    GiveUp,
    Lookup,
    Submit,
)

START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
LOST = APIConnectionError("connection reset after sending", outcome_unknown=True)


def _task(name: str, created: datetime | None) -> Task:
    wire = {"_id": "0" * 24, "name": name, "current_status": "initialized"}
    if created is not None:
        wire["createdAt"] = created.isoformat()
    return Task.from_wire(wire)


def _page(number: int, names: list[str], created: datetime | None, total: int) -> TaskPage:
    items = tuple(_task(name, created) for name in names)
    return TaskPage(items=items, total=total, page=number, page_size=LOOKUP_PAGE_SIZE)


def _others(count: int, page: int) -> list[str]:
    return [f"other-{page}-{i}" for i in range(count)]


def _flow(max_retries: int = 2) -> CreateFlow:
    flow = CreateFlow(RetryPolicy(max_retries=max_retries, jitter=0.0), now=lambda: START)
    assert flow.first() == Submit(0.0)
    step = flow.after_error(LOST)
    assert isinstance(step, Lookup)
    assert step.page == 1
    return flow


def test_a_full_page_of_newer_records_leads_to_the_next_page_where_the_task_is_found() -> None:
    flow = _flow()
    later = START + timedelta(seconds=5)
    assert flow.after_lookup_page(_page(1, _others(100, 1), later, 250), "mine") == Lookup(0.0, 2)
    page = _page(2, [*_others(40, 2), "mine", *_others(59, 3)], later, 250)
    assert flow.after_lookup_page(page, "mine") == Found(page.items[40])


def test_records_older_than_the_attempt_end_the_lookup_and_the_create_is_sent_again() -> None:
    flow = _flow()
    old = START - LOOKUP_CLOCK_SKEW - timedelta(seconds=1)
    assert flow.after_lookup_page(_page(1, _others(100, 1), old, 5000), "mine") == Submit(0.0)


def test_a_short_or_last_page_ends_the_lookup() -> None:
    later = START + timedelta(seconds=5)
    assert _flow().after_lookup_page(_page(1, _others(30, 1), later, 30), "mine") == Submit(0.0)
    assert _flow().after_lookup_page(_page(1, _others(100, 1), later, 100), "mine") == Submit(0.0)


def test_records_without_a_creation_time_are_read_on_up_to_the_page_limit() -> None:
    flow = _flow(max_retries=0)
    for number in range(1, LOOKUP_MAX_PAGES):
        page = _page(number, _others(100, number), None, 10**6)
        assert flow.after_lookup_page(page, "mine") == Lookup(0.0, number + 1)
    last = _page(LOOKUP_MAX_PAGES, _others(100, LOOKUP_MAX_PAGES), None, 10**6)
    assert flow.after_lookup_page(last, "mine") == GiveUp(LOST)
