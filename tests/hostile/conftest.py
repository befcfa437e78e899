"""Fixtures of the hostile-server suite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.facade.support import Clients


@pytest.fixture(params=["sync", "async"])
async def clients(request: pytest.FixtureRequest) -> AsyncIterator[Clients]:
    """Both clients, one per run of the test, closed after it (``clients.make(api_key=..., ...)``)."""
    made = Clients(request.param)
    yield made
    await made.close()
