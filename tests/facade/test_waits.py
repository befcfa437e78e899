"""Waits keep their deadline: one slow status poll cannot carry ``wait`` (or ``run``) past it.

Its own module, so its own simulator: the simulator keeps sleeping on the slow answers the client gave
up on until it stops at the end of the module, and no other test's counters see them land.
"""

from __future__ import annotations

import time

import pytest
from a2e_faceswap import APITimeoutError, AsyncA2E, WaitTimeoutError
from a2e_faceswap.testing import FaultKind

from tests.facade.conftest import Env
from tests.facade.support import FACE, VIDEO

#: The wait's deadline in the tests: above the 1 s floor of a poll's timeout, short enough to be cheap.
DEADLINE = 1.5
#: Far longer than the deadline, and shorter than the client's default read timeout of 60 s.
SLOW = 30.0


async def _slow_wait(api: AsyncA2E, env: Env, how: str) -> None:
    """Wait (``how``) for a new task or preview whose every status poll answers after SLOW seconds."""
    if how == "previews.wait":
        preview = await api.previews.create(face=FACE, video=VIDEO)
        env.sim.faults.add(FaultKind.SLOW, route="get_preview_status", delay=SLOW)
        await api.previews.wait(preview.id, timeout=DEADLINE, poll_interval=0.05)
    elif how == "tasks.wait":
        task = await api.tasks.create(face=FACE, video=VIDEO)
        env.sim.faults.add(FaultKind.SLOW, route="get_task", delay=SLOW)
        await api.tasks.wait(task.id, timeout=DEADLINE, poll_interval=0.05)
    else:
        env.sim.faults.add(FaultKind.SLOW, route="get_task", delay=SLOW)
        await api.tasks.run(face=FACE, video=VIDEO, timeout=DEADLINE, poll_interval=0.05)


@pytest.mark.parametrize("how", ["tasks.wait", "tasks.run", "previews.wait"])
async def test_a_slow_poll_ends_the_wait_at_its_deadline(api: AsyncA2E, env: Env, how: str) -> None:
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError) as caught:
        await _slow_wait(api, env, how)
    elapsed = time.monotonic() - started
    # Loose bound (a loaded 2-core machine): the poll was cut near the deadline, not after SLOW seconds.
    assert elapsed < 3 * DEADLINE, f"the wait took {elapsed:.1f} s for a deadline of {DEADLINE} s"
    assert isinstance(caught.value.__cause__, APITimeoutError)  # the poll that was cut short
    route = "get_preview_status" if how == "previews.wait" else "get_task"
    assert env.sim.faults.history[-1] == (route, FaultKind.SLOW)
