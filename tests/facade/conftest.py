"""Fixtures of the facade tests.

* ``msim``: one strict simulator per test module (starting and stopping one costs ~0.2 s, so it is
  shared); ``env`` gives each test a fresh account on it (own tasks, faces, credits) and clears the
  fault plan before and after; contract violations fail the test that caused them.
* ``api`` / ``make_api``: a client on that account, parametrized over the sync and the async client
  (see ``support.as_async``), with fast retries so that fault tests take milliseconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from a2e_faceswap import AsyncA2E, RetryPolicy
from a2e_faceswap.testing import Simulator
from attrs import define

from tests.facade.support import Clients

#: Retries as the real defaults, but with millisecond delays.
FAST_RETRY = RetryPolicy(
    max_retries=2, initial_delay=0.005, max_delay=0.02, retry_after_cap=5.0, settle_window=0.05
)

MakeApi = Callable[..., AsyncA2E]


@define
class Env:
    sim: Simulator
    token: str

    def requests_to(self, route: str) -> int:
        return self.sim.stats.requests_to(route)


@pytest.fixture(scope="module")
def msim() -> Iterator[Simulator]:
    with Simulator(seed=4, speed=600.0, strict=True, result_size=64 * 1024, slow_seconds=1.0) as simulator:
        yield simulator


@pytest.fixture
def env(msim: Simulator) -> Iterator[Env]:
    msim.faults.clear()
    msim.check()
    yield Env(msim, msim.add_account(credits=1000))
    msim.faults.clear()
    msim.check()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
async def make_api(kind: str, env: Env) -> AsyncIterator[MakeApi]:
    clients = Clients(kind)

    def make(**kwargs: Any) -> AsyncA2E:
        kwargs.setdefault("api_key", env.token)
        kwargs.setdefault("base_url", env.sim.base_url)
        kwargs.setdefault("retry_policy", FAST_RETRY)
        return clients.make(**kwargs)

    yield make
    await clients.close()


@pytest.fixture
def api(make_api: MakeApi) -> AsyncA2E:
    return make_api()
