"""Fixtures shared by every test package: a started simulator, and a factory for custom ones.

``sim`` is a strict simulator (every request and answer checked against openapi/a2e.yaml; a violation
fails the test at teardown) whose clock runs fast enough that a task completes in a few real
milliseconds. Tests that need another setup take ``make_sim`` and pass keyword arguments::

    def test_something(make_sim):
        sim = make_sim(speed=0, credits=5)        # started; stopped (and checked) after the test
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from a2e_faceswap.testing import Simulator
from hypothesis import HealthCheck, settings

#: fixtures shared by several folders (``listener``: a webhook receiver)
pytest_plugins = ["tests._support.hostile", "tests._support.webhooks"]

# Property tests judge values, not speed: on a loaded 2-core CI machine a first example that imports a
# module lazily can pass hypothesis' 200 ms deadline, which says nothing about the client.
settings.register_profile("a2e", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("a2e")


def pytest_configure(config: pytest.Config) -> None:
    """A runner started in the background by a shell without job control ignores SIGINT, and every
    command-line process the tests start would inherit that and never see the Ctrl-C they are sent.
    Python's own handler here is reset to the default in those children, as in a terminal."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


#: Simulated seconds per real second in tests: a 30 s task completes in 50 ms.
TEST_SPEED = 600.0
#: Small result files keep downloads in tests fast; tests about big files set their own.
TEST_RESULT_SIZE = 64 * 1024

MakeSim = Callable[..., Simulator]


@pytest.fixture(autouse=True)
def _a2e_logging_restored() -> Iterator[None]:
    """``A2E_LOG`` attaches a process-wide stderr handler on the ``a2e_faceswap`` logger when a client
    is made (by design, for users); a test that sets it (the canary runs the CLI in-process with
    ``A2E_LOG=debug``) must not leave DEBUG lines on the stderr of the tests after it."""
    from a2e_faceswap import _logging

    logger = logging.getLogger("a2e_faceswap")
    handlers, level, handler = list(logger.handlers), logger.level, _logging._handler
    yield
    for added in [h for h in logger.handlers if h not in handlers]:
        logger.removeHandler(added)
    logger.setLevel(level)
    _logging._handler = handler


def _defaults(overrides: dict[str, Any]) -> dict[str, Any]:
    return {"seed": 0, "speed": TEST_SPEED, "strict": True, "result_size": TEST_RESULT_SIZE, **overrides}


@pytest.fixture
def make_sim() -> Iterator[MakeSim]:
    """Start simulators with test defaults (strict, fast clock); all are stopped and checked at teardown."""
    started: list[Simulator] = []

    def make(**overrides: Any) -> Simulator:
        simulator = Simulator(**_defaults(overrides))
        simulator.start()
        started.append(simulator)
        return simulator

    yield make
    for simulator in started:
        simulator.stop()
    for simulator in started:
        simulator.check()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A started strict simulator with a fast clock (seed 0); contract violations fail the test."""
    with Simulator(**_defaults({})) as simulator:
        yield simulator
