"""Fixtures of the simulator's own tests: plain httpx clients (the facade is tested elsewhere)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from a2e_faceswap.testing import Simulator

from tests.testing.helpers import client_for


@pytest.fixture
def api(sim: Simulator) -> Iterator[httpx.Client]:
    """An httpx client authenticated as the default account of ``sim``."""
    with client_for(sim) as client:
        yield client
