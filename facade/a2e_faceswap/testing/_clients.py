"""Clients on a simulator's default account: ``Simulator.client()`` and ``Simulator.async_client()``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from a2e_faceswap import A2E, AsyncA2E

if TYPE_CHECKING:
    from a2e_faceswap.testing._simulator import Simulator


def sync_client(sim: Simulator, options: dict[str, Any]) -> A2E:
    if sim.in_process:
        raise RuntimeError(
            "an in-process simulator serves AsyncA2E only (httpx.ASGITransport is async): use "
            "sim.async_client(), or the threaded server (Simulator()) for A2E"
        )
    return A2E(api_key=sim.token, base_url=sim.base_url, **options)


def async_client(sim: Simulator, options: dict[str, Any]) -> AsyncA2E:
    if sim.in_process:
        # One httpx client serves every event loop (the transport holds no connection), so it needs no
        # closing; AsyncA2E leaves a client it is given open anyway.
        transport = httpx.ASGITransport(app=sim.asgi)
        options = {"http_client": httpx.AsyncClient(transport=transport), **options}
    return AsyncA2E(api_key=sim.token, base_url=sim.base_url, **options)
