"""Fixtures of the hostile-server suite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.facade.support import Clients

from ._server import Serve, servers


@pytest.fixture(params=["sync", "async"])
async def clients(request: pytest.FixtureRequest) -> AsyncIterator[Clients]:
    """Both clients, one per run of the test, closed after it (``clients.make(api_key=..., ...)``)."""
    made = Clients(request.param)
    yield made
    await made.close()


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve(handler)``: a started ``HostileServer``, stopped after the test."""
    with servers() as start:
        yield start
