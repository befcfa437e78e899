"""The ``testing`` extra's pytest plugin: fixtures ``a2e_sim``, ``a2e_client`` and ``a2e_async_client``.

Registered by the ``pytest11`` entry point ``a2e_faceswap`` (turn it off with ``-p no:a2e_faceswap``)::

    def test_swap(a2e_client, tmp_path):
        face = tmp_path / "face.jpg"
        face.write_bytes(b"...")
        assert a2e_client.tasks.run(face=face, video="https://example.com/v.mp4").task.status == "completed"

- ``a2e_sim``: a started ``Simulator`` (threaded, strict: a contract violation fails the test at
  teardown), stopped after the test. Defaults: seed 0, speed 600 (a 30 s task completes in 50 ms), 64 KiB
  result files. ``@pytest.mark.a2e_sim(**options)`` passes other ``Simulator`` options, e.g.
  ``credits=0``, ``faults="get_task:http_503:0.3"`` or ``in_process=True``.
- ``a2e_client``: an ``A2E`` on the simulator's default account, closed after the test.
- ``a2e_async_client``: an ``AsyncA2E`` likewise (through ``sim.asgi`` if in process); an async fixture
  run by pytest-asyncio (either mode) when it is installed.

pytest loads this module in every run once the extra is installed, so it imports only pytest (and
pytest-asyncio, if present) at load: the simulator and its dependencies are imported when a fixture is
first used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from a2e_faceswap import A2E, AsyncA2E
    from a2e_faceswap.testing import Simulator

try:  # pytest-asyncio runs an async fixture in strict mode only if it is declared through it
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - another async plugin (anyio) takes a plain async fixture
    _async_fixture = pytest.fixture  # type: ignore[assignment]

#: ``Simulator`` options of ``a2e_sim`` unless its marker says otherwise.
SIM_DEFAULTS: dict[str, Any] = {"seed": 0, "speed": 600.0, "result_size": 64 * 1024}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "a2e_sim(**options): Simulator options of the a2e_sim fixture (a2e_faceswap.testing)"
    )


@pytest.fixture
def a2e_sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """A started strict simulator (``@pytest.mark.a2e_sim(**options)`` to configure it), stopped after."""
    from a2e_faceswap.testing import Simulator

    marker = request.node.get_closest_marker("a2e_sim")
    options = {**SIM_DEFAULTS, **(marker.kwargs if marker is not None else {})}
    with Simulator(**options) as sim:
        yield sim


@pytest.fixture
def a2e_client(a2e_sim: Simulator) -> Iterator[A2E]:
    """An ``A2E`` on ``a2e_sim``'s default account, closed after the test."""
    with a2e_sim.client() as client:
        yield client


@_async_fixture
async def a2e_async_client(a2e_sim: Simulator) -> AsyncIterator[AsyncA2E]:
    """An ``AsyncA2E`` on ``a2e_sim``'s default account, closed after the test."""
    async with a2e_sim.async_client() as client:
        yield client
