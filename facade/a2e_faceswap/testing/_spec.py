"""The contract the simulator serves, and the one source of its list of API operations.

The spec is the copy shipped inside the generated package (``a2e_api/openapi.yaml``, identical to
openapi/a2e.yaml), so an installed wheel has it too. Every operationId, method, path and listed status
the simulator uses comes from here; ``_routes.HANDLERS`` holds one handler per operationId (a test
checks the two agree).
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass
from typing import Any

import yaml

#: libyaml's loader when pyyaml was built with it: about 15x faster on this spec than the pure one.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Operation:
    """One API operation of the contract."""

    id: str
    method: str
    path: str
    #: The HTTP statuses the contract lists for its answers.
    statuses: frozenset[int]


def load_spec() -> dict[str, Any]:
    """The contract as a fresh dict (from the copy shipped in the generated package)."""
    text = (importlib.resources.files("a2e_api") / "openapi.yaml").read_text(encoding="utf-8")
    spec: dict[str, Any] = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    return spec


@functools.cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the contract, in the spec's order."""
    found = []
    for path, item in load_spec()["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                statuses = frozenset(int(status) for status in operation.get("responses") or {})
                found.append(Operation(operation["operationId"], method.upper(), path, statuses))
    return tuple(found)


def operation(operation_id: str) -> Operation | None:
    return next((op for op in operations() if op.id == operation_id), None)
