"""The list of API operations has one source, the spec: the simulator routes exactly its operations (by
their method and path) and has one handler for each."""

from __future__ import annotations

import re

import httpx
from a2e_faceswap.testing import API_OPERATIONS, FILE_ROUTES
from a2e_faceswap.testing._routes import HANDLERS
from a2e_faceswap.testing._spec import load_spec

from tests.conftest import MakeSim

SPEC_OPERATIONS = [
    (operation["operationId"], method.upper(), path)
    for path, item in load_spec()["paths"].items()
    for method, operation in item.items()
    if isinstance(operation, dict) and "operationId" in operation
]


def test_the_operations_are_the_specs_in_its_order_each_with_one_handler() -> None:
    assert list(API_OPERATIONS) == [operation_id for operation_id, _, _ in SPEC_OPERATIONS]
    assert sorted(HANDLERS) == sorted(API_OPERATIONS)
    assert not set(FILE_ROUTES) & set(API_OPERATIONS)


def test_every_method_and_path_of_the_spec_reaches_its_operation(make_sim: MakeSim) -> None:
    sim = make_sim(strict=False)  # the requests carry no body or query: only the routing is looked at
    with httpx.Client(base_url=sim.base_url) as client:
        for operation_id, method, path in SPEC_OPERATIONS:
            before = sim.stats.requests_to(operation_id)
            client.request(method, re.sub(r"\{[^}]+\}", "6674f1765699df7e9d25311a", path))
            assert sim.stats.requests_to(operation_id) == before + 1, (method, path)
    assert sim.stats.requests_to("unknown") == 0
