"""A local A2E face swap service for tests: ``a2e_faceswap.testing.Simulator``.

Installed with the ``testing`` extra (``pip install a2e-faceswap[testing]``); ``import a2e_faceswap`` never
imports it. It keeps state per token, moves previews and tasks through their life on a speedable clock,
serves uploads and result files, injects faults deterministically from a seed, and checks every request
and answer against openapi/a2e.yaml.

Run it as a server with ``python -m a2e_faceswap.testing --port 8080`` (prints its base URL and token).
"""

from __future__ import annotations

from a2e_faceswap.testing._clock import SimClock
from a2e_faceswap.testing._contract import ContractViolationError
from a2e_faceswap.testing._faults import (
    API_OPERATIONS,
    FILE_ROUTES,
    Fault,
    FaultKind,
    FaultPlan,
    FaultRule,
    parse_fault_spec,
)
from a2e_faceswap.testing._simulator import DEFAULT_COSTS, Simulator
from a2e_faceswap.testing._stats import NO_ANSWER, SimStats

__all__ = [
    "API_OPERATIONS",
    "DEFAULT_COSTS",
    "FILE_ROUTES",
    "NO_ANSWER",
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
