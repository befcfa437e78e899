"""The seeded chaos run inside ``make test`` (the full one is ``make chaos``, bench/chaos.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from a2e_faceswap.testing import FaultKind

from tests.chaos.engine import ChaosConfig, run_chaos

pytestmark = pytest.mark.slow


async def test_concurrent_runs_under_faults_end_cleanly(tmp_path: Path) -> None:
    tally = await run_chaos(ChaosConfig(workflows=40, seed=6), tmp_path)
    print(tally.report())
    assert tally.problems == []
    # the run is only worth something if faults hit and both outcomes happened
    assert set(tally.faults) == {kind.value for kind in FaultKind}
    # creates applied 1-10 s after the client gave up were met, and none was paid twice
    assert tally.faults[FaultKind.SLOW.value] >= len(ChaosConfig().late_applies)
    assert tally.duplicates == {}
    assert sum(tally.faults.values()) >= 0.2 * tally.requests
    assert tally.completed > 0
    assert sum(tally.failed.values()) > 0
    assert tally.tasks_created >= tally.completed
