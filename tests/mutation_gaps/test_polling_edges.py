"""The wait machine where the other suites left mutants alive: ``notify`` when the result URL appears
or goes under an unchanged status, the first decision's ``notify``, and the poll interval's jitter
(which only shortens it, by the machine's own draw)."""

from __future__ import annotations

import pytest
from a2e_faceswap import InvalidInputError, RetryPolicy, ServerError, Task, WaitTimeoutError
from a2e_faceswap._waiting import Fail, Sleep, WaitMachine


def _task(status: str, url: str = "") -> Task:
    return Task.from_wire({"_id": "t1", "current_status": status, "result_url": url})


def _machine(draw: float = 0.0, jitter: float = 0.0) -> WaitMachine[Task]:
    return WaitMachine[Task](
        "t1",
        now=0.0,
        timeout=None,
        poll_interval=1.0,
        max_interval=10.0,
        first_delay=0.25,
        growth=2.0,
        retry=RetryPolicy(jitter=0.0),
        jitter=jitter,
        random=lambda: draw,
    )


def test_the_first_decision_on_a_known_record_notifies_it() -> None:
    record = _task("processing")
    assert _machine().start(record, 0.0) == Sleep(0.25, record)


def test_a_result_url_that_appears_or_goes_is_news_even_under_the_same_status() -> None:
    machine = _machine()
    plain, with_url = _task("processing"), _task("processing", "https://cdn.example/r.mp4")
    assert machine.observe(plain, 0.0) == Sleep(1.0, plain)
    assert machine.observe(with_url, 1.0) == Sleep(2.0, with_url)  # the URL appeared
    assert machine.observe(with_url, 3.0) == Sleep(4.0, None)  # nothing new
    assert machine.observe(plain, 7.0) == Sleep(8.0, plain)  # the URL went


def test_the_jitter_shortens_each_interval_by_the_machine_s_draw() -> None:
    machine = _machine(draw=0.5, jitter=0.2)
    record = _task("processing")
    assert machine.observe(record, 0.0) == Sleep(0.9, record)
    assert machine.observe(record, 1.0) == Sleep(1.8, None)


def test_a_poll_error_waits_the_policy_s_delay_with_the_machine_s_draw() -> None:
    machine = WaitMachine[Task](
        "t1",
        now=0.0,
        timeout=None,
        poll_interval=1.0,
        retry=RetryPolicy(initial_delay=2.0, jitter=0.5),
        random=lambda: 1.0,
    )
    assert machine.observe_error(ServerError("x", status=503), 0.0) == Sleep(1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"poll_interval": True}, "poll_interval must be a finite number > 0, got True"),
        ({"poll_interval": "1"}, "poll_interval must be a finite number > 0, got '1'"),
        ({"poll_interval": 0}, "poll_interval must be a finite number > 0, got 0"),
        ({"min_request_timeout": -1}, "min_request_timeout must be a finite number > 0, got -1"),
        ({"timeout": float("inf")}, "timeout must be a finite number > 0, got inf"),
    ],
)
def test_settings_out_of_range_are_refused_with_their_name(kwargs: dict[str, object], message: str) -> None:
    settings: dict[str, object] = {"now": 0.0, "timeout": 5.0, "poll_interval": 1.0, "retry": RetryPolicy()}
    with pytest.raises(InvalidInputError) as caught:
        WaitMachine[Task]("t1", **(settings | kwargs))  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_the_defaults_first_delay_ceiling_and_jitter() -> None:
    machine = WaitMachine[Task](
        "t1", now=0.0, timeout=None, poll_interval=5.0, retry=RetryPolicy(), random=lambda: 1.0
    )
    assert machine.subject_id == "t1"
    record = _task("processing")
    assert machine.start(record, 0.0) == Sleep(1.0, record)  # the first poll after at most 1 s
    assert machine.observe(record, 1.0) == Sleep(4.0)  # 5 s shortened by the 20 % default jitter
    grown = WaitMachine[Task](
        "t1", now=0.0, timeout=None, poll_interval=2.0, growth=10.0, jitter=0.0, retry=RetryPolicy()
    )
    sleeps = [grown.observe(record, float(n)) for n in range(3)]
    assert sleeps == [Sleep(2.0, record), Sleep(6.0), Sleep(6.0)]  # at most 3x the first interval


def test_a_wait_that_ends_on_a_completed_record_without_url_says_so() -> None:
    machine = WaitMachine[Task](
        "t1", now=0.0, timeout=2.0, poll_interval=1.0, retry=RetryPolicy(), jitter=0.0
    )
    record = _task("completed")
    assert isinstance(machine.observe(record, 0.0), Sleep)
    outcome = machine.observe(record, 2.0)
    assert isinstance(outcome, Fail)
    error = outcome.error
    assert isinstance(error, WaitTimeoutError)
    assert error.subject_id == "t1"
    assert error.message == (
        "t1 not finished after 2.0s; last status 'completed'"
        " (it says completed, but its result URL never came)"
    )
