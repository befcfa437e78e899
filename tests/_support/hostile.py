"""Fixtures for tests against small hostile servers (``tests.hostile._server``), shared by every
package: ``serve(handler)`` starts one, and ``clients`` makes the sync and the async client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.facade.support import Clients
from tests.hostile._server import Serve, servers


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
