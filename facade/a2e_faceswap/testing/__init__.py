"""A local A2E face swap service for tests: ``a2e_faceswap.testing.Simulator``.

Installed with the ``testing`` extra (``pip install a2e-faceswap[testing]``); ``import a2e_faceswap`` never
imports it. It keeps state per token, moves previews and tasks through their life on a speedable clock,
serves uploads and result files, injects faults deterministically from a seed, and checks every request
and answer against openapi/a2e.yaml. It serves on 127.0.0.1 from a thread, or in process as an ASGI app
(``Simulator(in_process=True)``, for ``AsyncA2E``).

Run it as a server with ``python -m a2e_faceswap.testing --port 8080`` (prints its base URL and token).
The extra also registers a pytest plugin (``a2e_faceswap.testing.pytest_plugin``: fixtures ``a2e_sim``,
``a2e_client``, ``a2e_async_client``).

The names below are imported on first use (PEP 562), so that importing the plugin, which pytest does in
every run, loads none of the simulator's dependencies (starlette, uvicorn, openapi-core).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from a2e_faceswap.testing._clock import SimClock
    from a2e_faceswap.testing._contract import ContractViolationError
    from a2e_faceswap.testing._faults import (
        API_OPERATIONS,
        FILE_ROUTES,
        SOCKET_FAULTS,
        Fault,
        FaultKind,
        FaultPlan,
        FaultRule,
        parse_fault_spec,
    )
    from a2e_faceswap.testing._simulator import DEFAULT_COSTS, IN_PROCESS_BASE_URL, Simulator
    from a2e_faceswap.testing._stats import NO_ANSWER, SimStats

#: Public name -> the module defining it.
_WHERE = {
    "API_OPERATIONS": "_faults",
    "DEFAULT_COSTS": "_simulator",
    "FILE_ROUTES": "_faults",
    "IN_PROCESS_BASE_URL": "_simulator",
    "NO_ANSWER": "_stats",
    "SOCKET_FAULTS": "_faults",
    "ContractViolationError": "_contract",
    "Fault": "_faults",
    "FaultKind": "_faults",
    "FaultPlan": "_faults",
    "FaultRule": "_faults",
    "SimClock": "_clock",
    "SimStats": "_stats",
    "Simulator": "_simulator",
    "parse_fault_spec": "_faults",
}

__all__ = [
    "API_OPERATIONS",
    "DEFAULT_COSTS",
    "FILE_ROUTES",
    "IN_PROCESS_BASE_URL",
    "NO_ANSWER",
    "SOCKET_FAULTS",
    "ContractViolationError",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "SimClock",
    "SimStats",
    "Simulator",
    "parse_fault_spec",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
